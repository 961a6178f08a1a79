// Copyright Myrmidon authors.
//
// TimerService on a threaded Runtime: timers fire on the runtime's timer
// thread (never early), intervals stop when cancelled, timers die with owners
// killed on other threads, and a stress test in which many threads arm and
// cancel while owners die, after which every count balances. Waits are
// bounded (Eventually); a later timer to the same target serves as a fence
// ("everything sent before it has been handled"), never a fixed sleep.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "libs/pid/pid.h"
#include "libs/sched/runtime.h"
#include "libs/sched/testing/sched_testing.h"
#include "libs/timers/timer_service.h"

namespace myr::timers {
namespace {

using sched_testing::Eventually;
using sched_testing::Threaded;

struct Note {
  int id;
  int64_t not_before_ns = 0;  // the earliest instant it may arrive
};
struct Fence {
  int id;
};

// Counts what it receives (any thread writes, the test reads).
struct Counts {
  std::atomic<int64_t> notes{0};
  std::atomic<int64_t> by_id[4] = {};
  std::atomic<int64_t> early{0};  // notes handled before not_before_ns
  std::atomic<int> fences{0};
};

class Sink : public Actor<Sink, Note, Fence> {
 public:
  explicit Sink(Counts* c) : c_(c) {}
  void Handle(Note& n) {
    if (runtime().NowNanos() < n.not_before_ns) c_->early.fetch_add(1);
    if (n.id >= 0 && n.id < 4) c_->by_id[n.id].fetch_add(1);
    c_->notes.fetch_add(1);
  }
  void Handle(Fence& f) { c_->fences.fetch_add(1); }

 private:
  Counts* c_;
};

// An owner that also arms timers from its own handler when told to.
struct ArmFromHandler {
  TimerService* service;
  Pid to;
  int64_t delay_us;
  std::atomic<int64_t>* armed;
};
class Owner : public Actor<Owner, ArmFromHandler, Note> {
 public:
  void Handle(ArmFromHandler& a) {
    if (a.service->SendAfter(self(), a.to, absl::Microseconds(a.delay_us), Note{1}).ok()) {
      a.armed->fetch_add(1);
    }
  }
  void Handle(Note&) {}
};

Pid SpawnOwner(Runtime& rt) {
  auto ref = rt.Spawn<Owner>();
  EXPECT_TRUE(ref.ok()) << ref.status();
  return ref->pid();
}

Pid SpawnSink(Runtime& rt, Counts* c) {
  auto ref = rt.SpawnWith<Sink>(SpawnOptions().WithMailbox(MailboxOptions::Unbounded()), c);
  EXPECT_TRUE(ref.ok()) << ref.status();
  return ref->pid();
}

bool Balanced(const TimerService::Stats& st) {
  return st.armed == st.fired + st.cancelled + st.cancelled_by_death + st.ended + st.pending;
}

// Arms a one-shot Fence from `owner` to `to` after `delay` and waits until it
// has been handled: every message the timer thread sent to `to` before it
// has been handled too (one sender thread, one mailbox: FIFO).
void AwaitFence(TimerService& timers, Counts& c, Pid owner, Pid to, absl::Duration delay) {
  int before = c.fences.load();
  ASSERT_TRUE(timers.SendAfter(owner, to, delay, Fence{before}).ok());
  ASSERT_TRUE(Eventually([&] { return c.fences.load() > before; }));
}

TEST(TimerServiceThreadedTest, OneShotsFireOnTheTimerThreadAndNeverBeforeTheirDeadline) {
  Runtime rt(Threaded());
  TimerService timers(rt);
  Counts c;
  Pid sink = SpawnSink(rt, &c);
  Pid owner = SpawnOwner(rt);
  constexpr int kTimers = 40;
  for (int i = 0; i < kTimers; ++i) {
    absl::Duration d = absl::Microseconds(500 * (i % 20));
    int64_t not_before = rt.NowNanos() + absl::ToInt64Nanoseconds(d);
    ASSERT_TRUE(timers.SendAfter(owner, sink, d, Note{0, not_before}).ok());
  }
  ASSERT_TRUE(Eventually([&] { return c.notes.load() == kTimers; }));
  EXPECT_EQ(c.early.load(), 0);
  ASSERT_TRUE(Eventually([&] { return timers.stats().fired == kTimers; }));
  EXPECT_EQ(timers.pending(), 0u);
  EXPECT_TRUE(Balanced(timers.stats()));
}

TEST(TimerServiceThreadedTest, ACancelledIntervalStopsTicking) {
  Runtime rt(Threaded());
  TimerService timers(rt);
  Counts c;
  Pid sink = SpawnSink(rt, &c);
  Pid owner = SpawnOwner(rt);
  absl::StatusOr<TimerRef> t = timers.SendInterval(owner, sink, absl::Milliseconds(1), Note{1});
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(Eventually([&] { return c.by_id[1].load() >= 5; }));
  uint64_t ticks_before = timers.stats().ticks;
  ASSERT_TRUE(timers.Cancel(*t));
  EXPECT_FALSE(timers.Cancel(*t));
  AwaitFence(timers, c, owner, sink, absl::Milliseconds(10));
  // A tick already taken from the wheel when Cancel ran may still go out.
  EXPECT_LE(c.by_id[1].load(), static_cast<int64_t>(ticks_before) + 1);
  EXPECT_EQ(static_cast<uint64_t>(c.by_id[1].load()), timers.stats().ticks);
  EXPECT_EQ(timers.pending(), 0u);
}

TEST(TimerServiceThreadedTest, AKilledOwnersTimersNeverFire) {
  Runtime rt(Threaded());
  TimerService timers(rt);
  Counts c;
  Pid sink = SpawnSink(rt, &c);
  Pid owner = SpawnOwner(rt);
  Pid fence_owner = SpawnOwner(rt);
  ASSERT_TRUE(timers.SendAfter(owner, sink, absl::Milliseconds(30), Note{2}).ok());
  ASSERT_TRUE(timers.SendInterval(owner, sink, absl::Milliseconds(1), Note{1}).ok());
  ASSERT_TRUE(Eventually([&] { return c.by_id[1].load() >= 2; }));

  ASSERT_TRUE(rt.Kill(owner));
  ASSERT_TRUE(Eventually([&] { return timers.pending() == 0; }));
  EXPECT_EQ(timers.stats().cancelled_by_death, 2u);
  EXPECT_EQ(timers.stats().owners, 0u);
  int64_t ticks = c.by_id[1].load();

  // Past the one-shot's deadline: it never came, and the ticks stopped.
  AwaitFence(timers, c, fence_owner, sink, absl::Milliseconds(40));
  EXPECT_EQ(c.by_id[2].load(), 0);
  EXPECT_LE(c.by_id[1].load(), ticks + 1) << "at most a tick in flight at the kill";
  EXPECT_TRUE(Balanced(timers.stats()));
}

TEST(TimerServiceThreadedTest, NothingIsSentAfterTheServiceIsDestroyed) {
  Runtime rt(Threaded());
  Counts c;
  Pid sink = SpawnSink(rt, &c);
  std::vector<Pid> owners;
  for (int i = 0; i < 8; ++i) owners.push_back(SpawnOwner(rt));
  {
    TimerService timers(rt);
    for (Pid o : owners) {
      ASSERT_TRUE(timers.SendInterval(o, sink, absl::Microseconds(300), Note{1}).ok());
      ASSERT_TRUE(timers.SendAfter(o, sink, absl::Milliseconds(20), Note{2}).ok());
    }
    ASSERT_TRUE(Eventually([&] { return c.by_id[1].load() >= 40; }));
  }
  // The destructor waited for any send under way, so every timer message is
  // queued ahead of this one.
  ASSERT_EQ(rt.Send(sink, Fence{0}), SendResult::kOk);
  ASSERT_TRUE(Eventually([&] { return c.fences.load() == 1; }));
  int64_t notes = c.notes.load();

  // A later timer of another service, past every old deadline, fences the
  // timer thread itself.
  TimerService other(rt);
  AwaitFence(other, c, owners[0], sink, absl::Milliseconds(30));
  EXPECT_EQ(c.notes.load(), notes);
  EXPECT_EQ(c.by_id[2].load(), 0);
  // Owners exit without calling into the destroyed service's state.
  for (Pid o : owners) ASSERT_TRUE(rt.Kill(o));
  ASSERT_TRUE(Eventually([&] { return rt.stats().live_actors == 1; }));
}

// The race the per-owner watch closes: threads keep arming hour-long timers
// for an owner while it is killed. Every arm either fails with noproc or
// succeeds and is then cancelled by the owner's death: none survives it.
TEST(TimerServiceThreadedTest, TimersArmedWhileTheirOwnerExitsAreAllCancelledByItsDeath) {
  Runtime rt(Threaded(2));
  TimerService timers(rt);
  Counts c;
  Pid sink = SpawnSink(rt, &c);
  int64_t armed = 0;
  for (int round = 0; round < 100; ++round) {
    Pid owner = SpawnOwner(rt);
    std::atomic<int64_t> ok{0};
    std::vector<std::thread> arming;
    for (int t = 0; t < 2; ++t) {
      arming.emplace_back([&] {
        for (;;) {
          absl::StatusOr<TimerRef> r = timers.SendAfter(owner, sink, absl::Hours(1), Note{0});
          if (!r.ok()) {
            EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound) << r.status();
            return;
          }
          ok.fetch_add(1);
        }
      });
    }
    while (ok.load() < 2 * round % 7 + 1) std::this_thread::yield();
    ASSERT_TRUE(rt.Kill(owner));
    for (auto& th : arming) th.join();
    armed += ok.load();
  }
  ASSERT_TRUE(Eventually([&] { return timers.pending() == 0; })) << timers.pending();
  TimerService::Stats st = timers.stats();
  EXPECT_EQ(static_cast<int64_t>(st.armed), armed);
  EXPECT_EQ(st.cancelled_by_death, st.armed);
  EXPECT_EQ(st.fired, 0u);
  EXPECT_EQ(st.owners, 0u);
}

// Many threads arm (directly and through owners' handlers) and cancel, while
// another thread kills owners and spawns new ones. Afterwards:
//   armed == fired + cancelled + cancelled_by_death (+ ended + pending = 0),
//   every message that fired was handled exactly once.
class TimerServiceStressTest : public ::testing::TestWithParam<uint32_t> {};

TEST_P(TimerServiceStressTest, ArmingAndCancellingFromManyThreadsWhileOwnersDieBalances) {
  Runtime rt(Threaded(2));
  TimerService timers(rt, {.shards = GetParam()});
  Counts c;
  Pid sinks[2] = {SpawnSink(rt, &c), SpawnSink(rt, &c)};

  constexpr int kOwners = 16;
  std::mutex owners_mu;
  std::vector<Pid> owners;  // guarded by owners_mu
  for (int i = 0; i < kOwners; ++i) owners.push_back(SpawnOwner(rt));
  auto pick = [&](std::mt19937& rng) {
    std::lock_guard<std::mutex> lock(owners_mu);
    return owners[rng() % owners.size()];
  };

  std::atomic<int64_t> armed{0}, cancelled_ok{0}, noproc{0}, armed_in_handlers{0};
  std::atomic<bool> stop_killer{false};
  constexpr int kThreads = 4;
  constexpr int kOps = 20000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(100 + t);
      std::vector<TimerRef> mine;
      for (int i = 0; i < kOps; ++i) {
        Pid owner = pick(rng);
        Pid to = sinks[rng() % 2];
        switch (rng() % 8) {
          case 0:
          case 1:
          case 2: {
            absl::StatusOr<TimerRef> r =
                timers.SendAfter(owner, to, absl::Microseconds(rng() % 3000), Note{0});
            if (r.ok()) {
              armed.fetch_add(1);
              mine.push_back(*r);
            } else {
              EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound) << r.status();
              noproc.fetch_add(1);
            }
            break;
          }
          case 3: {
            absl::StatusOr<TimerRef> r = timers.SendInterval(
                owner, to, absl::Microseconds(200 + rng() % 2000), Note{1});
            if (r.ok()) {
              armed.fetch_add(1);
              mine.push_back(*r);
            } else {
              noproc.fetch_add(1);
            }
            break;
          }
          case 4:
          case 5:
            if (!mine.empty()) {
              size_t k = rng() % mine.size();
              if (timers.Cancel(mine[k])) cancelled_ok.fetch_add(1);
              if (timers.Cancel(mine[k])) cancelled_ok.fetch_add(1000000);  // never twice
              mine[k] = mine.back();
              mine.pop_back();
            }
            break;
          case 6:
            rt.Send(owner, ArmFromHandler{&timers, to, static_cast<int64_t>(rng() % 2000),
                                          &armed_in_handlers});
            break;
          case 7:
            if (i % 64 == 7) std::this_thread::yield();
            break;
        }
      }
    });
  }
  std::thread killer([&] {
    std::mt19937 rng(7);
    while (!stop_killer.load()) {
      Pid victim;
      {
        std::lock_guard<std::mutex> lock(owners_mu);
        size_t k = rng() % owners.size();
        victim = owners[k];
        owners[k] = SpawnOwner(rt);
      }
      switch (rng() % 3) {
        case 0:
          rt.Kill(victim);
          break;
        case 1:
          rt.Stop(victim);
          break;
        default:
          rt.Exit(victim, ExitReason::Shutdown("test"));
          break;
      }
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  for (auto& th : threads) th.join();
  stop_killer.store(true);
  killer.join();

  // Every owner dies: whatever is still pending is cancelled by death.
  {
    std::lock_guard<std::mutex> lock(owners_mu);
    for (Pid o : owners) rt.Kill(o);
  }
  ASSERT_TRUE(Eventually([&] {
    TimerService::Stats st = timers.stats();
    return st.pending == 0 && st.owners == 0 && Balanced(st);
  })) << "pending " << timers.stats().pending << " owners " << timers.stats().owners;

  TimerService::Stats st = timers.stats();
  EXPECT_EQ(static_cast<int64_t>(st.armed), armed.load() + armed_in_handlers.load());
  EXPECT_EQ(static_cast<int64_t>(st.cancelled), cancelled_ok.load());
  EXPECT_EQ(st.ended, 0u) << "the sinks stay alive";
  EXPECT_EQ(st.dropped, 0u) << "unbounded mailboxes";
  EXPECT_GT(st.fired, 0u);
  EXPECT_GT(st.cancelled_by_death, 0u);
  EXPECT_GT(armed_in_handlers.load(), 0);
  // Every message sent was handled once: fence each sink through the timer
  // thread (the owner of the fences is a fresh, live actor).
  Pid fence_owner = SpawnOwner(rt);
  for (Pid s : sinks) AwaitFence(timers, c, fence_owner, s, absl::Milliseconds(1));
  EXPECT_EQ(c.notes.load(), static_cast<int64_t>(st.fired + st.ticks));
  EXPECT_EQ(c.early.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(OneOrManyShards, TimerServiceStressTest, ::testing::Values(1u, 3u));

}  // namespace
}  // namespace myr::timers
