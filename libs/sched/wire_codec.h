// Copyright Myrmidon authors.
//
// wire_codec.h: the wire codec of a message type that is sent, called and
// answered across a process boundary (see libs/wire/codec.h for the seam).
//
// A message type M gets one by declaring its wire id and name, its encoder
// and decoder, and, if it is a call (it declares `using Reply = R;`, R not
// void), the reply's encoder and decoder, then returning WireCodecFor<M>()
// from the codec hook. actorc generates all of it for every IDL type; by
// hand it reads:
//
//   struct Deposit {
//     using Reply = int64_t;
//     int64_t amount;
//     static constexpr uint64_t kWireId = 0x5d1c...;  // stable, never 0
//     static constexpr const char* kWireName = "bank.Deposit";
//     static absl::Status EncodeWire(const Deposit&, std::string* out);
//     static absl::StatusOr<Deposit> DecodeWire(absl::string_view bytes);
//     static absl::Status EncodeReplyWire(const int64_t&, std::string* out);
//     static absl::StatusOr<int64_t> DecodeReplyWire(absl::string_view bytes);
//     static const myr::wire::Codec& WireCodec() { return myr::WireCodecFor<Deposit>(); }
//   };
//
// The codec it builds: encode/decode of the message itself; decode_request
// (a request whose ReplyHandle encodes the handler's answer into a
// wire::Reply, so the exactly-one-result guarantee of request.h holds across
// the boundary: a reply, the handler's error, or the exit reason of an actor
// that died first); complete (answers the caller's pending request with a
// reply that came back as bytes). Any message type may be sent as a request;
// without `using Reply` the reply carries no value.
#ifndef MYR_SCHED_WIRE_CODEC_H_
#define MYR_SCHED_WIRE_CODEC_H_

#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libs/mailbox/message.h"
#include "libs/sched/ref.h"
#include "libs/sched/request.h"
#include "libs/wire/codec.h"

namespace myr {
namespace sched_internal {

// The answer to a request that arrived as bytes: encoded into `reply`.
template <typename M>
class WireReplySink final : public ReplySink<ReplyOf<M>> {
 public:
  using R = ReplyOf<M>;
  explicit WireReplySink(std::unique_ptr<wire::Reply> reply) : reply_(std::move(reply)) {}
  void Deliver(CallResult<R> result) override {
    if constexpr (std::is_void_v<R>) {
      reply_->Deliver(std::move(result), std::string());
    } else {
      if (!result.ok()) {
        reply_->Deliver(result.status(), std::string());
        return;
      }
      std::string bytes;
      absl::Status s = M::EncodeReplyWire(*result, &bytes);
      if (!s.ok()) {
        reply_->Deliver(absl::InternalError(absl::StrCat("cannot encode the reply of ",
                                                         M::kWireName, ": ", s.message())),
                        std::string());
        return;
      }
      reply_->Deliver(absl::OkStatus(), std::move(bytes));
    }
  }

 private:
  std::unique_ptr<wire::Reply> reply_;
};

template <typename M>
absl::Status EncodeWireMessage(const Message& m, std::string* out) {
  const M* v = PayloadIf<M>(&m);
  if (v == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("not a ", M::kWireName, " message"));
  }
  return M::EncodeWire(*v, out);
}

template <typename M>
absl::StatusOr<std::unique_ptr<Message>> DecodeWireMessage(absl::string_view bytes) {
  absl::StatusOr<M> v = M::DecodeWire(bytes);
  if (!v.ok()) return v.status();
  return std::unique_ptr<Message>(new Envelope<M>(std::in_place, std::move(*v)));
}

template <typename M>
absl::StatusOr<std::unique_ptr<Message>> DecodeWireRequest(absl::string_view bytes,
                                                           std::unique_ptr<wire::Reply> reply) {
  using R = ReplyOf<M>;
  absl::StatusOr<M> v = M::DecodeWire(bytes);
  if (!v.ok()) {
    absl::Status s = absl::InvalidArgumentError(
        absl::StrCat("malformed ", M::kWireName, " request: ", v.status().message()));
    reply->Deliver(s, std::string());
    return s;
  }
  return std::unique_ptr<Message>(new RequestEnvelope<M>(
      std::move(*v), ReplyHandle<R>(new WireReplySink<M>(std::move(reply)))));
}

template <typename M>
void CompleteFromWire(Message& request, const absl::Status& status, absl::string_view bytes) {
  using R = ReplyOf<M>;
  if (!request.Is<M>() || !request.is_request()) return;  // not one of ours
  ReplyHandle<R>& reply = static_cast<RequestEnvelope<M>&>(request).reply();
  if (!status.ok()) {
    reply.Fail(absl::Status(status.code(), status.message()));
    return;
  }
  if constexpr (std::is_void_v<R>) {
    reply.Reply(absl::OkStatus());
  } else {
    absl::StatusOr<R> v = M::DecodeReplyWire(bytes);
    if (v.ok()) {
      reply.Reply(std::move(*v));
    } else {
      reply.Fail(absl::InvalidArgumentError(
          absl::StrCat("malformed reply to ", M::kWireName, ": ", v.status().message())));
    }
  }
}

}  // namespace sched_internal

// The codec of M (see the overview). One per type, built on first use.
template <typename M>
const wire::Codec& WireCodecFor() {
  static const wire::Codec codec = [] {
    static_assert(M::kWireId != 0, "a wire id is never 0");
    wire::Codec c;
    c.wire_id = M::kWireId;
    c.name = M::kWireName;
    c.encode = &sched_internal::EncodeWireMessage<M>;
    c.decode = &sched_internal::DecodeWireMessage<M>;
    c.decode_request = &sched_internal::DecodeWireRequest<M>;
    c.complete = &sched_internal::CompleteFromWire<M>;
    return c;
  }();
  return codec;
}

}  // namespace myr

#endif  // MYR_SCHED_WIRE_CODEC_H_
