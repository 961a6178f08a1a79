// Copyright Myrmidon authors.
//
// foreign_actor.h: actors whose handler is not C++ code with typed Handle
// overloads, but a function of (method, bytes) or of an opaque value of a
// guest language — a Python callable, a JavaScript function.
//
// A ForeignActor holds a ForeignHandler and hands it every message as a
// ForeignMessage, on the executor it was spawned on (SpawnOptions::executor:
// the Python binding's GIL-holding one, the Node binding's event-loop one):
//   - a message whose type has a wire codec (every actorc-generated type)
//     arrives as kBytes: `method` is the type's wire id, `payload` its
//     encoding — the shape of the generated servicers' dispatch(method,
//     payload);
//   - wire::Bytes arrives as kBytes with method 0, without a copy;
//   - a GuestValue (a guest object sent between actors of one runtime, by
//     reference, never copied or encoded) or a GuestCall arrives as kGuest;
//   - anything else (ExitMsg for an actor that traps exits, a supervise::Down)
//     arrives as kNative, for a handler that knows the type (PayloadIf<T>).
// A call's answer goes through msg.reply, which may be kept and answered
// later from any thread (an awaiting coroutine of the guest language): with
// the encoded reply (Bytes), a guest value (GuestCall), or an error. A
// ForeignReply dropped unanswered fails the call, so a caller always gets
// exactly one result (request.h).
//
//   class Echo : public myr::ForeignHandler {
//     void Handle(myr::ForeignActor& self, myr::ForeignMessage& msg) override {
//       if (msg.reply.pending()) msg.reply.Bytes(msg.payload.view());  // the same bytes back
//     }
//   };
//   absl::StatusOr<myr::Pid> pid = myr::SpawnForeign(rt, std::make_unique<Echo>());
//
// An exception escaping the handler ends the actor as a crash, like a C++
// handler's. The handler's methods run one at a time, on the actor's turn.
#ifndef MYR_SCHED_FOREIGN_ACTOR_H_
#define MYR_SCHED_FOREIGN_ACTOR_H_

#include <cstdint>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/mailbox/message.h"
#include "libs/sched/runtime.h"
#include "libs/wire/bytes.h"

namespace myr {

// An opaque value of a guest language, owned by reference: moving it moves
// the reference; destroying it calls its kind's release (which must take
// whatever lock the guest needs, e.g. the GIL: it may run on any thread).
class GuestValue {
 public:
  struct Kind {
    const char* language;         // "python", "node", ...
    void (*release)(void* value);  // drops the reference this GuestValue held
  };

  GuestValue() = default;
  GuestValue(const Kind* kind, void* value) : kind_(kind), value_(value) {}
  GuestValue(GuestValue&& o) noexcept
      : kind_(std::exchange(o.kind_, nullptr)), value_(std::exchange(o.value_, nullptr)) {}
  GuestValue& operator=(GuestValue&& o) noexcept {
    if (this != &o) {
      Reset();
      kind_ = std::exchange(o.kind_, nullptr);
      value_ = std::exchange(o.value_, nullptr);
    }
    return *this;
  }
  GuestValue(const GuestValue&) = delete;
  GuestValue& operator=(const GuestValue&) = delete;
  ~GuestValue() { Reset(); }

  void* get() const { return value_; }
  const Kind* kind() const { return kind_; }
  explicit operator bool() const { return value_ != nullptr; }
  // Gives up the reference without releasing it (the caller owns it now).
  void* Take() {
    kind_ = nullptr;
    return std::exchange(value_, nullptr);
  }

 private:
  void Reset() {
    if (value_ != nullptr && kind_ != nullptr && kind_->release != nullptr) kind_->release(value_);
    value_ = nullptr;
    kind_ = nullptr;
  }
  const Kind* kind_ = nullptr;
  void* value_ = nullptr;
};

// A call between guest actors: a guest value in, a guest value back
// (Runtime::CallAsync(pid, GuestCall{...}, timeout, done)).
struct GuestCall {
  using Reply = GuestValue;
  GuestValue value;
};

// The answer to a call a foreign actor received. Move-only; answer it once,
// from any thread, now or later. Dropped unanswered, it fails the call.
class ForeignReply {
 public:
  ForeignReply() = default;
  explicit ForeignReply(Message* request) : request_(request) {}
  ForeignReply(ForeignReply&&) = default;
  ForeignReply& operator=(ForeignReply&&) = default;

  bool pending() const { return request_ != nullptr; }
  // The encoded reply of a call that arrived as bytes (its type's codec
  // decodes it for the caller; bytes that do not decode fail the call with
  // InvalidArgument). For a call without a reply value, any bytes (say,
  // empty) answer OK.
  void Bytes(absl::string_view encoded);
  // The reply of a GuestCall. (For another call: InvalidArgument to the
  // caller.)
  void Value(GuestValue value);
  // An error reply.
  void Fail(absl::Status status);

 private:
  std::unique_ptr<Message> request_;
};

struct ForeignMessage {
  enum class Kind : uint8_t { kBytes, kGuest, kNative };
  Kind kind = Kind::kBytes;
  // kBytes: the wire id of the message's type (0 for wire::Bytes) and its
  // encoding.
  uint64_t method = 0;
  wire::Bytes payload;
  // kGuest: the value (the handler may move it out).
  GuestValue* guest = nullptr;
  // kNative: the message itself, valid during Handle (PayloadIf<T>).
  const Message* native = nullptr;
  Pid sender;  // invalid for a send from outside any actor
  // For a call: where its answer goes (pending()); else empty.
  ForeignReply reply;
};

class ForeignActor;

class ForeignHandler {
 public:
  virtual ~ForeignHandler() = default;
  // On the first turn, before any message (an exception: the actor never
  // started; it exits with reason crash and OnExit is not called).
  virtual void OnStart(ForeignActor& self) {}
  virtual void Handle(ForeignActor& self, ForeignMessage& msg) = 0;
  // When an actor that started exits. Must not throw.
  virtual void OnExit(const ExitReason& reason) {}
};

class ForeignActor final : public ActorBase {
 public:
  using Interface = Pid;

  explicit ForeignActor(std::unique_ptr<ForeignHandler> handler) : handler_(std::move(handler)) {}

  // For the handler, on the actor's turn only (like ActorBase's helpers).
  using ActorBase::sender;
  SendResult Send(Pid to, wire::Bytes bytes) { return ActorBase::Send(to, std::move(bytes)); }
  SendResult Send(Pid to, GuestValue value) { return ActorBase::Send(to, std::move(value)); }
  // Sends `encoded` as a message of the type whose codec has wire id
  // `method` (found in the codec registry), as if typed: a generated C++
  // actor handles it with its Handle overload. InvalidArgument if no codec
  // has that id or the bytes do not decode.
  absl::StatusOr<SendResult> SendEncoded(Pid to, uint64_t method, absl::string_view encoded);
  void Stop() { ActorBase::Stop(); }
  void Exit(ExitReason reason) { ActorBase::Exit(std::move(reason)); }
  void TrapExits(bool on) { ActorBase::TrapExits(on); }
  ForeignHandler& handler() const { return *handler_; }

 private:
  void OnStart() override;
  void OnExit(const ExitReason& reason) override;
  bool Dispatch(Message* m) override;

  std::unique_ptr<ForeignHandler> handler_;
};

// Spawns a ForeignActor running `handler` (on options.executor, if set).
absl::StatusOr<Pid> SpawnForeign(Runtime& rt, std::unique_ptr<ForeignHandler> handler,
                                 const SpawnOptions& options = SpawnOptions());

}  // namespace myr

#endif  // MYR_SCHED_FOREIGN_ACTOR_H_
