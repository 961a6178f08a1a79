// Copyright Myrmidon authors.
//
// Stress tests, meant above all for --config=tsan and --config=asan: many
// actors, sends from several threads and from actors, concurrent exits and
// kills, sends to stale pids, spawn churn. Every test checks exact counts.
//
// Sizes scale with MYR_STRESS_SCALE (percent; default 100, 10 under TSAN and
// 30 under ASAN, whose builds run several times slower).
#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/sched/runtime.h"
#include "libs/sched/testing/sched_testing.h"

namespace myr {
namespace {

int ScalePercent() {
  if (const char* e = std::getenv("MYR_STRESS_SCALE"); e != nullptr && std::atoi(e) > 0) {
    return std::atoi(e);
  }
#if defined(__SANITIZE_THREAD__)
  return 10;
#elif defined(__SANITIZE_ADDRESS__)
  return 30;
#else
  return 100;
#endif
}

// `n` scaled, at least `min`.
int Scaled(int n, int min = 1) { return std::max(min, n * ScalePercent() / 100); }

using sched_testing::Eventually;
using sched_testing::Threaded;

// How long the tests wait for all the traffic to be handled (sanitizer builds
// are slow).
constexpr absl::Duration kWait = absl::Seconds(60);

// --- 1. hops across many actors -----------------------------------------------------

struct Hop {
  int ttl;
};
struct HopCount {
  using Reply = int64_t;
};

struct HopWorld {
  std::vector<Pid> peers;  // written before the first message
  std::atomic<int64_t> handled{0};
  std::atomic<int64_t> forward_failures{0};
};

class Hopper : public Actor<Hopper, Hop, HopCount> {
 public:
  Hopper(HopWorld* w, uint64_t seed) : w_(w), rng_(seed) {}
  void Handle(Hop& m) {
    ++mine_;
    w_->handled.fetch_add(1, std::memory_order_relaxed);
    if (m.ttl > 0) {
      Pid to = w_->peers[rng_() % w_->peers.size()];
      if (Send(to, Hop{m.ttl - 1}) != SendResult::kOk) w_->forward_failures.fetch_add(1);
    }
  }
  int64_t Handle(HopCount&) { return mine_; }

 private:
  HopWorld* w_;
  std::mt19937_64 rng_;
  int64_t mine_ = 0;
};

TEST(Stress, HopsAcrossAThousandActorsFromManyThreadsAreEachHandledOnce) {
  const int kActors = 1000;
  const int kThreads = 4;
  const int kPerThread = Scaled(200'000, 500);
  const int kTtl = 4;
  HopWorld world;
  Runtime rt(Threaded());
  for (int i = 0; i < kActors; ++i) {
    // Half with unbounded mailboxes (batched sends), half bounded (direct).
    SpawnOptions opts;
    if (i % 2 == 0) opts.WithMailbox(MailboxOptions::Unbounded());
    world.peers.push_back(*rt.SpawnWith<Hopper>(opts, &world, static_cast<uint64_t>(i + 1)));
  }
  std::atomic<int64_t> accepted{0};
  std::atomic<int> call_failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937_64 rng(1000 + t);
      for (int i = 0; i < kPerThread; ++i) {
        Pid to = world.peers[rng() % kActors];
        if (rt.Send(to, Hop{kTtl}) == SendResult::kOk) accepted.fetch_add(1);
        if (i % 997 == 0) {  // calls mixed in with the traffic
          if (!rt.Call(to, HopCount{}, absl::Seconds(30)).ok()) call_failures.fetch_add(1);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), int64_t{kThreads} * kPerThread);
  const int64_t expected = accepted.load() * (kTtl + 1);
  ASSERT_TRUE(Eventually([&] { return world.handled.load() >= expected; }, kWait))
      << world.handled.load() << " of " << expected;
  EXPECT_EQ(world.forward_failures.load(), 0);
  EXPECT_EQ(call_failures.load(), 0);
  // Each actor's own count adds up to the same total.
  int64_t sum = 0;
  for (Pid p : world.peers) {
    absl::StatusOr<int64_t> n = rt.Call(p, HopCount{}, absl::Seconds(30));
    ASSERT_TRUE(n.ok()) << n.status();
    sum += *n;
  }
  EXPECT_EQ(sum, expected);
  EXPECT_EQ(world.handled.load(), expected);

  for (Pid p : world.peers) rt.Stop(p);
  ASSERT_TRUE(Eventually([&] { return rt.stats().live_actors == 0; }, kWait));
  Runtime::Stats st = rt.stats();
  EXPECT_EQ(st.spawned, static_cast<uint64_t>(kActors));
  EXPECT_EQ(st.exited, static_cast<uint64_t>(kActors));
  EXPECT_EQ(st.crashed, 0u);
}

// --- 2. churn: spawns, exits, kills, crashes, stale pids --------------------------------

// A payload that reports, when destroyed, whether it was handled: every
// message must be destroyed exactly once, handled or not.
struct Ledger {
  std::atomic<int64_t> sent{0};       // Send returned (any result)
  std::atomic<int64_t> accepted{0};   // ... kOk
  std::atomic<int64_t> handled{0};
  std::atomic<int64_t> discarded{0};  // destroyed unhandled
  std::atomic<int64_t> misdelivered{0};
};
struct Tracked {
  Tracked(Ledger* l, Pid to) : ledger(l), to(to) {}
  Tracked(Tracked&& o) noexcept : ledger(std::exchange(o.ledger, nullptr)), to(o.to), done(o.done) {}
  Tracked(const Tracked&) = delete;
  ~Tracked() {
    if (ledger != nullptr && !done) ledger->discarded.fetch_add(1, std::memory_order_relaxed);
  }
  Ledger* ledger;
  Pid to;
  bool done = false;
};

struct Directory {
  std::mutex mu;
  std::vector<Pid> pids;  // every pid ever spawned (most of them dead)
  void Add(Pid p) {
    std::lock_guard<std::mutex> lock(mu);
    pids.push_back(p);
  }
  Pid Any(uint64_t r) {
    std::lock_guard<std::mutex> lock(mu);
    return pids.empty() ? Pid() : pids[r % pids.size()];
  }
};

struct Fling {};  // forward a Tracked to some pid from the directory
struct Quit {};
struct Boom {};
struct Ask {
  using Reply = int;
};

class Churner : public Actor<Churner, Tracked, Fling, Quit, Boom, Ask> {
 public:
  Churner(Ledger* l, Directory* d, uint64_t seed) : l_(l), d_(d), rng_(seed) {}
  void Handle(Tracked& m) {
    m.done = true;
    l_->handled.fetch_add(1, std::memory_order_relaxed);
    if (m.to != self()) l_->misdelivered.fetch_add(1);
  }
  void Handle(Fling&) {
    Pid to = d_->Any(rng_());
    l_->sent.fetch_add(1, std::memory_order_relaxed);
    if (Send(to, Tracked(l_, to)) == SendResult::kOk) l_->accepted.fetch_add(1);
  }
  void Handle(Quit&) { Exit(ExitReason::Shutdown("quit")); }
  void Handle(Boom&) { throw std::runtime_error("boom"); }
  int Handle(Ask&) { return 1; }

 private:
  Ledger* l_;
  Directory* d_;
  std::mt19937_64 rng_;
};

TEST(Stress, ChurnOfSpawnsExitsAndStaleSendsLosesAndDuplicatesNothing) {
  const int kThreads = 3;
  const int kRounds = Scaled(60'000, 500);
  Ledger ledger;
  Directory dir;
  std::atomic<int> calls_done{0}, calls_made{0}, bad_call_codes{0}, bad_send_results{0};
  {
    RuntimeOptions o = Threaded();
    o.max_actors = 1024;  // slots are reused all the time
    Runtime rt(o);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        std::mt19937_64 rng(77 + t);
        auto send = [&](Pid to) {
          ledger.sent.fetch_add(1, std::memory_order_relaxed);
          SendResult r = rt.Send(to, Tracked(&ledger, to));
          if (r == SendResult::kOk) {
            ledger.accepted.fetch_add(1, std::memory_order_relaxed);
          } else if (r != SendResult::kNoProc && r != SendResult::kDropped) {
            bad_send_results.fetch_add(1);
          }
        };
        for (int i = 0; i < kRounds; ++i) {
          SpawnOptions opts;
          switch (rng() % 3) {
            case 0: opts.WithMailbox(MailboxOptions::Unbounded()); break;
            case 1: opts.WithMailbox(MailboxOptions::Bounded(4, OverflowPolicy::kDropNew)); break;
            default: break;
          }
          if (rng() % 16 == 0) opts.OnLane(Lane::kBlocking);
          absl::StatusOr<Churner::Interface> a = rt.SpawnWith<Churner>(opts, &ledger, &dir, rng());
          if (!a.ok()) {
            // The slab is full of survivors: make room.
            ASSERT_EQ(a.status().code(), absl::StatusCode::kResourceExhausted) << a.status();
            for (int k = 0; k < 8; ++k) rt.Kill(dir.Any(rng()));
            std::this_thread::yield();
            continue;
          }
          dir.Add(*a);
          for (int k = 0; k < 3; ++k) send(*a);
          rt.Send(*a, Fling{});
          send(dir.Any(rng()));  // most likely stale
          switch (rng() % 7) {
            case 0: rt.Stop(*a); break;
            case 1: rt.Kill(*a); break;
            case 2: rt.Exit(*a, ExitReason::Shutdown("bye")); break;
            case 3: rt.Send(*a, Quit{}); break;
            case 4: rt.Send(*a, Boom{}); break;
            case 5: rt.Exit(dir.Any(rng()), ExitReason::Timeout("random")); break;
            default: break;  // stays alive (until the slab is full)
          }
          if (i % 50 == 0) {
            calls_made.fetch_add(1);
            absl::StatusOr<int> r = rt.Call(dir.Any(rng()), Ask{}, absl::Seconds(20));
            calls_done.fetch_add(1);
            switch (r.status().code()) {
              case absl::StatusCode::kOk:
              case absl::StatusCode::kNotFound:
              case absl::StatusCode::kAborted:
              case absl::StatusCode::kResourceExhausted:
                break;
              default:
                bad_call_codes.fetch_add(1);
                ADD_FAILURE() << r.status();
            }
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    // Kill what is left and wait for every exit.
    for (Pid p : dir.pids) rt.Kill(p);
    ASSERT_TRUE(Eventually([&] { return rt.stats().live_actors == 0; }, kWait));
    Runtime::Stats st = rt.stats();
    EXPECT_EQ(st.spawned, st.exited);
    EXPECT_GT(st.spawned, static_cast<uint64_t>(kThreads * kRounds / 4));  // some found it full
    EXPECT_GT(st.dead_letters, 0u);
  }
  EXPECT_EQ(calls_done.load(), calls_made.load());
  EXPECT_EQ(bad_call_codes.load(), 0);
  EXPECT_EQ(bad_send_results.load(), 0);
  EXPECT_EQ(ledger.misdelivered.load(), 0);
  EXPECT_LE(ledger.handled.load(), ledger.accepted.load());
  // Every message was destroyed exactly once: handled, or discarded.
  EXPECT_EQ(ledger.handled.load() + ledger.discarded.load(), ledger.sent.load());
}

// --- 3. many senders racing with a kill ------------------------------------------------

TEST(Stress, SendsRacingWithAKillAreEitherHandledOrDiscardedExactlyOnce) {
  const int kRounds = Scaled(1'000, 50);
  const int kSenders = 3;
  Ledger ledger;
  Directory dir;
  {
    Runtime rt(Threaded());
    for (int round = 0; round < kRounds; ++round) {
      SpawnOptions opts;
      if (round % 2 == 0) opts.WithMailbox(MailboxOptions::Unbounded());
      auto a = *rt.SpawnWith<Churner>(opts, &ledger, &dir, round);
      std::atomic<bool> go{false};
      std::vector<std::thread> senders;
      for (int s = 0; s < kSenders; ++s) {
        senders.emplace_back([&] {
          while (!go.load()) std::this_thread::yield();
          for (int i = 0; i < 200; ++i) {
            ledger.sent.fetch_add(1, std::memory_order_relaxed);
            SendResult r = rt.Send(a, Tracked(&ledger, a));
            if (r == SendResult::kOk) ledger.accepted.fetch_add(1, std::memory_order_relaxed);
          }
        });
      }
      go.store(true);
      absl::SleepFor(absl::Microseconds(50 * (round % 7)));
      if (round % 3 == 0) {
        rt.Kill(a);
      } else if (round % 3 == 1) {
        rt.Send(a, Boom{});
      } else {
        rt.Stop(a);
      }
      for (auto& t : senders) t.join();
      rt.Kill(a);
    }
    ASSERT_TRUE(Eventually([&] { return rt.stats().live_actors == 0; }, kWait));
  }
  EXPECT_EQ(ledger.misdelivered.load(), 0);
  EXPECT_EQ(ledger.handled.load() + ledger.discarded.load(), ledger.sent.load());
  EXPECT_LE(ledger.handled.load(), ledger.accepted.load());
}

// --- 4. actors spawning actors ----------------------------------------------------------

struct Work {
  Pid reply_to;
};
struct Done {};
struct Breed {
  int children;
};

class Child : public Actor<Child, Work> {
 public:
  void Handle(Work& m) {
    Send(m.reply_to, Done{});
    Exit(ExitReason::Normal());
  }
};

class Parent : public Actor<Parent, Breed, Done> {
 public:
  explicit Parent(std::atomic<int64_t>* done) : done_(done) {}
  void Handle(Breed& m) {
    for (int i = 0; i < m.children; ++i) {
      absl::StatusOr<Child::Interface> c = runtime().Spawn<Child>();
      if (!c.ok()) {
        failed_spawns_++;
        continue;
      }
      Send(*c, Work{self()});
    }
  }
  void Handle(Done&) { done_->fetch_add(1, std::memory_order_relaxed); }

 private:
  std::atomic<int64_t>* done_;
  int failed_spawns_ = 0;
};

TEST(Stress, ActorsSpawningShortLivedChildrenLeakNothing) {
  const int kParents = 8;
  const int kBatches = Scaled(200, 10);
  const int kChildren = 100;
  std::atomic<int64_t> done{0};
  Runtime rt(Threaded());
  std::vector<Pid> parents;
  for (int i = 0; i < kParents; ++i) parents.push_back(*rt.Spawn<Parent>(&done));
  for (int b = 0; b < kBatches; ++b) {
    for (Pid p : parents) ASSERT_EQ(rt.Send(p, Breed{kChildren}), SendResult::kOk);
  }
  const int64_t expected = int64_t{kParents} * kBatches * kChildren;
  ASSERT_TRUE(Eventually([&] { return done.load() == expected; }, kWait))
      << done.load() << " of " << expected;
  for (Pid p : parents) rt.Stop(p);
  ASSERT_TRUE(Eventually([&] { return rt.stats().live_actors == 0; }, kWait));
  Runtime::Stats st = rt.stats();
  EXPECT_EQ(st.spawned, static_cast<uint64_t>(expected + kParents));
  EXPECT_EQ(st.exited, st.spawned);
}

// --- 5. calls between actors while the callees are being killed ---------------------------

struct Round {
  int calls;
};
struct CallTally {
  std::atomic<int64_t> started{0};
  std::atomic<int64_t> ok{0};
  std::atomic<int64_t> noproc{0};
  std::atomic<int64_t> aborted{0};
  std::atomic<int64_t> other{0};
  std::atomic<int> rounds_done{0};
};

class RoundCaller : public Actor<RoundCaller, Round> {
 public:
  RoundCaller(Directory* d, CallTally* t, uint64_t seed) : d_(d), t_(t), rng_(seed) {}
  Task<void> Handle(Round& m) {
    for (int i = 0; i < m.calls; ++i) {
      t_->started.fetch_add(1, std::memory_order_relaxed);
      absl::StatusOr<int> r = co_await Call(d_->Any(rng_()), Ask{}, absl::Seconds(30));
      switch (r.status().code()) {
        case absl::StatusCode::kOk: t_->ok.fetch_add(1); break;
        case absl::StatusCode::kNotFound: t_->noproc.fetch_add(1); break;
        case absl::StatusCode::kAborted: t_->aborted.fetch_add(1); break;
        default: t_->other.fetch_add(1); break;
      }
    }
    t_->rounds_done.fetch_add(1);
  }

 private:
  Directory* d_;
  CallTally* t_;
  std::mt19937_64 rng_;
};

TEST(Stress, CallsBetweenActorsWhileCalleesAreKilledAllResolve) {
  const int kCallers = 50;
  const int kCalls = Scaled(10'000, 100);
  Ledger ledger;
  Directory callees;
  CallTally tally;
  Runtime rt(Threaded());
  for (int i = 0; i < 20; ++i) callees.Add(*rt.Spawn<Churner>(&ledger, &callees, i));
  std::vector<Pid> callers;
  for (int i = 0; i < kCallers; ++i) {
    callers.push_back(*rt.Spawn<RoundCaller>(&callees, &tally, 500 + i));
  }
  std::atomic<bool> stop{false};
  std::thread killer([&] {
    std::mt19937_64 rng(9);
    int n = 0;
    while (!stop.load()) {
      callees.Add(*rt.Spawn<Churner>(&ledger, &callees, ++n));
      rt.Kill(callees.Any(rng()));
      std::this_thread::yield();
    }
  });
  for (Pid c : callers) rt.Send(c, Round{kCalls});
  bool done = Eventually([&] { return tally.rounds_done.load() == kCallers; }, kWait);
  stop.store(true);
  killer.join();
  ASSERT_TRUE(done) << tally.rounds_done.load() << " of " << kCallers << " callers finished";
  EXPECT_EQ(tally.started.load(), int64_t{kCallers} * kCalls);
  EXPECT_EQ(tally.ok.load() + tally.noproc.load() + tally.aborted.load(), tally.started.load());
  EXPECT_EQ(tally.other.load(), 0);
  EXPECT_GT(tally.ok.load(), 0);
  EXPECT_GT(tally.noproc.load(), 0);
}

}  // namespace
}  // namespace myr
