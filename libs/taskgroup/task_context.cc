// Copyright Myrmidon authors.
#include "libs/taskgroup/task_context.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/taskgroup/internal/group_core.h"

namespace myr::taskgroup {
namespace taskgroup_internal {

absl::Duration Until(const Runtime& rt, int64_t deadline_ns) {
  if (deadline_ns == INT64_MAX) return absl::InfiniteDuration();
  int64_t left = deadline_ns - rt.NowNanos();
  return left <= 0 ? absl::ZeroDuration() : absl::Nanoseconds(left);
}

TaskActor::TaskActor(TaskBody body, std::shared_ptr<GroupCore> core, size_t index,
                     int64_t deadline_ns)
    : body_(std::move(body)), ctx_(this, &runtime(), std::move(core), index, deadline_ns) {}

Task<void> TaskActor::Handle(RunTask&) {
  co_await body_(ctx_);
  // A detached body has already chosen its exit reason (the first one wins).
  Exit(ExitReason::Normal());
}

absl::StatusOr<Pid> SpawnDetachedBody(Runtime& rt, TaskBody body, int64_t deadline_ns,
                                      const SpawnOptions& options) {
  SpawnOptions o = options;
  o.mailbox = MailboxOptions::Unbounded();
  absl::StatusOr<TaskActor::Interface> ref =
      rt.SpawnWith<TaskActor>(o, std::move(body), nullptr, 0, deadline_ns);
  if (!ref.ok()) return ref.status();
  rt.Send(*ref, RunTask{});
  return ref->pid();
}

void FinishDetached(TaskContext& ctx, const absl::Status& status) {
  ExitReason reason = ExitReason::Normal();
  switch (status.code()) {
    case absl::StatusCode::kOk:
      break;
    case absl::StatusCode::kDeadlineExceeded:
      reason = ExitReason::Timeout(std::string(status.message()));
      break;
    case absl::StatusCode::kCancelled:
      reason = ExitReason::Shutdown(std::string(status.message()));
      break;
    default:
      reason = ExitReason::Crash(status.ToString());
      break;
  }
  ctx.actor_->Finish(std::move(reason));
}

}  // namespace taskgroup_internal

TaskContext::TaskContext(taskgroup_internal::TaskActor* actor, Runtime* rt,
                         std::shared_ptr<taskgroup_internal::GroupCore> core, size_t index,
                         int64_t deadline_ns)
    : actor_(actor), rt_(rt), core_(std::move(core)), index_(index), deadline_ns_(deadline_ns) {}

Pid TaskContext::self() const { return actor_->self(); }

absl::Status TaskContext::Checkpoint() const {
  if (shield_depth_ > 0) return absl::OkStatus();
  if (core_ != nullptr && core_->cancelled()) return core_->CancelStatus();
  if (deadline_ns_ != INT64_MAX && rt_->NowNanos() >= deadline_ns_) {
    return absl::DeadlineExceededError(absl::StrCat("task ", self().ToString(), ": deadline passed"));
  }
  return absl::OkStatus();
}

Task<absl::Status> TaskContext::Sleep(absl::Duration d) {
  if (shielded()) {
    co_await actor_->SleepFor(d);
    co_return absl::OkStatus();
  }
  absl::Status stop = Checkpoint();
  if (!stop.ok()) co_return stop;
  const int64_t wake_at = DeadlineAfter(rt_->NowNanos(), d);
  const int64_t until = std::min(wake_at, deadline_ns_);
  for (;;) {
    // Any wake-up: the cancellation notice, or a stale reply of an earlier
    // call (no call is in flight while the task sleeps), which is dropped.
    absl::StatusOr<taskgroup_internal::TaskWake> wake = co_await actor_->ReceiveWake(
        [](const taskgroup_internal::TaskWake&) { return true; },
        taskgroup_internal::Until(*rt_, until));
    if (!wake.ok()) break;  // the time is up
    if (wake->id == 0) {
      stop = Checkpoint();
      if (!stop.ok()) co_return stop;
    }
  }
  if (until < wake_at) {
    co_return absl::DeadlineExceededError(
        absl::StrCat("task ", self().ToString(), ": deadline passed during a sleep of ",
                     absl::FormatDuration(d)));
  }
  co_return absl::OkStatus();
}

Task<void> TaskContext::AwaitGroupDone(uint64_t group) {
  for (;;) {
    absl::StatusOr<GroupDone> done = co_await actor_->ReceiveDone(
        [group](const GroupDone& g) { return g.group == group; }, absl::InfiniteDuration());
    if (done.ok()) co_return;
  }
}

}  // namespace myr::taskgroup
