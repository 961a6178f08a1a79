// Copyright Myrmidon authors.
//
// The Runtime's basic API: the overview example, typed refs, introspection.
// Behaviour in depth lives in the other *_test.cc files of this package.
#include "libs/sched/runtime.h"

#include <atomic>
#include <type_traits>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/sched/testing/sched_testing.h"

namespace myr {
namespace {

using sched_testing::Eventually;
using sched_testing::Threaded;

struct Add { int64_t n; };
struct Get { using Reply = int64_t; };

class Counter : public Actor<Counter, Add, Get> {
 public:
  void Handle(Add& m) { total_ += m.n; }
  int64_t Handle(Get&) { return total_; }
 private:
  int64_t total_ = 0;
};

TEST(Runtime, ACounterCountsAndAnswers) {
  Runtime rt;
  auto counter = *rt.Spawn<Counter>();
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(rt.Send(counter, Add{2}), SendResult::kOk);
  absl::StatusOr<int64_t> n = rt.Call(counter, Get{}, absl::Seconds(5));
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 2000);
}

TEST(Runtime, ARefNarrowsToASubsetOfItsMessagesAndToAPid) {
  static_assert(std::is_convertible_v<Ref<Add, Get>, Ref<Get>>);
  static_assert(!std::is_convertible_v<Ref<Get>, Ref<Add, Get>>);
  static_assert(std::is_convertible_v<Ref<Add, Get>, Pid>);
  static_assert(Ref<Add, Get>::kAccepts<Add>);
  static_assert(!Ref<Get>::kAccepts<Add>);
  Runtime rt(Threaded());
  Counter::Interface counter = *rt.Spawn<Counter>();
  Ref<Get> reader = counter;
  EXPECT_EQ(reader.pid(), counter.pid());
  rt.Send(counter, Add{5});
  EXPECT_EQ(*rt.Call(reader, Get{}, absl::Seconds(5)), 5);
}

TEST(Runtime, PidsCarryTheRuntimesNode) {
  RuntimeOptions o = Threaded();
  o.node = 42;
  Runtime rt(o);
  auto counter = *rt.Spawn<Counter>();
  EXPECT_EQ(rt.node(), 42u);
  EXPECT_EQ(counter.pid().node(), 42u);
  EXPECT_TRUE(rt.IsAlive(counter));
  // A pid of another node is never alive here, and without a route to its
  // node (no RemoteNodes installed) a send says so: not "no process".
  Pid elsewhere = Pid::Make(7, counter.pid().slot(), counter.pid().generation());
  EXPECT_FALSE(rt.IsAlive(elsewhere));
  EXPECT_EQ(rt.Send(elsewhere, Add{1}), SendResult::kNoRoute);
}

TEST(Runtime, MailboxInfoReportsTheMailboxOptions) {
  Runtime rt(Threaded());
  auto a = *rt.Spawn<Counter>();
  auto b = *rt.SpawnWith<Counter>(
      SpawnOptions().WithMailbox(MailboxOptions::Bounded(16, OverflowPolicy::kDropOld)));
  auto c = *rt.SpawnWith<Counter>(SpawnOptions().WithMailbox(MailboxOptions::Unbounded()));
  EXPECT_EQ(rt.MailboxInfo(a)->capacity, MailboxOptions::kDefaultCapacity);
  EXPECT_EQ(rt.MailboxInfo(a)->overflow, OverflowPolicy::kDropNew);
  EXPECT_EQ(rt.MailboxInfo(b)->capacity, 16u);
  EXPECT_EQ(rt.MailboxInfo(b)->overflow, OverflowPolicy::kDropOld);
  EXPECT_EQ(rt.MailboxInfo(c)->capacity, 0u);
  EXPECT_FALSE(rt.MailboxInfo(Pid()).has_value());
}

TEST(Runtime, StatsCountSpawnsExitsAndLiveActors) {
  Runtime rt(Threaded());
  EXPECT_EQ(rt.workers(), 2);
  std::vector<Pid> pids;
  for (int i = 0; i < 10; ++i) pids.push_back(*rt.Spawn<Counter>());
  Runtime::Stats st = rt.stats();
  EXPECT_EQ(st.spawned, 10u);
  EXPECT_EQ(st.live_actors, 10u);
  for (Pid p : pids) rt.Stop(p);
  // Its result is not checked: the expectations below say what is missing.
  Eventually([&] { return rt.stats().live_actors == 0; });
  st = rt.stats();
  EXPECT_EQ(st.live_actors, 0u);
  EXPECT_EQ(st.exited, 10u);
  EXPECT_EQ(st.crashed, 0u);
}

TEST(Runtime, ArmCallbackRunsTheCallbackAfterItsDeadline) {
  Runtime rt(Threaded(2));
  std::atomic<int64_t> fired_at{0};
  int64_t deadline = rt.NowNanos() + 3'000'000;
  rt.ArmCallback(deadline, [&] { fired_at.store(rt.NowNanos()); });
  ASSERT_TRUE(Eventually([&] { return fired_at.load() != 0; }));
  EXPECT_GE(fired_at.load(), deadline);
  std::atomic<bool> cancelled_fired{false};
  uint64_t id = rt.ArmCallback(rt.NowNanos() + 50'000'000, [&] { cancelled_fired = true; });
  EXPECT_TRUE(rt.CancelTimer(id));
  absl::SleepFor(absl::Milliseconds(80));
  EXPECT_FALSE(cancelled_fired.load());
}

struct Optional {
  using Reply = void;
  static constexpr bool kOptionalRequest = true;
};
struct Plain {
  using Reply = void;
};

TEST(Runtime, AnUnhandledOptionalRequestIsAnsweredButIsNoDeadLetter) {
  Runtime rt(RuntimeOptions::Deterministic(3));
  auto counter = *rt.Spawn<Counter>();
  absl::Status optional = rt.Call(counter.pid(), Optional{}, absl::Seconds(1));
  EXPECT_EQ(optional.code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(rt.stats().dead_letters, 0u);
  absl::Status plain = rt.Call(counter.pid(), Plain{}, absl::Seconds(1));
  EXPECT_EQ(plain.code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(rt.stats().dead_letters, 1u);
}

TEST(Runtime, AwaitExitAfterKillOrStopReturnsTheReason) {
  Runtime rt(Threaded(2));
  for (int i = 0; i < 300; ++i) {
    auto counter = *rt.Spawn<Counter>();
    rt.Send(counter, Add{1});
    const bool kill = i % 2 == 0;
    ASSERT_TRUE(kill ? rt.Kill(counter.pid()) : rt.Stop(counter.pid()));
    absl::StatusOr<ExitReason> r = rt.AwaitExit(counter.pid(), absl::Seconds(5));
    // Either it already exited (NotFound: noproc) or we see its reason.
    if (r.ok()) {
      EXPECT_EQ(r->kind(), kill ? ExitKind::kKilled : ExitKind::kNormal) << i;
    } else {
      EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound) << i << ": " << r.status();
    }
  }
}

TEST(Runtime, EveryResultAndExitKindHasAName) {
  EXPECT_STREQ(SendResultName(SendResult::kOk), "ok");
  EXPECT_STREQ(SendResultName(SendResult::kNoProc), "noproc");
  EXPECT_STREQ(SendResultName(SendResult::kBackpressure), "backpressure");
  EXPECT_TRUE(Delivered(SendResult::kSpilled));
  EXPECT_TRUE(Delivered(SendResult::kRedirected));
  EXPECT_FALSE(Delivered(SendResult::kDropped));
  EXPECT_EQ(ExitReason::Crash("boom").ToString(), "crash: boom");
  EXPECT_EQ(ExitReason::Normal().ToString(), "normal");
  EXPECT_TRUE(ExitReason::Normal().normal());
  EXPECT_FALSE(ExitReason::Shutdown().normal());
}

}  // namespace
}  // namespace myr
