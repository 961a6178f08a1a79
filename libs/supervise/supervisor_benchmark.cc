// Copyright Myrmidon authors.
//
// supervisor_benchmark: restart latency of a supervised child on a threaded
// runtime with 2 workers, i.e. the time from a child's crash (taken in the
// crashing handler, just before it throws or exits) to its replacement
// handling its first message (a Hello it sends itself in OnStart). Each
// iteration crashes the current incarnation and waits for the next; the
// latencies are measured inside the actors (Runtime::NowNanos) and reported
// as p50/p99/p999/mean counters in microseconds.
//
// Also: the two ways an exit can reach a supervisor, measured alone (victim
// exits -> a receiving actor handles the notice): a Runtime::Watch callback
// that sends a message (what Supervisor uses) and a link whose exit signal
// a trapping receiver gets as ExitMsg.
//
//   bazel run --config=opt //libs/supervise:supervisor_benchmark
#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "benchmark/benchmark.h"
#include "libs/sched/runtime.h"
#include "libs/supervise/link.h"
#include "libs/supervise/supervisor.h"

namespace myr::supervise {
namespace {

// What the current incarnation publishes for the driving thread.
struct Shared {
  std::atomic<uint64_t> pid_bits{0};
  std::atomic<int64_t> crash_ns{0};
  std::atomic<int64_t> ready_ns{0};
  std::atomic<uint64_t> ready{0};
};

struct Boom {};
struct Hello {};

enum class CrashMode { kThrow, kExit };

class Target : public Actor<Target, Boom, Hello> {
 public:
  Target(Shared* s, CrashMode mode) : s_(s), mode_(mode) {}
  void OnStart() override { Send(self(), Hello{}); }
  void Handle(Hello&) {
    s_->pid_bits.store(self().bits(), std::memory_order_relaxed);
    s_->ready_ns.store(runtime().NowNanos(), std::memory_order_relaxed);
    s_->ready.fetch_add(1, std::memory_order_release);
  }
  void Handle(Boom&) {
    s_->crash_ns.store(runtime().NowNanos(), std::memory_order_relaxed);
    if (mode_ == CrashMode::kThrow) throw std::runtime_error("boom");
    Exit(ExitReason::Crash("boom"));
  }

 private:
  Shared* s_;
  CrashMode mode_;
};

class Sibling : public Actor<Sibling, Hello> {
 public:
  void Handle(Hello&) {}
};

RuntimeOptions TwoWorkers() {
  RuntimeOptions o;
  o.workers = 2;
  return o;
}

// Waits (yielding: the 2 workers may need the CPUs) until `counter` moves
// past `seen`; false after 10 s.
bool WaitPast(const std::atomic<uint64_t>& counter, uint64_t seen) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (uint32_t spins = 0; counter.load(std::memory_order_acquire) == seen; ++spins) {
    if ((spins & 1023) == 0 && std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

void Report(benchmark::State& state, std::vector<int64_t>& ns) {
  if (ns.empty()) return;
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) {
    size_t i = std::min(ns.size() - 1, static_cast<size_t>(q * static_cast<double>(ns.size())));
    return static_cast<double>(ns[i]) / 1000.0;
  };
  double sum = 0;
  for (int64_t v : ns) sum += static_cast<double>(v);
  state.counters["p50_us"] = at(0.50);
  state.counters["p99_us"] = at(0.99);
  state.counters["p999_us"] = at(0.999);
  state.counters["mean_us"] = sum / static_cast<double>(ns.size()) / 1000.0;
}

// `siblings` plain children on each side of the target.
void RestartLatency(benchmark::State& state, Strategy strategy, CrashMode mode, int siblings) {
  Runtime rt(TwoWorkers());
  Shared shared;
  SupervisorOptions options;
  options.strategy = strategy;
  options.max_restarts = INT_MAX;
  options.period = absl::Seconds(1);
  options.backoff = Backoff::None();
  std::vector<ChildSpec> specs;
  for (int i = 0; i < siblings; ++i) specs.push_back(ChildSpec::For<Sibling>("before" + std::to_string(i)));
  specs.push_back(ChildSpec::For<Target>("target", &shared, mode));
  for (int i = 0; i < siblings; ++i) specs.push_back(ChildSpec::For<Sibling>("after" + std::to_string(i)));
  absl::StatusOr<Supervisor> sup = StartSupervisor(rt, options, specs);
  if (!sup.ok() || !WaitPast(shared.ready, 0)) {
    state.SkipWithError("supervisor did not start");
    return;
  }
  std::vector<int64_t> latencies;
  latencies.reserve(static_cast<size_t>(state.max_iterations));
  for (auto _ : state) {
    const uint64_t seen = shared.ready.load(std::memory_order_acquire);
    rt.Send(Pid::FromBits(shared.pid_bits.load(std::memory_order_relaxed)), Boom{});
    if (!WaitPast(shared.ready, seen)) {
      state.SkipWithError("no restart within 10 s");
      break;
    }
    latencies.push_back(shared.ready_ns.load(std::memory_order_relaxed) -
                        shared.crash_ns.load(std::memory_order_relaxed));
  }
  Report(state, latencies);
  (void)sup->Stop();
}

void BM_RestartLatency_OneForOne_Throw(benchmark::State& state) {
  RestartLatency(state, Strategy::kOneForOne, CrashMode::kThrow, 0);
}
void BM_RestartLatency_OneForOne_Exit(benchmark::State& state) {
  RestartLatency(state, Strategy::kOneForOne, CrashMode::kExit, 0);
}
// The target between two siblings: terminate 2 (reverse order), start 3.
void BM_RestartLatency_OneForAll3_Throw(benchmark::State& state) {
  RestartLatency(state, Strategy::kOneForAll, CrashMode::kThrow, 1);
}
BENCHMARK(BM_RestartLatency_OneForOne_Throw)->Iterations(10000)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RestartLatency_OneForOne_Exit)->Iterations(10000)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_RestartLatency_OneForAll3_Throw)->Iterations(10000)->UseRealTime()->Unit(benchmark::kMicrosecond);

// --- exit notification alone: Watch callback + message vs link + ExitMsg -------

struct Die {};
struct Notice {};

struct NoticeShared {
  std::atomic<int64_t> exit_ns{0};
  std::atomic<int64_t> seen_ns{0};
  std::atomic<uint64_t> seen{0};
};

class Victim : public Actor<Victim, Die> {
 public:
  explicit Victim(NoticeShared* s) : s_(s) {}
  void Handle(Die&) {
    s_->exit_ns.store(runtime().NowNanos(), std::memory_order_relaxed);
    Exit(ExitReason::Crash("die"));
  }

 private:
  NoticeShared* s_;
};

class Receiver : public Actor<Receiver, Notice, ExitMsg> {
 public:
  explicit Receiver(NoticeShared* s) : s_(s) {}
  void OnStart() override { TrapExits(true); }
  void Handle(Notice&) { Seen(); }
  void Handle(ExitMsg&) { Seen(); }

 private:
  void Seen() {
    s_->seen_ns.store(runtime().NowNanos(), std::memory_order_relaxed);
    s_->seen.fetch_add(1, std::memory_order_release);
  }
  NoticeShared* s_;
};

void ExitNotice(benchmark::State& state, bool use_link) {
  Runtime rt(TwoWorkers());
  NoticeShared shared;
  Pid receiver = rt.Spawn<Receiver>(&shared)->pid();
  std::vector<int64_t> latencies;
  latencies.reserve(static_cast<size_t>(state.max_iterations));
  for (auto _ : state) {
    Pid victim = rt.Spawn<Victim>(&shared)->pid();
    if (use_link) {
      (void)Link(rt, receiver, victim);
    } else {
      Runtime* rtp = &rt;
      rt.Watch(victim, [rtp, receiver](Pid, const ExitReason&) { rtp->TrySend(receiver, Notice{}); });
    }
    const uint64_t seen = shared.seen.load(std::memory_order_acquire);
    rt.Send(victim, Die{});
    if (!WaitPast(shared.seen, seen)) {
      state.SkipWithError("no notice within 10 s");
      break;
    }
    latencies.push_back(shared.seen_ns.load(std::memory_order_relaxed) -
                        shared.exit_ns.load(std::memory_order_relaxed));
  }
  Report(state, latencies);
}

void BM_ExitNotice_WatchCallback(benchmark::State& state) { ExitNotice(state, false); }
void BM_ExitNotice_Link(benchmark::State& state) { ExitNotice(state, true); }
BENCHMARK(BM_ExitNotice_WatchCallback)->Iterations(10000)->UseRealTime()->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_ExitNotice_Link)->Iterations(10000)->UseRealTime()->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace myr::supervise
