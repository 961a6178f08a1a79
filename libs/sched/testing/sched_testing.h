// Copyright Myrmidon authors.
//
// sched_testing.h: helpers for tests that run actors on a threaded Runtime
// (testonly; for the tests of libs/sched and of the libraries above it).
//
// A threaded test cannot step the runtime, so it waits: Eventually() polls a
// condition, Gate holds a handler until the test lets it go, ExitWatch and
// StopAndWait observe an actor's exit, and Log collects what handlers saw,
// from any thread, for the test to compare afterwards. Every wait is bounded,
// so that a failing test fails instead of hanging.
//
// Synchronisation is std::mutex / std::condition_variable / std::atomic, not
// absl::Mutex: Abseil is Debian's uninstrumented build, whose futex path
// TSAN cannot see (see .bazelrc), and these helpers run under --config=tsan.
//
// Tests in the deterministic mode (RuntimeOptions::Deterministic) need none
// of this: there everything runs on the test's thread.
#ifndef MYR_SCHED_TESTING_SCHED_TESTING_H_
#define MYR_SCHED_TESTING_SCHED_TESTING_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/pid/pid.h"
#include "libs/pid/exit_reason.h"
#include "libs/sched/runtime.h"

namespace myr {
namespace sched_testing {

// Options for a threaded Runtime with `workers` worker threads (default 2,
// whatever the machine's cores, so that tests behave alike everywhere).
RuntimeOptions Threaded(int workers = 2);
// `base` with RuntimeOptions::node set: the options of one node of a
// multi-node test (see loopback_nodes.h).
RuntimeOptions OnNode(uint32_t node, RuntimeOptions base = Threaded());

// Calls `pred` every `poll` until it returns true (then returns true) or
// `timeout` has passed (then returns false). `pred` runs on the calling
// thread only; whatever it reads that actors write must be atomic or locked.
// Use as ASSERT_TRUE(Eventually([&] { return done.load(); })).
template <typename Pred>
bool Eventually(Pred pred, absl::Duration timeout = absl::Seconds(10),
                absl::Duration poll = absl::Milliseconds(1)) {
  absl::Time deadline = absl::Now() + timeout;
  while (!pred()) {
    if (absl::Now() > deadline) return false;
    absl::SleepFor(poll);
  }
  return true;
}

// A one-shot barrier: a handler (or OnStart) calls Wait() to hold its actor,
// and its worker, until the test calls Open(). Wait() gives up after 30
// seconds, so that a test that fails before opening the gate does not hang.
// Thread-safe: any number of threads may wait; Open() may come from any
// thread, before or after the waits, and more than once. Once open it stays
// open.
class Gate {
 public:
  void Open();
  void Wait();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ ABSL_GUARDED_BY(mu_) = false;
};

// An append-only list of events (strings) that actors add to from any
// thread and the test reads, in the order they were added. Thread-safe.
class Log {
 public:
  void Add(std::string e);
  // A copy of the events so far.
  std::vector<std::string> events();
  size_t size();

 private:
  std::mutex mu_;
  std::vector<std::string> events_ ABSL_GUARDED_BY(mu_);
};

// Watches an actor from before whatever ends it, so that its exit reason is
// never missed (Runtime::AwaitExit on an actor that is already gone reports
// noproc). Construct it while the actor is alive. The runtime's callback and
// this object share reference-counted state, so either may outlive the other.
// Thread-safe; the runtime calls back on the thread that ran the exit.
class ExitWatch {
 public:
  ExitWatch(Runtime& rt, Pid pid);
  // False if `pid` was not alive when the watch was set (nothing to wait for).
  bool watching() const { return id_ != 0; }
  // The exit reason, or nullopt if the actor did not exit within `timeout`.
  std::optional<ExitReason> Wait(absl::Duration timeout = absl::Seconds(10));

 private:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<ExitReason> reasons ABSL_GUARDED_BY(mu);
  };
  std::shared_ptr<State> state_;
  uint64_t id_ = 0;
};

// Stops `pid` gracefully (it handles everything already queued first) and
// waits up to `timeout` for its exit. False if it was not alive or did not
// exit in time. Call it from a test thread, not from an actor.
bool StopAndWait(Runtime& rt, Pid pid, absl::Duration timeout = absl::Seconds(10));

}  // namespace sched_testing
}  // namespace myr

#endif  // MYR_SCHED_TESTING_SCHED_TESTING_H_
