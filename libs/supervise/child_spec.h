// Copyright Myrmidon authors.
//
// child_spec.h: what a supervisor needs to know about one child (Erlang's
// child_spec() map): an id, a start function, a restart type, a start
// timeout and a shutdown policy.
//
//   // From an actor type and constructor arguments (copied into the spec and
//   // passed again, as const copies, to every incarnation):
//   auto spec = myr::supervise::ChildSpec::For<Worker>("worker", &log, 3)
//                   .WithRestart(myr::supervise::RestartType::kTransient)
//                   .WithShutdown(myr::supervise::ShutdownPolicy::Graceful(absl::Seconds(2)));
//
//   // Or from any function that spawns something and returns its pid:
//   myr::supervise::ChildSpec custom{
//       "db", [](myr::Runtime& rt, const myr::SpawnOptions& so) -> absl::StatusOr<myr::Pid> {
//         auto r = rt.SpawnWith<Db>(myr::SpawnOptions(so).OnLane(myr::Lane::kBlocking), url);
//         if (!r.ok()) return r.status();
//         return r->pid();
//       }};
//
// The start function runs on the supervisor's worker thread, inside the
// supervisor's handler: it must not block (spawn, do not wait). It receives
// SpawnOptions pre-filled with WithParent(supervisor) and, for static
// supervisors, WithName(id); it should pass them on to the spawn (adding
// what it needs, such as a lane or a mailbox). A start that returns an
// error, throws, or returns a pid whose actor exits (or does not answer the
// start probe, see supervisor.h) within `start_timeout` is a failed start.
// A start that returns OK with an invalid Pid() is Erlang's `ignore`: the
// child is kept, not running, and no error is reported.
//
// Thread-safety: a ChildSpec is a plain value. Copies are independent, but
// the start function's captures are shared between copies (as in any
// std::function); captured state must be safe to use from the supervisor's
// thread.
#ifndef MYR_SUPERVISE_CHILD_SPEC_H_
#define MYR_SUPERVISE_CHILD_SPEC_H_

#include <cstdint>
#include <functional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/pid/pid.h"
#include "libs/sched/runtime.h"

namespace myr::supervise {

// When a child that exited is restarted (Erlang's restart type).
enum class RestartType : uint8_t {
  kPermanent,  // always restarted
  kTransient,  // restarted only after an abnormal exit (not normal, not shutdown)
  kTemporary,  // never restarted; removed from the supervisor when it exits
};

// "permanent", "transient", "temporary".
const char* RestartTypeName(RestartType type);

// True if a child of restart type `type` that exited with `reason` is to be
// restarted (Erlang's rules; shutdown with any detail counts as shutdown).
bool ShouldRestart(RestartType type, const ExitReason& reason);

// How a supervisor ends a child (Erlang's shutdown field).
struct ShutdownPolicy {
  enum class Kind : uint8_t {
    kBrutalKill,  // Runtime::Kill at once (untrappable)
    kGraceful,    // exit signal `shutdown` from the supervisor; Kill after `grace`
    kInfinity,    // exit signal `shutdown`; wait as long as it takes (supervisors)
  };

  Kind kind = Kind::kGraceful;
  absl::Duration grace = absl::Seconds(5);

  static ShutdownPolicy BrutalKill() { return {Kind::kBrutalKill, absl::ZeroDuration()}; }
  static ShutdownPolicy Graceful(absl::Duration grace) { return {Kind::kGraceful, grace}; }
  static ShutdownPolicy Infinity() { return {Kind::kInfinity, absl::InfiniteDuration()}; }
};

// Starts one incarnation of a child: spawns it with `options` (or options
// derived from them) and returns its pid. Runs on the supervisor's thread;
// must not block.
using StartFunction = std::function<absl::StatusOr<Pid>(Runtime&, const SpawnOptions&)>;

struct ChildSpec {
  // Names the child within its supervisor: unique in a static supervisor
  // (its path segment under the supervisor, WithName); a label only in a
  // dynamic one. Not empty.
  std::string id;
  StartFunction start;
  RestartType restart = RestartType::kPermanent;
  // How long a start may take: the start function's return plus the child's
  // answer to the start probe (its first turn, OnStart, done). Infinite is
  // allowed (the default for nested supervisors).
  absl::Duration start_timeout = absl::Seconds(5);
  ShutdownPolicy shutdown = ShutdownPolicy::Graceful(absl::Seconds(5));
  // Erlang's type (worker | supervisor): only reported by CountChildren and
  // WhichChildren. SupervisorSpec sets it.
  bool is_supervisor = false;

  ChildSpec& WithRestart(RestartType r) {
    restart = r;
    return *this;
  }
  ChildSpec& WithStartTimeout(absl::Duration t) {
    start_timeout = t;
    return *this;
  }
  ChildSpec& WithShutdown(ShutdownPolicy s) {
    shutdown = s;
    return *this;
  }

  // A spec whose start function spawns A(args...) with the supervisor's
  // SpawnOptions. The arguments are copied (decayed) into the spec and each
  // incarnation is constructed from const copies of them, so A's
  // constructor must accept them by value or const reference. An exception
  // from A's constructor is a failed start.
  template <typename A, typename... Args>
  static ChildSpec For(std::string id, Args&&... args) {
    ChildSpec spec;
    spec.id = std::move(id);
    spec.start = [stored = std::make_tuple(std::decay_t<Args>(std::forward<Args>(args))...)](
                     Runtime& rt, const SpawnOptions& options) -> absl::StatusOr<Pid> {
      return std::apply(
          [&](const auto&... a) -> absl::StatusOr<Pid> {
            auto spawned = rt.SpawnWith<A>(options, a...);
            if (!spawned.ok()) return spawned.status();
            return spawned->pid();
          },
          stored);
    };
    return spec;
  }
};

}  // namespace myr::supervise

#endif  // MYR_SUPERVISE_CHILD_SPEC_H_
