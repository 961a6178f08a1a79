// Copyright Myrmidon authors.
#include "libs/sched/foreign_actor.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/wire/codec.h"

namespace myr {

void ForeignReply::Bytes(absl::string_view encoded) {
  if (request_ == nullptr) return;
  std::unique_ptr<Message> m = std::move(request_);
  if (m->Is<wire::Bytes>()) {
    static_cast<RequestEnvelope<wire::Bytes>*>(m.get())->reply().Reply(absl::OkStatus());
    return;
  }
  const wire::Codec* codec = m->type()->codec();
  if (codec != nullptr && codec->complete != nullptr) {
    codec->complete(*m, absl::OkStatus(), encoded);
    return;
  }
  FailAndDelete(m.release(), absl::InvalidArgumentError(absl::StrCat(
                                 "a call of ", m->type()->name, " cannot be answered with bytes")));
}

void ForeignReply::Value(GuestValue value) {
  if (request_ == nullptr) return;
  std::unique_ptr<Message> m = std::move(request_);
  if (m->Is<GuestCall>()) {
    static_cast<RequestEnvelope<GuestCall>*>(m.get())->reply().Reply(
        CallResult<GuestValue>(std::move(value)));
    return;
  }
  FailAndDelete(m.release(), absl::InvalidArgumentError(absl::StrCat(
                                 "a call of ", m->type()->name,
                                 " cannot be answered with a guest value")));
}

void ForeignReply::Fail(absl::Status status) {
  if (request_ == nullptr) return;
  FailAndDelete(request_.release(), std::move(status));
}

void ForeignActor::OnStart() { handler_->OnStart(*this); }

void ForeignActor::OnExit(const ExitReason& reason) { handler_->OnExit(reason); }

absl::StatusOr<SendResult> ForeignActor::SendEncoded(Pid to, uint64_t method,
                                                     absl::string_view encoded) {
  const wire::Codec* codec = wire::FindCodec(method);
  if (codec == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("no message type with wire id 0x", absl::Hex(method), " is registered"));
  }
  return runtime().DeliverFromWire(to, self(), *codec, encoded, nullptr);
}

bool ForeignActor::Dispatch(Message* m) {
  ForeignMessage msg;
  msg.sender = m->sender();
  if (GuestValue* g = PayloadIf<GuestValue>(m)) {
    msg.kind = ForeignMessage::Kind::kGuest;
    msg.guest = g;
  } else if (GuestCall* call = PayloadIf<GuestCall>(m)) {
    msg.kind = ForeignMessage::Kind::kGuest;
    msg.guest = &call->value;
  } else if (wire::Bytes* b = PayloadIf<wire::Bytes>(m)) {
    msg.kind = ForeignMessage::Kind::kBytes;
    msg.payload = *b;  // shares the buffer
  } else if (const wire::Codec* codec = m->type()->codec()) {
    std::string encoded;
    if (absl::Status s = codec->encode(*m, &encoded); !s.ok()) {
      sched_internal::CountUnhandled(cell_);
      if (m->is_request()) {
        FailAndDelete(m, absl::InvalidArgumentError(absl::StrCat(
                             "cannot encode ", codec->name, " for a foreign actor: ", s.message())));
        return true;
      }
      return false;
    }
    msg.kind = ForeignMessage::Kind::kBytes;
    msg.method = codec->wire_id;
    msg.payload = wire::Bytes::FromString(std::move(encoded));
  } else {
    msg.kind = ForeignMessage::Kind::kNative;
    msg.native = m;
  }
  bool kept = false;
  if (m->is_request()) {
    msg.reply = ForeignReply(m);  // the reply owns the request from here on
    kept = true;
  }
  try {
    handler_->Handle(*this, msg);
  } catch (...) {
    // Ends the actor as a crash; a call still unanswered is answered with it.
    ExitReason reason = sched_internal::CrashFromCurrentException();
    {
      sched_internal::DropContext drop(self(), &reason);
      msg.reply = ForeignReply();
    }
    Exit(std::move(reason));
  }
  return kept;
}

absl::StatusOr<Pid> SpawnForeign(Runtime& rt, std::unique_ptr<ForeignHandler> handler,
                                 const SpawnOptions& options) {
  if (handler == nullptr) return absl::InvalidArgumentError("SpawnForeign: no handler");
  return rt.SpawnWith<ForeignActor>(options, std::move(handler));
}

}  // namespace myr
