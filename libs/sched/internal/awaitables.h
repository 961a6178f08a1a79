// Copyright Myrmidon authors.
//
// What a Task handler co_awaits: Receive (selective receive with a
// timeout), Call (a reply on the system channel) and Sleep. Each awaitable
// is the PendingReceive the cell points at while the handler is suspended;
// the runtime's turn resumes it with a matching message, the reply, or the
// timeout. Private to libs/sched; included at the end of runtime.h (the
// awaitables call into the Runtime).
#ifndef MYR_SCHED_INTERNAL_AWAITABLES_H_
#define MYR_SCHED_INTERNAL_AWAITABLES_H_

#include <coroutine>
#include <exception>
#include <memory>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/mailbox/message.h"
#include "libs/sched/internal/cell.h"
#include "libs/sched/internal/system_kinds.h"
#include "libs/sched/request.h"

namespace myr {
class Runtime;

namespace sched_internal {

// Delivers a reply to an actor awaiting it (on its system channel).
template <typename R>
class ActorReplySink final : public ReplySink<R> {
 public:
  ActorReplySink(Runtime* rt, Pid caller, uint64_t call_id)
      : rt_(rt), caller_(caller), call_id_(call_id) {}
  void Deliver(CallResult<R> result) override;

 private:
  Runtime* rt_;
  Pid caller_;
  uint64_t call_id_;
};

// Registers the suspension of the cell's active task and arms its deadline
// (turn.cc).
void Suspend(Cell* cell, PendingReceive* p, std::coroutine_handle<> h, absl::Duration timeout);

template <typename T, typename Pred>
class ReceiveAwaitable final : public PendingReceive {
 public:
  ReceiveAwaitable(Cell* cell, Pred pred, absl::Duration timeout)
      : cell_(cell), pred_(std::move(pred)), timeout_(timeout) {}
  ReceiveAwaitable(ReceiveAwaitable&&) = default;
  ~ReceiveAwaitable() { delete result; }

  bool MatchUser(const Message& m) override {
    const T* v = PayloadIf<T>(&m);
    if (v == nullptr) return false;
    try {
      return pred_(*v);
    } catch (...) {
      // Take the message the predicate threw on and rethrow in the handler
      // (from co_await), where it ends the actor as a crash; an exception
      // must not escape into the mailbox or the worker.
      error_ = std::current_exception();
      return true;
    }
  }
  bool await_ready() {
    result = cell_->mailbox.TakeFirst([this](const Message& m) { return MatchUser(m); });
    if (result != nullptr) return true;
    if (timeout_ <= absl::ZeroDuration()) {
      timed_out = true;
      return true;
    }
    return false;
  }
  void await_suspend(std::coroutine_handle<> h) { Suspend(cell_, this, h, timeout_); }
  absl::StatusOr<T> await_resume() {
    if (error_) {
      delete std::exchange(result, nullptr);
      std::rethrow_exception(error_);
    }
    if (result == nullptr) {
      return absl::DeadlineExceededError(
          absl::StrCat("receive timed out after ", absl::FormatDuration(timeout_)));
    }
    std::unique_ptr<Message> owned(std::exchange(result, nullptr));
    return std::move(static_cast<Envelope<T>*>(owned.get())->value);
  }

 private:
  Cell* cell_;
  Pred pred_;
  absl::Duration timeout_;
  std::exception_ptr error_;
};

template <typename R>
class CallAwaitable final : public PendingReceive {
 public:
  CallAwaitable(Cell* cell, Pid to, uint64_t call_id, absl::Duration timeout)
      : cell_(cell), to_(to), call_id_(call_id), timeout_(timeout) {}
  CallAwaitable(CallAwaitable&&) = default;
  ~CallAwaitable() { delete result; }

  bool MatchSystem(const Message& m) override {
    return m.kind() == kSysReply && static_cast<const ReplyMessageBase&>(m).call_id() == call_id_;
  }
  bool await_ready() { return false; }
  void await_suspend(std::coroutine_handle<> h) { Suspend(cell_, this, h, timeout_); }
  CallResult<R> await_resume() {
    if (result == nullptr) {
      return absl::DeadlineExceededError(absl::StrCat(
          "call to ", to_.ToString(), " timed out after ", absl::FormatDuration(timeout_)));
    }
    std::unique_ptr<Message> owned(std::exchange(result, nullptr));
    return std::move(static_cast<ReplyMessage<R>*>(owned.get())->result);
  }

 private:
  Cell* cell_;
  Pid to_;
  uint64_t call_id_;
  absl::Duration timeout_;
};

class SleepAwaitable final : public PendingReceive {
 public:
  SleepAwaitable(Cell* cell, absl::Duration d) : cell_(cell), d_(d) {}
  bool await_ready() { return d_ <= absl::ZeroDuration(); }
  void await_suspend(std::coroutine_handle<> h) { Suspend(cell_, this, h, d_); }
  void await_resume() {}

 private:
  Cell* cell_;
  absl::Duration d_;
};

}  // namespace sched_internal
}  // namespace myr

#endif  // MYR_SCHED_INTERNAL_AWAITABLES_H_
