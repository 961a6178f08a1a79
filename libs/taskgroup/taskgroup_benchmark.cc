// Copyright Myrmidon authors.
//
// Spawn + join of N tasks (each task is an actor: spawn, one turn, exit,
// exit watch), on a threaded runtime and on a deterministic one, and the
// cost of a first-success group that cancels N - 1 sleeping tasks.
#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "libs/sched/runtime.h"
#include "libs/taskgroup/joiner.h"
#include "libs/taskgroup/task_context.h"
#include "libs/taskgroup/task_group.h"

namespace myr::taskgroup {
namespace {

Task<absl::StatusOr<int>> Trivial(TaskContext& ctx) { co_return static_cast<int>(ctx.index()); }

void SpawnJoin(benchmark::State& state, Runtime& rt) {
  const int n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    TaskGroup group(rt, AllCompleted<int>());
    for (int i = 0; i < n; ++i) {
      if (!group.Spawn(&Trivial).ok()) state.SkipWithError("spawn failed");
    }
    absl::StatusOr<std::vector<int>> r = group.Join();
    if (!r.ok() || static_cast<int>(r->size()) != n) state.SkipWithError("join failed");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * n);
}

// Spawn N trivial tasks and join them, on a threaded runtime (one worker per
// core): the plain thread spawns and blocks in Join.
void BM_SpawnJoinThreaded(benchmark::State& state) {
  Runtime rt;
  SpawnJoin(state, rt);
}
BENCHMARK(BM_SpawnJoinThreaded)->Arg(1)->Arg(10)->Arg(100)->Arg(1000)->UseRealTime();

// The same on a deterministic runtime (one thread; Join drives it): the
// library's own cost without cross-thread wake-ups.
void BM_SpawnJoinDeterministic(benchmark::State& state) {
  Runtime rt(RuntimeOptions::Deterministic(1));
  SpawnJoin(state, rt);
}
BENCHMARK(BM_SpawnJoinDeterministic)->Arg(1)->Arg(10)->Arg(100)->Arg(1000);

// FirstSuccess over N tasks where N - 1 sleep an hour and the last one
// spawned wins at once: the decision, N - 1 cancellation notices, wake-ups
// and exits. (The winner comes last: once the group has decided, Spawn
// starts nothing.)
void BM_FirstSuccessCancelsTheRest(benchmark::State& state) {
  Runtime rt;
  const int n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    TaskGroup group(rt, FirstSuccess<int>());
    for (int i = 0; i < n; ++i) {
      absl::StatusOr<TaskHandle> h = group.Spawn([n](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
        if (static_cast<int>(ctx.index()) == n - 1) co_return 0;
        absl::Status s = co_await ctx.Sleep(absl::Hours(1));
        if (!s.ok()) co_return s;
        co_return 1;
      });
      if (!h.ok()) state.SkipWithError("spawn failed");
    }
    absl::StatusOr<int> r = group.Join();
    if (!r.ok() || *r != 0) state.SkipWithError("join failed");
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_FirstSuccessCancelsTheRest)->Arg(10)->Arg(100)->Arg(1000)->UseRealTime();

}  // namespace
}  // namespace myr::taskgroup
