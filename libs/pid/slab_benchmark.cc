// Copyright Myrmidon authors.
#include <vector>

#include "benchmark/benchmark.h"
#include "libs/pid/slab.h"

namespace myr::pid {
namespace {

void BM_InsertRetire(benchmark::State& state) {
  Slab slab(Slab::Options{});
  static char obj;
  for (auto _ : state) {
    Pid p = *slab.Insert(&obj);
    slab.Retire(p);
  }
}
BENCHMARK(BM_InsertRetire)->Threads(1)->Threads(2);

void BM_AcquireRelease(benchmark::State& state) {
  static Slab* slab = new Slab(Slab::Options{});
  static char obj;
  static Pid pid = *slab->Insert(&obj);
  for (auto _ : state) {
    benchmark::DoNotOptimize(slab->Acquire(pid));
    slab->Release(pid);
  }
}
BENCHMARK(BM_AcquireRelease)->Threads(1)->Threads(2);

void BM_StaleAcquire(benchmark::State& state) {
  Slab slab(Slab::Options{});
  static char obj;
  Pid pid = *slab.Insert(&obj);
  slab.Retire(pid);
  for (auto _ : state) benchmark::DoNotOptimize(slab.Acquire(pid));
}
BENCHMARK(BM_StaleAcquire);

}  // namespace
}  // namespace myr::pid
