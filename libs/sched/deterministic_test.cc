// Copyright Myrmidon authors.
//
// The deterministic mode: one thread (the test's), seeded order, one message
// per step, virtual time, fault injection.
#include <algorithm>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/sched/runtime.h"

namespace myr {
namespace {

// --- actors -------------------------------------------------------------------

struct Kick {
  int n;
};
struct Pass {  // forwarded around a ring, `hops` more times
  int n;
  int hops;
};

// The shared trace the actors of one scenario write to. Single-threaded by
// construction: everything runs on the driving thread.
struct Trace {
  std::vector<std::string> events;
  std::thread::id driver = std::this_thread::get_id();
  bool foreign_thread = false;
  void Add(std::string e) {
    if (std::this_thread::get_id() != driver) foreign_thread = true;
    events.push_back(std::move(e));
  }
};

class Chatter : public Actor<Chatter, Kick, Pass> {
 public:
  Chatter(Trace* t, std::string name) : t_(t), name_(std::move(name)) {}
  void set_next(Pid next) { next_ = next; }

  void Handle(Kick& m) {
    t_->Add(absl::StrCat(name_, " kick ", m.n));
    if (next_.valid()) Send(next_, Pass{m.n, 2});
  }
  void Handle(Pass& m) {
    t_->Add(absl::StrCat(name_, " pass ", m.n, "/", m.hops));
    if (m.hops > 0 && next_.valid()) Send(next_, Pass{m.n, m.hops - 1});
  }

 private:
  Trace* t_;
  std::string name_;
  Pid next_;
};

struct SetNext {
  Pid next;
};
class RingMember : public Actor<RingMember, SetNext, Kick, Pass> {
 public:
  RingMember(Trace* t, std::string name) : t_(t), name_(std::move(name)) {}
  void Handle(SetNext& m) { next_ = m.next; }
  void Handle(Kick& m) {
    t_->Add(absl::StrCat(name_, " kick ", m.n));
    Send(next_, Pass{m.n, 2});
  }
  void Handle(Pass& m) {
    t_->Add(absl::StrCat(name_, " pass ", m.n, "/", m.hops));
    if (m.hops > 0) Send(next_, Pass{m.n, m.hops - 1});
  }

 private:
  Trace* t_;
  std::string name_;
  Pid next_;
};

// Four actors in a ring, each kicked 10 times from the test thread; every
// kick is passed on three times (hops 2, 1, 0). Returns the order in which messages were handled.
std::vector<std::string> RunRing(uint64_t seed, bool* foreign_thread = nullptr) {
  Trace trace;
  {
    Runtime rt(RuntimeOptions::Deterministic(seed));
    std::vector<Pid> ring;
    for (int i = 0; i < 4; ++i) {
      ring.push_back(*rt.Spawn<RingMember>(&trace, absl::StrCat("a", i)));
    }
    for (int i = 0; i < 4; ++i) rt.Send(ring[i], SetNext{ring[(i + 1) % 4]});
    for (int k = 0; k < 10; ++k) {
      for (int i = 0; i < 4; ++i) rt.Send(ring[i], Kick{k});
    }
    rt.RunUntilIdle();
    EXPECT_FALSE(rt.Step());  // idle: nothing left to run
  }
  if (foreign_thread != nullptr) *foreign_thread = trace.foreign_thread;
  return trace.events;
}

TEST(Deterministic, TheSameSeedGivesTheSameInterleaving) {
  bool foreign = true;
  std::vector<std::string> first = RunRing(42, &foreign);
  EXPECT_FALSE(foreign) << "a handler ran on another thread than the driver";
  ASSERT_EQ(first.size(), 4u * 10u * 4u);  // every kick and its three passes
  EXPECT_EQ(RunRing(42), first);
  EXPECT_EQ(RunRing(42), first);
}

TEST(Deterministic, DifferentSeedsGiveDifferentInterleavings) {
  std::vector<std::string> one = RunRing(1);
  std::vector<std::string> two = RunRing(2);
  ASSERT_EQ(one.size(), two.size());
  EXPECT_NE(one, two);
  // Same messages, different order.
  std::sort(one.begin(), one.end());
  std::sort(two.begin(), two.end());
  EXPECT_EQ(one, two);
}

TEST(Deterministic, EachStepHandlesAtMostOneUserMessage) {
  Trace trace;
  Runtime rt(RuntimeOptions::Deterministic(3));
  auto a = *rt.Spawn<Chatter>(&trace, "a");
  for (int i = 0; i < 5; ++i) rt.Send(a, Kick{i});
  size_t before = 0;
  while (rt.Step()) {
    EXPECT_LE(trace.events.size(), before + 1);
    before = trace.events.size();
  }
  EXPECT_EQ(trace.events.size(), 5u);
  EXPECT_EQ(rt.workers(), 0);
}

// --- virtual time -----------------------------------------------------------------

struct Wait {
  absl::Duration timeout;
};
struct Want {
  int n;
};
struct Nap {
  using Reply = int64_t;  // virtual time (ns) when it woke up
  absl::Duration d;
};

struct WaitProbe {
  int done = 0;
  absl::Status status;
  std::vector<std::string> order;
};

class Waiter : public Actor<Waiter, Wait, Want, Nap> {
 public:
  Waiter(WaitProbe* p, std::string name = "w") : p_(p), name_(std::move(name)) {}
  Task<void> Handle(Wait& m) {
    absl::StatusOr<Want> w = co_await Receive<Want>(m.timeout);
    p_->status = w.status();
    ++p_->done;
  }
  void Handle(Want&) {}
  Task<int64_t> Handle(Nap& m) {
    co_await Sleep(m.d);
    p_->order.push_back(name_);
    co_return runtime().NowNanos();
  }

 private:
  WaitProbe* p_;
  std::string name_;
};

TEST(Deterministic, AReceiveTimeoutFiresOnVirtualTimeOnly) {
  WaitProbe p;
  Runtime rt(RuntimeOptions::Deterministic(5));
  auto w = *rt.Spawn<Waiter>(&p);
  absl::Time wall0 = absl::Now();
  rt.Send(w, Wait{absl::Seconds(5)});
  rt.RunUntilIdle();
  EXPECT_EQ(p.done, 0);  // idle, but no virtual time has passed
  EXPECT_EQ(rt.NowNanos(), 0);
  rt.AdvanceTime(absl::Milliseconds(4999));
  EXPECT_EQ(p.done, 0);
  rt.AdvanceTime(absl::Milliseconds(1));
  ASSERT_EQ(p.done, 1);
  EXPECT_EQ(p.status.code(), absl::StatusCode::kDeadlineExceeded) << p.status;
  EXPECT_EQ(rt.NowNanos(), absl::ToInt64Nanoseconds(absl::Seconds(5)));
  EXPECT_LT(absl::Now() - wall0, absl::Seconds(1)) << "virtual time must not sleep";
}

TEST(Deterministic, AMessageBeforeTheVirtualDeadlineSatisfiesTheReceive) {
  WaitProbe p;
  Runtime rt(RuntimeOptions::Deterministic(5));
  auto w = *rt.Spawn<Waiter>(&p);
  rt.Send(w, Wait{absl::Seconds(5)});
  rt.AdvanceTime(absl::Seconds(4));
  rt.Send(w, Want{1});
  rt.RunUntilIdle();
  ASSERT_EQ(p.done, 1);
  EXPECT_TRUE(p.status.ok()) << p.status;
  rt.AdvanceTime(absl::Seconds(10));  // the cancelled deadline does nothing
  EXPECT_EQ(p.done, 1);
}

TEST(Deterministic, TimersFireInDeadlineOrder) {
  WaitProbe p;
  Runtime rt(RuntimeOptions::Deterministic(9));
  auto slow = *rt.Spawn<Waiter>(&p, "slow");
  auto fast = *rt.Spawn<Waiter>(&p, "fast");
  auto mid = *rt.Spawn<Waiter>(&p, "mid");
  rt.Send(slow, Nap{absl::Seconds(3)});
  rt.Send(fast, Nap{absl::Seconds(1)});
  rt.Send(mid, Nap{absl::Seconds(2)});
  rt.AdvanceTime(absl::Seconds(10));
  EXPECT_EQ(p.order, (std::vector<std::string>{"fast", "mid", "slow"}));
}

TEST(Deterministic, CallbacksFireOnVirtualTimeInDeadlineOrderAndCancelWorks) {
  Runtime rt(RuntimeOptions::Deterministic(5));
  std::vector<int> fired;
  int64_t t0 = rt.NowNanos();
  rt.ArmCallback(t0 + 30'000'000, [&] { fired.push_back(30); });
  uint64_t dropped = rt.ArmCallback(t0 + 20'000'000, [&] { fired.push_back(20); });
  rt.ArmCallback(t0 + 10'000'000, [&] {
    fired.push_back(10);
    // A callback may arm another (it fires in the same AdvanceTime).
    rt.ArmCallback(rt.NowNanos() + 5'000'000, [&] { fired.push_back(15); });
  });
  EXPECT_TRUE(rt.CancelTimer(dropped));
  EXPECT_FALSE(rt.CancelTimer(dropped));
  rt.AdvanceTime(absl::Milliseconds(9));
  EXPECT_TRUE(fired.empty());
  rt.AdvanceTime(absl::Milliseconds(30));
  EXPECT_EQ(fired, (std::vector<int>{10, 15, 30}));
}

TEST(Deterministic, ACallFromTheTestThreadDrivesTheRuntime) {
  WaitProbe p;
  Runtime rt(RuntimeOptions::Deterministic(11));
  auto w = *rt.Spawn<Waiter>(&p);
  absl::Time wall0 = absl::Now();
  // No Step or AdvanceTime: the call runs the actor and moves virtual time.
  absl::StatusOr<int64_t> woke = rt.Call(w, Nap{absl::Hours(2)}, absl::Hours(3));
  ASSERT_TRUE(woke.ok()) << woke.status();
  EXPECT_EQ(*woke, absl::ToInt64Nanoseconds(absl::Hours(2)));
  EXPECT_EQ(rt.NowNanos(), absl::ToInt64Nanoseconds(absl::Hours(2)));
  EXPECT_LT(absl::Now() - wall0, absl::Seconds(1));
}

TEST(Deterministic, ACallTimesOutOnVirtualTime) {
  WaitProbe p;
  Runtime rt(RuntimeOptions::Deterministic(11));
  auto w = *rt.Spawn<Waiter>(&p);
  absl::Time wall0 = absl::Now();
  absl::StatusOr<int64_t> r = rt.Call(w, Nap{absl::Seconds(10)}, absl::Seconds(1));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_EQ(rt.NowNanos(), absl::ToInt64Nanoseconds(absl::Seconds(1)));
  EXPECT_LT(absl::Now() - wall0, absl::Seconds(1));
  // Once time moves on, the sleeper finishes (its reply has nowhere to go).
  rt.AdvanceTime(absl::Seconds(9));
  EXPECT_EQ(p.order, std::vector<std::string>{"w"});
}

TEST(Deterministic, AwaitExitDrivesTheRuntime) {
  Trace trace;
  Runtime rt(RuntimeOptions::Deterministic(13));
  auto a = *rt.Spawn<Chatter>(&trace, "a");
  for (int i = 0; i < 3; ++i) rt.Send(a, Kick{i});
  rt.Stop(a);
  absl::StatusOr<ExitReason> r = rt.AwaitExit(a, absl::Seconds(1));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, ExitReason::Normal());
  EXPECT_EQ(trace.events, (std::vector<std::string>{"a kick 0", "a kick 1", "a kick 2"}));
}

// --- fault injection ----------------------------------------------------------------

struct Count {
  using Reply = int;
};
class Counter : public Actor<Counter, Kick, Count> {
 public:
  explicit Counter(int* handled) : handled_(handled) {}
  void Handle(Kick&) { ++*handled_; }
  int Handle(Count&) { return *handled_; }

 private:
  int* handled_;
};

TEST(Deterministic, AnInjectedCrashEndsTheActorAtItsNthMessage) {
  int handled = 0;
  Runtime rt(RuntimeOptions::Deterministic(17));
  auto c = *rt.Spawn<Counter>(&handled);
  ASSERT_TRUE(rt.InjectCrash(c, 3));
  std::optional<ExitReason> reason;
  ASSERT_NE(rt.Watch(c, [&](Pid, const ExitReason& r) { reason = r; }), 0u);
  for (int i = 0; i < 5; ++i) rt.Send(c, Kick{i});
  rt.RunUntilIdle();
  ASSERT_TRUE(reason.has_value());
  EXPECT_EQ(reason->kind(), ExitKind::kCrash);
  EXPECT_NE(reason->detail().find("injected fault"), std::string::npos) << *reason;
  EXPECT_EQ(handled, 2);
  EXPECT_FALSE(rt.IsAlive(c));
  EXPECT_EQ(rt.stats().crashed, 1u);
}

TEST(Deterministic, ARequestThatIsTheInjectedFaultIsAborted) {
  int handled = 0;
  Runtime rt(RuntimeOptions::Deterministic(17));
  auto c = *rt.Spawn<Counter>(&handled);
  ASSERT_TRUE(rt.InjectCrash(c, 3));
  rt.Send(c, Kick{0});
  rt.Send(c, Kick{1});
  absl::StatusOr<int> r = rt.Call(c, Count{}, absl::Seconds(1));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted) << r.status();
  EXPECT_NE(r.status().message().find("injected fault"), std::string::npos) << r.status();
  EXPECT_EQ(handled, 2);
}

TEST(Deterministic, InjectingACrashIntoADeadPidFails) {
  int handled = 0;
  Runtime rt(RuntimeOptions::Deterministic(17));
  auto c = *rt.Spawn<Counter>(&handled);
  rt.Kill(c);
  rt.RunUntilIdle();
  EXPECT_FALSE(rt.InjectCrash(c, 1));
}

// --- the rest of the runtime in deterministic mode ---------------------------------------

TEST(Deterministic, BlockingLaneActorsRunOnTheDrivingThreadToo) {
  Trace trace;
  Runtime rt(RuntimeOptions::Deterministic(19));
  auto a = *rt.SpawnWith<Chatter>(SpawnOptions().OnLane(Lane::kBlocking), &trace, "b");
  rt.Send(a, Kick{1});
  rt.RunUntilIdle();
  EXPECT_EQ(trace.events, std::vector<std::string>{"b kick 1"});
  EXPECT_FALSE(trace.foreign_thread);
}

TEST(Deterministic, DestroyingTheRuntimeEndsLiveAndWaitingActors) {
  WaitProbe p;
  Trace trace;
  int exits = 0;
  {
    Runtime rt(RuntimeOptions::Deterministic(23));
    auto w = *rt.Spawn<Waiter>(&p);
    auto a = *rt.Spawn<Chatter>(&trace, "a");
    rt.Send(w, Wait{absl::InfiniteDuration()});
    rt.Send(a, Kick{1});
    rt.RunUntilIdle();
    rt.Watch(w, [&](Pid, const ExitReason& r) { exits += r.kind() == ExitKind::kKilled; });
    rt.Watch(a, [&](Pid, const ExitReason& r) { exits += r.kind() == ExitKind::kKilled; });
  }
  EXPECT_EQ(exits, 2);
  EXPECT_EQ(p.done, 0);  // the waiting handler was destroyed, not resumed
}

}  // namespace
}  // namespace myr
