// Copyright Myrmidon authors.
//
// request.h: request/reply plumbing.
//
// A call sends a RequestEnvelope<M>: the message plus a ReplyHandle, a
// one-shot channel back to the caller (an actor awaiting the reply, or a
// thread blocked in Runtime::Call). The handle is RAII: a request destroyed
// without an answer (dropped, left in the mailbox of an actor that exited,
// its handler killed) replies with an error, so a caller always gets exactly
// one result: a value, or a typed status:
//
//   NotFound            noproc: no live actor at that pid
//   ResourceExhausted   the target's mailbox was full (drop policies)
//   Unavailable         backpressure (block policy, sender could not wait)
//   DeadlineExceeded    no reply within the timeout
//   Aborted             the target exited before replying (reason in text)
//   Unimplemented       the target does not handle that message type
//   anything else       returned by the handler itself
#ifndef MYR_SCHED_REQUEST_H_
#define MYR_SCHED_REQUEST_H_

#include <memory>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "libs/mailbox/message.h"
#include "libs/pid/exit_reason.h"
#include "libs/sched/completion.h"
#include "libs/sched/internal/system_kinds.h"
#include "libs/sched/ref.h"

namespace myr {

// absl::Status for calls without a reply value, absl::StatusOr<R> otherwise.
template <typename R>
using CallResult = std::conditional_t<std::is_void_v<R>, absl::Status, absl::StatusOr<R>>;

namespace sched_internal {

// The status a request gets when it is destroyed unanswered: the reason set
// by the innermost DropContext on this thread, or a generic Aborted.
absl::Status UnansweredStatus();

// Sets the status unanswered requests get while it is in scope (e.g. the
// exit reason while an exiting actor drains its mailbox).
class DropContext {
 public:
  explicit DropContext(absl::Status status);
  // "actor <pid> exited before replying: <reason>", built only if needed.
  DropContext(Pid exiting, const ExitReason* reason);
  ~DropContext();
  DropContext(const DropContext&) = delete;
  DropContext& operator=(const DropContext&) = delete;

 private:
  friend absl::Status UnansweredStatus();
  absl::Status status_;
  Pid exiting_;
  const ExitReason* reason_ = nullptr;
  DropContext* outer_;
};

template <typename R>
class ReplySink {
 public:
  virtual ~ReplySink() = default;
  virtual void Deliver(CallResult<R> result) = 0;
};

}  // namespace sched_internal

// Where a reply goes: the seam for libraries that deliver replies their own
// way (libs/taskgroup wakes a task whose call may also be cancelled). A
// ReplyHandle owns its sink and calls Deliver exactly once, from whichever
// thread answers.
template <typename R>
using ReplySink = sched_internal::ReplySink<R>;

template <typename R>
class ReplyHandle {
 public:
  ReplyHandle() = default;
  explicit ReplyHandle(sched_internal::ReplySink<R>* sink) : sink_(sink) {}
  ReplyHandle(ReplyHandle&&) noexcept = default;
  ReplyHandle& operator=(ReplyHandle&& other) noexcept {
    if (this != &other) {
      FailIfPending();
      sink_ = std::move(other.sink_);
    }
    return *this;
  }
  ~ReplyHandle() { FailIfPending(); }

  bool pending() const { return sink_ != nullptr; }
  // Sends the result (once; later calls do nothing).
  void Reply(CallResult<R> result) {
    if (sink_ == nullptr) return;
    std::unique_ptr<sched_internal::ReplySink<R>> sink = std::move(sink_);
    sink->Deliver(std::move(result));
  }
  // Takes `status` by value and moves it on: the failing thread keeps no
  // reference to the status it hands to the caller (absl::Status shares its
  // message between copies through a reference count).
  void Fail(absl::Status status) {
    if constexpr (std::is_void_v<R>) {
      Reply(std::move(status));
    } else {
      Reply(CallResult<R>(std::move(status)));
    }
  }

 private:
  void FailIfPending() {
    if (sink_ != nullptr) Fail(sched_internal::UnansweredStatus());
  }
  std::unique_ptr<sched_internal::ReplySink<R>> sink_;
};

namespace sched_internal {

// Non-template face of every request, for failure paths.
class RequestBase {
 public:
  virtual ~RequestBase() = default;
  virtual void Fail(absl::Status status) = 0;
};

}  // namespace sched_internal

template <typename M>
class RequestEnvelope : public Envelope<M>, public sched_internal::RequestBase {
 public:
  using Reply = ReplyOf<M>;
  RequestEnvelope(M&& m, ReplyHandle<Reply> reply)
      : Envelope<M>(std::in_place, std::move(m)), reply_(std::move(reply)) {
    this->add_flags(Message::kRequest);
  }
  ReplyHandle<Reply>& reply() { return reply_; }
  void Fail(absl::Status status) override { reply_.Fail(std::move(status)); }
  // A spilled copy of a request is a plain one-way message.
  Message* Clone() const override {
    if constexpr (std::is_copy_constructible_v<M>) {
      auto* copy = new Envelope<M>(std::in_place, this->value);
      copy->set_sender(this->sender());
      return copy;
    } else {
      return nullptr;
    }
  }

 private:
  ReplyHandle<Reply> reply_;
};

// Fails `m` if it is a request (with `status`), then destroys it.
void FailAndDelete(Message* m, absl::Status status);

// A reply travelling to an awaiting actor, on its system channel.
class ReplyMessageBase : public Message {
 public:
  uint64_t call_id() const { return call_id_; }

 protected:
  ReplyMessageBase(const MessageType* type, uint64_t call_id)
      : Message(type, kSystem, sched_internal::kSysReply), call_id_(call_id) {}

 private:
  uint64_t call_id_;
};

template <typename R>
class ReplyMessage : public ReplyMessageBase {
 public:
  ReplyMessage(uint64_t call_id, CallResult<R> result)
      : ReplyMessageBase(MessageTypeOf<ReplyMessage<R>>(), call_id), result(std::move(result)) {}
  CallResult<R> result;
};

namespace sched_internal {

// The caller is a plain thread blocked in Runtime::Call (Runtime::Await on
// the completion).
template <typename R>
class ExternalReplySink final : public ReplySink<R> {
 public:
  explicit ExternalReplySink(std::shared_ptr<Completion<CallResult<R>>> done)
      : done_(std::move(done)) {}
  void Deliver(CallResult<R> result) override { done_->Set(std::move(result)); }

 private:
  std::shared_ptr<Completion<CallResult<R>>> done_;
};

}  // namespace sched_internal
}  // namespace myr

#endif  // MYR_SCHED_REQUEST_H_
