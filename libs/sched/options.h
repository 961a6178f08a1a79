// Copyright Myrmidon authors.
//
// options.h: the values a Runtime is configured and answered with.
//
// SpawnOptions (per actor: mailbox, budget, lane or executor, parent, name),
// RuntimeOptions (per runtime: threaded or deterministic, workers, node id,
// limits), SendResult (what a send did: a hot-path enum, not a Status) and
// DeadlineAfter (saturating deadline arithmetic on the runtime's clock).
// Include libs/sched/runtime.h, which includes this.
#ifndef MYR_SCHED_OPTIONS_H_
#define MYR_SCHED_OPTIONS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <utility>

#include "absl/time/time.h"
#include "libs/mailbox/mailbox.h"
#include "libs/pid/exit_reason.h"
#include "libs/pid/pid.h"

namespace myr {

class Executor;

// Called once with the pid and its exit reason when a watched actor exits
// (Runtime::Watch).
using ExitCallback = std::function<void(Pid, const ExitReason&)>;

// What a send did (a hot-path enum, not a Status).
enum class SendResult : uint8_t {
  kOk,            // queued
  kNoProc,        // no live actor at that pid (or it is exiting): dead letter
  kDropped,       // the target's mailbox was full (drop_new); counted there
  kBackpressure,  // the target's mailbox was full (block) and the sender could not wait
  kRedirected,    // the target was full (redirect): delivered to its fallback
  kSpilled,       // queued beyond capacity (spill); a copy went to the fallback
  // The pid is on another node and this runtime has no route to it: no
  // RemoteNodes is installed (Runtime::SetRemoteNodes), or the installed one
  // knows no connection to that node. A request gets Unavailable.
  kNoRoute,
  // The pid is on another node and the message's type has no wire codec
  // (libs/wire/codec.h), so it cannot leave this process. A request gets
  // InvalidArgument. Nothing was sent.
  kNotSerializable,
};
const char* SendResultName(SendResult r);
// True for the results where the target (or its fallback) got the message.
inline bool Delivered(SendResult r) {
  return r == SendResult::kOk || r == SendResult::kRedirected || r == SendResult::kSpilled;
}

// `now_ns + timeout` on the Runtime::NowNanos clock, saturating at
// INT64_MAX ("never") instead of overflowing (absl::InfiniteDuration() and
// very long timeouts). For deadlines given to ArmCallback and friends.
inline int64_t DeadlineAfter(int64_t now_ns, absl::Duration timeout) {
  if (timeout == absl::InfiniteDuration()) return INT64_MAX;
  int64_t d = absl::ToInt64Nanoseconds(timeout);  // saturates
  if (d > 0 && now_ns > INT64_MAX - d) return INT64_MAX;
  return now_ns + d;
}

// The built-in executors an actor can run on (SpawnOptions::lane). A lane is
// a choice of executor: kWorker is the work-stealing worker pool, kBlocking
// a separate, growing pool of threads for actors that block (file or socket
// I/O, foreign libraries). SpawnOptions::executor picks any other one.
enum class Lane : uint8_t { kWorker, kBlocking };

struct SpawnOptions {
  MailboxOptions mailbox;  // bounded (65,536, drop_new) unless set
  uint32_t budget = 0;     // messages per turn; 0 = the runtime's default
  Lane lane = Lane::kWorker;
  // An executor added with Runtime::AddExecutor (a guest language's, say):
  // the actor's turns run there instead of on `lane`. Null: `lane` decides.
  // Ignored in deterministic mode, where every turn runs on the driving
  // thread.
  Executor* executor = nullptr;
  // Structured concurrency (see "Actor tree" in runtime.h): the actor's
  // parent. Invalid: a top-level actor (its parent is the root, "/"). A live
  // parent ends its children when it exits; spawning under a parent that is
  // not alive fails (FailedPrecondition).
  Pid parent;
  // The actor's path segment under its parent ("worker-17"): unique among
  // the parent's live children (AlreadyExists otherwise). Empty: unnamed
  // (its path segment is derived from its pid).
  std::string name;

  SpawnOptions& WithMailbox(const MailboxOptions& m) {
    mailbox = m;
    return *this;
  }
  SpawnOptions& WithBudget(uint32_t b) {
    budget = b;
    return *this;
  }
  SpawnOptions& OnLane(Lane l) {
    lane = l;
    return *this;
  }
  SpawnOptions& OnExecutor(Executor* e) {
    executor = e;
    return *this;
  }
  SpawnOptions& WithParent(Pid p) {
    parent = p;
    return *this;
  }
  SpawnOptions& WithName(std::string n) {
    name = std::move(n);
    return *this;
  }
};

struct RuntimeOptions {
  enum class Mode { kThreaded, kDeterministic };
  Mode mode = Mode::kThreaded;
  int workers = 0;                  // 0: one per core
  uint32_t node = 1;                // stamped into every Pid
  uint32_t max_actors = Pid::kMaxSlots;
  uint32_t default_budget = 300;    // messages per turn
  int max_blocking_threads = 64;    // Lane::kBlocking pool limit
  absl::Duration spin = absl::Microseconds(50);  // idle spin before parking
  absl::Duration block_timeout = absl::Seconds(5);  // blocking send on a full kBlock mailbox
  // How long a child that traps exits has to end after its parent exited
  // before it is killed (see "Actor tree").
  absl::Duration child_grace = absl::Seconds(5);
  uint64_t seed = 1;                // deterministic mode

  static RuntimeOptions Deterministic(uint64_t seed) {
    RuntimeOptions o;
    o.mode = Mode::kDeterministic;
    o.seed = seed;
    return o;
  }
};

}  // namespace myr

#endif  // MYR_SCHED_OPTIONS_H_
