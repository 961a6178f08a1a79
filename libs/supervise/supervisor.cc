// Copyright Myrmidon authors.
//
// The public API of supervisor.h: names, starting supervisors (blocking or
// not, as children), and the blocking handle. The actor itself is in
// internal/supervisor_actor.cc.
#include "libs/supervise/supervisor.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libs/supervise/internal/supervisor_actor.h"

namespace myr::supervise {
namespace {

using supervise_internal::MakeConfig;
using supervise_internal::MakeDynamicConfig;
using supervise_internal::SpawnActor;
using supervise_internal::Config;

absl::StatusOr<Supervisor> StartAndWait(Runtime& rt, Config config, SpawnOptions spawn,
                                        absl::Duration timeout) {
  absl::StatusOr<SupervisorRef> ref = SpawnActor(rt, std::move(config), std::move(spawn));
  if (!ref.ok()) return ref.status();
  const Pid pid = ref->pid();
  const int64_t deadline = DeadlineAfter(rt.NowNanos(), timeout);
  absl::Status s = rt.Call(pid, StartProbe{}, timeout);
  if (s.ok()) return Supervisor(rt, pid);
  if (s.code() == absl::StatusCode::kDeadlineExceeded && rt.NowNanos() >= deadline) {
    rt.Kill(pid);  // its exit ends the children it started
    return absl::DeadlineExceededError(absl::StrCat("supervisor ", pid.ToString(),
                                                    " did not start its children within ",
                                                    absl::FormatDuration(timeout)));
  }
  return s;
}

}  // namespace

// --- names and small helpers -----------------------------------------------------

const char* RestartTypeName(RestartType type) {
  switch (type) {
    case RestartType::kPermanent: return "permanent";
    case RestartType::kTransient: return "transient";
    case RestartType::kTemporary: return "temporary";
  }
  return "unknown";
}

bool ShouldRestart(RestartType type, const ExitReason& reason) {
  switch (type) {
    case RestartType::kPermanent: return true;
    case RestartType::kTemporary: return false;
    case RestartType::kTransient:
      return !reason.normal() && reason.kind() != ExitKind::kShutdown;
  }
  return false;
}

const char* StrategyName(Strategy s) {
  switch (s) {
    case Strategy::kOneForOne: return "one_for_one";
    case Strategy::kOneForAll: return "one_for_all";
    case Strategy::kRestForOne: return "rest_for_one";
  }
  return "unknown";
}

const char* SupervisorEventKindName(SupervisorEvent::Kind kind) {
  using K = SupervisorEvent::Kind;
  switch (kind) {
    case K::kChildStarted: return "child_started";
    case K::kChildStartFailed: return "child_start_failed";
    case K::kChildExited: return "child_exited";
    case K::kShutdownSent: return "shutdown_sent";
    case K::kChildKilled: return "child_killed";
    case K::kChildTerminated: return "child_terminated";
    case K::kRestartScheduled: return "restart_scheduled";
    case K::kMaxIntensity: return "max_intensity";
    case K::kShuttingDown: return "shutting_down";
  }
  return "unknown";
}

const char* ChildStateName(ChildInfo::State s) {
  switch (s) {
    case ChildInfo::State::kRunning: return "running";
    case ChildInfo::State::kRestarting: return "restarting";
    case ChildInfo::State::kStopped: return "stopped";
  }
  return "unknown";
}

absl::Duration Backoff::DelayFor(int k) const {
  const int exponent = immediate_first ? k - 1 : k;
  if (exponent < 0) return absl::ZeroDuration();
  absl::Duration d = initial;
  for (int i = 0; i < exponent && d < max; ++i) d = d * multiplier;
  return std::min(d, max);
}

// --- starting --------------------------------------------------------------------

absl::StatusOr<SupervisorRef> SpawnSupervisor(Runtime& rt, SupervisorOptions options,
                                              std::vector<ChildSpec> children, SpawnOptions spawn) {
  absl::StatusOr<SupervisorRef> ref =
      SpawnActor(rt, MakeConfig(std::move(options), std::move(children)), std::move(spawn));
  if (ref.ok()) rt.Send(*ref, StartProbe{});  // its first message: start the children
  return ref;
}

absl::StatusOr<SupervisorRef> SpawnDynamicSupervisor(Runtime& rt, DynamicSupervisorOptions options,
                                                     SpawnOptions spawn) {
  absl::StatusOr<SupervisorRef> ref =
      SpawnActor(rt, MakeDynamicConfig(std::move(options)), std::move(spawn));
  if (ref.ok()) rt.Send(*ref, StartProbe{});
  return ref;
}

ChildSpec SupervisorSpec(std::string id, SupervisorOptions options, std::vector<ChildSpec> children) {
  ChildSpec spec;
  spec.id = std::move(id);
  // No probe of its own here: the parent supervisor's start probe is the
  // first message, starts the children, and is answered with the outcome.
  spec.start = [options = std::move(options), children = std::move(children)](
                   Runtime& rt, const SpawnOptions& so) -> absl::StatusOr<Pid> {
    absl::StatusOr<SupervisorRef> ref = SpawnActor(rt, MakeConfig(options, children), so);
    if (!ref.ok()) return ref.status();
    return ref->pid();
  };
  spec.start_timeout = absl::InfiniteDuration();
  spec.shutdown = ShutdownPolicy::Infinity();
  spec.is_supervisor = true;
  return spec;
}

ChildSpec DynamicSupervisorSpec(std::string id, DynamicSupervisorOptions options) {
  ChildSpec spec;
  spec.id = std::move(id);
  spec.start = [options = std::move(options)](Runtime& rt,
                                              const SpawnOptions& so) -> absl::StatusOr<Pid> {
    absl::StatusOr<SupervisorRef> ref = SpawnActor(rt, MakeDynamicConfig(options), so);
    if (!ref.ok()) return ref.status();
    return ref->pid();
  };
  spec.start_timeout = absl::InfiniteDuration();
  spec.shutdown = ShutdownPolicy::Infinity();
  spec.is_supervisor = true;
  return spec;
}

absl::StatusOr<Supervisor> StartSupervisor(Runtime& rt, SupervisorOptions options,
                                           std::vector<ChildSpec> children, SpawnOptions spawn,
                                           absl::Duration timeout) {
  return StartAndWait(rt, MakeConfig(std::move(options), std::move(children)), std::move(spawn),
                      timeout);
}

absl::StatusOr<Supervisor> StartDynamicSupervisor(Runtime& rt, DynamicSupervisorOptions options,
                                                  SpawnOptions spawn, absl::Duration timeout) {
  return StartAndWait(rt, MakeDynamicConfig(std::move(options)), std::move(spawn), timeout);
}

// --- the blocking handle ----------------------------------------------------------

absl::StatusOr<std::vector<ChildInfo>> Supervisor::WhichChildren(absl::Duration timeout) const {
  return rt_->Call(pid_, supervise::WhichChildren{}, timeout);
}

absl::StatusOr<ChildCounts> Supervisor::CountChildren(absl::Duration timeout) const {
  return rt_->Call(pid_, supervise::CountChildren{}, timeout);
}

absl::StatusOr<Pid> Supervisor::StartChild(ChildSpec spec, absl::Duration timeout) const {
  return rt_->Call(pid_, supervise::StartChild{std::move(spec)}, timeout);
}

absl::Status Supervisor::TerminateChild(const std::string& id, absl::Duration timeout) const {
  return rt_->Call(pid_, supervise::TerminateChild{id, Pid()}, timeout);
}

absl::Status Supervisor::TerminateChild(Pid child, absl::Duration timeout) const {
  if (!child.valid()) return absl::InvalidArgumentError("TerminateChild: invalid pid");
  return rt_->Call(pid_, supervise::TerminateChild{"", child}, timeout);
}

absl::StatusOr<Pid> Supervisor::RestartChild(const std::string& id, absl::Duration timeout) const {
  return rt_->Call(pid_, supervise::RestartChild{id}, timeout);
}

absl::Status Supervisor::DeleteChild(const std::string& id, absl::Duration timeout) const {
  return rt_->Call(pid_, supervise::DeleteChild{id}, timeout);
}

absl::StatusOr<Pid> Supervisor::ChildPid(const std::string& id, absl::Duration timeout) const {
  absl::StatusOr<std::vector<ChildInfo>> children = WhichChildren(timeout);
  if (!children.ok()) return children.status();
  for (const ChildInfo& c : *children) {
    if (c.id != id) continue;
    if (c.state != ChildInfo::State::kRunning) {
      return absl::FailedPreconditionError(
          absl::StrCat("child '", id, "' is ", ChildStateName(c.state)));
    }
    return c.pid;
  }
  return absl::NotFoundError(absl::StrCat("no child '", id, "'"));
}

absl::StatusOr<ExitReason> Supervisor::Stop(ExitReason reason, absl::Duration timeout) const {
  absl::StatusOr<ExitReason> r = rt_->ExitAndAwait(pid_, std::move(reason), timeout);
  if (r.ok()) return r;
  if (r.status().code() == absl::StatusCode::kNotFound) {
    return absl::NotFoundError(absl::StrCat("noproc: supervisor ", pid_.ToString()));
  }
  if (r.status().code() == absl::StatusCode::kDeadlineExceeded) {
    return absl::DeadlineExceededError(absl::StrCat("supervisor ", pid_.ToString(),
                                                    " did not stop within ",
                                                    absl::FormatDuration(timeout)));
  }
  return r.status();
}

}  // namespace myr::supervise
