// Copyright Myrmidon authors.
//
// actorc_support.h: the small runtime support that actorc's generated C++
// headers (foo.actor.h) use. Not for direct use.
//
// The typed clients that actorc generates offer co_await-able calls from
// inside any actor (`co_await client.AsyncDeposit(*this, amount, memo)`).
// ActorBase::Call and ActorBase::Receive are protected (an actor calls them
// on itself); Access reaches them through myr::OnBehalfOf, the runtime's
// seam for that. They must only be called from a handler of `self`, on the
// thread running it, exactly like the protected members.
//
// The generated wire codecs (EncodeWire / DecodeWire of every IDL type,
// see libs/sched/wire_codec.h) are one call each to EncodeWire<W> /
// DecodeWire<W> below: a framed Cap'n Proto message of the capnp type W
// (standard framing, one segment), decoded strictly — bytes that are not
// exactly one valid message of W give InvalidArgument, never a crash or an
// exception. Encode / Decode are the same on kj word arrays. All of them
// are thread-safe (pure functions).
#ifndef MYR_CODEGEN_ACTORC_SUPPORT_H_
#define MYR_CODEGEN_ACTORC_SUPPORT_H_

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "capnp/blob.h"
#include "capnp/message.h"
#include "capnp/serialize.h"
#include "kj/array.h"
#include "kj/debug.h"
#include "kj/exception.h"
#include "kj/io.h"
#include "libs/sched/runtime.h"
#include "libs/wire/codec.h"

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

// How much a decode may read: 8 times the message, and at least 64 Ki
// words. A valid message reads each of its words about once; only shared
// or zero-sized list elements read more (an amplification: a 100-byte
// message claiming millions of elements).
inline uint64_t TraversalLimit(size_t words) {
  return std::max<uint64_t>(8 * static_cast<uint64_t>(words), uint64_t{1} << 16);
}

// The value of a framed capnp message of type W (FromWire's result type);
// InvalidArgument for words that are not exactly one valid message (empty,
// a bad segment table, pointers out of bounds, more to read than
// TraversalLimit allows, words left over after the message).
template <typename W>
auto Decode(kj::ArrayPtr<const ::capnp::word> words)
    -> decltype(FromWire(std::declval<typename W::Reader>())) {
  if (words.size() == 0) return absl::InvalidArgumentError("malformed message: empty");
  try {
    ::capnp::ReaderOptions options;
    options.traversalLimitInWords = TraversalLimit(words.size());
    ::capnp::FlatArrayMessageReader reader(words, options);
    if (reader.getEnd() != words.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "malformed message: ", words.end() - reader.getEnd(), " words after its end"));
    }
    return FromWire(reader.template getRoot<W>());
  } catch (const kj::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("malformed message: ", e.getDescription().cStr()));
  }
}

// A generated EncodeWire: `value` as a framed message of W, into *out
// (replacing its contents). InvalidArgument if capnp cannot hold it (a list
// or text beyond capnp's size limits).
template <typename W, typename T>
absl::Status EncodeWire(const T& value, std::string* out) {
  try {
    ::capnp::MallocMessageBuilder message;
    ToWire(value, message.template initRoot<W>());
    out->resize(::capnp::computeSerializedSizeInWords(message) * sizeof(::capnp::word));
    kj::ArrayOutputStream stream(
        kj::arrayPtr(reinterpret_cast<kj::byte*>(out->data()), out->size()));
    ::capnp::writeMessage(stream, message);
  } catch (const kj::Exception& e) {
    out->clear();
    return absl::InvalidArgumentError(absl::StrCat("cannot encode: ", e.getDescription().cStr()));
  }
  return absl::OkStatus();
}

// A generated DecodeWire: the value of the framed message of W in `bytes`
// (Decode's checks; also InvalidArgument for a length that is not a whole
// number of 8-byte words). capnp reads words in place, so bytes that are
// not 8-byte aligned (a string_view into a larger buffer) are copied first.
template <typename W>
auto DecodeWire(absl::string_view bytes) -> decltype(FromWire(std::declval<typename W::Reader>())) {
  constexpr size_t kWord = sizeof(::capnp::word);
  if (bytes.size() % kWord != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "malformed message: ", bytes.size(), " bytes is not a whole number of 8-byte words"));
  }
  const size_t n = bytes.size() / kWord;
  if (reinterpret_cast<uintptr_t>(bytes.data()) % alignof(::capnp::word) == 0) {
    return Decode<W>(kj::arrayPtr(reinterpret_cast<const ::capnp::word*>(bytes.data()), n));
  }
  kj::Array<::capnp::word> aligned = kj::heapArray<::capnp::word>(n);
  std::memcpy(static_cast<void*>(aligned.begin()), bytes.data(), bytes.size());
  return Decode<W>(aligned.asPtr());
}

// The absl::Status of a stream event's `code` and `message` (ReadWire of
// an <M>Event): throws kj::Exception, ReadWire's error, for a code outside
// absl's canonical 0..16. An OK code has no message.
inline absl::Status StatusFromWire(uint32_t code, ::capnp::Text::Reader message) {
  KJ_REQUIRE(code <= 16, "status code outside absl's canonical 0..16", code);
  if (code == 0) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(code),
                      absl::string_view(message.cStr(), message.size()));
}


}  // namespace myr::actorc_support

#endif  // MYR_CODEGEN_ACTORC_SUPPORT_H_
