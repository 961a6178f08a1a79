// Copyright Myrmidon authors.
//
// The supervisor actor. Everything it does runs in its own handlers, one at
// a time, so its state needs no locks; what crosses threads are messages:
//
//   ChildExited  from the Runtime::Watch callback of each child incarnation
//                (on the thread that ran the child's exit);
//   RestartDue   from a backoff timer (Runtime::ArmCallback, timer thread);
//   ExitMsg      exit signals (the supervisor traps exits);
//   the public requests of supervisor.h.
//
// Handlers that wait (for a child's start probe, for a child's exit during
// a shutdown) are Tasks; while one is suspended the other messages stay
// queued. A handler that decides to end the supervisor terminates the
// children first and calls Exit() as its very last step, after its last
// co_await (an exit requested earlier would end the suspended handler), and
// sets exiting_ so that the callers up the coroutine chain stop.
#include "libs/supervise/internal/supervisor_actor.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <iterator>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libs/base/status_macros.h"

namespace myr::supervise::supervise_internal {
namespace {

// A child incarnation ended (sent by its exit watch).
struct ChildExited {
  uint64_t gen;  // the incarnation (unique within the supervisor)
  Pid pid;
  ExitReason reason;
};

// A scheduled restart is due (sent by a backoff timer, or directly).
struct RestartDue {
  uint64_t key;    // the child record
  uint64_t token;  // which schedule; a cancelled one no longer matches
};

using base::FreshStatus;

absl::Status Prefixed(absl::string_view prefix, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat(prefix, s.message()));
}


absl::Status ValidateSpec(const ChildSpec& spec, bool dynamic) {
  if (spec.id.empty() && !dynamic) return absl::InvalidArgumentError("child spec: empty id");
  if (!spec.start) {
    return absl::InvalidArgumentError(absl::StrCat("child spec '", spec.id, "': no start function"));
  }
  if (spec.start_timeout < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("child spec '", spec.id, "': negative start timeout"));
  }
  if (spec.shutdown.kind == ShutdownPolicy::Kind::kGraceful &&
      spec.shutdown.grace < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("child spec '", spec.id, "': negative shutdown grace period"));
  }
  return absl::OkStatus();
}

absl::Status Validate(const Config& c) {
  const SupervisorOptions& o = c.options;
  if (o.max_restarts < 0) return absl::InvalidArgumentError("supervisor: max_restarts < 0");
  if (o.period <= absl::ZeroDuration()) return absl::InvalidArgumentError("supervisor: period <= 0");
  if (o.backoff.initial < absl::ZeroDuration() || o.backoff.max < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("supervisor: negative backoff");
  }
  if (!(o.backoff.multiplier >= 1.0)) {
    return absl::InvalidArgumentError("supervisor: backoff multiplier < 1");
  }
  if (c.max_children < 0) return absl::InvalidArgumentError("supervisor: max_children < 0");
  absl::flat_hash_map<std::string, int> seen;
  for (const ChildSpec& spec : c.children) {
    if (absl::Status s = ValidateSpec(spec, c.dynamic); !s.ok()) return s;
    if (++seen[spec.id] > 1) {
      return absl::InvalidArgumentError(absl::StrCat("supervisor: duplicate child id '", spec.id, "'"));
    }
  }
  return absl::OkStatus();
}

// One child: its spec and its current incarnation.
struct Child {
  uint64_t key = 0;  // identity of this record (restarts keep it)
  ChildSpec spec;
  Pid pid;           // the current incarnation; invalid when none
  uint64_t gen = 0;  // its incarnation number; 0 when none
  uint64_t watch = 0;
  ChildInfo::State state = ChildInfo::State::kStopped;
  uint64_t restarts = 0;
  std::deque<int64_t> attempts;  // restarts it caused, within the period (backoff)
  uint64_t pending_token = 0;    // a scheduled restart; 0: none
  uint64_t pending_timer = 0;    // its timer; 0: none (or sent directly)
};

using ChildList = std::list<Child>;

class SupervisorActor final
    : public Actor<SupervisorActor, StartProbe, WhichChildren, CountChildren, StartChild,
                   TerminateChild, RestartChild, DeleteChild, ChildExited, RestartDue, ExitMsg> {
 public:
  explicit SupervisorActor(Config config) : config_(std::move(config)) {
    const SupervisorOptions& o = config_.options;
    period_ns_ = absl::ToInt64Nanoseconds(o.period);
    for (ChildSpec& spec : config_.children) AddChild(std::move(spec));
    config_.children.clear();
  }

  // --- handlers -----------------------------------------------------------------

  // The first probe starts the children; every probe answers with how that
  // went (after it finished: a probe that arrives meanwhile waits in the
  // mailbox).
  Task<absl::Status> Handle(StartProbe&) {
    if (!init_started_) {
      init_started_ = true;
      init_status_ = co_await Initialize();
    }
    co_return FreshStatus(init_status_);
  }

  std::vector<ChildInfo> Handle(WhichChildren&) {
    std::vector<ChildInfo> out;
    out.reserve(children_.size());
    for (const Child& c : children_) {
      out.push_back(ChildInfo{c.spec.id, c.pid, c.state, c.spec.restart, c.spec.is_supervisor,
                              c.restarts});
    }
    return out;
  }

  ChildCounts Handle(CountChildren&) {
    ChildCounts n;
    for (const Child& c : children_) {
      ++n.specs;
      if (c.gen != 0) ++n.active;
      if (c.spec.is_supervisor) {
        ++n.supervisors;
      } else {
        ++n.workers;
      }
    }
    return n;
  }

  Task<absl::StatusOr<Pid>> Handle(StartChild& m) {
    if (exiting_) co_return absl::UnavailableError(Name() + " is shutting down");
    if (absl::Status s = ValidateSpec(m.spec, config_.dynamic); !s.ok()) co_return s;
    if (!config_.dynamic && by_id_.contains(m.spec.id)) {
      co_return absl::AlreadyExistsError(
          absl::StrCat(Name(), ": a child with id '", m.spec.id, "' exists"));
    }
    if (config_.max_children > 0 && children_.size() >= static_cast<size_t>(config_.max_children)) {
      co_return absl::ResourceExhaustedError(
          absl::StrCat(Name(), ": max_children (", config_.max_children, ") reached"));
    }
    const uint64_t key = AddChild(std::move(m.spec))->key;
    absl::Status s = co_await StartOne(*Find(key), /*restart=*/false);
    Child* c = Find(key);
    if (!s.ok()) {
      s = StartError(c->spec.id, s);
      Remove(c);
      co_return s;
    }
    const Pid pid = c->pid;
    if (!pid.valid() && config_.dynamic) Remove(c);  // ignored: not kept
    co_return pid;
  }

  Task<absl::Status> Handle(TerminateChild& m) {
    Child* c = nullptr;
    if (m.pid.valid()) {
      auto it = by_pid_.find(m.pid);
      if (it != by_pid_.end()) c = it->second;
    } else if (!config_.dynamic) {
      c = ById(m.id);
    }
    if (c == nullptr) {
      co_return absl::NotFoundError(absl::StrCat(
          Name(), ": no child ", m.pid.valid() ? m.pid.ToString() : absl::StrCat("'", m.id, "'")));
    }
    const uint64_t key = c->key;
    CancelPending(*c);
    if (c->gen != 0) co_await TerminateOne(*c);
    c = Find(key);
    if (config_.dynamic || c->spec.restart == RestartType::kTemporary) {
      Remove(c);
    } else {
      c->state = ChildInfo::State::kStopped;
    }
    co_return absl::OkStatus();
  }

  Task<absl::StatusOr<Pid>> Handle(RestartChild& m) {
    if (config_.dynamic) co_return absl::UnimplementedError("a dynamic supervisor has no RestartChild");
    Child* c = ById(m.id);
    if (c == nullptr) co_return absl::NotFoundError(absl::StrCat(Name(), ": no child '", m.id, "'"));
    if (c->gen != 0) {
      co_return absl::FailedPreconditionError(absl::StrCat("child '", m.id, "' is running"));
    }
    if (c->state == ChildInfo::State::kRestarting) {
      co_return absl::FailedPreconditionError(absl::StrCat("child '", m.id, "' is restarting"));
    }
    const uint64_t key = c->key;
    absl::Status s = co_await StartOne(*c, /*restart=*/false);
    c = Find(key);
    if (!s.ok()) co_return StartError(c->spec.id, s);
    co_return c->pid;
  }

  absl::Status Handle(DeleteChild& m) {
    if (config_.dynamic) return absl::UnimplementedError("a dynamic supervisor has no DeleteChild");
    Child* c = ById(m.id);
    if (c == nullptr) return absl::NotFoundError(absl::StrCat(Name(), ": no child '", m.id, "'"));
    if (c->gen != 0) return absl::FailedPreconditionError(absl::StrCat("child '", m.id, "' is running"));
    if (c->state == ChildInfo::State::kRestarting) {
      return absl::FailedPreconditionError(absl::StrCat("child '", m.id, "' is restarting"));
    }
    Remove(c);
    return absl::OkStatus();
  }

  Task<void> Handle(ChildExited& m) {
    auto it = by_gen_.find(m.gen);
    if (it == by_gen_.end()) co_return;  // an incarnation already dealt with
    Child* c = it->second;
    Detach(*c);
    Emit(SupervisorEvent::Kind::kChildExited, c, m.pid, m.reason);
    if (exiting_) co_return;
    if (!ShouldRestart(c->spec.restart, m.reason)) {
      if (config_.dynamic || c->spec.restart == RestartType::kTemporary) Remove(c);
      co_return;
    }
    std::string cause = absl::StrCat("exited with ", m.reason.ToString());
    co_await Restart(*c, cause);
  }

  Task<void> Handle(RestartDue& m) {
    Child* c = Find(m.key);
    if (c == nullptr || exiting_ || c->pending_token != m.token) co_return;  // cancelled
    c->pending_token = 0;
    c->pending_timer = 0;
    const std::vector<uint64_t> group = GroupOf(*c);
    co_await TerminateGroup(group);
    co_await StartGroup(group);
  }

  // An exit signal from the parent (the actor tree sends one when the
  // parent exits) or from outside any actor (Runtime::Exit(sup, reason),
  // Supervisor::Stop) stops the supervisor in order. Others (a linked peer,
  // a child someone linked) are ignored, as OTP's supervisor ignores EXITs
  // of processes that are neither its parent nor a current child.
  Task<void> Handle(ExitMsg& m) {
    if (exiting_) co_return;
    const bool from_outside = !m.from.valid();
    const bool from_parent = config_.parent.valid() && m.from == config_.parent;
    if (!from_outside && !from_parent) co_return;
    const ExitReason reason = m.reason;
    co_await ShutdownAndExit(reason);
  }

 protected:
  void OnStart() override { TrapExits(true); }

  // Ended without shutting its children down (killed, stopped with
  // Runtime::Stop, a crash). Children spawned under it (SpawnOptions::parent,
  // as the start options say) are ended by the actor tree: exit signal
  // shutdown, youngest first, a Kill after RuntimeOptions::child_grace for
  // those that trap. Children a start function spawned elsewhere get the
  // same from here, with their own spec's policy (Kill at once for
  // brutal_kill, after their grace period otherwise), so that none is left
  // behind.
  void OnExit(const ExitReason& reason) override {
    Runtime& rt = runtime();
    for (auto it = children_.rbegin(); it != children_.rend(); ++it) {
      Child& c = *it;
      if (c.pending_timer != 0) rt.CancelTimer(c.pending_timer);
      if (c.gen == 0) continue;
      rt.Unwatch(c.pid, c.watch);
      absl::StatusOr<Pid> parent = rt.ParentOf(c.pid);
      if (!parent.ok() || *parent == self()) continue;  // gone, or the tree's
      switch (c.spec.shutdown.kind) {
        case ShutdownPolicy::Kind::kBrutalKill:
          rt.Kill(c.pid);
          break;
        case ShutdownPolicy::Kind::kGraceful: {
          rt.Exit(c.pid, ExitReason::Shutdown(), self());
          Runtime* rtp = &rt;
          const Pid pid = c.pid;
          rt.ArmCallback(DeadlineAfter(rt.NowNanos(), c.spec.shutdown.grace), [rtp, pid] { rtp->Kill(pid); });
          break;
        }
        case ShutdownPolicy::Kind::kInfinity:
          rt.Exit(c.pid, ExitReason::Shutdown(), self());
          break;
      }
    }
  }

 private:
  std::string Name() const { return absl::StrCat(config_.options.name, " ", self().ToString()); }

  // --- children ---------------------------------------------------------------

  Child* AddChild(ChildSpec spec) {
    Child& c = children_.emplace_back();
    c.key = next_key_++;
    c.spec = std::move(spec);
    by_key_[c.key] = std::prev(children_.end());
    if (!config_.dynamic) by_id_[c.spec.id] = &c;
    return &c;
  }

  void Remove(Child* c) {
    if (c == nullptr) return;
    CancelPending(*c);
    if (c->gen != 0) Detach(*c);
    if (!config_.dynamic) by_id_.erase(c->spec.id);
    auto it = by_key_.find(c->key);
    ChildList::iterator pos = it->second;
    by_key_.erase(it);
    children_.erase(pos);
  }

  Child* Find(uint64_t key) {
    auto it = by_key_.find(key);
    return it == by_key_.end() ? nullptr : &*it->second;
  }

  Child* ById(const std::string& id) {
    auto it = by_id_.find(id);
    return it == by_id_.end() ? nullptr : it->second;
  }

  void Attach(Child& c, Pid pid, uint64_t gen, uint64_t watch) {
    c.pid = pid;
    c.gen = gen;
    c.watch = watch;
    c.state = ChildInfo::State::kRunning;
    by_gen_[gen] = &c;
    by_pid_[pid] = &c;
  }

  // The incarnation is gone (or given up): forget it.
  void Detach(Child& c) {
    by_gen_.erase(c.gen);
    by_pid_.erase(c.pid);
    c.pid = Pid();
    c.gen = 0;
    c.watch = 0;
    c.state = ChildInfo::State::kStopped;
  }

  void CancelPending(Child& c) {
    if (c.pending_timer != 0) runtime().CancelTimer(c.pending_timer);
    c.pending_timer = 0;
    c.pending_token = 0;
  }

  // The children a restart caused by `c` affects, in start order.
  std::vector<uint64_t> GroupOf(const Child& c) const {
    std::vector<uint64_t> group;
    if (config_.dynamic || config_.options.strategy == Strategy::kOneForOne) {
      group.push_back(c.key);
      return group;
    }
    bool in = config_.options.strategy == Strategy::kOneForAll;
    for (const Child& x : children_) {
      if (&x == &c) in = true;
      if (in) group.push_back(x.key);
    }
    return group;
  }

  void Emit(SupervisorEvent::Kind kind, const Child* c, Pid child, ExitReason reason = ExitReason(),
            std::string detail = "", absl::Duration delay = absl::ZeroDuration(),
            bool restart = false) {
    if (!config_.options.on_event) return;
    SupervisorEvent e{kind,  self(),         c != nullptr ? c->spec.id : std::string(),
                      child, std::move(reason), delay,
                      std::move(detail), restart,    runtime().NowNanos()};
    try {
      config_.options.on_event(e);
    } catch (...) {
      // A report hook must not throw; one that does loses only its report.
    }
  }

  // --- starting -------------------------------------------------------------------

  // Starts one incarnation of `c` and waits for its answer to the start
  // probe. On success `c` is running (or stopped, if the start function
  // ignored it). On failure no incarnation of it is alive any more (a child
  // that did not answer in time is killed and waited for).
  Task<absl::Status> StartOne(Child& c, bool restart) {
    SpawnOptions so;
    so.WithParent(self());
    if (!config_.dynamic) so.WithName(c.spec.id);
    absl::StatusOr<Pid> started = absl::InternalError("start function did not run");
    try {
      started = c.spec.start(runtime(), so);
    } catch (const std::exception& e) {
      started = absl::InternalError(absl::StrCat("start function threw: ", e.what()));
    } catch (...) {
      started = absl::InternalError("start function threw an unknown exception");
    }
    if (!started.ok()) co_return StartFailed(c, started.status());
    const Pid pid = *started;
    if (!pid.valid()) {  // Erlang's ignore
      c.state = ChildInfo::State::kStopped;
      co_return absl::OkStatus();
    }
    const uint64_t gen = next_gen_++;
    Runtime* rt = &runtime();
    const Pid sup = self();
    const uint64_t watch = rt->Watch(pid, [rt, sup, gen, pid](Pid, const ExitReason& r) {
      rt->TrySend(sup, ChildExited{gen, pid, r});
    });
    if (watch == 0) {
      co_return StartFailed(c, absl::AbortedError(absl::StrCat(
                                   "child ", pid.ToString(), " exited before it was watched")));
    }
    Attach(c, pid, gen, watch);
    absl::Status probe = co_await Call(pid, StartProbe{}, c.spec.start_timeout);
    const absl::StatusCode code = probe.code();
    if (probe.ok() || code == absl::StatusCode::kUnimplemented ||
        code == absl::StatusCode::kResourceExhausted || code == absl::StatusCode::kUnavailable) {
      // Answered (or alive with a full mailbox): started.
      if (restart) ++c.restarts;
      Emit(SupervisorEvent::Kind::kChildStarted, &c, pid, ExitReason(), "", absl::ZeroDuration(),
           restart);
      co_return absl::OkStatus();
    }
    absl::Status error =
        code == absl::StatusCode::kDeadlineExceeded
            ? absl::DeadlineExceededError(absl::StrCat("no answer to the start probe within ",
                                                       absl::FormatDuration(c.spec.start_timeout)))
            : FreshStatus(probe);
    // Whatever it is doing, this incarnation is over; wait for its exit so
    // that it never overlaps the next one.
    runtime().Kill(pid);
    auto mine = [gen](const ChildExited& m) { return m.gen == gen; };
    (void)co_await Receive<ChildExited>(mine, absl::InfiniteDuration());
    Detach(c);
    co_return StartFailed(c, error);
  }

  // Reports a failed start of `c`; returns `cause` (without context).
  absl::Status StartFailed(Child& c, const absl::Status& cause) {
    Emit(SupervisorEvent::Kind::kChildStartFailed, &c, Pid(), ExitReason(), cause.ToString());
    return FreshStatus(cause);
  }

  // `s` with the child's id in front: "failed to start child 'x': ...".
  static absl::Status StartError(const std::string& id, const absl::Status& s) {
    return Prefixed(absl::StrCat("failed to start child '", id, "': "), s);
  }

  // Starts every child not running, in order; the first failure ends the
  // supervisor (after terminating those started, in reverse order) with
  // reason shutdown, as OTP's supervisor fails its start.
  Task<absl::Status> Initialize() {
    std::vector<uint64_t> keys;
    for (const Child& c : children_) keys.push_back(c.key);
    for (uint64_t key : keys) {
      Child* c = Find(key);
      if (c == nullptr || c->gen != 0) continue;
      absl::Status s = co_await StartOne(*c, /*restart=*/false);
      if (exiting_) co_return absl::AbortedError(Name() + " is shutting down");
      if (!s.ok()) {
        s = StartError(c->spec.id, s);
        ExitReason reason = ExitReason::Shutdown(absl::StrCat(Name(), ": ", s.message()));
        co_await ShutdownAndExit(reason);
        co_return s;
      }
    }
    co_return absl::OkStatus();
  }

  // Starts the children of a group (in order) that are not running. A
  // failure schedules a retry for that child (which restarts its group
  // again) and leaves the rest of the group waiting for it.
  Task<void> StartGroup(const std::vector<uint64_t>& group) {
    for (uint64_t key : group) {
      Child* c = Find(key);
      if (c == nullptr || c->gen != 0) continue;
      CancelPending(*c);
      absl::Status s = co_await StartOne(*c, /*restart=*/true);
      if (exiting_) co_return;
      c = Find(key);
      if (!s.ok()) {
        c->state = ChildInfo::State::kRestarting;
        co_await RetryLater(*c, s);
        co_return;
      }
    }
  }

  // --- restarting -------------------------------------------------------------------

  // Counts a restart; false if that exceeds the intensity.
  bool AddRestart() {
    const int64_t now = runtime().NowNanos();
    restarts_.push_back(now);
    while (!restarts_.empty() && restarts_.front() <= now - period_ns_) restarts_.pop_front();
    return restarts_.size() <= static_cast<size_t>(config_.options.max_restarts);
  }

  // The backoff before the restart `c` causes now.
  absl::Duration NextDelay(Child& c) {
    const int64_t now = runtime().NowNanos();
    while (!c.attempts.empty() && c.attempts.front() <= now - period_ns_) c.attempts.pop_front();
    const int k = static_cast<int>(c.attempts.size());
    c.attempts.push_back(now);
    return config_.options.backoff.DelayFor(k);
  }

  // `c` exited and is to be restarted: count it, terminate the rest of its
  // group (reverse order), then start the group at once or after the backoff.
  Task<void> Restart(Child& c, const std::string& cause) {
    if (!AddRestart()) {
      co_await GiveUp(c, cause);
      co_return;
    }
    const uint64_t key = c.key;
    const absl::Duration delay = NextDelay(c);
    const std::vector<uint64_t> group = GroupOf(c);
    co_await TerminateGroup(group);
    if (exiting_) co_return;
    if (delay <= absl::ZeroDuration()) {
      co_await StartGroup(group);
    } else {
      Schedule(*Find(key), delay);
    }
  }

  // A restart of `c` failed to start it: count the retry and schedule it.
  Task<void> RetryLater(Child& c, const absl::Status& error) {
    const std::string cause = absl::StrCat("failed to start: ", error.ToString());  // "UNAVAILABLE: db down"
    if (!AddRestart()) {
      co_await GiveUp(c, cause);
      co_return;
    }
    Schedule(c, NextDelay(c));
  }

  // Arranges a RestartDue for `c` after `delay` (a message now if 0, so that
  // what is queued meanwhile is handled first).
  void Schedule(Child& c, absl::Duration delay) {
    CancelPending(c);
    const uint64_t token = next_token_++;
    c.pending_token = token;
    c.state = ChildInfo::State::kRestarting;
    Emit(SupervisorEvent::Kind::kRestartScheduled, &c, Pid(), ExitReason(), "", delay);
    const uint64_t key = c.key;
    if (delay <= absl::ZeroDuration()) {
      Send(self(), RestartDue{key, token});
      return;
    }
    Runtime* rt = &runtime();
    const Pid sup = self();
    c.pending_timer = rt->ArmCallback(DeadlineAfter(rt->NowNanos(), delay),
                                      [rt, sup, key, token] { rt->TrySend(sup, RestartDue{key, token}); });
  }

  // Too many restarts: terminate everything and exit with max_intensity.
  Task<void> GiveUp(Child& c, const std::string& cause) {
    const SupervisorOptions& o = config_.options;
    std::string detail = absl::StrCat(
        Name(), ": restart intensity exceeded: ", restarts_.size(), " restarts within ",
        absl::FormatDuration(o.period), " (max ", o.max_restarts, "); child '", c.spec.id, "' ", cause);
    Emit(SupervisorEvent::Kind::kMaxIntensity, &c, Pid(), ExitReason(), detail);
    exiting_ = true;
    co_await TerminateAll();
    Exit(ExitReason(ExitKind::kMaxIntensity, std::move(detail)));
  }

  // --- terminating ------------------------------------------------------------------

  // Ends the current incarnation of `c` by its shutdown policy and waits for
  // its exit.
  Task<void> TerminateOne(Child& c) {
    if (c.gen == 0) co_return;
    const uint64_t gen = c.gen;
    const Pid pid = c.pid;
    auto mine = [gen](const ChildExited& m) { return m.gen == gen; };
    absl::StatusOr<ChildExited> exited = absl::DeadlineExceededError("");
    const ShutdownPolicy& policy = c.spec.shutdown;
    if (policy.kind == ShutdownPolicy::Kind::kBrutalKill) {
      runtime().Kill(pid);
      Emit(SupervisorEvent::Kind::kChildKilled, &c, pid, ExitReason(), "brutal_kill");
    } else {
      runtime().Exit(pid, ExitReason::Shutdown(), self());
      Emit(SupervisorEvent::Kind::kShutdownSent, &c, pid);
      exited = co_await Receive<ChildExited>(
          mine, policy.kind == ShutdownPolicy::Kind::kGraceful ? policy.grace : absl::InfiniteDuration());
      if (!exited.ok()) {
        runtime().Kill(pid);
        Emit(SupervisorEvent::Kind::kChildKilled, &c, pid, ExitReason(),
             absl::StrCat("grace period of ", absl::FormatDuration(policy.grace), " ran out"));
      }
    }
    if (!exited.ok()) exited = co_await Receive<ChildExited>(mine, absl::InfiniteDuration());
    ExitReason reason = exited.ok() ? std::move(exited->reason) : ExitReason::Killed();
    Detach(c);
    Emit(SupervisorEvent::Kind::kChildTerminated, &c, pid, std::move(reason));
  }

  // Terminates the running children of `group` in reverse order, then marks
  // the group as restarting (temporary children are dropped, as in OTP).
  Task<void> TerminateGroup(const std::vector<uint64_t>& group) {
    for (auto it = group.rbegin(); it != group.rend(); ++it) {
      Child* c = Find(*it);
      if (c != nullptr && c->gen != 0) co_await TerminateOne(*c);
    }
    for (uint64_t key : group) {
      Child* c = Find(key);
      if (c == nullptr) continue;
      if (c->spec.restart == RestartType::kTemporary) {
        Remove(c);
      } else {
        c->state = ChildInfo::State::kRestarting;
      }
    }
  }

  // Terminates every child, in reverse start order, and cancels pending
  // restarts.
  Task<void> TerminateAll() {
    std::vector<uint64_t> keys;
    for (Child& c : children_) {
      CancelPending(c);
      keys.push_back(c.key);
    }
    for (auto it = keys.rbegin(); it != keys.rend(); ++it) {
      Child* c = Find(*it);
      if (c != nullptr && c->gen != 0) co_await TerminateOne(*c);
    }
  }

  Task<void> ShutdownAndExit(const ExitReason& reason) {
    Emit(SupervisorEvent::Kind::kShuttingDown, nullptr, Pid(), reason);
    exiting_ = true;
    co_await TerminateAll();
    Exit(reason);
  }

  Config config_;
  int64_t period_ns_ = 0;
  ChildList children_;  // in start order
  absl::flat_hash_map<uint64_t, ChildList::iterator> by_key_;
  absl::flat_hash_map<uint64_t, Child*> by_gen_;  // running incarnations
  absl::flat_hash_map<Pid, Child*> by_pid_;       // running incarnations
  absl::flat_hash_map<std::string, Child*> by_id_;  // static supervisors
  std::deque<int64_t> restarts_;                  // within the period
  uint64_t next_key_ = 1;
  uint64_t next_gen_ = 1;
  uint64_t next_token_ = 1;
  bool init_started_ = false;
  absl::Status init_status_;
  bool exiting_ = false;
};

}  // namespace

Config MakeConfig(SupervisorOptions options, std::vector<ChildSpec> children) {
  Config c;
  c.options = std::move(options);
  c.children = std::move(children);
  return c;
}

Config MakeDynamicConfig(DynamicSupervisorOptions options) {
  Config c;
  c.options.strategy = Strategy::kOneForOne;
  c.options.max_restarts = options.max_restarts;
  c.options.period = options.period;
  c.options.backoff = options.backoff;
  c.options.name = std::move(options.name);
  c.options.on_event = std::move(options.on_event);
  c.dynamic = true;
  c.max_children = options.max_children;
  return c;
}

absl::StatusOr<SupervisorRef> SpawnActor(Runtime& rt, Config config, SpawnOptions spawn) {
  config.parent = spawn.parent;
  if (absl::Status s = Validate(config); !s.ok()) return s;
  spawn.mailbox = MailboxOptions::Unbounded();
  auto ref = rt.SpawnWith<SupervisorActor>(spawn, std::move(config));
  if (!ref.ok()) return ref.status();
  return SupervisorRef(*ref);
}

}  // namespace myr::supervise::supervise_internal
