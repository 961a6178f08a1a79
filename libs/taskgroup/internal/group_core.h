// Copyright Myrmidon authors.
//
// group_core.h: the shared state of a TaskGroup (private to libs/taskgroup).
//
// The TaskGroup object is a handle; the core is what its tasks, their exit
// watches and its timers share (a shared_ptr, so that a callback that fires
// after the handle is gone finds valid state). The core keeps, under one
// std::mutex:
//
//   - one slot per task (pid, ended, the status to report if the group kills it);
//   - the cause that ended the group's open phase, first one wins: the joiner
//     succeeded, the joiner failed, or the group was cancelled (Cancel, the
//     parent's cancellation, the deadline, a destroyed handle);
//   - the cancellation status tasks see (set with the cause; `cancelled_` is
//     its lock-free flag for checkpoints);
//   - whether the group is sealed (Join started: no more tasks) and done
//     (sealed and every task has ended: the result is final);
//   - the child groups created by its tasks (weak), to cancel them with it;
//   - the actors to notify with GroupDone when it is done.
//
// The outcomes and the joiner depend on the task's value type; they live in
// the typed subclass (TypedCore, task_group.h), which the core calls through
// the *Locked hooks below while holding mu_.
//
// Lock order: a core's mu_ is never held while calling into the runtime in a
// way that can run actor code, nor while locking another core: work that
// needs either (wake-ups, kills, cancelling children, GroupDone) is collected
// into an Actions list under the lock and carried out after unlocking.
#ifndef MYR_TASKGROUP_INTERNAL_GROUP_CORE_H_
#define MYR_TASKGROUP_INTERNAL_GROUP_CORE_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/base/status_macros.h"
#include "libs/pid/exit_reason.h"
#include "libs/pid/pid.h"
#include "libs/sched/runtime.h"
#include "libs/taskgroup/joiner.h"
#include "libs/taskgroup/task_context.h"

namespace myr::taskgroup::taskgroup_internal {

using base::FreshStatus;

class GroupCore : public std::enable_shared_from_this<GroupCore> {
 public:
  enum class Cause : uint8_t { kNone, kSucceeded, kFailed, kCancelled };

  struct Params {
    Runtime* rt = nullptr;
    int64_t deadline_ns = INT64_MAX;
    absl::Duration grace = absl::Seconds(5);
    // Created by a task or for an actor: Join must not block, and the
    // destructor kills instead of waiting.
    bool actor_owned = false;
    Pid owner;                  // parent of the tasks in the actor tree (may be invalid)
    SpawnOptions task_options;  // lane, budget of the task actors
  };

  explicit GroupCore(Params p);
  virtual ~GroupCore();
  GroupCore(const GroupCore&) = delete;
  GroupCore& operator=(const GroupCore&) = delete;

  // Once, right after construction (needs shared_from_this): arms the
  // deadline and links to `parent` (may be null) so that the parent's
  // cancellation reaches this group.
  void Start(const std::shared_ptr<GroupCore>& parent);

  Runtime& runtime() const { return *rt_; }
  uint64_t id() const { return id_; }
  int64_t deadline_ns() const { return deadline_ns_; }
  bool actor_owned() const { return actor_owned_; }
  bool cancelled() const { return cancelled_.load(std::memory_order_acquire); }
  // OK while not cancelled; otherwise a fresh copy of the status tasks see.
  absl::Status CancelStatus() const;
  bool done() const;
  size_t size() const;
  std::vector<Pid> Pids() const;
  // Per task, in task order: OK, the task's error, or Unavailable while it
  // has no outcome yet.
  std::vector<absl::Status> Statuses() const;

  // Spawns a task actor running `body`, registers it and starts it.
  // FailedPrecondition once sealed; the cancellation's code (Cancelled,
  // DeadlineExceeded, ...) once cancelled; the runtime's error if the spawn
  // fails.
  absl::StatusOr<TaskHandle> Spawn(TaskBody body);
  // Cancels the group with `why` (Cancelled or DeadlineExceeded) unless it is
  // already cancelled or done. The cause, if none yet.
  void Cancel(absl::Status why);
  // Cancels with `why` and kills every task still alive at once (their
  // outcome, if they have none: `why`).
  void KillAll(absl::Status why);
  // Join has started: no more tasks. Consults the joiner's OnSealed.
  void Seal();
  // Registers `waiter` for GroupDone; false if the group is already done
  // (nothing will be sent).
  bool AddDoneWaiter(Pid waiter);
  // Blocks the calling plain thread until done: waits (threaded runtime) or
  // drives the runtime (deterministic; a deadlock cancels, then kills).
  void DriveUntilDone();
  // The handle is going away: cancels the timers and leaves the parent.
  void Detach();

  // Called by the exit watch of task `index`.
  void OnTaskExit(size_t index, const ExitReason& reason);

 protected:
  // Work to do after releasing mu_.
  struct Actions {
    std::vector<Pid> wake;  // TaskWake{0}: the cancellation notice
    std::vector<Pid> kill;
    std::vector<std::shared_ptr<GroupCore>> children;
    absl::Status child_status;
    std::vector<Pid> done_waiters;
    std::vector<uint64_t> timers;  // to cancel
    std::shared_ptr<GroupCore> leave_parent;
  };

  // Task `index` has an outcome (just stored by the subclass): counts it
  // and consults the joiner unless the group has already decided.
  void AfterOutcomeLocked(size_t index, Actions& a) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RunActions(Actions& a);

  // Hooks for the typed layer, called with mu_ held.
  virtual void OnTaskAddedLocked() = 0;  // one more task: grow the outcomes
  virtual bool HasOutcomeLocked(size_t index) const = 0;
  virtual bool OutcomeOkLocked(size_t index) const = 0;
  // Task `index` ended without an outcome: record `failure` as its outcome.
  virtual void SetFailureLocked(size_t index, absl::Status failure) = 0;
  virtual absl::Status OutcomeStatusLocked(size_t index) const = 0;
  virtual Decision ConsultLocked(size_t index, const Progress& p) = 0;
  virtual Decision ConsultSealedLocked(const Progress& p) = 0;
  // Every task has ended and the group is sealed: compute the result.
  virtual void FinishLocked(Cause cause, absl::Status cause_status) = 0;

  mutable std::mutex mu_;

 private:
  struct Slot {
    Pid pid;
    bool ended = false;
    absl::Status kill_status;  // non-OK: the group killed it, with this outcome
  };

  Progress ProgressLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ApplyLocked(Decision d, Actions& a) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sets the cancellation (once) and collects the notices, the children and
  // the grace timer.
  void CancelTasksLocked(absl::Status why, Actions& a) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void MaybeFinishLocked(Actions& a) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnTaskExitLocked(size_t index, const ExitReason& reason, Actions& a)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void KillAfterGrace();
  void AddChild(const std::shared_ptr<GroupCore>& child);
  void RemoveChild(const GroupCore* child);
  Pid AnyLiveTask() const;
  size_t LiveLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Runtime* const rt_;
  const uint64_t id_;
  const int64_t deadline_ns_;
  const absl::Duration grace_;
  const bool actor_owned_;
  const Pid owner_;
  const SpawnOptions task_options_;

  std::atomic<bool> cancelled_{false};
  // Set once the group is done (what a plain thread's Wait awaits).
  Completion<bool> finished_;
  std::vector<Slot> slots_ ABSL_GUARDED_BY(mu_);
  size_t ended_ ABSL_GUARDED_BY(mu_) = 0;
  size_t completed_ ABSL_GUARDED_BY(mu_) = 0;
  size_t succeeded_ ABSL_GUARDED_BY(mu_) = 0;
  Cause cause_ ABSL_GUARDED_BY(mu_) = Cause::kNone;
  absl::Status cause_status_ ABSL_GUARDED_BY(mu_);
  absl::Status cancel_status_ ABSL_GUARDED_BY(mu_);
  bool sealed_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  uint64_t deadline_timer_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t grace_timer_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::weak_ptr<GroupCore>> children_ ABSL_GUARDED_BY(mu_);
  std::weak_ptr<GroupCore> parent_ ABSL_GUARDED_BY(mu_);
  std::vector<Pid> done_waiters_ ABSL_GUARDED_BY(mu_);
};

}  // namespace myr::taskgroup::taskgroup_internal

#endif  // MYR_TASKGROUP_INTERNAL_GROUP_CORE_H_
