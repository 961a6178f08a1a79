// Copyright Myrmidon authors.
//
// The glue between a handler's return value and the request it answers: a
// plain value is the reply at once; a Task<...> handler becomes an
// ActiveTask that the runtime resumes until it finishes, then replies.
// Private to libs/sched (used by the Actor<> template).
#ifndef MYR_SCHED_INTERNAL_ACTIVE_TASK_H_
#define MYR_SCHED_INTERNAL_ACTIVE_TASK_H_

#include <coroutine>
#include <memory>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "libs/mailbox/message.h"
#include "libs/sched/internal/cell.h"
#include "libs/sched/request.h"
#include "libs/sched/task.h"

namespace myr::sched_internal {

// Sends a handler's return value as the reply to a request.
template <typename R, typename X>
void RespondWith(ReplyHandle<R>& reply, X&& x) {
  using V = std::decay_t<X>;
  if constexpr (std::is_void_v<R>) {
    if constexpr (std::is_same_v<V, absl::Status>) {
      reply.Reply(std::forward<X>(x));
    } else {
      reply.Reply(absl::OkStatus());
    }
  } else {
    reply.Reply(CallResult<R>(std::forward<X>(x)));
  }
}

template <typename M, typename X>
class ActiveTaskImpl final : public ActiveTask {
 public:
  ActiveTaskImpl(Task<X> task, Message* msg) : msg_(msg), task_(std::move(task)) {}
  std::coroutine_handle<> handle() override { return task_.handle(); }
  bool done() override { return task_.done(); }
  Message* message() override { return msg_.get(); }
  void Finish() override {
    if constexpr (std::is_void_v<X>) {
      task_.TakeResult();
      if (msg_->is_request()) {
        RespondWith(static_cast<RequestEnvelope<M>*>(msg_.get())->reply(), absl::OkStatus());
      }
    } else {
      X x = task_.TakeResult();
      if (msg_->is_request()) {
        RespondWith(static_cast<RequestEnvelope<M>*>(msg_.get())->reply(), std::move(x));
      }
    }
  }

 private:
  // Declared first, destroyed last: the coroutine frame (task_) refers into
  // the message, so the frame goes before the message does.
  std::unique_ptr<Message> msg_;
  Task<X> task_;
};

// Makes `task` the cell's active handler and runs it to its first
// suspension (turn.cc).
void StartTask(Cell* cell, ActiveTask* task);

// Counts a message no handler took as a dead letter (turn.cc).
void CountUnhandled(Cell* cell);

// The crash reason for the exception being handled (call in a catch block):
// its what() text, or "unknown exception" (turn.cc).
ExitReason CrashFromCurrentException();

}  // namespace myr::sched_internal

#endif  // MYR_SCHED_INTERNAL_ACTIVE_TASK_H_
