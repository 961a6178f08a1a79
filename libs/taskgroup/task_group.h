// Copyright Myrmidon authors.
//
// task_group.h: structured concurrency for work that is not an actor.
//
// A TaskGroup<T, R> runs tasks (coroutines returning absl::StatusOr<T>, see
// task_context.h) as actors of their own, and owns them: no task outlives
// the group's Join, nor the group object. A Joiner (joiner.h) decides when
// the group is done and what it returns (R):
//
//   struct Get { std::string key; using Reply = std::string; };
//
//   myr::taskgroup::TaskGroup group(rt, myr::taskgroup::FirstSuccess<std::string>(),
//                                   myr::taskgroup::GroupOptions().WithTimeout(absl::Seconds(2)));
//   for (myr::Ref<Get> replica : replicas) {
//     group.Spawn([replica, key](myr::taskgroup::TaskContext& ctx)
//                     -> myr::Task<absl::StatusOr<std::string>> {
//       Get get{key};  // not a braced temporary inside co_await: GCC 12 bug (README.md)
//       co_return co_await ctx.Call(replica, std::move(get), absl::Seconds(1));  // clipped to 2 s
//     });
//   }
//   absl::StatusOr<std::string> v = group.Join();  // the first reply; the other calls cancelled
//
// Lifecycle of a group:
//
//   open       Spawn starts tasks. Each task's outcome goes to the joiner as
//              it completes. The open phase ends with the first of: the
//              joiner decides (Succeed / Fail), Cancel(), the parent task's
//              cancellation, the deadline passing, the handle being
//              destroyed. That "cause" fixes the result: the joiner's
//              (Result(outcomes) or its error), Cancelled, or
//              DeadlineExceeded. If none comes, the result is the joiner's
//              Result(outcomes) once every task has ended.
//   cancelled  Every task still running is cancelled (level-triggered: see
//              task_context.h) and Spawn fails with the cancellation's
//              status (nothing is started). A task that has not ended
//              `grace` after the cancellation is killed (its outcome:
//              Cancelled, "... was killed ..."). Infinite grace: never.
//   sealed     Join (any form) seals the group: Spawn fails from then on (a
//              task that needs helpers makes a group of its own).
//   done       Sealed and every task has ENDED (its actor has exited, not
//              just returned a value): the result is final. Join returns it
//              (once; a second Join returns FailedPrecondition).
//
// Deadlines: GroupOptions's timeout/deadline, on the Runtime::NowNanos clock
// (virtual time in deterministic mode). A group created from a task
// (TaskGroup(ctx, ...)) takes min(its own, the task's deadline), and its
// tasks' calls are clipped to it; so deadlines propagate down any depth of
// nesting. Cancellation propagates the same way: cancelling a group cancels
// the groups its tasks created (unless they were created inside a
// ShieldScope, which inherits neither).
//
// Joining:
//   - From a plain thread: Join() blocks. On a deterministic runtime it
//     drives the runtime (and its virtual time) like Runtime::Call does; if
//     the runtime goes idle while tasks still run (they wait for something
//     that can never happen), the group is cancelled with FailedPrecondition
//     ("deadlock"), and if that does not end them, they are killed.
//   - From a task: co_await group.Join(ctx) (for a group created from that
//     task's context).
//   - From any other actor: NotifyWhenDone(self()), then co_await
//     Receive<GroupDone>(...) in a Task handler; Join() then returns at once.
//     Such a group should be created with GroupOptions::OwnedBy(self()).
//
// Ownership: a group created on a plain thread joins in its destructor
// (cancel, then block until every task has ended). A group owned by an actor
// (created from a TaskContext, or with OwnedBy) must not block its actor:
// its destructor kills the tasks that are still running instead (they end as
// soon as the runtime processes the kill; the kill does not interrupt a
// handler step already running). SpawnDetached is the only way to start a
// task that outlives the group.
//
// Tasks are actors: they have pids (Spawn returns them; Pids()), Runtime's
// IsAlive / MailboxInfo / Watch and libs/supervise's monitors work on them.
// For an owned group they are spawned with SpawnOptions::WithParent(owner).
// A task's actor exits with reason normal whatever its outcome (the outcome
// goes to the group); a task that throws exits with crash and its outcome is
// Aborted.
//
// Thread-safety: every TaskGroup method is @threadsafe except the
// destructor (the owner's) and Join(ctx) (the owning task's). A group must
// be destroyed before its Runtime.
#ifndef MYR_TASKGROUP_TASK_GROUP_H_
#define MYR_TASKGROUP_TASK_GROUP_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/pid/pid.h"
#include "libs/sched/runtime.h"
#include "libs/sched/task.h"
#include "libs/taskgroup/internal/group_core.h"
#include "libs/taskgroup/joiner.h"
#include "libs/taskgroup/task_context.h"

namespace myr::taskgroup {

struct GroupOptions {
  // The group's deadline: the earlier of now + timeout and deadline_ns
  // (Runtime::NowNanos clock), and, for a group created from a task, that
  // task's deadline. At the deadline the group is cancelled with
  // DeadlineExceeded.
  absl::Duration timeout = absl::InfiniteDuration();
  int64_t deadline_ns = INT64_MAX;
  // How long cancelled tasks may keep running before they are killed.
  absl::Duration grace = absl::Seconds(5);
  // The actor that owns the group (see "Ownership"): its tasks are spawned
  // as its children, Join() does not block and the destructor kills.
  // A group created from a TaskContext is owned by that task.
  Pid owner;
  // Lane and budget of the task actors (their mailbox is always unbounded,
  // their parent is the owner, and they have no name).
  SpawnOptions task_options;

  GroupOptions& WithTimeout(absl::Duration d) {
    timeout = d;
    return *this;
  }
  GroupOptions& WithDeadline(int64_t ns) {
    deadline_ns = ns;
    return *this;
  }
  GroupOptions& WithGrace(absl::Duration d) {
    grace = d;
    return *this;
  }
  GroupOptions& OwnedBy(Pid actor) {
    owner = actor;
    return *this;
  }
  GroupOptions& WithTaskOptions(SpawnOptions o) {
    task_options = std::move(o);
    return *this;
  }
};

namespace taskgroup_internal {

// The core with the typed half: outcomes, joiner, result.
template <typename T, typename R>
class TypedCore final : public GroupCore {
 public:
  TypedCore(Params p, std::unique_ptr<Joiner<T, R>> joiner)
      : GroupCore(std::move(p)), joiner_(std::move(joiner)) {}

  // Task `index` returned `outcome` (on the task's thread, before it exits).
  void Complete(size_t index, absl::StatusOr<T> outcome) {
    Actions a;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (outcomes_[index].has_value()) return;
      outcomes_[index].emplace(std::move(outcome));
      AfterOutcomeLocked(index, a);
    }
    RunActions(a);
  }

  // The result, once: moved out. Call when done().
  absl::StatusOr<R> TakeResult() {
    std::optional<absl::StatusOr<R>> taken;
    {
      std::lock_guard<std::mutex> lock(mu_);
      taken.swap(result_);
    }
    if (!taken.has_value()) {
      return absl::FailedPreconditionError(
          absl::StrCat("task group ", id(), ": the result was already taken by an earlier Join"));
    }
    return *std::move(taken);
  }

 private:
  void OnTaskAddedLocked() override { outcomes_.emplace_back(); }
  bool HasOutcomeLocked(size_t i) const override { return outcomes_[i].has_value(); }
  bool OutcomeOkLocked(size_t i) const override { return outcomes_[i]->ok(); }
  void SetFailureLocked(size_t i, absl::Status failure) override {
    outcomes_[i].emplace(std::move(failure));
  }
  absl::Status OutcomeStatusLocked(size_t i) const override {
    if (!statuses_.empty()) return FreshStatus(statuses_[i]);
    return FreshStatus(outcomes_[i]->status());
  }
  Decision ConsultLocked(size_t i, const Progress& p) override {
    if (joiner_ == nullptr) return Decision::Fail(NoJoiner());
    return joiner_->OnComplete(i, *outcomes_[i], p);
  }
  Decision ConsultSealedLocked(const Progress& p) override {
    if (joiner_ == nullptr) return Decision::Fail(NoJoiner());
    return joiner_->OnSealed(p);
  }
  absl::Status NoJoiner() const {
    return absl::InvalidArgumentError(
        absl::StrCat("task group ", id(), " was created without a joiner"));
  }
  void FinishLocked(Cause cause, absl::Status cause_status) override {
    statuses_.reserve(outcomes_.size());
    for (const auto& o : outcomes_) statuses_.push_back(FreshStatus(o->status()));
    if (cause == Cause::kFailed || cause == Cause::kCancelled) {
      result_.emplace(std::move(cause_status));
      return;
    }
    if (joiner_ == nullptr) {
      result_.emplace(NoJoiner());
      return;
    }
    std::vector<absl::StatusOr<T>> all;
    all.reserve(outcomes_.size());
    // Moved out; statuses_ keeps what Statuses() needs.
    for (auto& o : outcomes_) all.push_back(std::move(*o));
    try {
      result_.emplace(joiner_->Result(std::move(all)));
    } catch (const std::exception& e) {
      result_.emplace(absl::InternalError(absl::StrCat("joiner threw: ", e.what())));
    } catch (...) {
      result_.emplace(absl::InternalError("joiner threw"));
    }
  }

  std::unique_ptr<Joiner<T, R>> joiner_;
  std::vector<std::optional<absl::StatusOr<T>>> outcomes_;  // guarded by mu_
  std::vector<absl::Status> statuses_;                      // guarded by mu_; set when done
  std::optional<absl::StatusOr<R>> result_;                 // guarded by mu_
};

template <typename T, typename R, typename Fn>
Task<void> RunGroupTask(Fn fn, std::shared_ptr<TypedCore<T, R>> core, TaskContext& ctx) {
  absl::StatusOr<T> outcome = co_await fn(ctx);
  core->Complete(ctx.index(), std::move(outcome));
}

}  // namespace taskgroup_internal

template <typename T, typename R>
class TaskGroup {
 public:
  using value_type = T;
  using result_type = R;

  // A group on `rt`, owned by the calling plain thread unless
  // options.owner is set. An expired deadline cancels it at once.
  TaskGroup(Runtime& rt, std::unique_ptr<Joiner<T, R>> joiner, GroupOptions options = {})
      : core_(Make(rt, std::move(joiner), options, nullptr)) {}
  // A group created by a task, owned by it: it inherits the task's deadline
  // and cancellation (unless created inside a ShieldScope) and its tasks are
  // the task's children. Join it with co_await Join(ctx).
  TaskGroup(TaskContext& ctx, std::unique_ptr<Joiner<T, R>> joiner, GroupOptions options = {})
      : core_(Make(ctx.runtime(), std::move(joiner), options, &ctx)) {}

  // Not joined yet: cancels and joins (a plain thread's group) or kills the
  // remaining tasks (an actor's group). See "Ownership".
  ~TaskGroup() {
    if (!core_->done()) {
      if (core_->actor_owned()) {
        core_->KillAll(absl::CancelledError(absl::StrCat(
            "task group ", core_->id(), " destroyed before it was joined: its tasks were killed")));
        core_->Seal();
      } else {
        core_->Cancel(absl::CancelledError(
            absl::StrCat("task group ", core_->id(), " destroyed before it was joined")));
        core_->Seal();
        core_->DriveUntilDone();
      }
    }
    core_->Detach();
  }
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;

  // Starts a task running `body`, callable as
  // Task<absl::StatusOr<T>>(TaskContext&) (a coroutine lambda is kept alive
  // by the task until its body has finished). Returns its index and pid.
  // Fails, starting nothing: FailedPrecondition once the group is sealed;
  // once it is cancelled (or its joiner has decided), with the
  // cancellation's code (Cancelled, DeadlineExceeded, ...), so that a task
  // passing the error on reports why; ResourceExhausted / FailedPrecondition
  // from the runtime.
  template <typename Fn>
  absl::StatusOr<TaskHandle> Spawn(Fn body) {
    static_assert(std::is_invocable_r_v<Task<absl::StatusOr<T>>, Fn&, TaskContext&>,
                  "a task body is callable as Task<absl::StatusOr<T>>(TaskContext&)");
    std::shared_ptr<taskgroup_internal::TypedCore<T, R>> core = core_;
    return core_->Spawn([fn = std::move(body), core](TaskContext& ctx) mutable {
      return taskgroup_internal::RunGroupTask<T, R>(std::move(fn), core, ctx);
    });
  }

  // Starts a task that the group does not own (see SpawnDetached in
  // task_context.h): it inherits nothing from the group and survives it.
  template <typename Fn>
  absl::StatusOr<Pid> SpawnDetached(Fn body, DetachedOptions options = {}) {
    return taskgroup::SpawnDetached(core_->runtime(), std::move(body), std::move(options));
  }

  // Cancels the group (Cancelled), unless it has already decided or is done.
  void Cancel() {
    core_->Cancel(absl::CancelledError(absl::StrCat("task group ", core_->id(), " cancelled")));
  }

  // Seals the group, waits until every task has ended and returns the
  // result (once). From a plain thread only; for a group owned by an actor
  // it returns FailedPrecondition unless the group is already done.
  absl::StatusOr<R> Join() {
    core_->Seal();
    if (!core_->done()) {
      if (core_->actor_owned()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "task group ", core_->id(),
            " is owned by an actor: a blocking Join would stall it; use co_await Join(ctx) or "
            "NotifyWhenDone"));
      }
      core_->DriveUntilDone();
    }
    return core_->TakeResult();
  }

  // co_await group.Join(ctx): the same from the task `ctx` (which owns the
  // group), without blocking a worker. Cancelling that task cancels this
  // group (unless it was created in a shield), so the wait ends within the
  // grace period.
  Task<absl::StatusOr<R>> Join(TaskContext& ctx) {
    core_->Seal();
    if (core_->AddDoneWaiter(ctx.self())) co_await ctx.AwaitGroupDone(core_->id());
    co_return core_->TakeResult();
  }

  // Seals the group and sends GroupDone{id()} to `to` once every task has
  // ended (at once if that is already so). For actors that await a group:
  // co_await Receive<GroupDone>(pred, timeout), then Join().
  void NotifyWhenDone(Pid to) {
    core_->Seal();
    if (!core_->AddDoneWaiter(to)) core_->runtime().Send(to, GroupDone{core_->id()});
  }

  // A process-unique id (the `group` of GroupDone).
  uint64_t id() const { return core_->id(); }
  // Sealed and every task ended: Join returns at once.
  bool done() const { return core_->done(); }
  // Cancelled, or decided by the joiner.
  bool cancelled() const { return core_->cancelled(); }
  // The group's deadline (Runtime::NowNanos clock); INT64_MAX: none.
  int64_t deadline_ns() const { return core_->deadline_ns(); }
  // Tasks spawned so far.
  size_t size() const { return core_->size(); }
  // Their pids, in task order.
  std::vector<Pid> Pids() const { return core_->Pids(); }
  // Per task, in task order: OK, its error, or Unavailable while it has no
  // outcome. The per-task view for any joiner (e.g. after AllCompleted
  // returned the first failure).
  std::vector<absl::Status> TaskStatuses() const { return core_->Statuses(); }

 private:
  using Core = taskgroup_internal::TypedCore<T, R>;

  static std::shared_ptr<Core> Make(Runtime& rt, std::unique_ptr<Joiner<T, R>> joiner,
                                    const GroupOptions& o, TaskContext* ctx) {
    taskgroup_internal::GroupCore::Params p;
    p.rt = &rt;
    p.deadline_ns =
        std::min(o.deadline_ns, DeadlineAfter(rt.NowNanos(), o.timeout));
    p.grace = o.grace;
    p.owner = o.owner;
    p.actor_owned = o.owner.valid();
    p.task_options = o.task_options;
    std::shared_ptr<taskgroup_internal::GroupCore> parent;
    if (ctx != nullptr) {
      p.actor_owned = true;
      if (!p.owner.valid()) p.owner = ctx->self();
      if (!ctx->shielded()) {
        p.deadline_ns = std::min(p.deadline_ns, ctx->deadline_ns());
        parent = ctx->core();
      }
    }
    auto core = std::make_shared<Core>(std::move(p), std::move(joiner));
    core->Start(parent);
    return core;
  }

  std::shared_ptr<Core> core_;
};

}  // namespace myr::taskgroup

#endif  // MYR_TASKGROUP_TASK_GROUP_H_
