// Copyright Myrmidon authors.
//
// What hot swap costs: messages through a Swappable actor (one virtual call
// more than a plain actor) against a plain actor, and a swap round trip
// (a blocking Swap from a plain thread, with the transactional state copy).
#include <cstdint>
#include <memory>

#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "libs/sched/runtime.h"
#include "libs/supervise/hot_swap.h"

namespace myr::supervise {
namespace {

struct Add {
  int64_t n;
};
struct Get {
  using Reply = int64_t;
};
struct Counter {
  int64_t total = 0;
};

class PlainCounter : public Actor<PlainCounter, Add, Get> {
 public:
  void Handle(Add& m) { total_ += m.n; }
  int64_t Handle(Get&) { return total_; }

 private:
  int64_t total_ = 0;
};

class Adding : public Behaviour<Counter, Add, Get> {
 public:
  void Handle(Counter& s, Add& m) override { s.total += m.n; }
  absl::StatusOr<int64_t> Handle(Counter& s, Get&) override { return s.total; }
};

using SwappableCounter = Swappable<Counter, Add, Get>;

constexpr int64_t kBatch = 10'000;
const SpawnOptions kUnbounded = SpawnOptions().WithMailbox(MailboxOptions::Unbounded());

template <typename A, typename... Args>
void RunBatches(benchmark::State& state, Args&&... args) {
  Runtime rt;
  auto ref = *rt.SpawnWith<A>(kUnbounded, std::forward<Args>(args)...);
  for (auto _ : state) {
    for (int64_t i = 0; i < kBatch; ++i) rt.Send(ref, Add{1});
    benchmark::DoNotOptimize(rt.Call(ref, Get{}, absl::Seconds(30)));
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
}

// Sends from a plain thread, handled by a plain actor.
void BM_PlainActorMessages(benchmark::State& state) { RunBatches<PlainCounter>(state); }
BENCHMARK(BM_PlainActorMessages)->UseRealTime();

// The same through a Swappable actor.
void BM_SwappableActorMessages(benchmark::State& state) {
  RunBatches<SwappableCounter>(state, std::make_unique<Adding>(), Counter{});
}
BENCHMARK(BM_SwappableActorMessages)->UseRealTime();

// One blocking Swap of an idle actor (history full, so the oldest behaviour
// is destroyed each time).
void BM_SwapRoundTrip(benchmark::State& state) {
  Runtime rt;
  auto ref = *rt.Spawn<SwappableCounter>(std::make_unique<Adding>(), Counter{});
  for (auto _ : state) {
    benchmark::DoNotOptimize(Swap(rt, ref, std::make_unique<Adding>(), absl::Seconds(30)));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SwapRoundTrip)->UseRealTime();

// A Version query, the same round trip without an install, for comparison.
void BM_VersionRoundTrip(benchmark::State& state) {
  Runtime rt;
  auto ref = *rt.Spawn<SwappableCounter>(std::make_unique<Adding>(), Counter{});
  for (auto _ : state) benchmark::DoNotOptimize(Version(rt, ref, absl::Seconds(30)));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_VersionRoundTrip)->UseRealTime();

}  // namespace
}  // namespace myr::supervise
