// Copyright Myrmidon authors.
//
// Fairness: the per-turn budget keeps a flooded actor from starving others,
// the blocking lane keeps blocking handlers off the workers, and a worker
// stuck in a long handler does not strand the actors queued behind it.
#include <algorithm>
#include <atomic>
#include <mutex>
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
using sched_testing::Gate;
using sched_testing::Threaded;

// These tests wait longer than Eventually's default (a million queued
// messages take a while in a sanitizer build) and poll finer, so that they
// act on a state (an actor started, a first message handled) soon after it
// begins.
constexpr absl::Duration kWait = absl::Seconds(20);
constexpr absl::Duration kPoll = absl::Microseconds(200);

// --- a flooded actor does not starve others --------------------------------------

struct Tick {};
struct Probe {};

struct FloodState {
  Gate gate;
  std::atomic<bool> y_started{false};
  std::atomic<int64_t> x_handled{0};
  std::atomic<int64_t> x_handled_when_y_ran{-1};
};

class Flooded : public Actor<Flooded, Tick> {
 public:
  explicit Flooded(FloodState* s) : s_(s) {}
  void OnStart() override { s_->gate.Wait(); }  // until its backlog is queued
  void Handle(Tick&) { s_->x_handled.fetch_add(1, std::memory_order_relaxed); }

 private:
  FloodState* s_;
};

class Bystander : public Actor<Bystander, Probe> {
 public:
  explicit Bystander(FloodState* s) : s_(s) {}
  void OnStart() override { s_->y_started.store(true); }
  void Handle(Probe&) { s_->x_handled_when_y_ran.store(s_->x_handled.load()); }

 private:
  FloodState* s_;
};

TEST(Fairness, AnActorWithAMillionQueuedMessagesDoesNotDelayAnother) {
  constexpr int64_t kFlood = 1'000'000;
  FloodState s;
  // One worker: X and Y compete for it, so only the budget can let Y in.
  Runtime rt(Threaded(1));
  auto y = *rt.Spawn<Bystander>(&s);
  ASSERT_TRUE(Eventually([&] { return s.y_started.load(); }, kWait, kPoll));
  auto x = *rt.SpawnWith<Flooded>(SpawnOptions().WithMailbox(MailboxOptions::Unbounded()), &s);
  for (int64_t i = 0; i < kFlood; ++i) ASSERT_EQ(rt.Send(x, Tick{}), SendResult::kOk);
  s.gate.Open();
  ASSERT_TRUE(Eventually([&] { return s.x_handled.load() > 0; }, kWait, kPoll));
  ASSERT_EQ(rt.Send(y, Probe{}), SendResult::kOk);
  ASSERT_TRUE(Eventually([&] { return s.x_handled_when_y_ran.load() >= 0; }, kWait, kPoll));
  int64_t left = kFlood - s.x_handled_when_y_ran.load();
  EXPECT_GT(left, kFlood / 2) << "Y waited for " << s.x_handled_when_y_ran.load()
                              << " of X's messages";
  ASSERT_TRUE(Eventually([&] { return s.x_handled.load() == kFlood; }, absl::Seconds(60), kPoll));
}

// --- SpawnOptions::budget -------------------------------------------------------------

struct Item {
  int n;
};
struct Feed {  // sends `n` items to each target
  Pid a, b;
  int n;
};

struct Order {
  std::mutex mu;
  std::string seq;
  void Add(char c) {
    std::lock_guard<std::mutex> lock(mu);
    seq.push_back(c);
  }
  std::string get() {
    std::lock_guard<std::mutex> lock(mu);
    return seq;
  }
};

class Letter : public Actor<Letter, Item> {
 public:
  Letter(Order* o, char c) : o_(o), c_(c) {}
  void Handle(Item&) { o_->Add(c_); }

 private:
  Order* o_;
  char c_;
};

class Feeder : public Actor<Feeder, Feed> {
 public:
  void Handle(Feed& m) {
    for (int i = 0; i < m.n; ++i) Send(m.a, Item{i});
    for (int i = 0; i < m.n; ++i) Send(m.b, Item{i});
  }
};

// Number of times consecutive letters differ.
int Switches(const std::string& s) {
  int n = 0;
  for (size_t i = 1; i < s.size(); ++i) n += s[i] != s[i - 1];
  return n;
}

std::string RunBudget(uint32_t budget) {
  Order order;
  Runtime rt(Threaded(1));
  SpawnOptions opts = SpawnOptions().WithBudget(budget);
  auto a = *rt.SpawnWith<Letter>(opts, &order, 'a');
  auto b = *rt.SpawnWith<Letter>(opts, &order, 'b');
  auto feeder = *rt.Spawn<Feeder>();
  rt.Send(feeder, Feed{a, b, 10});
  EXPECT_TRUE(Eventually([&] { return order.get().size() == 20; }, kWait, kPoll));
  return order.get();
}

TEST(Fairness, ABudgetOfOneInterleavesTwoBusyActors) {
  std::string seq = RunBudget(1);
  ASSERT_EQ(seq.size(), 20u);
  EXPECT_EQ(std::count(seq.begin(), seq.end(), 'a'), 10);
  EXPECT_GE(Switches(seq), 18) << seq;  // strictly alternating but for the ends
}

TEST(Fairness, ALargeBudgetLetsAnActorHandleItsBacklogInOneTurn) {
  std::string seq = RunBudget(100);
  ASSERT_EQ(seq.size(), 20u);
  EXPECT_EQ(Switches(seq), 1) << seq;
}

// --- the blocking lane ------------------------------------------------------------------

struct Doze {
  absl::Duration d;
};
struct SleepState {
  std::atomic<int> asleep{0};
  std::atomic<int> max_asleep{0};
  std::atomic<int> woke{0};
};
// Blocks its thread (the only kind of handler that belongs on Lane::kBlocking).
class Sleeper : public Actor<Sleeper, Doze> {
 public:
  explicit Sleeper(SleepState* s) : s_(s) {}
  void Handle(Doze& m) {
    int now = s_->asleep.fetch_add(1) + 1;
    int seen = s_->max_asleep.load();
    while (now > seen && !s_->max_asleep.compare_exchange_weak(seen, now)) {
    }
    absl::SleepFor(m.d);
    s_->asleep.fetch_sub(1);
    s_->woke.fetch_add(1);
  }

 private:
  SleepState* s_;
};

struct Ball {
  int left;
};
struct Serve {
  Pid to;
  int rounds;
};
struct RallyState {
  std::atomic<bool> done{false};
  std::atomic<int> sleepers_awake_at_end{-1};
  SleepState* sleep = nullptr;
};
class Player : public Actor<Player, Serve, Ball> {
 public:
  explicit Player(RallyState* s) : s_(s) {}
  void Handle(Serve& m) {
    partner_ = m.to;
    Send(partner_, Ball{2 * m.rounds - 1});
  }
  void Handle(Ball& m) {
    if (!partner_.valid()) partner_ = sender();
    if (m.left == 0) {
      s_->sleepers_awake_at_end.store(s_->sleep->woke.load());
      s_->done.store(true);
      return;
    }
    Send(partner_, Ball{m.left - 1});
  }

 private:
  RallyState* s_;
  Pid partner_;
};

TEST(BlockingLane, ASleepingBlockingActorDoesNotDelayAPingPongOnTheWorkers) {
  constexpr int kSleepers = 4;  // more blocked threads than workers
  constexpr int kRounds = 10'000;
  const absl::Duration kSleep = absl::Milliseconds(300);
  SleepState sleep;
  RallyState rally;
  rally.sleep = &sleep;
  Runtime rt(Threaded(2));
  std::vector<Pid> sleepers;
  for (int i = 0; i < kSleepers; ++i) {
    sleepers.push_back(*rt.SpawnWith<Sleeper>(SpawnOptions().OnLane(Lane::kBlocking), &sleep));
  }
  auto ping = *rt.Spawn<Player>(&rally);
  auto pong = *rt.Spawn<Player>(&rally);
  for (Pid s : sleepers) rt.Send(s, Doze{kSleep});
  ASSERT_TRUE(Eventually([&] { return sleep.asleep.load() == kSleepers; }, kWait, kPoll));
  absl::Time t0 = absl::Now();
  rt.Send(ping, Serve{pong, kRounds});
  ASSERT_TRUE(Eventually([&] { return rally.done.load(); }, kWait, kPoll));
  absl::Duration took = absl::Now() - t0;
  EXPECT_EQ(rally.sleepers_awake_at_end.load(), 0)
      << "the ping-pong took " << took << ", longer than the blocking handlers";
  ASSERT_TRUE(Eventually([&] { return sleep.woke.load() == kSleepers; }, kWait, kPoll));
}

TEST(BlockingLane, BlockingActorsWokenTogetherBlockInParallel) {
  constexpr int kSleepers = 4;
  SleepState warm, sleep;
  Runtime rt(Threaded(2));
  // One blocking thread exists and is idle when the others are needed.
  auto first = *rt.SpawnWith<Sleeper>(SpawnOptions().OnLane(Lane::kBlocking), &warm);
  rt.Send(first, Doze{absl::ZeroDuration()});
  ASSERT_TRUE(Eventually([&] { return warm.woke.load() == 1; }, kWait, kPoll));
  absl::SleepFor(absl::Milliseconds(5));
  std::vector<Pid> sleepers;
  for (int i = 0; i < kSleepers; ++i) {
    sleepers.push_back(*rt.SpawnWith<Sleeper>(SpawnOptions().OnLane(Lane::kBlocking), &sleep));
  }
  absl::Time t0 = absl::Now();
  for (Pid s : sleepers) rt.Send(s, Doze{absl::Milliseconds(200)});
  ASSERT_TRUE(Eventually([&] { return sleep.woke.load() == kSleepers; }, kWait, kPoll));
  absl::Duration took = absl::Now() - t0;
  EXPECT_EQ(sleep.max_asleep.load(), kSleepers);
  EXPECT_LT(took, absl::Milliseconds(390)) << "blocking handlers ran one after another";
}

// --- a long handler on a worker -----------------------------------------------------------

struct Hog {
  Pid victim;
  Gate* gate;
};
struct Poke {};
class Hogger : public Actor<Hogger, Hog> {
 public:
  void Handle(Hog& m) {
    Send(m.victim, Poke{});  // lands in this worker's LIFO slot...
    m.gate->Wait();          // ...and this worker is now stuck
  }
};
class Poked : public Actor<Poked, Poke> {
 public:
  explicit Poked(std::atomic<bool>* poked) : poked_(poked) {}
  void Handle(Poke&) { poked_->store(true); }

 private:
  std::atomic<bool>* poked_;
};

TEST(Fairness, AnActorQueuedBehindALongHandlerIsTakenByAnotherWorker) {
  Gate gate;
  std::atomic<bool> poked{false};
  Runtime rt(Threaded(2));
  auto victim = *rt.Spawn<Poked>(&poked);
  auto hog = *rt.Spawn<Hogger>();
  rt.Send(hog, Hog{victim, &gate});
  bool ok = Eventually([&] { return poked.load(); }, absl::Seconds(2), kPoll);
  gate.Open();
  EXPECT_TRUE(ok) << "the poke stayed behind the blocked worker";
}

}  // namespace
}  // namespace myr
