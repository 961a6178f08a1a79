// Copyright Myrmidon authors.
//
// actorc_support.h: the small runtime support that actorc's generated C++
// headers (foo.actor.h) use. Not for direct use.
//
// The typed clients that actorc generates offer co_await-able calls from
// inside any actor (`co_await client.AsyncDeposit(*this, amount, memo)`).
// ActorBase::Call and ActorBase::Receive are protected (an actor calls them
// on itself); the helpers below reach them through myr::OnBehalfOf, the
// runtime's seam for that. They must only be called from a handler of
// `self`, on the thread running it, exactly like the protected members.
#ifndef MYR_CODEGEN_ACTORC_SUPPORT_H_
#define MYR_CODEGEN_ACTORC_SUPPORT_H_

#include <cstdint>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "capnp/message.h"
#include "capnp/serialize.h"
#include "kj/array.h"
#include "kj/exception.h"
#include "libs/sched/runtime.h"

namespace myr::actorc_support {

// The timeout of a call or stream method whose schema sets none.
inline constexpr absl::Duration kDefaultTimeout = absl::Seconds(30);

// What generated clients call (kept as one name the templates use).
struct Access {
  // self.Call(to, msg, timeout): an awaitable of CallResult<ReplyOf<M>>.
  template <typename M>
  static auto CallFrom(::myr::ActorBase& self, ::myr::Pid to, M msg, absl::Duration timeout) {
    return ::myr::OnBehalfOf::Call(self, to, std::move(msg), timeout);
  }
  // self.Receive<T>(pred, timeout): an awaitable of absl::StatusOr<T>.
  template <typename T, typename Pred>
  static auto ReceiveFrom(::myr::ActorBase& self, Pred pred, absl::Duration timeout) {
    return ::myr::OnBehalfOf::Receive<T>(self, std::move(pred), timeout);
  }
  // self.Send(to, msg): a send whose sender() is `self`.
  template <typename T>
  static ::myr::SendResult SendFrom(::myr::ActorBase& self, ::myr::Pid to, T msg) {
    return ::myr::OnBehalfOf::Send(self, to, std::move(msg));
  }
};

// One value as a standalone capnp message (standard framing) of the
// capnp-generated type W, e.g. Encode<wire::Account::DepositParams>(msg).
// ToWire is found by argument-dependent lookup in the value's namespace.
template <typename W, typename T>
kj::Array<::capnp::word> Encode(const T& value) {
  ::capnp::MallocMessageBuilder message;
  ToWire(value, message.template initRoot<W>());
  return ::capnp::messageToFlatArray(message);
}

// The value of a framed capnp message of type W (FromWire's result type);
// InvalidArgument for bytes that are not a valid message.
template <typename W>
auto Decode(kj::ArrayPtr<const ::capnp::word> words)
    -> decltype(FromWire(std::declval<typename W::Reader>())) {
  try {
    ::capnp::FlatArrayMessageReader reader(words);
    return FromWire(reader.template getRoot<W>());
  } catch (const kj::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("malformed message: ", e.getDescription().cStr()));
  }
}

}  // namespace myr::actorc_support

#endif  // MYR_CODEGEN_ACTORC_SUPPORT_H_
