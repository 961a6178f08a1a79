// Copyright Myrmidon authors.
//
// Lifecycle of one actor: start, graceful stop, kill, exit signals, crashes,
// watches, and what happens to its pid afterwards.
#include <atomic>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/sched/runtime.h"
#include "libs/sched/testing/sched_testing.h"

namespace myr {
namespace {

using sched_testing::Eventually;
using sched_testing::ExitWatch;
using sched_testing::Gate;
using sched_testing::Log;
using sched_testing::Threaded;

// --- actors -------------------------------------------------------------------

struct Ping {
  int n;
};
struct Block {};  // the handler waits on the probe's gate
struct Quit {
  ExitReason reason;
};
struct Throw {
  std::string what;
};
struct Get {
  using Reply = int;
};

struct Probe {
  Log log;
  Gate gate;
  std::atomic<int> handled{0};
  std::atomic<int> started{0};
  std::atomic<int> exits{0};
  std::atomic<bool> blocked{false};
};

// Records everything that happens to it in the probe.
class Recorder : public Actor<Recorder, Ping, Block, Quit, Throw, Get> {
 public:
  explicit Recorder(Probe* p) : p_(p) {}

  void OnStart() override {
    p_->started.fetch_add(1);
    p_->log.Add("start");
  }
  void OnExit(const ExitReason& r) override {
    p_->exits.fetch_add(1);
    p_->log.Add(absl::StrCat("exit ", r.ToString()));
  }

  void Handle(Ping& m) {
    p_->handled.fetch_add(1);
    p_->log.Add(absl::StrCat("ping ", m.n));
  }
  void Handle(Block&) {
    p_->handled.fetch_add(1);
    p_->blocked.store(true);
    p_->gate.Wait();
  }
  void Handle(Quit& m) {
    p_->handled.fetch_add(1);
    Exit(m.reason);
  }
  void Handle(Throw& m) {
    p_->handled.fetch_add(1);
    throw std::runtime_error(m.what);
  }
  int Handle(Get&) { return p_->handled.load(); }

 private:
  Probe* p_;
};

class ThrowsOnStart : public Actor<ThrowsOnStart, Ping> {
 public:
  explicit ThrowsOnStart(Probe* p) : p_(p) {}
  void OnStart() override {
    p_->gate.Wait();
    throw std::logic_error("cannot start");
  }
  void Handle(Ping&) { p_->handled.fetch_add(1); }
  void OnExit(const ExitReason&) override { p_->exits.fetch_add(1); }

 private:
  Probe* p_;
};

std::vector<std::string> Pings(int from, int to) {
  std::vector<std::string> v;
  for (int i = from; i < to; ++i) v.push_back(absl::StrCat("ping ", i));
  return v;
}

// Sends `a` a Block and waits until its handler holds the actor (on p.gate):
// whatever is sent to it next stays queued until the gate opens.
::testing::AssertionResult HoldInBlock(Runtime& rt, Recorder::Interface a, Probe& p) {
  if (SendResult r = rt.Send(a, Block{}); r != SendResult::kOk) {
    return ::testing::AssertionFailure() << "Block not accepted: " << SendResultName(r);
  }
  if (!Eventually([&] { return p.blocked.load(); })) {
    return ::testing::AssertionFailure() << "the Block handler did not run in time";
  }
  return ::testing::AssertionSuccess();
}

// --- start and stop -------------------------------------------------------------

TEST(Lifecycle, SpawnRunsOnStartBeforeAnyMessage) {
  Probe p;
  Runtime rt(Threaded());
  auto a = *rt.Spawn<Recorder>(&p);
  // Sent right away: they may arrive before the actor's first turn.
  for (int i = 0; i < 5; ++i) ASSERT_EQ(rt.Send(a, Ping{i}), SendResult::kOk);
  ASSERT_TRUE(Eventually([&] { return p.handled.load() == 5; }));
  std::vector<std::string> events = p.log.events();
  std::vector<std::string> want = {"start"};
  for (auto& s : Pings(0, 5)) want.push_back(s);
  EXPECT_EQ(events, want);
  EXPECT_EQ(p.started.load(), 1);
}

TEST(Lifecycle, AGracefulStopHandlesEveryQueuedMessageThenExitsNormal) {
  Probe p;
  Runtime rt(Threaded());
  auto a = *rt.SpawnWith<Recorder>(SpawnOptions().WithMailbox(MailboxOptions::Unbounded()), &p);
  ExitWatch exit(rt, a);
  // Hold the actor in its first handler so that everything below is queued
  // when the stop arrives.
  ASSERT_TRUE(HoldInBlock(rt, a, p));
  constexpr int kQueued = 1000;
  for (int i = 0; i < kQueued; ++i) ASSERT_EQ(rt.Send(a, Ping{i}), SendResult::kOk);
  ASSERT_TRUE(rt.Stop(a));
  p.gate.Open();
  std::optional<ExitReason> r = exit.Wait();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->kind(), ExitKind::kNormal);
  EXPECT_EQ(p.handled.load(), kQueued + 1);
  std::vector<std::string> events = p.log.events();
  ASSERT_EQ(events.size(), kQueued + 2u);
  EXPECT_EQ(events.front(), "start");
  EXPECT_EQ(std::vector<std::string>(events.begin() + 1, events.end() - 1), Pings(0, kQueued));
  EXPECT_EQ(events.back(), "exit normal");
}

TEST(Lifecycle, StoppingAnIdleActorEndsItNormally) {
  Probe p;
  Runtime rt(Threaded());
  auto a = *rt.Spawn<Recorder>(&p);
  ExitWatch exit(rt, a);
  ASSERT_TRUE(Eventually([&] { return p.started.load() == 1; }));
  ASSERT_TRUE(rt.Stop(a));
  std::optional<ExitReason> r = exit.Wait();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, ExitReason::Normal());
  EXPECT_FALSE(rt.IsAlive(a));
}

// --- kill and exit signals --------------------------------------------------------

TEST(Lifecycle, AKillEndsTheActorAtOnceAndItsQueuedMessagesAreNotHandled) {
  Probe p;
  Runtime rt(Threaded());
  auto a = *rt.SpawnWith<Recorder>(SpawnOptions().WithMailbox(MailboxOptions::Unbounded()), &p);
  ExitWatch exit(rt, a);
  ASSERT_TRUE(HoldInBlock(rt, a, p));
  constexpr int kQueued = 500;
  for (int i = 0; i < kQueued; ++i) ASSERT_EQ(rt.Send(a, Ping{i}), SendResult::kOk);
  std::optional<Runtime::MailboxStats> info = rt.MailboxInfo(a);
  ASSERT_TRUE(info.has_value());
  EXPECT_GE(info->length, static_cast<size_t>(kQueued));
  ASSERT_TRUE(rt.Kill(a));
  p.gate.Open();
  std::optional<ExitReason> r = exit.Wait();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->kind(), ExitKind::kKilled);
  EXPECT_EQ(p.handled.load(), 1);  // only the message it was handling
  EXPECT_EQ(p.log.events(), (std::vector<std::string>{"start", "exit killed"}));
}

TEST(Lifecycle, AnExitSignalWithANonNormalReasonEndsTheActorWithThatReason) {
  Probe p;
  Runtime rt(Threaded());
  auto a = *rt.Spawn<Recorder>(&p);
  ExitWatch exit(rt, a);
  ASSERT_TRUE(rt.Exit(a, ExitReason::Shutdown("maintenance")));
  std::optional<ExitReason> r = exit.Wait();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, ExitReason::Shutdown("maintenance"));
  EXPECT_EQ(p.exits.load(), 1);
}

TEST(Lifecycle, AnExitSignalWithReasonNormalIsIgnored) {
  Probe p;
  Runtime rt(Threaded());
  auto a = *rt.Spawn<Recorder>(&p);
  EXPECT_TRUE(rt.Exit(a, ExitReason::Normal()));
  ASSERT_EQ(rt.Send(a, Ping{1}), SendResult::kOk);
  absl::StatusOr<int> handled = rt.Call(a, Get{}, absl::Seconds(10));
  ASSERT_TRUE(handled.ok()) << handled.status();
  EXPECT_EQ(*handled, 1);
  EXPECT_TRUE(rt.IsAlive(a));
  EXPECT_EQ(p.exits.load(), 0);
}

TEST(Lifecycle, AnExitSignalWithReasonKilledIsAKill) {
  Probe p;
  Runtime rt(Threaded());
  auto a = *rt.Spawn<Recorder>(&p);
  ExitWatch exit(rt, a);
  ASSERT_TRUE(rt.Exit(a, ExitReason::Killed("by operator")));
  std::optional<ExitReason> r = exit.Wait();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->kind(), ExitKind::kKilled);
}

TEST(Lifecycle, AnActorCanEndItselfFromAHandlerWithAReason) {
  Probe p;
  Runtime rt(Threaded());
  auto a = *rt.SpawnWith<Recorder>(SpawnOptions().WithMailbox(MailboxOptions::Unbounded()), &p);
  ExitWatch exit(rt, a);
  ASSERT_TRUE(HoldInBlock(rt, a, p));
  rt.Send(a, Ping{1});
  rt.Send(a, Quit{ExitReason::Timeout("gave up")});
  rt.Send(a, Ping{2});
  rt.Send(a, Ping{3});
  p.gate.Open();
  std::optional<ExitReason> r = exit.Wait();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, ExitReason::Timeout("gave up"));
  // The handler that called Exit finishes; nothing after it runs.
  EXPECT_EQ(p.log.events(),
            (std::vector<std::string>{"start", "ping 1", "exit timeout: gave up"}));
}

// --- crashes -----------------------------------------------------------------------

TEST(Lifecycle, AnExceptionFromAHandlerEndsTheActorWithACrashCarryingItsText) {
  Probe p;
  Runtime rt(Threaded());
  uint64_t crashed_before = rt.stats().crashed;
  auto a = *rt.Spawn<Recorder>(&p);
  ExitWatch exit(rt, a);
  rt.Send(a, Ping{1});
  rt.Send(a, Throw{"disk on fire"});
  rt.Send(a, Ping{2});
  std::optional<ExitReason> r = exit.Wait();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->kind(), ExitKind::kCrash);
  EXPECT_NE(r->detail().find("disk on fire"), std::string::npos) << r->detail();
  EXPECT_EQ(p.log.events(),
            (std::vector<std::string>{"start", "ping 1", "exit crash: disk on fire"}));
  EXPECT_EQ(rt.stats().crashed, crashed_before + 1);
}

TEST(Lifecycle, AnExceptionFromOnStartIsACrashNoMessageIsHandledAndOnExitDoesNotRun) {
  Probe p;
  Runtime rt(Threaded());
  auto a = *rt.Spawn<ThrowsOnStart>(&p);
  ExitWatch exit(rt, a);
  ASSERT_EQ(rt.Send(a, Ping{1}), SendResult::kOk);
  p.gate.Open();
  std::optional<ExitReason> r = exit.Wait();
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->kind(), ExitKind::kCrash);
  EXPECT_NE(r->detail().find("cannot start"), std::string::npos) << *r;
  EXPECT_EQ(p.handled.load(), 0);
  // It never started, so it does not end either (OTP skips terminate/2 when
  // init/1 fails): OnExit is not called.
  EXPECT_EQ(p.exits.load(), 0);
  EXPECT_EQ(rt.stats().crashed, 1u);
}

// --- watches and OnExit ----------------------------------------------------------------

TEST(Lifecycle, AWatchIsCalledExactlyOnceWithTheExitReason) {
  Probe p;
  Runtime rt(Threaded());
  auto a = *rt.Spawn<Recorder>(&p);
  std::atomic<int> calls{0};
  std::mutex mu;
  ExitReason seen;
  Pid seen_pid;
  uint64_t id = rt.Watch(a, [&](Pid who, const ExitReason& r) {
    std::lock_guard<std::mutex> lock(mu);
    seen = r;
    seen_pid = who;
    calls.fetch_add(1);
  });
  ASSERT_NE(id, 0u);
  rt.Send(a, Throw{"boom"});
  ASSERT_TRUE(Eventually([&] { return calls.load() == 1; }));
  // Later signals to the dead pid do not call it again.
  EXPECT_FALSE(rt.Kill(a));
  EXPECT_FALSE(rt.Stop(a));
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(calls.load(), 1);
  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(seen_pid, a.pid());
  EXPECT_EQ(seen, ExitReason::Crash("boom"));
}

TEST(Lifecycle, WatchingADeadPidReturnsZero) {
  Probe p;
  Runtime rt(Threaded());
  auto a = *rt.Spawn<Recorder>(&p);
  ExitWatch exit(rt, a);
  rt.Kill(a);
  ASSERT_TRUE(exit.Wait().has_value());
  bool called = false;
  EXPECT_EQ(rt.Watch(a, [&](Pid, const ExitReason&) { called = true; }), 0u);
  EXPECT_EQ(rt.Watch(Pid(), [&](Pid, const ExitReason&) { called = true; }), 0u);
  absl::StatusOr<ExitReason> again = rt.AwaitExit(a, absl::Seconds(1));
  EXPECT_EQ(again.status().code(), absl::StatusCode::kNotFound);
  EXPECT_FALSE(called);
}

TEST(Lifecycle, AnUnwatchedCallbackIsNotCalled) {
  Probe p;
  Runtime rt(Threaded());
  auto a = *rt.Spawn<Recorder>(&p);
  std::atomic<int> first{0}, second{0};
  uint64_t id1 = rt.Watch(a, [&](Pid, const ExitReason&) { first.fetch_add(1); });
  uint64_t id2 = rt.Watch(a, [&](Pid, const ExitReason&) { second.fetch_add(1); });
  ASSERT_NE(id1, 0u);
  ASSERT_NE(id2, 0u);
  EXPECT_NE(id1, id2);
  EXPECT_TRUE(rt.Unwatch(a, id1));
  EXPECT_FALSE(rt.Unwatch(a, id1));  // already gone
  rt.Stop(a);
  ASSERT_TRUE(Eventually([&] { return second.load() == 1; }));
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(first.load(), 0);
  EXPECT_EQ(second.load(), 1);
}

TEST(Lifecycle, AwaitingAnExitWithAnInfiniteTimeoutWaitsForTheExit) {
  Probe p;
  Runtime rt(Threaded());
  auto a = *rt.Spawn<Recorder>(&p);
  std::thread killer([&] {
    absl::SleepFor(absl::Milliseconds(50));
    rt.Kill(a);
  });
  absl::StatusOr<ExitReason> r = rt.AwaitExit(a, absl::InfiniteDuration());
  killer.join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->kind(), ExitKind::kKilled);
}

TEST(Lifecycle, AwaitingTheExitOfALiveActorTimesOut) {
  Probe p;
  Runtime rt(Threaded());
  auto a = *rt.Spawn<Recorder>(&p);
  absl::StatusOr<ExitReason> r = rt.AwaitExit(a, absl::Milliseconds(30));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_TRUE(rt.IsAlive(a));
}

TEST(Lifecycle, OnExitRunsOnceWhateverTheNumberOfExitRequests) {
  Probe p;
  Runtime rt(Threaded());
  auto a = *rt.SpawnWith<Recorder>(SpawnOptions().WithMailbox(MailboxOptions::Unbounded()), &p);
  ExitWatch exit(rt, a);
  ASSERT_TRUE(HoldInBlock(rt, a, p));
  rt.Send(a, Quit{ExitReason::Shutdown("first")});
  rt.Send(a, Throw{"second"});
  rt.Stop(a);
  rt.Exit(a, ExitReason::Timeout("third"));
  rt.Kill(a);
  p.gate.Open();
  std::optional<ExitReason> r = exit.Wait();
  ASSERT_TRUE(r.has_value());
  // System signals go first: the exit signal is seen before the kill.
  EXPECT_EQ(*r, ExitReason::Timeout("third"));
  ASSERT_TRUE(Eventually([&] { return rt.stats().live_actors == 0; }));
  EXPECT_EQ(p.exits.load(), 1);
  EXPECT_EQ(p.log.events().back(), "exit timeout: third");
}

// --- stale pids ------------------------------------------------------------------------

TEST(StalePids, SendsToAnExitedActorReturnNoProcAndCountAsDeadLetters) {
  Probe p;
  Runtime rt(Threaded());
  auto a = *rt.Spawn<Recorder>(&p);
  ExitWatch exit(rt, a);
  rt.Stop(a);
  ASSERT_TRUE(exit.Wait().has_value());
  uint64_t before = rt.stats().dead_letters;
  for (int i = 0; i < 7; ++i) EXPECT_EQ(rt.Send(a, Ping{i}), SendResult::kNoProc);
  EXPECT_EQ(rt.TrySend(a.pid(), Ping{99}), SendResult::kNoProc);
  EXPECT_EQ(rt.stats().dead_letters, before + 8);
  EXPECT_FALSE(rt.MailboxInfo(a).has_value());
  EXPECT_EQ(p.handled.load(), 0);
}

TEST(StalePids, AMessageToAnOldPidNeverReachesTheNewOccupantOfItsSlot) {
  Probe first, second, third;  // outlive the runtime
  RuntimeOptions o = Threaded();
  o.max_actors = 1;  // every spawn reuses the one slot
  Runtime rt(o);
  auto a = *rt.Spawn<Recorder>(&first);
  ExitWatch exit(rt, a);
  rt.Stop(a);
  ASSERT_TRUE(exit.Wait().has_value());
  // The slot is free once the runtime dropped its last reference.
  ASSERT_TRUE(Eventually([&] { return rt.stats().live_actors == 0; }));
  absl::StatusOr<Recorder::Interface> b = rt.Spawn<Recorder>(&second);
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->pid().slot(), a.pid().slot());
  EXPECT_NE(b->pid().generation(), a.pid().generation());
  EXPECT_NE(b->pid(), a.pid());
  // The slab is full: a third actor cannot be spawned.
  EXPECT_EQ(rt.Spawn<Recorder>(&third).status().code(), absl::StatusCode::kResourceExhausted);

  for (int i = 0; i < 10; ++i) EXPECT_EQ(rt.Send(a, Ping{i}), SendResult::kNoProc);
  EXPECT_FALSE(rt.Stop(a));
  EXPECT_FALSE(rt.Kill(a));
  EXPECT_EQ(rt.Call(a.pid(), Get{}, absl::Seconds(1)).status().code(),
            absl::StatusCode::kNotFound);
  ASSERT_EQ(rt.Send(*b, Ping{100}), SendResult::kOk);
  absl::StatusOr<int> n = rt.Call(*b, Get{}, absl::Seconds(10));
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 1);
  EXPECT_EQ(second.log.events(), (std::vector<std::string>{"start", "ping 100"}));
  EXPECT_TRUE(rt.IsAlive(*b));
  EXPECT_FALSE(rt.IsAlive(a));
}

TEST(StalePids, SlotReuseThroughManyGenerationsNeverMisdelivers) {
  RuntimeOptions o = Threaded();
  o.max_actors = 2;
  Runtime rt(o);
  std::vector<Pid> old;
  for (int round = 0; round < 50; ++round) {
    Probe p;
    absl::StatusOr<Recorder::Interface> a;
    ASSERT_TRUE(Eventually([&] {
      a = rt.Spawn<Recorder>(&p);
      return a.ok();
    })) << a.status();
    for (Pid stale : old) EXPECT_EQ(rt.Send(stale, Ping{-1}), SendResult::kNoProc);
    ExitWatch exit(rt, *a);
    rt.Send(*a, Ping{round});
    rt.Stop(*a);
    ASSERT_TRUE(exit.Wait().has_value());
    EXPECT_EQ(p.log.events(), (std::vector<std::string>{"start", absl::StrCat("ping ", round),
                                                        "exit normal"}));
    old.push_back(a->pid());
  }
  EXPECT_EQ(rt.stats().spawned, 50u);
  EXPECT_TRUE(Eventually([&] { return rt.stats().live_actors == 0; }));
}

}  // namespace
}  // namespace myr
