// Copyright Myrmidon authors.
//
// supervisor.h: Erlang/OTP supervisors (one_for_one, one_for_all,
// rest_for_one, and a dynamic supervisor) on top of libs/sched.
//
// A supervisor is an actor that starts children from ChildSpecs
// (child_spec.h), learns of their exits, restarts them by its strategy and
// the children's restart types, gives up when they restart too often
// (restart intensity: more than `max_restarts` restarts in `period`), and
// shuts them down in reverse start order when it stops.
//
//   using namespace myr::supervise;
//   SupervisorOptions options;
//   options.strategy = Strategy::kOneForAll;
//   absl::StatusOr<Supervisor> sup = StartSupervisor(
//       rt, options,
//       {ChildSpec::For<Db>("db", url), ChildSpec::For<Cache>("cache"),
//        ChildSpec::For<Api>("api", port).WithRestart(RestartType::kTransient)});
//   auto children = sup->WhichChildren();   // ids, pids, restart counts
//   sup->Stop();                            // api, cache, db shut down, in that order
//
// How it works (see README.md for the semantics and the deviations from OTP):
//
// - Exits. The supervisor registers a Runtime::Watch on every child it
//   starts; the callback sends it a private ChildExited message tagged with
//   the incarnation, so a late exit of an old incarnation never touches the
//   new one. The supervisor traps exits: an exit signal from its parent
//   (SpawnOptions::parent; the actor tree sends one when the parent exits)
//   or from outside any actor (Runtime::Exit(sup, reason)) makes it shut its
//   children down (reverse start order) and exit with that reason, as OTP's
//   supervisor does on an EXIT from its parent; other exit signals (linked
//   peers) are ignored, as in OTP.
// - Starting. "Started" means: the start function returned a pid and the
//   child answered the start probe, a StartProbe request the supervisor sends
//   it right after the spawn, within the spec's start_timeout. An actor
//   that does not list StartProbe answers it (Unimplemented) once its first
//   turn (OnStart) is done, so any actor qualifies; an actor that lists it
//   may do asynchronous initialisation in a Task handler and answer OK, or
//   an error that fails the start. A child that exits before answering, or
//   whose answer is an error, or that does not answer in time (it is
//   killed) has failed to start. Children are started one at a time, in
//   order: the next start begins when the previous child answered.
// - Waiting. Starting a child (for its answer) and terminating one (for its
//   exit, up to its grace period) suspend the supervisor's handler (a Task):
//   other messages wait, as an OTP supervisor is busy during a child's init
//   and shutdown. Backoff between restarts does not: it is a timer
//   (Runtime::ArmCallback) that sends the supervisor a message, and
//   meanwhile it handles queries, other exits and stop requests.
// - Intensity and backoff. Every restart (and every retry of a failed
//   restart) is counted; one more than max_restarts within `period` ends
//   the supervisor: children terminated (reverse order), exit reason
//   max_intensity whose detail names the child, the counts and the last
//   exit reason or start error. A child's k-th restart within `period` waits
//   Backoff::DelayFor(k) first (0 for the first, as in OTP, by default).
// - Nesting. SupervisorSpec() is a ChildSpec whose child is a supervisor;
//   it counts as started once all of its own children have started.
// - The actor tree. Children are spawned under the supervisor
//   (SpawnOptions::parent) when the start function passes the options on.
//   An orderly stop leaves no child for the tree to end; a supervisor that
//   ends abruptly (Kill, Runtime::Stop, a bug) leaves its children to the
//   tree (shutdown signal, youngest first, Kill after
//   RuntimeOptions::child_grace), and ends those spawned elsewhere itself
//   (shutdown signal, Kill after their own grace period).
// - GCC 12 destroys temporaries created inside a co_await operand twice:
//   build messages with non-trivial members (StartChild{spec}) as named
//   locals before `co_await Call(...)`.
//
// Thread-safety: every function here is @threadsafe. The Supervisor methods
// and StartSupervisor block the calling thread (Runtime::Call): use them
// from threads that are not actors (in deterministic mode they drive the
// runtime). Actors use the message types below with co_await Call(...)
// and SpawnSupervisor(), which does not block.
#ifndef MYR_SUPERVISE_SUPERVISOR_H_
#define MYR_SUPERVISE_SUPERVISOR_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/pid/pid.h"
#include "libs/pid/exit_reason.h"
#include "libs/sched/runtime.h"
#include "libs/supervise/child_spec.h"

namespace myr::supervise {

// Which children a restart affects (Erlang's strategies).
enum class Strategy : uint8_t {
  kOneForOne,   // only the child that exited
  kOneForAll,   // all children: the others are terminated (reverse start
                // order), then all are started again (start order)
  kRestForOne,  // the child and those started after it, likewise
};

// "one_for_one", "one_for_all", "rest_for_one".
const char* StrategyName(Strategy s);

// Delays between restarts of one child. The delay before a child's restart
// depends on k, the number of restarts that child caused within the
// intensity period before this one (a failed start's retry is a restart
// too): with immediate_first (the default, as OTP restarts at once) k = 0
// waits nothing and k >= 1 waits initial * multiplier^(k-1); without it, k
// waits initial * multiplier^k. Never more than `max`.
struct Backoff {
  absl::Duration initial = absl::Milliseconds(10);
  absl::Duration max = absl::Seconds(1);
  double multiplier = 2.0;
  bool immediate_first = true;

  // Every restart at once (OTP's behaviour).
  static Backoff None() { return Backoff{absl::ZeroDuration(), absl::ZeroDuration(), 1.0, true}; }
  // The delay before a restart with k earlier ones in the period.
  absl::Duration DelayFor(int k) const;
};

// What a supervisor reports to SupervisorOptions::on_event (as OTP's
// supervisor reports to the logger). Tests use it to see the order of
// terminations and starts.
struct SupervisorEvent {
  enum class Kind : uint8_t {
    kChildStarted,      // `child` is the new pid (restart: a restart)
    kChildStartFailed,  // `detail`: the error
    kChildExited,       // a child ended on its own with `reason`
    kShutdownSent,      // exit signal shutdown sent to `child`
    kChildKilled,       // Kill sent to `child` (brutal_kill, or its grace ran out)
    kChildTerminated,   // `child`, terminated by the supervisor, ended with `reason`
    kRestartScheduled,  // `child_id` restarts after `delay`
    kMaxIntensity,      // intensity exceeded; `detail` as in the exit reason
    kShuttingDown,      // the supervisor ends its children and exits with `reason`
  };
  Kind kind;
  Pid supervisor;
  std::string child_id;
  Pid child;
  ExitReason reason;
  absl::Duration delay;
  std::string detail;
  bool restart = false;  // kChildStarted: a restart rather than a first start
  int64_t at_nanos = 0;  // Runtime::NowNanos() (virtual in deterministic mode)
};

// "child_started", "child_start_failed", ...
const char* SupervisorEventKindName(SupervisorEvent::Kind kind);

struct SupervisorOptions {
  Strategy strategy = Strategy::kOneForOne;
  // Restart intensity: more than max_restarts restarts within `period` end
  // the supervisor with max_intensity. max_restarts = 0: no restarts at all.
  int max_restarts = 3;
  absl::Duration period = absl::Seconds(5);
  Backoff backoff;
  // For messages and exit details ("supervisor <name>: ...").
  std::string name = "supervisor";
  // Called on the supervisor's thread for every SupervisorEvent; must be
  // short, must not block and must not throw. Empty: no reports.
  std::function<void(const SupervisorEvent&)> on_event;
};

// A dynamic supervisor (Elixir's DynamicSupervisor, OTP's
// simple_one_for_one): no children at start, children added by StartChild
// (each with its own spec) and removed by TerminateChild(pid); one_for_one.
struct DynamicSupervisorOptions {
  int max_restarts = 3;
  absl::Duration period = absl::Seconds(5);
  Backoff backoff;
  // StartChild fails with ResourceExhausted at this many children; 0: no limit.
  int max_children = 0;
  std::string name = "dynamic_supervisor";
  std::function<void(const SupervisorEvent&)> on_event;
};

// One child, as WhichChildren reports it.
struct ChildInfo {
  enum class State : uint8_t {
    kRunning,     // `pid` is the current incarnation
    kRestarting,  // waiting for a restart (backoff, or a retry after a failed start)
    kStopped,     // not running and not to be restarted (RestartChild starts it)
  };
  std::string id;
  Pid pid;  // invalid unless kRunning
  State state = State::kStopped;
  RestartType restart = RestartType::kPermanent;
  bool is_supervisor = false;
  uint64_t restarts = 0;  // restarts of this child by the supervisor
};

// "running", "restarting", "stopped".
const char* ChildStateName(ChildInfo::State s);

// Erlang's count_children.
struct ChildCounts {
  int specs = 0;        // children known (running or not)
  int active = 0;       // running
  int supervisors = 0;  // of the specs, supervisors
  int workers = 0;      // of the specs, others
};

// --- messages (for actors: co_await Call(sup, WhichChildren{}, timeout)) ------

// The start probe. The supervisor sends it to every child it starts, and a
// supervisor answers it when its own children have started (or with the
// error that failed them). An actor may list it to report readiness itself:
// a handler returning absl::Status (or Task<absl::Status>) whose OK means
// started and whose error fails the start.
struct StartProbe {
  using Reply = void;
  // An actor that does not list it answers Unimplemented without counting
  // a dead letter (see MessageType::optional_request).
  static constexpr bool kOptionalRequest = true;
};
struct WhichChildren {
  using Reply = std::vector<ChildInfo>;
};
struct CountChildren {
  using Reply = ChildCounts;
};
// Adds a child and starts it; the reply is its pid once started (Pid() if
// its start function returned Pid(), Erlang's ignore). Static supervisors:
// AlreadyExists if the id is taken. The spec is dropped if the start fails.
struct StartChild {
  ChildSpec spec;
  using Reply = Pid;
};
// Terminates a child by its shutdown policy: by `pid` if valid, otherwise by
// `id` (dynamic supervisors: by pid only). A dynamic or temporary child is
// removed; a static one stays, stopped, until RestartChild or DeleteChild.
// A pending restart of the child is cancelled. NotFound if there is none.
struct TerminateChild {
  std::string id;
  Pid pid;
  using Reply = void;
};
// Starts a stopped static child again; its pid once started.
// FailedPrecondition if it is running or restarting; Unimplemented for
// dynamic supervisors.
struct RestartChild {
  std::string id;
  using Reply = Pid;
};
// Removes a stopped static child's spec. FailedPrecondition if it is running
// or restarting; Unimplemented for dynamic supervisors.
struct DeleteChild {
  std::string id;
  using Reply = void;
};

// What a supervisor accepts from the outside.
using SupervisorRef =
    Ref<StartProbe, WhichChildren, CountChildren, StartChild, TerminateChild, RestartChild, DeleteChild>;

// --- starting -------------------------------------------------------------------

// Spawns a supervisor and returns at once; it starts its children in order
// in its first handler (a caller waits for that with co_await
// Call(pid, StartProbe{}, timeout): OK, or the error of the child that
// failed, after which the supervisor has terminated the others and exited
// with reason shutdown). `spawn` is the supervisor's own SpawnOptions
// (parent, name, lane); its mailbox is always unbounded (exit notices must
// not be dropped). InvalidArgument for bad options or specs (empty or
// duplicate ids, no start function).
absl::StatusOr<SupervisorRef> SpawnSupervisor(Runtime& rt, SupervisorOptions options,
                                              std::vector<ChildSpec> children,
                                              SpawnOptions spawn = SpawnOptions());
absl::StatusOr<SupervisorRef> SpawnDynamicSupervisor(Runtime& rt, DynamicSupervisorOptions options,
                                                     SpawnOptions spawn = SpawnOptions());

// A ChildSpec whose child is a supervisor with these options and children
// (shutdown infinity, no start timeout, as OTP advises for supervisors).
// It counts as started when its own children have started.
ChildSpec SupervisorSpec(std::string id, SupervisorOptions options, std::vector<ChildSpec> children);
ChildSpec DynamicSupervisorSpec(std::string id, DynamicSupervisorOptions options);

class Supervisor;

// Spawns a supervisor and blocks until its children have started (OTP's
// start_link). On a failed child start: the error (its code, with the
// child's id in the text), the supervisor having terminated the children
// already started (reverse order) and exited. If `timeout` passes first the
// supervisor is killed and DeadlineExceeded returned. Not from an actor.
absl::StatusOr<Supervisor> StartSupervisor(Runtime& rt, SupervisorOptions options,
                                           std::vector<ChildSpec> children,
                                           SpawnOptions spawn = SpawnOptions(),
                                           absl::Duration timeout = absl::Seconds(30));
absl::StatusOr<Supervisor> StartDynamicSupervisor(Runtime& rt, DynamicSupervisorOptions options,
                                                  SpawnOptions spawn = SpawnOptions(),
                                                  absl::Duration timeout = absl::Seconds(30));

// A handle for threads that are not actors: the supervisor's pid and
// blocking wrappers of the requests above (each a Runtime::Call with
// `timeout`, whose errors it returns: NotFound if the supervisor is gone,
// DeadlineExceeded, ...). A value; copies name the same supervisor.
class Supervisor {
 public:
  static constexpr absl::Duration kDefaultTimeout = absl::Seconds(30);

  Supervisor(Runtime& rt, Pid pid) : rt_(&rt), pid_(pid) {}

  Pid pid() const { return pid_; }
  SupervisorRef ref() const { return SupervisorRef(pid_); }
  Runtime& runtime() const { return *rt_; }

  absl::StatusOr<std::vector<ChildInfo>> WhichChildren(absl::Duration timeout = kDefaultTimeout) const;
  absl::StatusOr<ChildCounts> CountChildren(absl::Duration timeout = kDefaultTimeout) const;
  absl::StatusOr<Pid> StartChild(ChildSpec spec, absl::Duration timeout = kDefaultTimeout) const;
  absl::Status TerminateChild(const std::string& id, absl::Duration timeout = kDefaultTimeout) const;
  absl::Status TerminateChild(Pid child, absl::Duration timeout = kDefaultTimeout) const;
  absl::StatusOr<Pid> RestartChild(const std::string& id, absl::Duration timeout = kDefaultTimeout) const;
  absl::Status DeleteChild(const std::string& id, absl::Duration timeout = kDefaultTimeout) const;
  // The current pid of the child `id` (NotFound if unknown, FailedPrecondition
  // if not running): a WhichChildren lookup.
  absl::StatusOr<Pid> ChildPid(const std::string& id, absl::Duration timeout = kDefaultTimeout) const;

  // Stops the supervisor in order: sends it exit signal `reason` (from
  // outside any actor), so it terminates its children in reverse start
  // order and exits with `reason`; waits for that exit and returns its
  // reason. NotFound if it was not alive; DeadlineExceeded after `timeout`.
  absl::StatusOr<ExitReason> Stop(ExitReason reason = ExitReason::Shutdown(),
                                  absl::Duration timeout = kDefaultTimeout) const;

 private:
  Runtime* rt_;
  Pid pid_;
};

}  // namespace myr::supervise

#endif  // MYR_SUPERVISE_SUPERVISOR_H_
