// Copyright Myrmidon authors.
#include "libs/timers/wheel/timing_wheel.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <random>
#include <tuple>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace myr::timers {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSecond = 1000 * kMs;
constexpr int64_t kHour = 3600 * kSecond;
constexpr int64_t kDay = 24 * kHour;

struct Fired {
  TimerId id;
  uint64_t payload;
};

std::vector<Fired> AdvanceTo(TimingWheel& wheel, int64_t now) {
  std::vector<Fired> out;
  wheel.Advance(now, [&](TimerId id, uint64_t p) { out.push_back({id, p}); });
  return out;
}

std::vector<uint64_t> Payloads(const std::vector<Fired>& fired) {
  std::vector<uint64_t> out;
  for (const Fired& f : fired) out.push_back(f.payload);
  return out;
}

// The reference model: a multimap keyed by (effective tick, scheduling
// sequence). The effective tick is the deadline's tick, or the tick current
// when the timer was scheduled if that is later (a past deadline).
class Reference {
 public:
  explicit Reference(int64_t tick_ns) : tick_ns_(tick_ns) {}

  void Schedule(int64_t deadline, uint64_t payload) {
    int64_t tick = std::max<int64_t>(deadline <= 0 ? 0 : deadline / tick_ns_, cur_tick_);
    by_order_.emplace(std::make_pair(tick, seq_++), std::make_pair(deadline, payload));
  }
  bool Cancel(uint64_t payload) {
    for (auto it = by_order_.begin(); it != by_order_.end(); ++it) {
      if (it->second.second == payload) {
        by_order_.erase(it);
        return true;
      }
    }
    return false;
  }
  std::vector<uint64_t> Advance(int64_t now) {
    std::vector<uint64_t> out;
    for (auto it = by_order_.begin(); it != by_order_.end();) {
      if (it->second.first <= now) {
        out.push_back(it->second.second);
        it = by_order_.erase(it);
      } else {
        ++it;
      }
    }
    cur_tick_ = std::max<int64_t>(cur_tick_, now <= 0 ? 0 : now / tick_ns_);
    return out;
  }
  int64_t NextDeadline() const {
    int64_t best = TimingWheel::kNoDeadline;
    for (const auto& [key, value] : by_order_) best = std::min(best, value.first);
    return best;
  }
  size_t size() const { return by_order_.size(); }

 private:
  int64_t tick_ns_;
  int64_t cur_tick_ = 0;
  uint64_t seq_ = 0;
  std::multimap<std::pair<int64_t, uint64_t>, std::pair<int64_t, uint64_t>> by_order_;
};

// Randomized: schedules, cancels and advances against the reference, with
// deadlines drawn from several scales (same tick, level 0, higher levels,
// the past). Each Advance must fire exactly the reference's set, in its order.
void RunRandomized(int64_t tick_ns, int64_t max_horizon, uint32_t seed, int rounds) {
  std::mt19937_64 rng(seed);
  TimingWheel wheel(TimingWheel::Options{.tick_ns = tick_ns});
  Reference ref(tick_ns);
  std::vector<std::pair<TimerId, uint64_t>> live;  // may hold fired ones
  int64_t now = 0;
  uint64_t next_payload = 1;
  size_t total_fired = 0;
  for (int round = 0; round < rounds; ++round) {
    const int schedules = static_cast<int>(rng() % 40);
    for (int i = 0; i < schedules; ++i) {
      int64_t horizon;
      switch (rng() % 5) {
        case 0: horizon = tick_ns; break;
        case 1: horizon = 64 * tick_ns; break;
        case 2: horizon = 4096 * tick_ns; break;
        case 3: horizon = max_horizon; break;
        default: horizon = 3 * tick_ns; break;
      }
      int64_t deadline = now + static_cast<int64_t>(rng() % static_cast<uint64_t>(horizon)) -
                         (rng() % 8 == 0 ? 2 * tick_ns : 0);
      const uint64_t payload = next_payload++;
      live.emplace_back(wheel.Schedule(deadline, payload), payload);
      ref.Schedule(deadline, payload);
    }
    const int cancels = static_cast<int>(rng() % 8);
    for (int i = 0; i < cancels && !live.empty(); ++i) {
      const size_t k = rng() % live.size();
      const bool expected = ref.Cancel(live[k].second);
      ASSERT_EQ(wheel.Cancel(live[k].first), expected) << "payload " << live[k].second;
      live[k] = live.back();
      live.pop_back();
    }
    ASSERT_EQ(wheel.size(), ref.size());
    ASSERT_EQ(wheel.NextDeadline(), ref.NextDeadline()) << "round " << round;
    int64_t step;
    switch (rng() % 4) {
      case 0: step = static_cast<int64_t>(rng() % static_cast<uint64_t>(tick_ns)); break;
      case 1: step = static_cast<int64_t>(rng() % static_cast<uint64_t>(100 * tick_ns)); break;
      case 2: step = static_cast<int64_t>(rng() % static_cast<uint64_t>(max_horizon / 4 + 1)); break;
      default: step = 0; break;
    }
    now += step;
    std::vector<uint64_t> expected = ref.Advance(now);
    std::vector<Fired> fired = AdvanceTo(wheel, now);
    ASSERT_EQ(Payloads(fired), expected) << "round " << round << " now " << now;
    total_fired += fired.size();
  }
  // Drain everything and compare once more.
  now += 10 * max_horizon;
  ASSERT_EQ(Payloads(AdvanceTo(wheel, now)), ref.Advance(now));
  EXPECT_EQ(wheel.size(), 0u);
  EXPECT_GT(total_fired, 0u);
}

TEST(TimingWheel, FiresExactlyWhatIsDueInOrderLikeASortedReference) {
  for (uint32_t seed : {1u, 11u, 21u}) RunRandomized(kMs, 10 * kSecond, seed, 5000);
}

TEST(TimingWheel, FiresLikeTheReferenceAcrossManyLevelsWithCoarseJumps) {
  RunRandomized(kMs, 30 * kDay, 2, 2000);
}

TEST(TimingWheel, FiresLikeTheReferenceEvenBeyondTheTopLevelSpan) {
  // 1 ns ticks: the six levels span only ~68.7 s, so hour-long horizons go
  // through the overflow list.
  RunRandomized(1, 3 * kHour, 3, 2000);
}

TEST(TimingWheel, NeverFiresBeforeTheDeadlineAndFiresExactlyAtIt) {
  TimingWheel wheel;
  wheel.Schedule(10 * kMs + 500, 7);
  EXPECT_TRUE(AdvanceTo(wheel, 10 * kMs).empty());
  EXPECT_TRUE(AdvanceTo(wheel, 10 * kMs + 499).empty());
  EXPECT_EQ(Payloads(AdvanceTo(wheel, 10 * kMs + 500)), std::vector<uint64_t>{7});
  EXPECT_TRUE(wheel.empty());
}

TEST(TimingWheel, TimersInOneTickFireInSchedulingOrder) {
  TimingWheel wheel;
  wheel.Schedule(5 * kMs + 900, 1);
  wheel.Schedule(5 * kMs + 100, 2);
  wheel.Schedule(5 * kMs + 500, 3);
  wheel.Schedule(4 * kMs, 4);
  EXPECT_EQ(Payloads(AdvanceTo(wheel, 6 * kMs)), (std::vector<uint64_t>{4, 1, 2, 3}));
}

TEST(TimingWheel, CancelReturnsTrueOnceAndFalseAfterwards) {
  TimingWheel wheel;
  TimerId a = wheel.Schedule(kMs, 1);
  TimerId b = wheel.Schedule(2 * kMs, 2);
  EXPECT_TRUE(wheel.Cancel(a));
  EXPECT_FALSE(wheel.Cancel(a));
  EXPECT_EQ(Payloads(AdvanceTo(wheel, 5 * kMs)), std::vector<uint64_t>{2});
  EXPECT_FALSE(wheel.Cancel(b)) << "a fired timer is no longer pending";
  EXPECT_FALSE(wheel.Cancel(TimerId()));
  EXPECT_FALSE(wheel.Cancel(TimerId::FromBits((uint64_t{1} << 32) | 12345)));
  EXPECT_TRUE(wheel.empty());
}

TEST(TimingWheel, AStaleIdNeverCancelsTheTimerThatReusedItsEntry) {
  TimingWheel wheel;
  TimerId old_id = wheel.Schedule(kMs, 1);
  ASSERT_TRUE(wheel.Cancel(old_id));
  TimerId new_id = wheel.Schedule(kMs, 2);
  EXPECT_EQ(new_id.index(), old_id.index()) << "the entry is reused";
  EXPECT_NE(new_id, old_id);
  EXPECT_FALSE(wheel.Cancel(old_id));
  std::vector<Fired> fired = AdvanceTo(wheel, kMs);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].id, new_id);
  EXPECT_EQ(fired[0].payload, 2u);
  // And after firing, neither id cancels the next occupant.
  TimerId third = wheel.Schedule(3 * kMs, 3);
  EXPECT_EQ(third.index(), old_id.index());
  EXPECT_FALSE(wheel.Cancel(old_id));
  EXPECT_FALSE(wheel.Cancel(new_id));
  EXPECT_TRUE(wheel.Cancel(third));
}

TEST(TimingWheel, FarFutureDeadlinesFireAfterCascadingThroughEveryLevel) {
  TimingWheel wheel;
  const std::vector<int64_t> deadlines = {
      3 * kDay + 17, 2 * kHour + 5 * kMs, 40 * kDay, 900 * kDay /* overflow */,
      kHour, 65 * kMs, 4097 * kMs};
  for (size_t i = 0; i < deadlines.size(); ++i) wheel.Schedule(deadlines[i], i);
  std::vector<int64_t> fired_at;
  int64_t now = 0;
  // Step in uneven jumps; record the time of each firing.
  while (!wheel.empty()) {
    now += 7 * kHour + 13 * kMs;
    wheel.Advance(now, [&](TimerId, uint64_t p) {
      EXPECT_LE(deadlines[p], now);
      EXPECT_GT(deadlines[p], now - 7 * kHour - 13 * kMs) << "fired late";
      fired_at.push_back(deadlines[p]);
    });
  }
  EXPECT_TRUE(std::is_sorted(fired_at.begin(), fired_at.end()));
  EXPECT_EQ(fired_at.size(), deadlines.size());
}

TEST(TimingWheel, AOneShotJumpOfDaysFiresEverythingInDeadlineOrder) {
  TimingWheel wheel;
  std::vector<int64_t> deadlines = {5 * kDay, 3, kHour, 1000 * kDay, 64 * kMs, 2 * kDay};
  for (size_t i = 0; i < deadlines.size(); ++i) wheel.Schedule(deadlines[i], i);
  std::vector<int64_t> fired;
  wheel.Advance(2000 * kDay, [&](TimerId, uint64_t p) { fired.push_back(deadlines[p]); });
  std::sort(deadlines.begin(), deadlines.end());
  EXPECT_EQ(fired, deadlines);
}

TEST(TimingWheel, PastDeadlinesFireAtTheNextAdvance) {
  TimingWheel wheel(TimingWheel::Options{.tick_ns = kMs, .start_ns = kSecond});
  AdvanceTo(wheel, 2 * kSecond);
  wheel.Schedule(kSecond, 1);
  wheel.Schedule(-5, 2);
  wheel.Schedule(2 * kSecond, 3);
  EXPECT_EQ(wheel.NextDeadline(), -5);
  EXPECT_EQ(Payloads(AdvanceTo(wheel, 2 * kSecond)), (std::vector<uint64_t>{1, 2, 3}));
}

TEST(TimingWheel, NextDeadlineIsTheExactEarliestPendingDeadline) {
  TimingWheel wheel;
  EXPECT_EQ(wheel.NextDeadline(), TimingWheel::kNoDeadline);
  TimerId far = wheel.Schedule(3 * kDay + 123, 1);
  EXPECT_EQ(wheel.NextDeadline(), 3 * kDay + 123);
  TimerId mid = wheel.Schedule(70 * kMs + 9, 2);
  wheel.Schedule(70 * kMs + 3, 3);
  EXPECT_EQ(wheel.NextDeadline(), 70 * kMs + 3);
  wheel.Schedule(2 * kMs + 1, 4);
  EXPECT_EQ(wheel.NextDeadline(), 2 * kMs + 1);
  AdvanceTo(wheel, 2 * kMs + 1);
  EXPECT_EQ(wheel.NextDeadline(), 70 * kMs + 3);
  AdvanceTo(wheel, 70 * kMs + 5);  // fires 3, keeps 2 in the same tick
  EXPECT_EQ(wheel.NextDeadline(), 70 * kMs + 9);
  EXPECT_TRUE(wheel.Cancel(mid));
  EXPECT_EQ(wheel.NextDeadline(), 3 * kDay + 123);
  EXPECT_TRUE(wheel.Cancel(far));
  EXPECT_EQ(wheel.NextDeadline(), TimingWheel::kNoDeadline);
}

TEST(TimingWheel, NextWakeupIsExactWithinSixtyFourTicksAndALowerBoundBeyond) {
  TimingWheel wheel;
  EXPECT_EQ(wheel.NextWakeup(), TimingWheel::kNoDeadline);
  wheel.Schedule(5 * kSecond + 77, 1);  // level 2: wake at its slot's first tick
  const int64_t wake = wheel.NextWakeup();
  EXPECT_LE(wake, 5 * kSecond + 77);
  EXPECT_GE(wake, 4 * kSecond);  // 4096-tick slots at 1 ms ticks
  AdvanceTo(wheel, wake);        // cascades, fires nothing early
  EXPECT_EQ(wheel.size(), 1u);
  // Walking the wakeups reaches the exact deadline in a few steps.
  int steps = 0;
  while (wheel.NextWakeup() != 5 * kSecond + 77 && steps < 10) {
    EXPECT_TRUE(AdvanceTo(wheel, wheel.NextWakeup()).empty());
    ++steps;
  }
  EXPECT_EQ(wheel.NextWakeup(), 5 * kSecond + 77);
  EXPECT_LE(steps, 3);
  wheel.Schedule(5 * kSecond + 40, 2);  // same window: exact
  EXPECT_EQ(wheel.NextWakeup(), 5 * kSecond + 40);
}

TEST(TimingWheel, NextWakeupNeverPassesTheEarliestDeadlineUnderRandomTraffic) {
  std::mt19937_64 rng(7);
  TimingWheel wheel;
  int64_t now = 0;
  std::vector<TimerId> ids;
  for (int round = 0; round < 20000; ++round) {
    const int op = static_cast<int>(rng() % 4);
    if (op <= 1) {
      const int64_t span = (op == 0 ? 100 * kMs : 3 * kDay);
      ids.push_back(wheel.Schedule(now + static_cast<int64_t>(rng() % span), round));
    } else if (op == 2 && !ids.empty()) {
      wheel.Cancel(ids[rng() % ids.size()]);
    } else {
      const int64_t wake = wheel.NextWakeup();
      if (wake != TimingWheel::kNoDeadline) {
        now = std::max(now, wake);
        for (const Fired& f : AdvanceTo(wheel, now)) (void)f;
      }
    }
    ASSERT_LE(wheel.NextWakeup(), wheel.NextDeadline()) << "round " << round;
  }
}

TEST(TimingWheel, FireMayRescheduleAndCancelWithoutFiringTwiceInOneTick) {
  TimingWheel wheel;
  TimerId victim = wheel.Schedule(10 * kMs, 99);
  wheel.Schedule(5 * kMs, 1);
  int interval_fires = 0;
  int64_t last = 0;
  // An interval timer that re-arms itself with period 0 must not loop: it
  // fires at most once per tick processed.
  wheel.Advance(8 * kMs, [&](TimerId, uint64_t p) {
    if (p == 1) {
      ++interval_fires;
      wheel.Schedule(last, 1);
      EXPECT_TRUE(wheel.Cancel(victim) || interval_fires > 1);
    }
  });
  EXPECT_LE(interval_fires, 4);  // ticks 5, 6, 7 and at most once in 8
  EXPECT_GE(interval_fires, 3);
  EXPECT_EQ(wheel.size(), 1u);
}

TEST(TimingWheel, AMillionPendingTimersAllFireInOrder) {
  constexpr int kCount = 1'000'000;
  TimingWheel wheel;
  wheel.Reserve(kCount);
  std::mt19937_64 rng(7);
  std::vector<TimerId> ids;
  std::vector<int64_t> deadlines;
  ids.reserve(kCount);
  deadlines.reserve(kCount);
  for (int i = 0; i < kCount; ++i) {
    deadlines.push_back(static_cast<int64_t>(rng() % (10 * kHour)));
    ids.push_back(wheel.Schedule(deadlines.back(), i));
  }
  EXPECT_EQ(wheel.size(), static_cast<size_t>(kCount));
  size_t cancelled = 0;
  for (int i = 0; i < kCount; i += 3) cancelled += wheel.Cancel(ids[i]);
  EXPECT_EQ(cancelled, static_cast<size_t>((kCount + 2) / 3));
  EXPECT_EQ(wheel.size(), kCount - cancelled);
  size_t fired = 0;
  int64_t last_tick = -1;
  size_t cancelled_fired = 0, out_of_order = 0, early = 0;
  for (int64_t now = 0; now <= 10 * kHour; now += 10 * kSecond) {
    fired += wheel.Advance(now, [&](TimerId, uint64_t p) {
      if (p % 3 == 0) ++cancelled_fired;
      const int64_t tick = deadlines[p] / kMs;
      if (tick < last_tick) ++out_of_order;
      if (deadlines[p] > now) ++early;
      last_tick = tick;
    });
  }
  EXPECT_EQ(cancelled_fired, 0u);
  EXPECT_EQ(out_of_order, 0u);
  EXPECT_EQ(early, 0u);
  EXPECT_EQ(fired, kCount - cancelled);
  EXPECT_TRUE(wheel.empty());
}

}  // namespace
}  // namespace myr::timers
