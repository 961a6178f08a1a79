// Copyright Myrmidon authors.
//
// task_context.h: what a task body sees while it runs (TaskContext), shield
// scopes, and detached tasks.
//
// A task is concurrent work that is not an actor of its own design, run by
// the runtime as an actor all the same: it has a Pid (Runtime::IsAlive,
// MailboxInfo, Watch and monitors see it), it runs on the workers, and its
// body is a coroutine
//
//   myr::Task<absl::StatusOr<T>> body(myr::taskgroup::TaskContext& ctx);
//
// (a detached task returns Task<absl::Status>). The body runs inside the
// handler of that actor, so it may co_await what a Task handler may, through
// the context:
//
//   co_await ctx.Sleep(d)             absl::Status: OK after d, or the
//                                     cancellation / deadline that woke it
//   co_await ctx.Call(ref, msg, t)    CallResult<R>, like ActorBase::Call, but
//                                     `t` is clipped to the task's deadline and
//                                     the call gives up when the task is cancelled
//   ctx.Checkpoint()                  absl::Status: OK, or why the task should stop
//   ctx.Send(ref, msg)                a one-way send from the task
//
// Cancellation is level-triggered: once a task's group is cancelled (by
// Cancel, by its joiner deciding, by its parent being cancelled) or its
// deadline has passed, every later Checkpoint reports it (Cancelled or
// DeadlineExceeded), every Sleep and Call returns that status at once
// without waiting or sending, and a Sleep or Call in progress is woken with
// it. Cancellation is cooperative: a body that ignores it keeps running
// until the group's grace period ends, and is then killed (task_group.h).
//
// A ShieldScope (RAII) makes the task behave as if it were neither cancelled
// nor past its deadline while the scope lives, so that cleanup can run:
// Checkpoint reports OK, Sleep sleeps the full duration, Call waits up to its
// own timeout (not clipped by cancellation or by the deadline) and a
// TaskGroup created inside the scope inherits neither the task's
// cancellation nor its deadline. The grace period still applies: a shielded
// task of a cancelled group is killed when the grace period ends (Trio's
// shielded cancel scopes have no such bound).
//
// A context belongs to its task: use it only from that task's body (and the
// coroutines it awaits), never from another actor or thread.
#ifndef MYR_TASKGROUP_TASK_CONTEXT_H_
#define MYR_TASKGROUP_TASK_CONTEXT_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/pid/pid.h"
#include "libs/pid/exit_reason.h"
#include "libs/sched/request.h"
#include "libs/sched/runtime.h"
#include "libs/sched/task.h"

namespace myr::taskgroup {

class TaskContext;
template <typename T, typename R>
class TaskGroup;

// A spawned task: its index in its group (spawn order, from 0) and its pid.
struct TaskHandle {
  size_t index = 0;
  Pid pid;
};

// Sent to the actor named in TaskGroup::NotifyWhenDone once every task of
// group `group` (TaskGroup::id) has ended.
struct GroupDone {
  uint64_t group = 0;
};

namespace taskgroup_internal {

class GroupCore;
class TaskActor;

// The actor's own messages: the start of the body, and wake-ups. A wake-up
// with id 0 is a cancellation notice; any other id says that the reply of
// the task's call with that id is in its ReplySlot.
struct RunTask {};
struct TaskWake {
  uint64_t id = 0;
};

using TaskBody = absl::AnyInvocable<Task<void>(TaskContext&)>;

// NowNanos-clock deadline -> the timeout left until it.
absl::Duration Until(const Runtime& rt, int64_t deadline_ns);

// Where the reply of a task's call waits for the task to pick it up.
template <typename R>
struct ReplySlot {
  std::mutex mu;
  std::optional<CallResult<R>> result;  // guarded by mu
  CallResult<R> Take() {
    std::lock_guard<std::mutex> lock(mu);
    return std::move(*result);
  }
};

// Delivers a reply into a ReplySlot and wakes the task with TaskWake{id}.
// (myr::ReplySink is the seam libs/sched offers for custom reply paths.)
template <typename R>
class WakeSink final : public ReplySink<R> {
 public:
  WakeSink(Runtime* rt, Pid task, uint64_t id, std::shared_ptr<ReplySlot<R>> slot)
      : rt_(rt), task_(task), id_(id), slot_(std::move(slot)) {}
  void Deliver(CallResult<R> result) override {
    {
      std::lock_guard<std::mutex> lock(slot_->mu);
      slot_->result.emplace(std::move(result));
    }
    rt_->Send(task_, TaskWake{id_});
  }

 private:
  Runtime* rt_;
  Pid task_;
  uint64_t id_;
  std::shared_ptr<ReplySlot<R>> slot_;
};

absl::StatusOr<Pid> SpawnDetachedBody(Runtime& rt, TaskBody body, int64_t deadline_ns,
                                      const SpawnOptions& options);
void FinishDetached(TaskContext& ctx, const absl::Status& status);

template <typename Fn>
Task<void> RunDetached(Fn fn, TaskContext& ctx) {
  absl::Status status = co_await fn(ctx);
  FinishDetached(ctx, status);
}

}  // namespace taskgroup_internal

class TaskContext {
 public:
  TaskContext(const TaskContext&) = delete;
  TaskContext& operator=(const TaskContext&) = delete;

  Runtime& runtime() const { return *rt_; }
  // The task's pid.
  Pid self() const;
  // The task's index in its group (spawn order, from 0); 0 for a detached task.
  size_t index() const { return index_; }
  // The task's deadline on the Runtime::NowNanos clock (virtual in
  // deterministic mode): its group's, which is already the minimum of the
  // group's own and its parent task's. INT64_MAX: none.
  int64_t deadline_ns() const { return deadline_ns_; }
  // Time left until the deadline (InfiniteDuration if none; zero once passed).
  absl::Duration remaining() const { return taskgroup_internal::Until(*rt_, deadline_ns_); }

  // OK, or why the task should stop: the group's cancellation status
  // (Cancelled, or DeadlineExceeded when the group's deadline cancelled it),
  // or DeadlineExceeded once the deadline has passed. Level-triggered: once
  // it reports an error, it reports one on every later call (outside a
  // shield). Inside a ShieldScope: always OK.
  absl::Status Checkpoint() const;
  bool cancelled() const { return !Checkpoint().ok(); }
  // True inside a ShieldScope.
  bool shielded() const { return shield_depth_ > 0; }

  // co_await ctx.Sleep(d) -> absl::Status. Suspends the task (not a worker)
  // for d: OK when d has passed; the checkpoint status at once if the task is
  // cancelled or past its deadline, or when that happens during the sleep
  // (DeadlineExceeded at the deadline if it comes before d). Inside a shield:
  // sleeps the full d and returns OK.
  Task<absl::Status> Sleep(absl::Duration d);

  // co_await ctx.Call(to, msg, timeout) -> CallResult<ReplyOf<M>> (see
  // docs/programming-model.md for the statuses). Differences from
  // ActorBase::Call: a cancelled task (or one past its deadline) gets the
  // checkpoint status at once and sends nothing; the wait ends at the task's
  // deadline if that comes before `timeout` (DeadlineExceeded), and when the
  // task is cancelled meanwhile (its status; a late reply is discarded).
  // Inside a shield: neither applies, `timeout` alone bounds the wait.
  template <typename M, typename... Ms>
  Task<CallResult<ReplyOf<M>>> Call(Ref<Ms...> to, M msg, absl::Duration timeout) {
    static_assert(Ref<Ms...>::template kAccepts<M>, "this actor does not accept that message type");
    return Call(to.pid(), std::move(msg), timeout);
  }
  template <typename M>
  Task<CallResult<ReplyOf<M>>> Call(Pid to, M msg, absl::Duration timeout);

  // A one-way send with the task as sender (never blocks).
  template <typename T>
  SendResult Send(Pid to, T&& msg);
  template <typename T, typename... Ms>
  SendResult Send(Ref<Ms...> to, T&& msg) {
    static_assert(Ref<Ms...>::template kAccepts<T>, "this actor does not accept that message type");
    return Send(to.pid(), std::forward<T>(msg));
  }

 private:
  friend class taskgroup_internal::TaskActor;
  friend class ShieldScope;
  template <typename T, typename R>
  friend class TaskGroup;
  friend void taskgroup_internal::FinishDetached(TaskContext& ctx, const absl::Status& status);

  TaskContext(taskgroup_internal::TaskActor* actor, Runtime* rt,
              std::shared_ptr<taskgroup_internal::GroupCore> core, size_t index,
              int64_t deadline_ns);

  // Waits for GroupDone{group} (TaskGroup::Join(ctx)).
  Task<void> AwaitGroupDone(uint64_t group);
  // The group this task belongs to (null for a detached task).
  const std::shared_ptr<taskgroup_internal::GroupCore>& core() const { return core_; }

  taskgroup_internal::TaskActor* actor_;
  Runtime* rt_;
  std::shared_ptr<taskgroup_internal::GroupCore> core_;
  size_t index_;
  int64_t deadline_ns_;
  int shield_depth_ = 0;
  uint64_t last_call_id_ = 0;
};

// While it lives, its task is shielded from cancellation and from its
// deadline (see the file comment). Scopes nest. Create it on the task's own
// coroutine (as a local of the body), never from another task.
class ShieldScope {
 public:
  explicit ShieldScope(TaskContext& ctx) : ctx_(ctx) { ++ctx_.shield_depth_; }
  ~ShieldScope() { --ctx_.shield_depth_; }
  ShieldScope(const ShieldScope&) = delete;
  ShieldScope& operator=(const ShieldScope&) = delete;

 private:
  TaskContext& ctx_;
};

// Options of a detached task.
struct DetachedOptions {
  // Its own deadline (now + timeout); it inherits nothing from whoever
  // spawned it.
  absl::Duration timeout = absl::InfiniteDuration();
  // Lane and budget of its actor (its mailbox is always unbounded). A parent
  // set here makes it a child of that actor in the actor tree.
  SpawnOptions spawn;

  DetachedOptions& WithTimeout(absl::Duration d) {
    timeout = d;
    return *this;
  }
  DetachedOptions& WithSpawnOptions(SpawnOptions o) {
    spawn = std::move(o);
    return *this;
  }
};

// Starts `body` (callable as Task<absl::Status>(TaskContext&)) as a task
// that belongs to no group: nothing waits for it and nothing cancels it (its
// checkpoints report only its own deadline). It is a top-level actor owned by
// the runtime, like any spawned actor: it ends when its body returns (exit
// reason normal for OK; timeout for DeadlineExceeded; shutdown for
// Cancelled; crash carrying the status text otherwise), when someone stops
// or kills its pid, or at runtime shutdown. Returns its pid.
// FailedPrecondition after shutdown, ResourceExhausted when the slab is full.
// @threadsafe.
template <typename Fn>
absl::StatusOr<Pid> SpawnDetached(Runtime& rt, Fn body, DetachedOptions options = {}) {
  static_assert(std::is_invocable_r_v<Task<absl::Status>, Fn&, TaskContext&>,
                "a detached task body is callable as Task<absl::Status>(TaskContext&)");
  int64_t deadline = DeadlineAfter(rt.NowNanos(), options.timeout);
  return taskgroup_internal::SpawnDetachedBody(
      rt,
      [fn = std::move(body)](TaskContext& ctx) mutable {
        return taskgroup_internal::RunDetached(std::move(fn), ctx);
      },
      deadline, options.spawn);
}

namespace taskgroup_internal {

// The actor that runs one task body. Owner-only helpers for TaskContext.
class TaskActor final : public Actor<TaskActor, RunTask, TaskWake, GroupDone> {
 public:
  TaskActor(TaskBody body, std::shared_ptr<GroupCore> core, size_t index, int64_t deadline_ns);

  Task<void> Handle(RunTask&);
  void Handle(TaskWake&) {}   // a wake-up nobody waits for any more
  void Handle(GroupDone&) {}  // likewise

  template <typename Pred>
  auto ReceiveWake(Pred pred, absl::Duration timeout) {
    return Receive<TaskWake>(std::move(pred), timeout);
  }
  template <typename Pred>
  auto ReceiveDone(Pred pred, absl::Duration timeout) {
    return Receive<GroupDone>(std::move(pred), timeout);
  }
  auto SleepFor(absl::Duration d) { return Sleep(d); }
  template <typename T>
  SendResult SendFromTask(Pid to, T&& msg) {
    return Send(to, std::forward<T>(msg));
  }
  void Finish(ExitReason reason) { Exit(std::move(reason)); }

 private:
  TaskBody body_;
  TaskContext ctx_;
};

}  // namespace taskgroup_internal

// --- TaskContext templates -----------------------------------------------------

template <typename M>
Task<CallResult<ReplyOf<M>>> TaskContext::Call(Pid to, M msg, absl::Duration timeout) {
  using R = ReplyOf<M>;
  using taskgroup_internal::TaskWake;
  const bool shielded = this->shielded();
  if (!shielded) {
    absl::Status stop = Checkpoint();
    if (!stop.ok()) co_return CallResult<R>(std::move(stop));
  }
  const int64_t start = rt_->NowNanos();
  const int64_t own = DeadlineAfter(start, timeout);
  const int64_t until = shielded ? own : std::min(own, deadline_ns_);
  const uint64_t id = ++last_call_id_;
  auto slot = std::make_shared<taskgroup_internal::ReplySlot<R>>();
  auto* env = new RequestEnvelope<M>(
      std::move(msg),
      ReplyHandle<R>(new taskgroup_internal::WakeSink<R>(rt_, self(), id, slot)));
  env->set_sender(self());
  // On failure the handle has already replied (into the slot, with a wake-up).
  rt_->SendMessage(to, env, /*may_block=*/false);
  for (;;) {
    // Our reply; a stale reply of an earlier call (consumed, ignored); the
    // cancellation notice unless shielded.
    absl::StatusOr<TaskWake> wake = co_await actor_->ReceiveWake(
        [id, shielded](const TaskWake& w) {
          return w.id == id || (w.id != 0 ? w.id < id : !shielded);
        },
        taskgroup_internal::Until(*rt_, until));
    if (!wake.ok()) {
      if (until < own) {
        co_return CallResult<R>(absl::DeadlineExceededError(absl::StrCat(
            "call to ", to.ToString(), " stopped at the task's deadline after ",
            absl::FormatDuration(absl::Nanoseconds(rt_->NowNanos() - start)), " (its timeout was ",
            absl::FormatDuration(timeout), ")")));
      }
      co_return CallResult<R>(absl::DeadlineExceededError(absl::StrCat(
          "call to ", to.ToString(), " timed out after ", absl::FormatDuration(timeout))));
    }
    if (wake->id == id) co_return slot->Take();
    if (wake->id == 0) {
      absl::Status stop = Checkpoint();
      if (!stop.ok()) co_return CallResult<R>(std::move(stop));
    }
  }
}

template <typename T>
SendResult TaskContext::Send(Pid to, T&& msg) {
  return actor_->SendFromTask(to, std::forward<T>(msg));
}

}  // namespace myr::taskgroup

#endif  // MYR_TASKGROUP_TASK_CONTEXT_H_
