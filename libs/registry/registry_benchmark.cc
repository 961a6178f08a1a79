// Copyright Myrmidon authors.
//
// Registry lookups per second, alone and under concurrent register/unregister.
#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "libs/registry/registry.h"

namespace myr::registry {
namespace {

constexpr int kNames = 1024;

std::vector<std::string> Names(absl::string_view prefix) {
  std::vector<std::string> names;
  for (int i = 0; i < kNames; ++i) names.push_back(absl::StrCat(prefix, i));
  return names;
}

void Fill(Registry& r, const std::vector<std::string>& names) {
  for (int i = 0; i < kNames; ++i) (void)r.Register(names[i], Pid::Make(1, i, 1));
}

// Repeatedly registers and unregisters its own names until stopped.
class Churn {
 public:
  explicit Churn(Registry& r) : names_(Names("churn-")) {
    thread_ = std::thread([this, &r] {
      uint64_t i = 0;
      while (!stop_.load(std::memory_order_relaxed)) {
        const std::string& name = names_[i % kNames];
        (void)r.Register(name, Pid::Make(2, i % kNames, 1));
        r.Unregister(name);
        ++i;
      }
      writes_ = i * 2;
    });
  }
  uint64_t Stop() {
    stop_ = true;
    thread_.join();
    return writes_;
  }

 private:
  std::vector<std::string> names_;
  std::atomic<bool> stop_{false};
  uint64_t writes_ = 0;
  std::thread thread_;
};

// WhereIs of present names, one thread, no writers.
void BM_WhereIs(benchmark::State& state) {
  Registry r;
  const auto names = Names("name-");
  Fill(r, names);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(r.WhereIs(names[i++ % kNames]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WhereIs);

// WhereIs from 1 or 2 threads while one more thread registers and
// unregisters names in the same table. Items/s is lookups per second (summed
// over lookup threads); "writes/s" is the churn thread's rate.
void BM_WhereIsUnderChurn(benchmark::State& state) {
  static Registry* r = nullptr;
  static std::vector<std::string>* names = nullptr;
  static Churn* churn = nullptr;
  if (state.thread_index() == 0) {
    r = new Registry;
    names = new std::vector<std::string>(Names("name-"));
    Fill(*r, *names);
    churn = new Churn(*r);
  }
  size_t i = state.thread_index() * 7919;
  for (auto _ : state) {
    benchmark::DoNotOptimize(r->WhereIs((*names)[i++ % kNames]));
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    const uint64_t writes = churn->Stop();
    state.counters["writes/s"] = benchmark::Counter(static_cast<double>(writes),
                                                    benchmark::Counter::kIsRate);
    delete churn;
    delete names;
    delete r;
  }
}
BENCHMARK(BM_WhereIsUnderChurn)->Threads(1)->Threads(2)->UseRealTime();

// Exact-match path Lookup, one thread, no writers.
void BM_Lookup(benchmark::State& state) {
  Registry r;
  std::vector<std::string> paths;
  for (int i = 0; i < kNames; ++i) {
    paths.push_back(absl::StrCat("/svc/", i % 16, "/worker/", i));
    (void)r.RegisterPath(paths.back(), Pid::Make(1, i, 1));
  }
  size_t i = 0;
  for (auto _ : state) benchmark::DoNotOptimize(r.Lookup(paths[i++ % kNames]));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Lookup);

// Register + Unregister of one name (the write path), single-threaded.
void BM_RegisterUnregister(benchmark::State& state) {
  Registry r;
  const auto names = Names("name-");
  size_t i = 0;
  for (auto _ : state) {
    const std::string& n = names[i++ % kNames];
    (void)r.Register(n, Pid::Make(1, 1, 1));
    r.Unregister(n);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RegisterUnregister);

}  // namespace
}  // namespace myr::registry
