// Copyright Myrmidon authors.
//
// The figures: timers armed and cancelled per second with 1,000,000
// pending; arm+fire throughput; the cost of Advance per tick with 1,000,000
// pending; and firing lateness when Advance runs late under load.
#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "benchmark/benchmark.h"
#include "libs/timers/wheel/timing_wheel.h"

namespace myr::timers {
namespace {

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kSecond = 1000 * kMs;
constexpr int64_t kHour = 3600 * kSecond;

// A wheel with `n` timers spread uniformly over the next hour.
void Fill(TimingWheel& wheel, int n, std::mt19937_64& rng, int64_t now = 0) {
  wheel.Reserve(n + 1024);
  for (int i = 0; i < n; ++i) {
    wheel.Schedule(now + static_cast<int64_t>(rng() % kHour), i);
  }
}

// Arm one timer (random deadline within a minute) and cancel it, with
// state.range(0) others pending. Items: arm+cancel pairs.
void BM_ArmCancelWithPending(benchmark::State& state) {
  TimingWheel wheel;
  std::mt19937_64 rng(1);
  Fill(wheel, static_cast<int>(state.range(0)), rng);
  std::vector<int64_t> deadlines(4096);
  for (int64_t& d : deadlines) d = static_cast<int64_t>(rng() % (60 * kSecond));
  size_t i = 0;
  for (auto _ : state) {
    TimerId id = wheel.Schedule(deadlines[i++ & 4095], 7);
    benchmark::DoNotOptimize(wheel.Cancel(id));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ArmCancelWithPending)->Arg(0)->Arg(1'000'000);

// Arm a batch of timers over the next 64 ms and fire them all by advancing
// one millisecond at a time. Items: timers armed and fired.
void BM_ArmAndFire(benchmark::State& state) {
  TimingWheel wheel;
  std::mt19937_64 rng(2);
  const int batch = static_cast<int>(state.range(0));
  int64_t now = 0;
  uint64_t fired = 0;
  for (auto _ : state) {
    for (int i = 0; i < batch; ++i) {
      wheel.Schedule(now + static_cast<int64_t>(rng() % (64 * kMs)), i);
    }
    for (int t = 0; t < 64; ++t) {
      now += kMs;
      fired += wheel.Advance(now, [](TimerId, uint64_t p) { benchmark::DoNotOptimize(p); });
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(fired));
}
BENCHMARK(BM_ArmAndFire)->Arg(1024)->Arg(65536);

// Advance by one 1 ms tick with 1,000,000 timers pending over the next hour;
// every fired timer re-arms one hour out, so the population stays constant
// (~0.28 fire per tick, plus cascades). Items: ticks.
void BM_AdvancePerTickWithMillionPending(benchmark::State& state) {
  TimingWheel wheel;
  std::mt19937_64 rng(3);
  Fill(wheel, 1'000'000, rng);
  int64_t now = 0;
  uint64_t fired = 0;
  for (auto _ : state) {
    now += kMs;
    fired += wheel.Advance(now, [&](TimerId, uint64_t p) {
      wheel.Schedule(now + kHour - static_cast<int64_t>(p % kMs), p);
    });
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["fired_per_tick"] =
      benchmark::Counter(static_cast<double>(fired) / static_cast<double>(state.iterations()));
  state.counters["pending"] = static_cast<double>(wheel.size());
}
BENCHMARK(BM_AdvancePerTickWithMillionPending);

// Firing accuracy under load: the wheel itself fires exactly what is due at
// `now`, so lateness is how late the caller's Advance runs. Here Advance runs
// every state.range(0) microseconds of (virtual) time with 1,000,000 pending
// and fires what is due; reports mean and max lateness of fired timers.
void BM_FiringLatenessWithMillionPending(benchmark::State& state) {
  TimingWheel wheel;
  std::mt19937_64 rng(4);
  Fill(wheel, 1'000'000, rng);
  const int64_t step = state.range(0) * 1000;
  int64_t now = 0;
  std::vector<int64_t> deadline_of;  // payload -> deadline, for lateness
  double late_sum = 0;
  int64_t late_max = 0;
  uint64_t fired = 0;
  for (auto _ : state) {
    now += step;
    fired += wheel.Advance(now, [&](TimerId, uint64_t p) {
      // Fill's payloads carry no deadline; re-armed ones carry it directly.
      if (p >= (uint64_t{1} << 40)) {
        const int64_t late = now - static_cast<int64_t>(p - (uint64_t{1} << 40));
        late_sum += static_cast<double>(late);
        late_max = std::max(late_max, late);
      }
      const int64_t d = now + static_cast<int64_t>(rng() % kHour);
      wheel.Schedule(d, (uint64_t{1} << 40) + static_cast<uint64_t>(d));
    });
  }
  state.SetItemsProcessed(static_cast<int64_t>(fired));
  state.counters["mean_late_us"] = fired ? late_sum / static_cast<double>(fired) / 1000 : 0;
  state.counters["max_late_us"] = static_cast<double>(late_max) / 1000;
}
BENCHMARK(BM_FiringLatenessWithMillionPending)->Arg(100)->Arg(1000);

}  // namespace
}  // namespace myr::timers
