// Copyright Myrmidon authors.
//
// TimerService under the deterministic scheduler: timers on virtual time
// (exact instants, exact tick counts), cancel semantics, timers dying with
// their owner, one tick stream after a restart, failed sends, destruction
// with timers pending. Everything runs on the test's thread.
#include "libs/timers/timer_service.h"

#include <algorithm>
#include <functional>
#include <map>
#include <random>
#include <utility>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "libs/pid/pid.h"
#include "libs/sched/runtime.h"

namespace myr::timers {
namespace {

constexpr int64_t kMs = 1'000'000;

struct Note {
  int id;
};
struct Boom {};

// One message as a Recorder saw it.
struct Got {
  int id;
  int64_t at_ns;  // virtual time when handled
  Pid sender;
};

// Records every Note (deterministic mode: one thread, no locking needed).
class Recorder : public Actor<Recorder, Note, Boom> {
 public:
  explicit Recorder(std::vector<Got>* got) : got_(got) {}
  void Handle(Note& n) {
    if (got_ != nullptr) got_->push_back({n.id, runtime().NowNanos(), sender()});
  }
  void Handle(Boom&) { throw std::runtime_error("boom"); }

 private:
  std::vector<Got>* got_;
};

Pid SpawnRecorder(Runtime& rt, std::vector<Got>* got = nullptr,
                  SpawnOptions options = SpawnOptions()) {
  auto ref = rt.SpawnWith<Recorder>(options, got);
  EXPECT_TRUE(ref.ok()) << ref.status();
  return ref->pid();
}

std::vector<int64_t> Times(const std::vector<Got>& got) {
  std::vector<int64_t> t;
  for (const Got& g : got) t.push_back(g.at_ns);
  return t;
}

// armed == fired + cancelled + cancelled_by_death + ended + pending.
void ExpectBalanced(const TimerService& s) {
  TimerService::Stats st = s.stats();
  EXPECT_EQ(st.armed, st.fired + st.cancelled + st.cancelled_by_death + st.ended + st.pending)
      << "armed " << st.armed << " fired " << st.fired << " cancelled " << st.cancelled
      << " by death " << st.cancelled_by_death << " ended " << st.ended << " pending "
      << st.pending;
}

class TimerServiceTest : public ::testing::Test {
 protected:
  TimerServiceTest() : rt_(RuntimeOptions::Deterministic(11)), timers_(rt_) {
    owner_ = SpawnRecorder(rt_);
    target_ = SpawnRecorder(rt_, &got_);
    rt_.RunUntilIdle();
  }

  Runtime rt_;
  TimerService timers_;
  std::vector<Got> got_;
  Pid owner_;
  Pid target_;
};

TEST_F(TimerServiceTest, SendAfterFiresAtItsVirtualDeadlineAndNotBefore) {
  absl::StatusOr<TimerRef> t = timers_.SendAfter(owner_, target_, absl::Milliseconds(100), Note{1});
  ASSERT_TRUE(t.ok()) << t.status();
  EXPECT_TRUE(t->valid());
  EXPECT_EQ(timers_.pending(), 1u);

  rt_.AdvanceTime(absl::Milliseconds(99));
  EXPECT_TRUE(got_.empty());
  rt_.AdvanceTime(absl::Microseconds(999));
  EXPECT_TRUE(got_.empty()) << "fired before its deadline";
  rt_.AdvanceTime(absl::Microseconds(1));
  ASSERT_EQ(got_.size(), 1u);
  EXPECT_EQ(got_[0].id, 1);
  EXPECT_EQ(got_[0].at_ns, 100 * kMs);
  EXPECT_EQ(got_[0].sender, owner_) << "the owner is the sender";

  TimerService::Stats st = timers_.stats();
  EXPECT_EQ(st.armed, 1u);
  EXPECT_EQ(st.fired, 1u);
  EXPECT_EQ(st.pending, 0u);
  EXPECT_EQ(st.dropped, 0u);
  ExpectBalanced(timers_);
}

TEST_F(TimerServiceTest, ADeadlineInsideATickFiresAtTheExactNanosecondNotAtTheTickBoundary) {
  ASSERT_TRUE(timers_.SendAfter(owner_, target_, absl::Microseconds(1500), Note{1}).ok());
  ASSERT_TRUE(timers_.SendAfter(owner_, target_, absl::Nanoseconds(2'000'001), Note{2}).ok());
  rt_.AdvanceTime(absl::Milliseconds(5));
  EXPECT_EQ(Times(got_), (std::vector<int64_t>{1'500'000, 2'000'001}));
}

TEST(TimerServiceSlackTest, WithSlackTimersDueInOneWindowFireTogetherAtItsEndNeverEarly) {
  Runtime rt(RuntimeOptions::Deterministic(12));
  TimerService timers(rt, {.slack_ns = 1'000'000});
  std::vector<Got> got;
  Pid owner = SpawnRecorder(rt);
  Pid target = SpawnRecorder(rt, &got);
  rt.RunUntilIdle();
  for (int64_t us : {1200, 1500, 1900, 3000}) {
    ASSERT_TRUE(timers.SendAfter(owner, target, absl::Microseconds(us), Note{int(us)}).ok());
  }
  rt.AdvanceTime(absl::Microseconds(1999));
  EXPECT_TRUE(got.empty()) << "held to the end of the slack window";
  rt.AdvanceTime(absl::Milliseconds(5));
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(Times(got), (std::vector<int64_t>{2 * kMs, 2 * kMs, 2 * kMs, 3 * kMs}));
  EXPECT_EQ(got[0].id, 1200);
  EXPECT_EQ(got[2].id, 1900);
}

TEST_F(TimerServiceTest, ManyDistinctDeadlinesInOneTickFireInExactOrderAndEqualOnesInArmingOrder) {
  // 300 deadlines inside one 1 ms tick, armed in shuffled order, plus pairs
  // with equal deadlines.
  std::vector<int> us(300);
  for (int k = 0; k < 300; ++k) us[k] = 2000 + 3 * k;
  std::mt19937 rng(5);
  std::shuffle(us.begin(), us.end(), rng);
  for (int u : us) {
    ASSERT_TRUE(timers_.SendAfter(owner_, target_, absl::Microseconds(u), Note{u}).ok());
  }
  ASSERT_TRUE(timers_.SendAfter(owner_, target_, absl::Microseconds(2450), Note{-1}).ok());
  rt_.AdvanceTime(absl::Milliseconds(4));
  ASSERT_EQ(got_.size(), 301u);
  for (size_t k = 1; k < got_.size(); ++k) {
    EXPECT_LE(got_[k - 1].at_ns, got_[k].at_ns) << k;
  }
  for (const Got& g : got_) {
    int u = g.id == -1 ? 2450 : g.id;
    EXPECT_EQ(g.at_ns, u * int64_t{1000}) << g.id;
  }
  // Equal deadlines: the one armed first (in the shuffle) comes first.
  auto pos = [&](int id) {
    return std::find_if(got_.begin(), got_.end(), [id](const Got& g) { return g.id == id; }) -
           got_.begin();
  };
  EXPECT_LT(pos(2450), pos(-1));
}

TEST_F(TimerServiceTest, ATimerArmedInsideTheTickBeingFiredStillFiresAtItsExactInstant) {
  ASSERT_TRUE(timers_.SendAfter(owner_, target_, absl::Microseconds(1100), Note{1}).ok());
  rt_.AdvanceTime(absl::Microseconds(1100));  // the tick [1 ms, 2 ms) is now staged
  ASSERT_EQ(got_.size(), 1u);
  ASSERT_TRUE(timers_.SendAfter(owner_, target_, absl::Microseconds(300), Note{2}).ok());
  ASSERT_TRUE(timers_.SendAfter(owner_, target_, absl::Microseconds(100), Note{3}).ok());
  absl::StatusOr<TimerRef> c = timers_.SendAfter(owner_, target_, absl::Microseconds(200), Note{4});
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(timers_.Cancel(*c)) << "a staged timer cancels like any other";
  EXPECT_FALSE(timers_.Cancel(*c));
  // Arming and cancelling in the staged tick many times leaves no garbage
  // behind that could fire.
  for (int k = 0; k < 1000; ++k) {
    absl::StatusOr<TimerRef> t = timers_.SendAfter(owner_, target_, absl::Microseconds(50), Note{9});
    ASSERT_TRUE(t.ok());
    ASSERT_TRUE(timers_.Cancel(*t));
  }
  rt_.AdvanceTime(absl::Milliseconds(2));
  ASSERT_EQ(got_.size(), 3u);
  EXPECT_EQ(got_[1].id, 3);
  EXPECT_EQ(got_[1].at_ns, 1200'000);
  EXPECT_EQ(got_[2].id, 2);
  EXPECT_EQ(got_[2].at_ns, 1400'000);
  ExpectBalanced(timers_);
}

// Random arms (one-shots and intervals, microsecond deadlines crowding each
// tick), cancels and advances of virtual time, checked against a model: the
// same (instant, timer) events, and Cancel agreeing on what was pending.
class TimerServiceModelTest : public ::testing::TestWithParam<uint32_t> {};

TEST_P(TimerServiceModelTest, RandomOperationsMatchAReferenceModel) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    Runtime rt(RuntimeOptions::Deterministic(seed));
    TimerService timers(rt, {.shards = GetParam()});
    std::vector<Got> got;
    std::vector<Pid> owners;
    for (int k = 0; k < 5; ++k) owners.push_back(SpawnRecorder(rt));
    Pid target = SpawnRecorder(rt, &got);
    rt.RunUntilIdle();
    struct ModelTimer {
      TimerRef ref;
      int64_t next;    // next firing instant
      int64_t period;  // 0: one-shot
      bool live;
    };
    std::map<int, ModelTimer> model;
    std::vector<std::pair<int64_t, int>> expected;  // (instant, id)
    std::mt19937_64 rng(seed);
    int next_id = 0;
    int live_intervals = 0;
    for (int op = 0; op < 3000; ++op) {
      const int64_t now = rt.NowNanos();
      switch (rng() % 6) {
        case 0:
        case 1: {
          int64_t delay = static_cast<int64_t>(rng() % 5000) * 1000;  // 0 .. 5 ms, in us
          int id = next_id++;
          absl::StatusOr<TimerRef> r = timers.SendAfter(owners[rng() % owners.size()], target,
                                                        absl::Nanoseconds(delay), Note{id});
          ASSERT_TRUE(r.ok());
          model[id] = {*r, now + delay, 0, true};
          break;
        }
        case 2: {
          if (live_intervals >= 8) break;
          int64_t period = (100 + static_cast<int64_t>(rng() % 3000)) * 1000;
          int id = next_id++;
          absl::StatusOr<TimerRef> r = timers.SendInterval(
              owners[rng() % owners.size()], target, absl::Nanoseconds(period), Note{id});
          ASSERT_TRUE(r.ok());
          model[id] = {*r, now + period, period, true};
          ++live_intervals;
          break;
        }
        case 3: {
          if (model.empty()) break;
          auto it = model.begin();
          std::advance(it, rng() % model.size());
          EXPECT_EQ(timers.Cancel(it->second.ref), it->second.live) << "timer " << it->first;
          if (it->second.live && it->second.period != 0) --live_intervals;
          it->second.live = false;
          break;
        }
        default: {
          int64_t step = static_cast<int64_t>(rng() % 2000) * 1000;
          const int64_t until = now + step;
          for (auto& [id, t] : model) {
            while (t.live && t.next <= until) {
              expected.emplace_back(t.next, id);
              if (t.period == 0) {
                t.live = false;
              } else {
                t.next += t.period;
              }
            }
          }
          rt.AdvanceTime(absl::Nanoseconds(step));
          break;
        }
      }
    }
    std::vector<std::pair<int64_t, int>> actual;
    for (const Got& g : got) actual.emplace_back(g.at_ns, g.id);
    for (size_t k = 1; k < actual.size(); ++k) {
      ASSERT_LE(actual[k - 1].first, actual[k].first) << "seed " << seed << " event " << k;
    }
    std::sort(actual.begin(), actual.end());
    std::sort(expected.begin(), expected.end());
    EXPECT_GT(expected.size(), 1000u) << "the run exercised the service";
    ASSERT_EQ(actual.size(), expected.size()) << "seed " << seed;
    EXPECT_EQ(actual, expected) << "seed " << seed;
    EXPECT_EQ(timers.stats().skipped, 0u);
    ExpectBalanced(timers);
  }
}

INSTANTIATE_TEST_SUITE_P(OneOrManyShards, TimerServiceModelTest, ::testing::Values(1u, 4u));

TEST(TimerServiceSlackTest, AnIntervalThatFallsBehindSkipsTheMissedTicksAndKeepsItsGrid) {
  // A 10 ms slack holds the callback back for 10 periods of a 1 ms interval:
  // the service is behind, sends one message and skips the rest.
  Runtime rt(RuntimeOptions::Deterministic(13));
  TimerService timers(rt, {.slack_ns = 10'000'000});
  std::vector<Got> got;
  Pid owner = SpawnRecorder(rt);
  Pid target = SpawnRecorder(rt, &got);
  rt.RunUntilIdle();
  absl::StatusOr<TimerRef> t = timers.SendInterval(owner, target, absl::Milliseconds(1), Note{1});
  ASSERT_TRUE(t.ok());
  rt.AdvanceTime(absl::Milliseconds(10));
  ASSERT_EQ(got.size(), 1u) << "one message, not a burst of ten";
  EXPECT_EQ(timers.stats().skipped, 9u);
  EXPECT_EQ(timers.TimeLeft(*t), absl::Milliseconds(1)) << "the next tick is on the 1 ms grid";
  rt.AdvanceTime(absl::Milliseconds(20));
  EXPECT_EQ(Times(got), (std::vector<int64_t>{10 * kMs, 20 * kMs, 30 * kMs}));
  EXPECT_EQ(timers.stats().skipped, 27u);
  EXPECT_EQ(timers.stats().ticks, 3u);
}

TEST_F(TimerServiceTest, TimersFireInDeadlineOrderWhateverTheOrderTheyWereArmedIn) {
  ASSERT_TRUE(timers_.SendAfter(owner_, target_, absl::Milliseconds(30), Note{30}).ok());
  ASSERT_TRUE(timers_.SendAfter(owner_, target_, absl::Milliseconds(10), Note{10}).ok());
  ASSERT_TRUE(timers_.SendAfter(owner_, target_, absl::Milliseconds(20), Note{20}).ok());
  rt_.AdvanceTime(absl::Milliseconds(50));
  ASSERT_EQ(got_.size(), 3u);
  EXPECT_EQ(got_[0].id, 10);
  EXPECT_EQ(got_[1].id, 20);
  EXPECT_EQ(got_[2].id, 30);
  EXPECT_EQ(Times(got_), (std::vector<int64_t>{10 * kMs, 20 * kMs, 30 * kMs}));
}

TEST_F(TimerServiceTest, AnEarlierTimerArmedAfterALaterOneStillFiresOnTime) {
  ASSERT_TRUE(timers_.SendAfter(owner_, target_, absl::Hours(1), Note{1}).ok());
  rt_.AdvanceTime(absl::Milliseconds(5));
  ASSERT_TRUE(timers_.SendAfter(owner_, target_, absl::Milliseconds(10), Note{2}).ok());
  rt_.AdvanceTime(absl::Milliseconds(20));
  ASSERT_EQ(got_.size(), 1u);
  EXPECT_EQ(got_[0].id, 2);
  EXPECT_EQ(got_[0].at_ns, 15 * kMs);
  // The hour-long one fires at its exact instant too (far levels of the wheel).
  rt_.AdvanceTime(absl::Hours(2));
  ASSERT_EQ(got_.size(), 2u);
  EXPECT_EQ(got_[1].at_ns, absl::ToInt64Nanoseconds(absl::Hours(1)));
}

TEST_F(TimerServiceTest, AZeroOrNegativeDelayFiresAtTheNextAdvanceOfTime) {
  rt_.AdvanceTime(absl::Milliseconds(7));
  ASSERT_TRUE(timers_.SendAfter(owner_, target_, absl::ZeroDuration(), Note{1}).ok());
  ASSERT_TRUE(timers_.SendAfter(owner_, target_, absl::Milliseconds(-3), Note{2}).ok());
  rt_.RunUntilIdle();
  EXPECT_TRUE(got_.empty()) << "RunUntilIdle does not move time";
  rt_.AdvanceTime(absl::ZeroDuration());
  ASSERT_EQ(got_.size(), 2u);
  EXPECT_EQ(got_[0].at_ns, 7 * kMs);
  EXPECT_EQ(got_[1].at_ns, 7 * kMs);
}

TEST_F(TimerServiceTest, SendIntervalTicksAtEveryMultipleOfItsPeriod) {
  absl::StatusOr<TimerRef> t =
      timers_.SendInterval(owner_, target_, absl::Milliseconds(10), Note{7});
  ASSERT_TRUE(t.ok()) << t.status();
  rt_.AdvanceTime(absl::Milliseconds(95));
  EXPECT_EQ(got_.size(), 9u);
  rt_.AdvanceTime(absl::Milliseconds(5));
  ASSERT_EQ(got_.size(), 10u);
  for (size_t k = 0; k < got_.size(); ++k) {
    EXPECT_EQ(got_[k].at_ns, static_cast<int64_t>(k + 1) * 10 * kMs) << "tick " << k;
    EXPECT_EQ(got_[k].id, 7);
    EXPECT_EQ(got_[k].sender, owner_);
  }
  // A long jump fires every tick in between (virtual time never falls behind).
  rt_.AdvanceTime(absl::Seconds(1));
  EXPECT_EQ(got_.size(), 110u);
  EXPECT_EQ(got_.back().at_ns, 1100 * kMs);
  EXPECT_EQ(timers_.stats().ticks, 110u);
  EXPECT_EQ(timers_.stats().skipped, 0u);
  EXPECT_EQ(timers_.pending(), 1u) << "an interval stays pending while it runs";
}

TEST_F(TimerServiceTest, AnIntervalSendsACopyOfItsMessageEachPeriod) {
  struct Text {
    std::string s;
  };
  class TextSink : public Actor<TextSink, Text> {
   public:
    explicit TextSink(std::vector<std::string>* out) : out_(out) {}
    void Handle(Text& t) {
      out_->push_back(t.s);
      t.s = "mutated by the handler";
    }

   private:
    std::vector<std::string>* out_;
  };
  std::vector<std::string> out;
  auto sink = rt_.Spawn<TextSink>(&out);
  ASSERT_TRUE(sink.ok());
  ASSERT_TRUE(timers_.SendInterval(owner_, *sink, absl::Milliseconds(1), Text{"tick"}).ok());
  rt_.AdvanceTime(absl::Milliseconds(3));
  EXPECT_EQ(out, (std::vector<std::string>{"tick", "tick", "tick"}));
}

TEST_F(TimerServiceTest, CancellingAnIntervalStopsTheStream) {
  absl::StatusOr<TimerRef> t =
      timers_.SendInterval(owner_, target_, absl::Milliseconds(10), Note{1});
  ASSERT_TRUE(t.ok());
  rt_.AdvanceTime(absl::Milliseconds(35));
  EXPECT_EQ(got_.size(), 3u);
  EXPECT_TRUE(timers_.Cancel(*t)) << "a running interval is pending";
  rt_.AdvanceTime(absl::Seconds(1));
  EXPECT_EQ(got_.size(), 3u);
  EXPECT_FALSE(timers_.Cancel(*t)) << "a second cancel";
  EXPECT_EQ(timers_.pending(), 0u);
  ExpectBalanced(timers_);
}

TEST_F(TimerServiceTest, CancelIsTrueWhilePendingAndFalseAfterFiringOrASecondCancel) {
  absl::StatusOr<TimerRef> a = timers_.SendAfter(owner_, target_, absl::Milliseconds(10), Note{1});
  absl::StatusOr<TimerRef> b = timers_.SendAfter(owner_, target_, absl::Milliseconds(10), Note{2});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(timers_.Cancel(*a));
  EXPECT_FALSE(timers_.Cancel(*a));
  rt_.AdvanceTime(absl::Milliseconds(10));
  ASSERT_EQ(got_.size(), 1u);
  EXPECT_EQ(got_[0].id, 2) << "the cancelled timer did not fire";
  EXPECT_FALSE(timers_.Cancel(*b)) << "already fired";
  EXPECT_FALSE(timers_.Cancel(TimerRef())) << "the empty handle";
  TimerService::Stats st = timers_.stats();
  EXPECT_EQ(st.cancelled, 1u);
  EXPECT_EQ(st.fired, 1u);
  ExpectBalanced(timers_);
}

TEST_F(TimerServiceTest, AStaleHandleNeverCancelsTheTimerThatReusedItsSlot) {
  absl::StatusOr<TimerRef> old = timers_.SendAfter(owner_, target_, absl::Milliseconds(10), Note{1});
  ASSERT_TRUE(old.ok());
  ASSERT_TRUE(timers_.Cancel(*old));
  absl::StatusOr<TimerRef> reused =
      timers_.SendAfter(owner_, target_, absl::Milliseconds(10), Note{2});
  ASSERT_TRUE(reused.ok());
  EXPECT_EQ(reused->index(), old->index()) << "the freed slot is reused";
  EXPECT_NE(reused->generation(), old->generation());
  EXPECT_FALSE(timers_.Cancel(*old));
  EXPECT_FALSE(timers_.TimeLeft(*old).has_value());
  rt_.AdvanceTime(absl::Milliseconds(10));
  ASSERT_EQ(got_.size(), 1u);
  EXPECT_EQ(got_[0].id, 2);
  // A handle with a made-up index names nothing.
  EXPECT_FALSE(timers_.Cancel(TimerRef::FromBits(uint64_t{1} << 32 | 123456)));
}

TEST_F(TimerServiceTest, TimeLeftCountsDownOnVirtualTime) {
  absl::StatusOr<TimerRef> t = timers_.SendAfter(owner_, target_, absl::Milliseconds(40), Note{1});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(timers_.TimeLeft(*t), absl::Milliseconds(40));
  rt_.AdvanceTime(absl::Milliseconds(15));
  EXPECT_EQ(timers_.TimeLeft(*t), absl::Milliseconds(25));
  absl::StatusOr<TimerRef> i = timers_.SendInterval(owner_, target_, absl::Milliseconds(10), Note{2});
  ASSERT_TRUE(i.ok());
  rt_.AdvanceTime(absl::Milliseconds(12));
  EXPECT_EQ(timers_.TimeLeft(*i), absl::Milliseconds(8)) << "the interval's next tick";
  rt_.AdvanceTime(absl::Milliseconds(20));
  EXPECT_EQ(timers_.TimeLeft(*t), std::nullopt) << "fired";
  EXPECT_TRUE(timers_.Cancel(*i));
  EXPECT_EQ(timers_.TimeLeft(*i), std::nullopt) << "cancelled";
  absl::StatusOr<TimerRef> never =
      timers_.SendAfter(owner_, target_, absl::InfiniteDuration(), Note{3});
  ASSERT_TRUE(never.ok());
  EXPECT_EQ(timers_.TimeLeft(*never), absl::InfiniteDuration());
  rt_.AdvanceTime(absl::Hours(24 * 365));
  EXPECT_TRUE(timers_.Cancel(*never)) << "an infinite delay never fires";
}

TEST_F(TimerServiceTest, ArmingFailsWithTypedErrors) {
  Pid dead = SpawnRecorder(rt_);
  rt_.RunUntilIdle();
  ASSERT_TRUE(rt_.Kill(dead));
  rt_.RunUntilIdle();

  absl::StatusOr<TimerRef> r = timers_.SendAfter(dead, target_, absl::Milliseconds(1), Note{1});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StrContains(r.status().message(), "noproc")) << r.status();
  r = timers_.SendInterval(dead, target_, absl::Milliseconds(1), Note{1});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  r = timers_.SendAfter(Pid(), target_, absl::Milliseconds(1), Note{1});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  r = timers_.SendAfter(owner_, Pid(), absl::Milliseconds(1), Note{1});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  r = timers_.SendInterval(owner_, target_, absl::ZeroDuration(), Note{1});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(r.status().message(), "period")) << r.status();
  r = timers_.SendInterval(owner_, target_, absl::Milliseconds(-5), Note{1});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);

  TimerService::Stats st = timers_.stats();
  EXPECT_EQ(st.armed, 0u);
  EXPECT_EQ(st.pending, 0u);
  EXPECT_EQ(st.owners, 0u) << "a failed arm installs no watch";
}

TEST(TimerServiceLimitTest, ArmingBeyondMaxPendingFailsWithResourceExhausted) {
  Runtime rt(RuntimeOptions::Deterministic(3));
  TimerService timers(rt, {.max_pending = 3});  // the owner's record + 2 timers
  Pid owner = SpawnRecorder(rt);
  ASSERT_TRUE(timers.SendAfter(owner, owner, absl::Seconds(1), Note{1}).ok());
  absl::StatusOr<TimerRef> second = timers.SendAfter(owner, owner, absl::Seconds(1), Note{2});
  ASSERT_TRUE(second.ok());
  absl::StatusOr<TimerRef> third = timers.SendAfter(owner, owner, absl::Seconds(1), Note{3});
  EXPECT_EQ(third.status().code(), absl::StatusCode::kResourceExhausted) << third.status();
  ASSERT_TRUE(timers.Cancel(*second));
  EXPECT_TRUE(timers.SendAfter(owner, owner, absl::Seconds(1), Note{4}).ok());
}

// How an owner may end.
enum class Death { kKilled, kCrashed, kStopped, kExitSignal };

class TimerOwnerDeathTest : public ::testing::TestWithParam<Death> {};

TEST_P(TimerOwnerDeathTest, AnOwnersTimersAreCancelledWithoutFiringWhenItExits) {
  Runtime rt(RuntimeOptions::Deterministic(5));
  TimerService timers(rt);
  std::vector<Got> got;
  Pid target = SpawnRecorder(rt, &got);
  Pid owner = SpawnRecorder(rt);
  Pid bystander = SpawnRecorder(rt);
  rt.RunUntilIdle();
  ASSERT_TRUE(timers.SendAfter(owner, target, absl::Milliseconds(50), Note{1}).ok());
  ASSERT_TRUE(timers.SendInterval(owner, target, absl::Milliseconds(10), Note{2}).ok());
  ASSERT_TRUE(timers.SendAfter(bystander, target, absl::Milliseconds(60), Note{3}).ok());
  rt.AdvanceTime(absl::Milliseconds(25));
  ASSERT_EQ(got.size(), 2u);  // two ticks
  EXPECT_EQ(timers.stats().owners, 2u);

  switch (GetParam()) {
    case Death::kKilled:
      ASSERT_TRUE(rt.Kill(owner));
      break;
    case Death::kCrashed:
      ASSERT_EQ(rt.Send(owner, Boom{}), SendResult::kOk);
      break;
    case Death::kStopped:
      ASSERT_TRUE(rt.Stop(owner));
      break;
    case Death::kExitSignal:
      ASSERT_TRUE(rt.Exit(owner, ExitReason::Shutdown("test")));
      break;
  }
  rt.RunUntilIdle();
  ASSERT_FALSE(rt.IsAlive(owner));
  TimerService::Stats st = timers.stats();
  EXPECT_EQ(st.pending, 1u) << "only the bystander's timer is left";
  EXPECT_EQ(st.cancelled_by_death, 2u);
  EXPECT_EQ(st.owners, 1u) << "the dead owner's watch is gone";

  rt.AdvanceTime(absl::Seconds(1));
  ASSERT_EQ(got.size(), 3u) << "nothing of the dead owner fired";
  EXPECT_EQ(got[2].id, 3);
  EXPECT_EQ(got[2].sender, bystander);
  EXPECT_EQ(timers.pending(), 0u);
  ExpectBalanced(timers);
  // Arming for the dead owner now fails.
  EXPECT_EQ(timers.SendAfter(owner, target, absl::Milliseconds(1), Note{4}).status().code(),
            absl::StatusCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(AllWaysToDie, TimerOwnerDeathTest,
                         ::testing::Values(Death::kKilled, Death::kCrashed, Death::kStopped,
                                           Death::kExitSignal));

// Arms an interval to `target` in OnStart, tagged with its incarnation.
class Ticker : public Actor<Ticker, Boom> {
 public:
  Ticker(TimerService* service, Pid target, int incarnation)
      : timers_(*service, *this), target_(target), incarnation_(incarnation) {}
  void OnStart() override {
    absl::StatusOr<TimerRef> t =
        timers_.SendInterval(target_, absl::Milliseconds(10), Note{incarnation_});
    if (!t.ok()) throw std::runtime_error(std::string(t.status().message()));
  }
  void Handle(Boom&) { throw std::runtime_error("boom"); }

 private:
  ActorTimers timers_;
  Pid target_;
  int incarnation_;
};

TEST(TimerRestartTest, AfterARestartExactlyOneTickStreamReachesTheTarget) {
  Runtime rt(RuntimeOptions::Deterministic(9));
  TimerService timers(rt);
  std::vector<Got> got;
  Pid target = SpawnRecorder(rt, &got);

  // A minimal restarter (no libs/supervise): when a Ticker crashes, its exit
  // watch spawns the next incarnation, as a one_for_one supervisor would.
  std::vector<Pid> incarnations;
  std::function<void(int)> start = [&](int n) {
    auto ref = rt.Spawn<Ticker>(&timers, target, n);
    ASSERT_TRUE(ref.ok()) << ref.status();
    incarnations.push_back(ref->pid());
    rt.Watch(ref->pid(), [&start, n](Pid, const ExitReason& r) {
      if (r.kind() == ExitKind::kCrash) start(n + 1);
    });
  };
  start(1);
  rt.AdvanceTime(absl::Milliseconds(35));  // ticks at 10, 20, 30 from #1
  ASSERT_EQ(got.size(), 3u);

  ASSERT_EQ(rt.Send(incarnations[0], Boom{}), SendResult::kOk);
  rt.RunUntilIdle();  // #1 crashes; #2 starts at t = 35 ms and arms its interval
  ASSERT_EQ(incarnations.size(), 2u);
  EXPECT_FALSE(rt.IsAlive(incarnations[0]));
  EXPECT_TRUE(rt.IsAlive(incarnations[1]));
  EXPECT_EQ(timers.pending(), 1u) << "one interval: the new incarnation's";

  got.clear();
  rt.AdvanceTime(absl::Milliseconds(100));  // 45, 55, ..., 135 from #2
  ASSERT_EQ(got.size(), 10u);
  for (size_t k = 0; k < got.size(); ++k) {
    EXPECT_EQ(got[k].id, 2) << "tick " << k;
    EXPECT_EQ(got[k].sender, incarnations[1]);
    EXPECT_EQ(got[k].at_ns, (45 + 10 * static_cast<int64_t>(k)) * kMs);
  }

  // And again: a second crash still leaves one stream.
  ASSERT_EQ(rt.Send(incarnations[1], Boom{}), SendResult::kOk);
  rt.RunUntilIdle();
  ASSERT_EQ(incarnations.size(), 3u);
  got.clear();
  rt.AdvanceTime(absl::Milliseconds(50));
  EXPECT_EQ(got.size(), 5u);
  for (const Got& g : got) EXPECT_EQ(g.sender, incarnations[2]);
  EXPECT_EQ(timers.pending(), 1u);
  EXPECT_EQ(timers.stats().cancelled_by_death, 2u);
  // Stop the restarting before the runtime shuts down.
  rt.Kill(incarnations[2]);
  rt.RunUntilIdle();
}

TEST_F(TimerServiceTest, AOneShotToADeadTargetIsCountedAsFiredAndDropped) {
  Pid gone = SpawnRecorder(rt_);
  rt_.RunUntilIdle();
  ASSERT_TRUE(timers_.SendAfter(owner_, gone, absl::Milliseconds(5), Note{1}).ok());
  ASSERT_TRUE(rt_.Kill(gone));
  rt_.AdvanceTime(absl::Milliseconds(5));
  TimerService::Stats st = timers_.stats();
  EXPECT_EQ(st.fired, 1u);
  EXPECT_EQ(st.dropped, 1u);
  ExpectBalanced(timers_);
}

TEST_F(TimerServiceTest, AnIntervalEndsWhenItsTargetIsGone) {
  Pid gone = SpawnRecorder(rt_);
  rt_.RunUntilIdle();
  absl::StatusOr<TimerRef> t = timers_.SendInterval(owner_, gone, absl::Milliseconds(5), Note{1});
  ASSERT_TRUE(t.ok());
  rt_.AdvanceTime(absl::Milliseconds(12));
  EXPECT_EQ(timers_.stats().ticks, 2u);
  ASSERT_TRUE(rt_.Kill(gone));
  rt_.AdvanceTime(absl::Milliseconds(50));
  TimerService::Stats st = timers_.stats();
  EXPECT_EQ(st.ticks, 3u) << "the first tick after the target died finds it gone";
  EXPECT_EQ(st.dropped, 1u);
  EXPECT_EQ(st.ended, 1u);
  EXPECT_EQ(st.pending, 0u);
  EXPECT_FALSE(timers_.Cancel(*t)) << "it has ended";
  ExpectBalanced(timers_);
}

TEST_F(TimerServiceTest, AFullMailboxDropsOneTickButTheIntervalGoesOn) {
  std::vector<Got> got;
  Pid small = SpawnRecorder(rt_, &got,
                            SpawnOptions().WithMailbox(
                                MailboxOptions::Bounded(1, OverflowPolicy::kDropNew)));
  rt_.RunUntilIdle();
  // Two one-shots due at the same instant go out in one firing, before the
  // target runs: the second finds the one-message mailbox full.
  ASSERT_TRUE(timers_.SendAfter(owner_, small, absl::Milliseconds(5), Note{1}).ok());
  ASSERT_TRUE(timers_.SendAfter(owner_, small, absl::Milliseconds(5), Note{2}).ok());
  ASSERT_TRUE(timers_.SendInterval(owner_, small, absl::Milliseconds(5), Note{3}).ok());
  rt_.AdvanceTime(absl::Milliseconds(5));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id, 1);
  TimerService::Stats st = timers_.stats();
  EXPECT_EQ(st.dropped, 2u);
  EXPECT_EQ(st.ended, 0u);
  rt_.AdvanceTime(absl::Milliseconds(10));
  EXPECT_EQ(got.size(), 3u) << "the interval kept ticking";
  EXPECT_EQ(timers_.pending(), 1u);
  ExpectBalanced(timers_);
}

// Re-arms a one-shot to itself in every handler, `left` times, through
// ActorTimers; the common Erlang loop.
struct Beat {
  int left;
};
class Heart : public Actor<Heart, Beat> {
 public:
  Heart(TimerService* service, std::vector<int64_t>* beats)
      : timers_(*service, *this), beats_(beats) {}
  void OnStart() override { Arm(5); }
  void Handle(Beat& b) {
    beats_->push_back(runtime().NowNanos());
    if (b.left > 1) Arm(b.left - 1);
  }

 private:
  void Arm(int left) {
    if (!timers_.SendAfter(absl::Milliseconds(3), Beat{left}).ok()) {
      throw std::runtime_error("arm failed");
    }
  }
  ActorTimers timers_;
  std::vector<int64_t>* beats_;
};

TEST(ActorTimersTest, AnActorArmsTimersToItselfFromItsHandlers) {
  Runtime rt(RuntimeOptions::Deterministic(4));
  TimerService timers(rt);
  std::vector<int64_t> beats;
  auto heart = rt.Spawn<Heart>(&timers, &beats);
  ASSERT_TRUE(heart.ok());
  rt.AdvanceTime(absl::Milliseconds(100));
  EXPECT_EQ(beats, (std::vector<int64_t>{3 * kMs, 6 * kMs, 9 * kMs, 12 * kMs, 15 * kMs}));
  EXPECT_EQ(timers.stats().owners, 1u) << "one watch for all its timers";
  EXPECT_EQ(timers.stats().fired, 5u);
  EXPECT_EQ(timers.pending(), 0u);
}

TEST(TimerServiceLifetimeTest, DestroyingTheServiceWithTimersPendingCancelsThemAll) {
  Runtime rt(RuntimeOptions::Deterministic(8));
  std::vector<Got> got;
  Pid target = SpawnRecorder(rt, &got);
  std::vector<Pid> owners;
  for (int i = 0; i < 3; ++i) owners.push_back(SpawnRecorder(rt));
  rt.RunUntilIdle();
  {
    TimerService timers(rt);
    for (Pid o : owners) {
      ASSERT_TRUE(timers.SendAfter(o, target, absl::Milliseconds(10), Note{1}).ok());
      ASSERT_TRUE(timers.SendInterval(o, target, absl::Milliseconds(4), Note{2}).ok());
    }
    rt.AdvanceTime(absl::Milliseconds(5));
    EXPECT_EQ(got.size(), 3u);
    EXPECT_EQ(timers.pending(), 6u);
  }
  rt.AdvanceTime(absl::Seconds(1));
  EXPECT_EQ(got.size(), 3u) << "nothing fires after the service is gone";
  // The owners' watches are gone too: they exit without calling into it.
  for (Pid o : owners) ASSERT_TRUE(rt.Kill(o));
  rt.RunUntilIdle();
  EXPECT_EQ(rt.stats().live_actors, 1u);
}

TEST(TimerServiceLifetimeTest, ADeterministicCallDrivesTimersOnVirtualTime) {
  struct Wait {
    using Reply = int64_t;
  };
  // Replies when its own timer fires (a Task handler awaiting the Note).
  class Waiter : public Actor<Waiter, Wait, Note> {
   public:
    explicit Waiter(TimerService* s) : timers_(*s, *this) {}
    Task<int64_t> Handle(Wait&) {
      if (!timers_.SendAfter(absl::Milliseconds(250), Note{1}).ok()) co_return -1;
      absl::StatusOr<Note> n = co_await Receive<Note>(absl::Seconds(10));
      co_return n.ok() ? runtime().NowNanos() : -2;
    }
    void Handle(Note&) {}

   private:
    ActorTimers timers_;
  };
  Runtime rt(RuntimeOptions::Deterministic(2));
  TimerService timers(rt);
  auto w = rt.Spawn<Waiter>(&timers);
  ASSERT_TRUE(w.ok());
  absl::StatusOr<int64_t> at = rt.Call(*w, Wait{}, absl::Seconds(5));
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(*at, 250 * kMs);
}

}  // namespace
}  // namespace myr::timers
