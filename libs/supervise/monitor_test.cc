// Copyright Myrmidon authors.
//
// Monitors: one Down per reference, demonitor, dead targets, crash texts,
// watchers that go away; and (threaded) demonitor racing with exits.
#include <algorithm>
#include <atomic>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/sched/runtime.h"
#include "libs/sched/testing/sched_testing.h"
#include "libs/supervise/monitor.h"

namespace myr::supervise {
namespace {

using sched_testing::Eventually;
using sched_testing::Threaded;

struct Ping {};
struct Throw {
  std::string what;
};

// The Downs a watcher received. Thread-safe (the threaded tests share it).
struct Downs {
  std::mutex mu;
  std::vector<Down> downs;
  std::vector<Down> Get() {
    std::lock_guard<std::mutex> lock(mu);
    return downs;
  }
};

class Watcher : public Actor<Watcher, Down, Ping> {
 public:
  explicit Watcher(Downs* d) : d_(d) {}
  void Handle(Down& m) {
    std::lock_guard<std::mutex> lock(d_->mu);
    d_->downs.push_back(m);
  }
  void Handle(Ping&) {}

 private:
  Downs* d_;
};

class Target : public Actor<Target, Ping, Throw> {
 public:
  void Handle(Ping&) {}
  void Handle(Throw& m) { throw std::runtime_error(m.what); }
};

class MonitorTest : public ::testing::Test {
 protected:
  Pid SpawnWatcher() {
    Pid p = rt_.Spawn<Watcher>(&downs_)->pid();
    rt_.RunUntilIdle();
    return p;
  }
  Pid SpawnTarget() {
    Pid p = rt_.Spawn<Target>()->pid();
    rt_.RunUntilIdle();
    return p;
  }

  Downs downs_;  // declared first: the runtime's shutdown may still write to it
  Runtime rt_{RuntimeOptions::Deterministic(7)};
};

TEST_F(MonitorTest, NMonitorsGiveNDownsWithTheRightRefsAndReason) {
  Pid w = SpawnWatcher();
  Pid t = SpawnTarget();
  constexpr int kN = 5;
  std::vector<MonitorRef> refs;
  for (int i = 0; i < kN; ++i) {
    absl::StatusOr<MonitorRef> ref = Monitor(rt_, w, t);
    ASSERT_TRUE(ref.ok()) << ref.status();
    for (MonitorRef r : refs) ASSERT_NE(r, *ref);  // each call its own reference
    refs.push_back(*ref);
  }
  ASSERT_TRUE(rt_.Exit(t, ExitReason::Shutdown("done")));
  rt_.RunUntilIdle();
  std::vector<Down> got = downs_.Get();
  ASSERT_EQ(got.size(), static_cast<size_t>(kN));
  std::vector<MonitorRef> got_refs;
  for (const Down& d : got) {
    EXPECT_EQ(d.target, t);
    EXPECT_EQ(d.reason, ExitReason::Shutdown("done"));
    got_refs.push_back(d.ref);
  }
  EXPECT_EQ(got_refs, refs);  // in the order the monitors were made
  EXPECT_TRUE(rt_.IsAlive(w));  // one-way: the watcher is not affected
}

TEST_F(MonitorTest, DemonitorBeforeTheExitGivesNoDown) {
  Pid w = SpawnWatcher();
  Pid t = SpawnTarget();
  MonitorRef kept = *Monitor(rt_, w, t);
  MonitorRef dropped = *Monitor(rt_, w, t);
  EXPECT_TRUE(Demonitor(rt_, dropped));
  EXPECT_FALSE(Demonitor(rt_, dropped));  // already gone
  ASSERT_TRUE(rt_.Kill(t));
  rt_.RunUntilIdle();
  std::vector<Down> got = downs_.Get();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].ref, kept);
  EXPECT_EQ(got[0].reason, ExitReason::Killed());
}

TEST_F(MonitorTest, DemonitorAfterTheDownReturnsFalse) {
  Pid w = SpawnWatcher();
  Pid t = SpawnTarget();
  MonitorRef ref = *Monitor(rt_, w, t);
  ASSERT_TRUE(rt_.Stop(t));
  rt_.RunUntilIdle();
  ASSERT_EQ(downs_.Get().size(), 1u);
  EXPECT_FALSE(Demonitor(rt_, ref));
}

TEST_F(MonitorTest, MonitoringADeadPidGivesAnImmediateDownNoproc) {
  Pid w = SpawnWatcher();
  Pid t = SpawnTarget();
  ASSERT_TRUE(rt_.Kill(t));
  rt_.RunUntilIdle();
  absl::StatusOr<MonitorRef> ref = Monitor(rt_, w, t);
  ASSERT_TRUE(ref.ok()) << ref.status();
  EXPECT_TRUE(ref->valid());
  rt_.RunUntilIdle();
  std::vector<Down> got = downs_.Get();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].ref, *ref);
  EXPECT_EQ(got[0].target, t);
  EXPECT_EQ(got[0].reason, ExitReason::NoProc());
  EXPECT_FALSE(Demonitor(rt_, *ref));  // nothing left to remove
}

TEST_F(MonitorTest, ACrashReasonArrivesIntactInTheDown) {
  Pid w = SpawnWatcher();
  Pid t = SpawnTarget();
  MonitorRef ref = *Monitor(rt_, w, t);
  const std::string text = "index 7 out of range [0, 3) in \"shard-12\"";
  rt_.Send(t, Throw{text});
  rt_.RunUntilIdle();
  std::vector<Down> got = downs_.Get();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].ref, ref);
  EXPECT_EQ(got[0].reason, ExitReason::Crash(text));
}

TEST_F(MonitorTest, TheTargetDoesNotNoticeItsWatcherExiting) {
  Pid w = SpawnWatcher();
  Pid t = SpawnTarget();
  MonitorRef ref = *Monitor(rt_, w, t);
  ASSERT_TRUE(rt_.Exit(w, ExitReason::Crash("watcher broke")));
  rt_.RunUntilIdle();
  EXPECT_TRUE(rt_.IsAlive(t));
  // The monitor went with its watcher.
  EXPECT_FALSE(Demonitor(rt_, ref));
}

TEST_F(MonitorTest, AWatcherThatIsNotAliveCannotMonitor) {
  Pid w = SpawnWatcher();
  Pid t = SpawnTarget();
  ASSERT_TRUE(rt_.Kill(w));
  rt_.RunUntilIdle();
  EXPECT_EQ(Monitor(rt_, w, t).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Monitor(rt_, Pid(), t).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(MonitorTest, DemonitorOnAnotherRuntimeReturnsFalse) {
  Pid w = SpawnWatcher();
  Pid t = SpawnTarget();
  MonitorRef ref = *Monitor(rt_, w, t);
  Runtime other(RuntimeOptions::Deterministic(8));
  EXPECT_FALSE(Demonitor(other, ref));
  EXPECT_TRUE(Demonitor(rt_, ref));
}

// A watcher that monitors from its own handler.
struct WatchIt {
  Pid target;
};
class SelfWatcher : public Actor<SelfWatcher, Down, WatchIt> {
 public:
  SelfWatcher(Downs* d, std::vector<MonitorRef>* refs) : d_(d), refs_(refs) {}
  void Handle(WatchIt& m) { refs_->push_back(*Monitor(runtime(), self(), m.target)); }
  void Handle(Down& m) {
    std::lock_guard<std::mutex> lock(d_->mu);
    d_->downs.push_back(m);
  }

 private:
  Downs* d_;
  std::vector<MonitorRef>* refs_;
};

TEST_F(MonitorTest, AnActorCanMonitorFromAHandler) {
  std::vector<MonitorRef> refs;
  Pid w = rt_.Spawn<SelfWatcher>(&downs_, &refs)->pid();
  Pid t = SpawnTarget();
  rt_.Send(w, WatchIt{t});
  rt_.RunUntilIdle();
  ASSERT_EQ(refs.size(), 1u);
  rt_.Kill(t);
  rt_.RunUntilIdle();
  std::vector<Down> got = downs_.Get();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].ref, refs[0]);
}

// --- threaded -------------------------------------------------------------------

// Demonitor racing with the target's exit: every reference ends with exactly
// one of "Demonitor returned true" and "a Down arrived".
TEST(MonitorThreaded, EachRefGetsEitherADownOrASuccessfulDemonitorNeverBoth) {
  Downs downs;
  Runtime rt(Threaded());
  Pid w = rt.Spawn<Watcher>(&downs)->pid();
  constexpr int kTargets = 200;
  std::vector<Pid> targets;
  std::vector<MonitorRef> refs;
  for (int i = 0; i < kTargets; ++i) {
    targets.push_back(rt.Spawn<Target>()->pid());
    refs.push_back(*Monitor(rt, w, targets.back()));
  }
  std::vector<bool> demonitored(kTargets);
  for (int i = 0; i < kTargets; ++i) {
    rt.Exit(targets[i], ExitReason::Shutdown());
    demonitored[i] = Demonitor(rt, refs[i]);
  }
  int expected_downs = 0;
  for (bool d : demonitored) expected_downs += d ? 0 : 1;
  ASSERT_TRUE(Eventually([&] { return downs.Get().size() == static_cast<size_t>(expected_downs); }));
  // Let stray Downs (there must be none) arrive before looking.
  for (Pid t : targets) ASSERT_TRUE(Eventually([&] { return !rt.IsAlive(t); }));
  (void)rt.Call(w, Ping{}, absl::Seconds(10));
  std::vector<Down> got = downs.Get();
  ASSERT_EQ(got.size(), static_cast<size_t>(expected_downs));
  for (const Down& d : got) {
    auto it = std::find(refs.begin(), refs.end(), d.ref);
    ASSERT_NE(it, refs.end());
    EXPECT_FALSE(demonitored[it - refs.begin()]);
    EXPECT_EQ(d.reason, ExitReason::Shutdown());
  }
}

}  // namespace
}  // namespace myr::supervise
