// Copyright Myrmidon authors.
//
// Bounded mailboxes and their overflow policies, seen through the runtime.
//
// Each test fills the mailbox of an actor that is held in OnStart (on the
// blocking lane, the right place for a handler that blocks): until the gate
// opens it consumes nothing, so exactly `capacity` messages fit.
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/sched/runtime.h"
#include "libs/sched/testing/sched_testing.h"

namespace myr {

// Lets gtest print SendResult values by name.
static void PrintTo(SendResult r, std::ostream* os) { *os << SendResultName(r); }

namespace {

using sched_testing::Eventually;
using sched_testing::Gate;
using sched_testing::StopAndWait;
using sched_testing::Threaded;

struct Item {
  int n;
};
struct Count {
  using Reply = int;
};

struct Seen {
  std::mutex mu;
  std::vector<int> items;
  std::atomic<bool> started{false};
  std::vector<int> get() {
    std::lock_guard<std::mutex> lock(mu);
    return items;
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mu);
    return items.size();
  }
};

// Records the items it handles, in order. With a gate, it waits in OnStart.
class Sink : public Actor<Sink, Item, Count> {
 public:
  Sink(Seen* seen, Gate* gate) : seen_(seen), gate_(gate) {}
  void OnStart() override {
    seen_->started.store(true);
    if (gate_ != nullptr) gate_->Wait();
  }
  void Handle(Item& m) {
    std::lock_guard<std::mutex> lock(seen_->mu);
    seen_->items.push_back(m.n);
  }
  int Handle(Count&) { return static_cast<int>(seen_->size()); }

 private:
  Seen* seen_;
  Gate* gate_;
};

SpawnOptions HeldSink(const MailboxOptions& m) {
  return SpawnOptions().WithMailbox(m).OnLane(Lane::kBlocking);
}

std::vector<int> Range(int from, int to) {
  std::vector<int> v;
  for (int i = from; i < to; ++i) v.push_back(i);
  return v;
}

constexpr uint32_t kCap = 8;
constexpr int kSent = 20;

// Sends Item{0} to Item{kSent - 1} to `a`, whose bounded mailbox of capacity
// kCap does not drain: expects the first kCap sends to be kOk and the rest
// `overflow` (what the mailbox's policy does with a message that does not fit).
void SendAllExpectingOverflow(Runtime& rt, Sink::Interface a, SendResult overflow) {
  std::vector<SendResult> results;
  for (int i = 0; i < kSent; ++i) results.push_back(rt.Send(a, Item{i}));
  for (int i = 0; i < kSent; ++i) {
    EXPECT_EQ(results[i], i < static_cast<int>(kCap) ? SendResult::kOk : overflow)
        << "message " << i << ": " << SendResultName(results[i]);
  }
}

TEST(Overflow, DropNewRejectsWhatDoesNotFitAndTheFirstCapacityMessagesAreHandled) {
  Seen seen;
  Gate gate;
  Runtime rt(Threaded());
  auto a = *rt.SpawnWith<Sink>(HeldSink(MailboxOptions::Bounded(kCap, OverflowPolicy::kDropNew)),
                               &seen, &gate);
  SendAllExpectingOverflow(rt, a, SendResult::kDropped);
  std::optional<Runtime::MailboxStats> info = rt.MailboxInfo(a);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->capacity, kCap);
  EXPECT_EQ(info->overflow, OverflowPolicy::kDropNew);
  EXPECT_EQ(info->length, kCap);
  EXPECT_EQ(info->dropped, kSent - kCap);
  EXPECT_EQ(info->redirected, 0u);
  EXPECT_EQ(info->spilled, 0u);
  // A call is a message like any other: it is refused with ResourceExhausted.
  EXPECT_EQ(rt.Call(a, Count{}, absl::Seconds(1)).status().code(),
            absl::StatusCode::kResourceExhausted);
  gate.Open();
  ASSERT_TRUE(StopAndWait(rt, a));
  EXPECT_EQ(seen.get(), Range(0, kCap));
}

TEST(Overflow, DropOldKeepsTheNewestCapacityMessages) {
  Seen seen;
  Gate gate;
  Runtime rt(Threaded());
  auto a = *rt.SpawnWith<Sink>(HeldSink(MailboxOptions::Bounded(kCap, OverflowPolicy::kDropOld)),
                               &seen, &gate);
  for (int i = 0; i < kSent; ++i) EXPECT_EQ(rt.Send(a, Item{i}), SendResult::kOk) << i;
  std::optional<Runtime::MailboxStats> info = rt.MailboxInfo(a);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->dropped, kSent - kCap);
  gate.Open();
  ASSERT_TRUE(Eventually([&] { return seen.size() >= kCap; }));
  ASSERT_TRUE(Eventually([&] { return rt.MailboxInfo(a)->length == 0; }));
  info = rt.MailboxInfo(a);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->dropped, kSent - kCap);
  ASSERT_TRUE(StopAndWait(rt, a));
  EXPECT_EQ(seen.get(), Range(kSent - kCap, kSent));
}

TEST(Overflow, BlockReportsBackpressureToTrySendAndMakesABlockingSenderWait) {
  Seen seen;
  Gate gate;
  Runtime rt(Threaded());
  auto a = *rt.SpawnWith<Sink>(HeldSink(MailboxOptions::Bounded(kCap, OverflowPolicy::kBlock)),
                               &seen, &gate);
  for (int i = 0; i < static_cast<int>(kCap); ++i) {
    ASSERT_EQ(rt.TrySend(a.pid(), Item{i}), SendResult::kOk);
  }
  EXPECT_EQ(rt.TrySend(a.pid(), Item{-1}), SendResult::kBackpressure);
  EXPECT_EQ(rt.TrySend(a.pid(), Item{-2}), SendResult::kBackpressure);

  // A plain thread's Send waits for room instead.
  std::atomic<int> sent{0};
  std::vector<SendResult> results(kSent - kCap);
  std::thread sender([&] {
    for (int i = kCap; i < kSent; ++i) {
      results[i - kCap] = rt.Send(a, Item{i});
      sent.fetch_add(1);
    }
  });
  absl::SleepFor(absl::Milliseconds(50));
  EXPECT_EQ(sent.load(), 0) << "the sender should be waiting for room";
  gate.Open();
  sender.join();
  for (SendResult r : results) EXPECT_EQ(r, SendResult::kOk) << SendResultName(r);
  std::optional<Runtime::MailboxStats> info = rt.MailboxInfo(a);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->dropped, 0u);
  ASSERT_TRUE(StopAndWait(rt, a));
  EXPECT_EQ(seen.get(), Range(0, kSent));  // nothing lost, nothing reordered
}

TEST(Overflow, ABlockingSendGivesUpWithBackpressureAfterTheBlockTimeout) {
  Seen seen;
  Gate gate;
  RuntimeOptions o = Threaded();
  o.block_timeout = absl::Milliseconds(50);
  Runtime rt(o);
  auto a = *rt.SpawnWith<Sink>(HeldSink(MailboxOptions::Bounded(kCap, OverflowPolicy::kBlock)),
                               &seen, &gate);
  for (int i = 0; i < static_cast<int>(kCap); ++i) ASSERT_EQ(rt.Send(a, Item{i}), SendResult::kOk);
  absl::Time t0 = absl::Now();
  EXPECT_EQ(rt.Send(a, Item{99}), SendResult::kBackpressure);
  EXPECT_GE(absl::Now() - t0, absl::Milliseconds(45));
  // A call that cannot be queued answers Unavailable.
  EXPECT_EQ(rt.Call(a, Count{}, absl::Seconds(5)).status().code(),
            absl::StatusCode::kUnavailable);
  gate.Open();
  ASSERT_TRUE(StopAndWait(rt, a));
  EXPECT_EQ(seen.get(), Range(0, kCap));
}

TEST(Overflow, ASenderWaitingOnAFullBlockMailboxIsReleasedWithNoProcWhenTheTargetExits) {
  Seen seen;
  Gate gate;
  Runtime rt(Threaded());
  auto a = *rt.SpawnWith<Sink>(HeldSink(MailboxOptions::Bounded(kCap, OverflowPolicy::kBlock)),
                               &seen, &gate);
  for (int i = 0; i < static_cast<int>(kCap); ++i) ASSERT_EQ(rt.Send(a, Item{i}), SendResult::kOk);
  std::atomic<bool> returned{false};
  SendResult result = SendResult::kOk;
  std::thread sender([&] {
    result = rt.Send(a, Item{100});
    returned.store(true);
  });
  absl::SleepFor(absl::Milliseconds(30));
  EXPECT_FALSE(returned.load());
  rt.Kill(a);
  gate.Open();
  sender.join();
  EXPECT_EQ(result, SendResult::kNoProc) << SendResultName(result);
  EXPECT_TRUE(seen.get().empty());  // killed before its first message
}

TEST(Overflow, RedirectSendsTheOverflowToTheFallbackActor) {
  Seen primary_seen, fallback_seen;
  Gate gate;
  Runtime rt(Threaded());
  auto fallback = *rt.SpawnWith<Sink>(SpawnOptions().WithMailbox(MailboxOptions::Unbounded()),
                                      &fallback_seen, nullptr);
  auto a = *rt.SpawnWith<Sink>(
      HeldSink(MailboxOptions::Bounded(kCap, OverflowPolicy::kRedirect, fallback)), &primary_seen,
      &gate);
  SendAllExpectingOverflow(rt, a, SendResult::kRedirected);
  ASSERT_TRUE(Eventually([&] { return fallback_seen.size() >= kSent - kCap; }));
  std::optional<Runtime::MailboxStats> info = rt.MailboxInfo(a);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->redirected, kSent - kCap);
  EXPECT_EQ(info->dropped, 0u);
  gate.Open();
  ASSERT_TRUE(StopAndWait(rt, a));
  ASSERT_TRUE(StopAndWait(rt, fallback));
  EXPECT_EQ(primary_seen.get(), Range(0, kCap));
  EXPECT_EQ(fallback_seen.get(), Range(kCap, kSent));
}

TEST(Overflow, RedirectToADeadFallbackIsNoProc) {
  Seen seen, dead_seen;
  Gate gate;
  Runtime rt(Threaded());
  auto dead = *rt.Spawn<Sink>(&dead_seen, nullptr);
  rt.Kill(dead);
  ASSERT_TRUE(Eventually([&] { return !rt.IsAlive(dead); }));
  auto a = *rt.SpawnWith<Sink>(
      HeldSink(MailboxOptions::Bounded(kCap, OverflowPolicy::kRedirect, dead)), &seen, &gate);
  for (int i = 0; i < static_cast<int>(kCap); ++i) ASSERT_EQ(rt.Send(a, Item{i}), SendResult::kOk);
  uint64_t before = rt.stats().dead_letters;
  EXPECT_EQ(rt.Send(a, Item{100}), SendResult::kNoProc);
  EXPECT_EQ(rt.stats().dead_letters, before + 1);
  gate.Open();
  ASSERT_TRUE(StopAndWait(rt, a));
  EXPECT_EQ(seen.get(), Range(0, kCap));
}

TEST(Overflow, SpillKeepsEveryMessageAndCopiesTheOverflowToTheFallback) {
  Seen primary_seen, fallback_seen;
  Gate gate;
  Runtime rt(Threaded());
  auto fallback = *rt.SpawnWith<Sink>(SpawnOptions().WithMailbox(MailboxOptions::Unbounded()),
                                      &fallback_seen, nullptr);
  auto a = *rt.SpawnWith<Sink>(
      HeldSink(MailboxOptions::Bounded(kCap, OverflowPolicy::kSpill, fallback)), &primary_seen,
      &gate);
  SendAllExpectingOverflow(rt, a, SendResult::kSpilled);
  std::optional<Runtime::MailboxStats> info = rt.MailboxInfo(a);
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->spilled, kSent - kCap);
  EXPECT_EQ(info->length, static_cast<size_t>(kSent));
  gate.Open();
  ASSERT_TRUE(StopAndWait(rt, a));
  ASSERT_TRUE(StopAndWait(rt, fallback));
  EXPECT_EQ(primary_seen.get(), Range(0, kSent));
  EXPECT_EQ(fallback_seen.get(), Range(kCap, kSent));
}

TEST(Overflow, SendsFromAnActorToAFullBlockMailboxNeverBlockTheWorker) {
  // An actor's send to a full kBlock mailbox reports backpressure at once.
  struct Forward {
    Pid to;
    int n;
  };
  struct Results {
    std::mutex mu;
    std::vector<SendResult> r;
  };
  class Forwarder : public Actor<Forwarder, Forward> {
   public:
    explicit Forwarder(Results* r) : r_(r) {}
    void Handle(Forward& f) {
      SendResult res = Send(f.to, Item{f.n});
      std::lock_guard<std::mutex> lock(r_->mu);
      r_->r.push_back(res);
    }

   private:
    Results* r_;
  };
  Seen seen;
  Gate gate;
  Results results;
  Runtime rt(Threaded());
  auto sink = *rt.SpawnWith<Sink>(HeldSink(MailboxOptions::Bounded(2, OverflowPolicy::kBlock)),
                                  &seen, &gate);
  auto fwd = *rt.Spawn<Forwarder>(&results);
  for (int i = 0; i < 4; ++i) rt.Send(fwd, Forward{sink, i});
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard<std::mutex> lock(results.mu);
    return results.r.size() == 4;
  }));
  {
    std::lock_guard<std::mutex> lock(results.mu);
    EXPECT_EQ(results.r, (std::vector<SendResult>{SendResult::kOk, SendResult::kOk,
                                                  SendResult::kBackpressure,
                                                  SendResult::kBackpressure}));
  }
  gate.Open();
  ASSERT_TRUE(StopAndWait(rt, sink));
  EXPECT_EQ(seen.get(), Range(0, 2));
}

}  // namespace
}  // namespace myr
