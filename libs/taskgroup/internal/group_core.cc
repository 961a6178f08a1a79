// Copyright Myrmidon authors.
#include "libs/taskgroup/internal/group_core.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"

namespace myr::taskgroup::taskgroup_internal {
namespace {

std::atomic<uint64_t> next_group_id{1};

}  // namespace

GroupCore::GroupCore(Params p)
    : rt_(p.rt),
      id_(next_group_id.fetch_add(1, std::memory_order_relaxed)),
      deadline_ns_(p.deadline_ns),
      grace_(p.grace),
      actor_owned_(p.actor_owned),
      owner_(p.owner),
      task_options_(p.task_options) {}

GroupCore::~GroupCore() = default;

void GroupCore::Start(const std::shared_ptr<GroupCore>& parent) {
  if (deadline_ns_ != INT64_MAX) {
    if (rt_->NowNanos() >= deadline_ns_) {
      Cancel(absl::DeadlineExceededError(
          absl::StrCat("task group ", id_, ": deadline passed before it started")));
    } else {
      std::weak_ptr<GroupCore> weak = weak_from_this();
      uint64_t timer = rt_->ArmCallback(deadline_ns_, [weak, id = id_] {
        if (std::shared_ptr<GroupCore> core = weak.lock()) {
          core->Cancel(
              absl::DeadlineExceededError(absl::StrCat("task group ", id, ": deadline passed")));
        }
      });
      std::lock_guard<std::mutex> lock(mu_);
      deadline_timer_ = timer;
    }
  }
  if (parent != nullptr) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      parent_ = parent;
    }
    parent->AddChild(shared_from_this());
  }
}

void GroupCore::AddChild(const std::shared_ptr<GroupCore>& child) {
  absl::Status already;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_.load(std::memory_order_relaxed)) {
      already = FreshStatus(cancel_status_);
    } else {
      // Drop the links of children that are gone (a long task may create
      // many groups one after the other).
      children_.erase(std::remove_if(children_.begin(), children_.end(),
                                     [](const std::weak_ptr<GroupCore>& w) { return w.expired(); }),
                      children_.end());
      children_.push_back(child);
      return;
    }
  }
  child->Cancel(absl::Status(already.code(), absl::StrCat("parent task group ", id_,
                                                           " cancelled: ", already.message())));
}

void GroupCore::RemoveChild(const GroupCore* child) {
  std::lock_guard<std::mutex> lock(mu_);
  children_.erase(std::remove_if(children_.begin(), children_.end(),
                                 [child](const std::weak_ptr<GroupCore>& w) {
                                   std::shared_ptr<GroupCore> c = w.lock();
                                   return c == nullptr || c.get() == child;
                                 }),
                  children_.end());
}

absl::Status GroupCore::CancelStatus() const {
  std::lock_guard<std::mutex> lock(mu_);
  return FreshStatus(cancel_status_);
}

bool GroupCore::done() const {
  std::lock_guard<std::mutex> lock(mu_);
  return done_;
}

size_t GroupCore::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return slots_.size();
}

std::vector<Pid> GroupCore::Pids() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<Pid> pids;
  pids.reserve(slots_.size());
  for (const Slot& s : slots_) pids.push_back(s.pid);
  return pids;
}

std::vector<absl::Status> GroupCore::Statuses() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<absl::Status> out;
  out.reserve(slots_.size());
  for (size_t i = 0; i < slots_.size(); ++i) {
    out.push_back(HasOutcomeLocked(i) ? OutcomeStatusLocked(i)
                                      : absl::UnavailableError(absl::StrCat(
                                            "task ", i, " has no outcome yet")));
  }
  return out;
}

size_t GroupCore::LiveLocked() const { return slots_.size() - ended_; }

Progress GroupCore::ProgressLocked() const {
  Progress p;
  p.spawned = slots_.size();
  p.completed = completed_;
  p.succeeded = succeeded_;
  p.failed = completed_ - succeeded_;
  p.sealed = sealed_;
  return p;
}

absl::StatusOr<TaskHandle> GroupCore::Spawn(TaskBody body) {
  Pid pid;
  size_t index;
  Actions a;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (sealed_) {
      return absl::FailedPreconditionError(
          absl::StrCat("task group ", id_, ": Join has started; no more tasks can be spawned"));
    }
    if (cancelled_.load(std::memory_order_relaxed)) {
      // The cancellation's own code: a task that passes it on reports why.
      return absl::Status(cancel_status_.code(), absl::StrCat("task group ", id_,
                                                              " no longer starts tasks: ",
                                                              cancel_status_.message()));
    }
    index = slots_.size();
    SpawnOptions o = task_options_;
    o.mailbox = MailboxOptions::Unbounded();
    o.name.clear();  // one name cannot serve many tasks under one parent
    if (owner_.valid()) o.parent = owner_;
    // The actor does nothing until RunTask arrives (after the watch is set).
    absl::StatusOr<TaskActor::Interface> ref =
        rt_->SpawnWith<TaskActor>(o, std::move(body), shared_from_this(), index, deadline_ns_);
    if (!ref.ok()) return ref.status();
    pid = ref->pid();
    slots_.push_back(Slot{pid});
    OnTaskAddedLocked();
    uint64_t watch = rt_->Watch(pid, [core = shared_from_this(), index](Pid, const ExitReason& r) {
      core->OnTaskExit(index, r);
    });
    if (watch == 0) OnTaskExitLocked(index, ExitReason::NoProc(), a);  // killed already (shutdown)
  }
  RunActions(a);
  rt_->Send(pid, RunTask{});
  return TaskHandle{index, pid};
}

void GroupCore::OnTaskExit(size_t index, const ExitReason& reason) {
  Actions a;
  {
    std::lock_guard<std::mutex> lock(mu_);
    OnTaskExitLocked(index, reason, a);
  }
  RunActions(a);
}

void GroupCore::OnTaskExitLocked(size_t index, const ExitReason& reason, Actions& a) {
  Slot& s = slots_[index];
  if (s.ended) return;
  s.ended = true;
  ++ended_;
  if (!HasOutcomeLocked(index)) {
    absl::Status failure = s.kill_status;
    if (failure.ok()) {
      std::string who = absl::StrCat("task ", index, " (", s.pid.ToString(), ")");
      failure = reason.kind() == ExitKind::kCrash
                    ? absl::AbortedError(absl::StrCat(who, " crashed: ", reason.detail()))
                    : absl::AbortedError(
                          absl::StrCat(who, " ended without a result: ", reason.ToString()));
    }
    SetFailureLocked(index, std::move(failure));
    AfterOutcomeLocked(index, a);
  }
  MaybeFinishLocked(a);
}

void GroupCore::AfterOutcomeLocked(size_t index, Actions& a) {
  ++completed_;
  if (OutcomeOkLocked(index)) ++succeeded_;
  if (cause_ != Cause::kNone) return;
  Decision d = Decision::Continue();
  try {
    d = ConsultLocked(index, ProgressLocked());
  } catch (const std::exception& e) {
    d = Decision::Fail(absl::InternalError(absl::StrCat("joiner threw: ", e.what())));
  } catch (...) {
    d = Decision::Fail(absl::InternalError("joiner threw"));
  }
  ApplyLocked(std::move(d), a);
}

void GroupCore::ApplyLocked(Decision d, Actions& a) {
  switch (d.kind()) {
    case Decision::Kind::kContinue:
      return;
    case Decision::Kind::kSucceed:
      cause_ = Cause::kSucceeded;
      CancelTasksLocked(absl::CancelledError(absl::StrCat(
                            "task group ", id_, " cancelled: its joiner has decided (succeeded)")),
                        a);
      return;
    case Decision::Kind::kFail: {
      cause_ = Cause::kFailed;
      cause_status_ = d.take_error();
      CancelTasksLocked(
          absl::CancelledError(absl::StrCat("task group ", id_,
                                            " cancelled: its joiner has decided (failed: ",
                                            cause_status_.ToString(), ")")),
          a);
      return;
    }
  }
}

void GroupCore::CancelTasksLocked(absl::Status why, Actions& a) {
  if (cancelled_.load(std::memory_order_relaxed)) return;
  cancel_status_ = std::move(why);
  cancelled_.store(true, std::memory_order_release);
  for (const Slot& s : slots_) {
    if (!s.ended) a.wake.push_back(s.pid);
  }
  for (const std::weak_ptr<GroupCore>& w : children_) {
    if (std::shared_ptr<GroupCore> c = w.lock()) a.children.push_back(std::move(c));
  }
  children_.clear();
  a.child_status = absl::Status(cancel_status_.code(),
                                absl::StrCat("parent task group ", id_,
                                             " cancelled: ", cancel_status_.message()));
  if (LiveLocked() > 0 && grace_ != absl::InfiniteDuration()) {
    std::weak_ptr<GroupCore> weak = weak_from_this();
    grace_timer_ = rt_->ArmCallback(DeadlineAfter(rt_->NowNanos(), grace_), [weak] {
      if (std::shared_ptr<GroupCore> core = weak.lock()) core->KillAfterGrace();
    });
  }
}

void GroupCore::Cancel(absl::Status why) {
  Actions a;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (done_ || cancelled_.load(std::memory_order_relaxed)) return;
    if (cause_ == Cause::kNone) {
      cause_ = Cause::kCancelled;
      cause_status_ = FreshStatus(why);
    }
    CancelTasksLocked(std::move(why), a);
  }
  RunActions(a);
}

void GroupCore::KillAfterGrace() {
  Actions a;
  {
    std::lock_guard<std::mutex> lock(mu_);
    grace_timer_ = 0;
    for (size_t i = 0; i < slots_.size(); ++i) {
      Slot& s = slots_[i];
      if (s.ended) continue;
      s.kill_status = absl::CancelledError(
          absl::StrCat("task ", i, " (", s.pid.ToString(),
                       ") was killed: it did not end within the grace period (",
                       absl::FormatDuration(grace_), ") after its group was cancelled"));
      a.kill.push_back(s.pid);
    }
  }
  RunActions(a);
}

void GroupCore::KillAll(absl::Status why) {
  Cancel(FreshStatus(why));
  Actions a;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < slots_.size(); ++i) {
      Slot& s = slots_[i];
      if (s.ended) continue;
      s.kill_status = FreshStatus(why);
      a.kill.push_back(s.pid);
    }
  }
  RunActions(a);
}

void GroupCore::Seal() {
  Actions a;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (sealed_) return;
    sealed_ = true;
    if (cause_ == Cause::kNone) {
      Decision d = Decision::Continue();
      try {
        d = ConsultSealedLocked(ProgressLocked());
      } catch (const std::exception& e) {
        d = Decision::Fail(absl::InternalError(absl::StrCat("joiner threw: ", e.what())));
      } catch (...) {
        d = Decision::Fail(absl::InternalError("joiner threw"));
      }
      ApplyLocked(std::move(d), a);
    }
    MaybeFinishLocked(a);
  }
  RunActions(a);
}

void GroupCore::MaybeFinishLocked(Actions& a) {
  if (done_ || !sealed_ || LiveLocked() > 0) return;
  done_ = true;
  try {
    FinishLocked(cause_, FreshStatus(cause_status_));
  } catch (...) {
    // FinishLocked catches what the joiner throws; nothing else throws.
  }
  if (deadline_timer_ != 0) a.timers.push_back(std::exchange(deadline_timer_, 0));
  if (grace_timer_ != 0) a.timers.push_back(std::exchange(grace_timer_, 0));
  a.done_waiters.swap(done_waiters_);
  a.leave_parent = parent_.lock();
  parent_.reset();
  finished_.Set(true);
}

bool GroupCore::AddDoneWaiter(Pid waiter) {
  std::lock_guard<std::mutex> lock(mu_);
  if (done_) return false;
  done_waiters_.push_back(waiter);
  return true;
}

Pid GroupCore::AnyLiveTask() const {
  std::lock_guard<std::mutex> lock(mu_);
  for (const Slot& s : slots_) {
    if (!s.ended) return s.pid;
  }
  return Pid();
}

void GroupCore::DriveUntilDone() {
  // Threaded: blocks until done. Deterministic: Await runs the runtime (and
  // its virtual time) and gives up only when nothing can run and no timer
  // is pending, i.e. the tasks wait for what cannot happen: a deadlock,
  // broken by cancelling the group, then by killing what is left.
  while (!rt_->Await(finished_, INT64_MAX)) {
    if (!AnyLiveTask().valid()) break;  // cannot happen: sealed with no live task is done
    size_t live;
    {
      std::lock_guard<std::mutex> lock(mu_);
      live = LiveLocked();
    }
    std::string why =
        absl::StrCat("task group ", id_, ": deadlock: the deterministic runtime is idle while ",
                     live, " task(s) are still running");
    if (!cancelled()) {
      Cancel(absl::FailedPreconditionError(absl::StrCat(why, "; the group was cancelled")));
    } else {
      KillAll(absl::FailedPreconditionError(
          absl::StrCat(why, " after cancellation; they were killed")));
    }
  }
}

void GroupCore::Detach() {
  Actions a;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (deadline_timer_ != 0) a.timers.push_back(std::exchange(deadline_timer_, 0));
    if (grace_timer_ != 0) a.timers.push_back(std::exchange(grace_timer_, 0));
    a.leave_parent = parent_.lock();
    parent_.reset();
  }
  RunActions(a);
}

void GroupCore::RunActions(Actions& a) {
  for (uint64_t t : a.timers) rt_->CancelTimer(t);
  for (Pid p : a.wake) rt_->Send(p, TaskWake{0});
  for (Pid p : a.kill) rt_->Kill(p);
  for (const std::shared_ptr<GroupCore>& c : a.children) c->Cancel(FreshStatus(a.child_status));
  for (Pid p : a.done_waiters) rt_->Send(p, GroupDone{id_});
  if (a.leave_parent != nullptr) a.leave_parent->RemoveChild(this);
}

}  // namespace myr::taskgroup::taskgroup_internal
