// Copyright Myrmidon authors.
//
// Micro-benchmarks of the runtime's primitives. The Savina-style workloads,
// measured against CAF and Erlang, are in tests/bench.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "benchmark/benchmark.h"
#include "libs/sched/runtime.h"

namespace myr {
namespace {

struct Latch {
  std::atomic<uint32_t> v{0};
  void Open() {
    v.store(1, std::memory_order_release);
    v.notify_all();
  }
  void Wait() {
    while (v.load(std::memory_order_acquire) == 0) v.wait(0, std::memory_order_acquire);
    v.store(0, std::memory_order_relaxed);
  }
};

struct Ball {
  int64_t left;
};
struct Peer {
  Pid pid;
};

class Player : public Actor<Player, Ball, Peer> {
 public:
  explicit Player(Latch* done) : done_(done) {}
  void Handle(Peer& p) { peer_ = p.pid; }
  void Handle(Ball& b) {
    if (b.left == 0) {
      done_->Open();
    } else {
      Send(peer_, Ball{b.left - 1});
    }
  }

 private:
  Latch* done_;
  Pid peer_;
};

// One message hop between two actors (request/reply on one core).
void BM_PingPongHop(benchmark::State& state) {
  Runtime rt;
  Latch done;
  auto a = *rt.Spawn<Player>(&done);
  auto b = *rt.Spawn<Player>(&done);
  rt.Send(a, Peer{b});
  rt.Send(b, Peer{a});
  constexpr int64_t kHops = 10'000;
  for (auto _ : state) {
    rt.Send(a, Ball{kHops});
    done.Wait();
  }
  state.SetItemsProcessed(state.iterations() * (kHops + 1));
}
BENCHMARK(BM_PingPongHop)->UseRealTime();

struct Hello {};
class Ephemeral : public Actor<Ephemeral, Hello> {
 public:
  explicit Ephemeral(std::atomic<int64_t>* left) : left_(left) {}
  void Handle(Hello&) {
    left_->fetch_sub(1, std::memory_order_relaxed);
    Exit(ExitReason::Normal());
  }

 private:
  std::atomic<int64_t>* left_;
};
struct Burst {
  int64_t n;
};
class Spawner : public Actor<Spawner, Burst> {
 public:
  explicit Spawner(std::atomic<int64_t>* left) : left_(left) {}
  void Handle(Burst& b) {
    for (int64_t i = 0; i < b.n; ++i) Send(*runtime().Spawn<Ephemeral>(left_), Hello{});
  }

 private:
  std::atomic<int64_t>* left_;
};

// Spawn an actor, send it one message, let it exit.
void BM_SpawnHandleExit(benchmark::State& state) {
  Runtime rt;
  std::atomic<int64_t> left{0};
  auto spawner = *rt.SpawnWith<Spawner>(SpawnOptions().WithMailbox(MailboxOptions::Unbounded()), &left);
  const int64_t n = 10'000;
  const uint64_t base = 1;
  for (auto _ : state) {
    left = n;
    rt.Send(spawner, Burst{n});
    while (left.load(std::memory_order_relaxed) > 0 || rt.stats().live_actors > base) {
    }
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_SpawnHandleExit)->UseRealTime();

struct Get {
  using Reply = int64_t;
};
class Answer : public Actor<Answer, Get> {
 public:
  int64_t Handle(Get&) { return 42; }
};

// A blocking call from a plain thread (includes waking that thread).
void BM_ExternalCall(benchmark::State& state) {
  Runtime rt;
  auto answer = *rt.Spawn<Answer>();
  for (auto _ : state) {
    absl::StatusOr<int64_t> v = rt.Call(answer, Get{}, absl::Seconds(5));
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BM_ExternalCall)->UseRealTime();

struct Run {
  int64_t calls;
};
class Caller : public Actor<Caller, Run> {
 public:
  Caller(Answer::Interface answer, Latch* done) : answer_(answer), done_(done) {}
  Task<void> Handle(Run& r) {
    int64_t n = r.calls;
    for (int64_t i = 0; i < n; ++i) {
      absl::StatusOr<int64_t> v = co_await Call(answer_, Get{}, absl::Seconds(5));
      if (!v.ok()) break;
    }
    done_->Open();
  }

 private:
  Answer::Interface answer_;
  Latch* done_;
};

// An actor-to-actor call (co_await, reply on the system channel).
void BM_ActorCall(benchmark::State& state) {
  Runtime rt;
  Latch done;
  auto answer = *rt.Spawn<Answer>();
  auto caller = *rt.Spawn<Caller>(answer, &done);
  constexpr int64_t kCalls = 1'000;
  for (auto _ : state) {
    rt.Send(caller, Run{kCalls});
    done.Wait();
  }
  state.SetItemsProcessed(state.iterations() * kCalls);
}
BENCHMARK(BM_ActorCall)->UseRealTime();

}  // namespace
}  // namespace myr

namespace myr {
namespace {

// Arm + cancel of one timer on the runtime's clock with `pending` other
// timers armed an hour out (what a call with a timeout costs, on top of the
// call). Uses only ArmCallback/CancelTimer, so it compares across versions.
void BM_TimerArmCancel(benchmark::State& state) {
  Runtime rt;
  const int64_t pending = state.range(0);
  std::vector<uint64_t> far;
  far.reserve(pending);
  const int64_t hour = DeadlineAfter(rt.NowNanos(), absl::Hours(1));
  for (int64_t i = 0; i < pending; ++i) far.push_back(rt.ArmCallback(hour + i, [] {}));
  for (auto _ : state) {
    uint64_t id = rt.ArmCallback(DeadlineAfter(rt.NowNanos(), absl::Seconds(5)), [] {});
    benchmark::DoNotOptimize(rt.CancelTimer(id));
  }
  state.SetItemsProcessed(state.iterations());
  for (uint64_t id : far) rt.CancelTimer(id);
}
BENCHMARK(BM_TimerArmCancel)->Arg(0)->Arg(100'000)->Arg(1'000'000)->UseRealTime();

// How late timers fire: 20,000 timers spread over 200 ms on an idle
// runtime; reports the p50 / p99 / max lateness in microseconds.
void BM_TimerLateness(benchmark::State& state) {
  Runtime rt;
  constexpr int kTimers = 20'000;
  std::vector<int64_t> late(kTimers, -1);
  for (auto _ : state) {
    std::atomic<int> fired{0};
    const int64_t start = rt.NowNanos() + 1'000'000;
    for (int i = 0; i < kTimers; ++i) {
      const int64_t deadline = start + static_cast<int64_t>(i) * 10'000;  // every 10 us
      rt.ArmCallback(deadline, [&rt, &late, &fired, i, deadline] {
        late[i] = rt.NowNanos() - deadline;
        fired.fetch_add(1, std::memory_order_release);
      });
    }
    while (fired.load(std::memory_order_acquire) < kTimers) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  std::vector<int64_t> sorted = late;
  std::sort(sorted.begin(), sorted.end());
  state.counters["p50_us"] = sorted[kTimers / 2] / 1000.0;
  state.counters["p99_us"] = sorted[kTimers * 99 / 100] / 1000.0;
  state.counters["max_us"] = sorted.back() / 1000.0;
}
BENCHMARK(BM_TimerLateness)->Iterations(3)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace myr
