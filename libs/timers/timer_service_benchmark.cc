// Copyright Myrmidon authors.
//
// The figures for TimerService (through its API, on a real Runtime):
//
//   BM_MemoryPerPendingTimer         bytes of heap per pending timer
//                                    (1,000,000 armed through the API).
//   BM_ServiceArmCancelWithPending   SendAfter + Cancel pairs per second with
//                                    0 or 1,000,000 timers pending (spread
//                                    over an hour, 1,000 owners), from 1 or
//                                    2 threads, with 1 or 16 shards (locks).
//   BM_ServiceArmAndFire             arm a batch over 64 ms and fire it on
//                                    virtual time (deterministic runtime),
//                                    exact (slack 0) or with 1 ms slack: the
//                                    cost of a timer end to end, handler
//                                    included.
//   BM_FiringLatenessUnderLoad       10,000 timers with deadlines spread over
//                                    1 s, while busy actors (ping-pong pairs)
//                                    saturate every worker: lateness = when
//                                    the target handles the message minus
//                                    the deadline; p50 / p99 / max. Mode 1
//                                    measures the floor: raw
//                                    Runtime::ArmCallback (when the timer
//                                    thread runs the callback), same load.
//
//   bazel run --config=opt //libs/timers:timer_service_benchmark
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <malloc.h>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "benchmark/benchmark.h"
#include "libs/pid/pid.h"
#include "libs/sched/runtime.h"
#include "libs/timers/timer_service.h"

namespace myr::timers {
namespace {

constexpr int64_t kMs = 1'000'000;

struct Note {
  int64_t deadline_ns;
};

class Idle : public Actor<Idle, Note> {
 public:
  void Handle(Note&) {}
};

// Heap bytes in use (glibc: small chunks + mmapped ones).
int64_t HeapInUse() {
  struct mallinfo2 mi = mallinfo2();
  return static_cast<int64_t>(mi.uordblks + mi.hblkhd);
}

// Arms 1,000,000 one-shots (1,000 owners, deadlines over an hour) into a
// fresh service and reports the heap it takes per timer: the service's slot
// and the wheel's entry (in growing chunks / vectors: capacity slack
// included), owners' records, the staging heap. Message envelopes come from
// the runtime's small-object pool, which keeps freed memory: a first round
// fills the pool so that the measured round counts the service's own memory
// only, reported apart (service_bytes_per_timer) from the envelope's size
// class (envelope_bytes).
void BM_MemoryPerPendingTimer(benchmark::State& state) {
  constexpr int kTimers = 1'000'000;
  for (auto _ : state) {
    Runtime rt(RuntimeOptions::Deterministic(1));
    std::vector<Pid> owners;
    for (int i = 0; i < 1000; ++i) owners.push_back(rt.Spawn<Idle>()->pid());
    Pid target = rt.Spawn<Idle>()->pid();
    rt.RunUntilIdle();
    auto fill = [&](TimerService& timers) {
      std::mt19937_64 rng(1);
      for (int i = 0; i < kTimers; ++i) {
        (void)timers.SendAfter(
            owners[i % 1000], target,
            absl::Nanoseconds(static_cast<int64_t>(rng() % (3600 * 1000 * kMs))), Note{0});
      }
    };
    {
      TimerService warm(rt);  // leaves 1,000,000 free envelopes in the pool
      fill(warm);
    }
    int64_t before = HeapInUse();
    TimerService timers(rt);
    fill(timers);
    const double service = static_cast<double>(HeapInUse() - before) / kTimers;
    // The pool's size class for the envelope (16-byte granules).
    const size_t envelope = (sizeof(Envelope<Note>) + 15) / 16 * 16;
    state.counters["service_bytes_per_timer"] = service;
    state.counters["envelope_bytes"] = static_cast<double>(envelope);
    state.counters["total_bytes_per_timer"] = service + static_cast<double>(envelope);
    state.counters["pending"] = static_cast<double>(timers.pending());
  }
}
BENCHMARK(BM_MemoryPerPendingTimer)->Iterations(1)->Unit(benchmark::kMillisecond);

// Shared by the threads of one BM_ServiceArmCancelWithPending run.
struct ArmCancelFixture {
  std::unique_ptr<Runtime> rt;
  std::unique_ptr<TimerService> timers;
  std::vector<Pid> owners;
  Pid target;
};
ArmCancelFixture* g_fixture = nullptr;

// Arm one timer (random delay within a minute) and cancel it, with
// state.range(0) others pending, in a service of state.range(1) shards; each
// thread arms for random owners. Items: arm+cancel pairs (all threads).
void BM_ServiceArmCancelWithPending(benchmark::State& state) {
  const int64_t pending = state.range(0);
  if (state.thread_index() == 0) {
    g_fixture = new ArmCancelFixture;
    RuntimeOptions o;
    o.workers = 1;
    g_fixture->rt = std::make_unique<Runtime>(o);
    g_fixture->timers = std::make_unique<TimerService>(
        *g_fixture->rt, TimerService::Options{.reserve = static_cast<size_t>(pending) + 4096,
                                              .shards = static_cast<uint32_t>(state.range(1))});
    for (int i = 0; i < 1000; ++i) g_fixture->owners.push_back(g_fixture->rt->Spawn<Idle>()->pid());
    g_fixture->target = g_fixture->rt->Spawn<Idle>()->pid();
    std::mt19937_64 rng(1);
    for (int64_t i = 0; i < pending; ++i) {
      auto r = g_fixture->timers->SendAfter(
          g_fixture->owners[i % 1000], g_fixture->target,
          absl::Nanoseconds(60 * 1000 * kMs + static_cast<int64_t>(rng() % (3600 * 1000 * kMs))),
          Note{0});
      if (!r.ok()) state.SkipWithError("arm failed");
    }
  }
  std::mt19937_64 rng(7 + state.thread_index());
  std::vector<absl::Duration> delays(4096);
  for (auto& d : delays) d = absl::Nanoseconds(static_cast<int64_t>(rng() % (60 * 1000 * kMs)));
  std::vector<uint32_t> picks(4096);
  for (auto& p : picks) p = static_cast<uint32_t>(rng() % 1000);
  std::vector<Pid> owners;  // this thread's copy (read-only)
  size_t i = 0;
  for (auto _ : state) {
    if (owners.empty()) owners = g_fixture->owners;
    auto r = g_fixture->timers->SendAfter(owners[picks[(i * 7) & 4095]], g_fixture->target,
                                          delays[i & 4095], Note{0});
    benchmark::DoNotOptimize(g_fixture->timers->Cancel(*r));
    ++i;
  }
  state.SetItemsProcessed(state.iterations());
  if (state.thread_index() == 0) {
    state.counters["pending"] = static_cast<double>(g_fixture->timers->pending());
    g_fixture->timers.reset();
    g_fixture->rt.reset();
    delete g_fixture;
    g_fixture = nullptr;
  }
}
// Args: pending, shards.
BENCHMARK(BM_ServiceArmCancelWithPending)
    ->Args({0, 1})
    ->Args({1'000'000, 1})
    ->Args({1'000'000, 16})
    ->Threads(1)
    ->Threads(2)
    ->UseRealTime()
    ->Unit(benchmark::kNanosecond);

// Arm state.range(0) timers over the next 64 ms (virtual), then AdvanceTime
// 64 ms: each fires, is sent and handled; slack state.range(1) us. Items:
// timers.
void BM_ServiceArmAndFire(benchmark::State& state) {
  Runtime rt(RuntimeOptions::Deterministic(1));
  TimerService timers(rt, {.slack_ns = state.range(1) * 1000});
  Pid owner = rt.Spawn<Idle>()->pid();
  Pid target = rt.SpawnWith<Idle>(SpawnOptions().WithMailbox(MailboxOptions::Unbounded()))->pid();
  rt.RunUntilIdle();
  std::mt19937_64 rng(2);
  const int batch = static_cast<int>(state.range(0));
  for (auto _ : state) {
    for (int i = 0; i < batch; ++i) {
      (void)timers.SendAfter(owner, target,
                             absl::Nanoseconds(static_cast<int64_t>(rng() % (64 * kMs))), Note{0});
    }
    rt.AdvanceTime(absl::Milliseconds(64));
  }
  state.SetItemsProcessed(state.iterations() * batch);
  state.counters["fired"] = static_cast<double>(timers.stats().fired);
}
// Args: batch, slack in microseconds.
BENCHMARK(BM_ServiceArmAndFire)->Args({1024, 0})->Args({65536, 0})->Args({65536, 1000});

// --- lateness under load ------------------------------------------------------

struct Ball {
  int64_t left;
};
struct Peer {
  Pid pid;
};
// Bounces a ball with its peer until told to stop (keeps a worker busy).
class Player : public Actor<Player, Ball, Peer> {
 public:
  void Handle(Peer& p) { peer_ = p.pid; }
  void Handle(Ball& b) {
    if (b.left > 0) Send(peer_, Ball{b.left - 1});
  }

 private:
  Pid peer_;
};

struct Lateness {
  std::mutex mu;
  std::vector<int64_t> ns;  // guarded by mu
  std::atomic<int64_t> count{0};
  void Add(int64_t late) {
    {
      std::lock_guard<std::mutex> lock(mu);
      ns.push_back(late);
    }
    count.fetch_add(1, std::memory_order_release);
  }
};
class LateSink : public Actor<LateSink, Note> {
 public:
  explicit LateSink(Lateness* l) : l_(l) {}
  void Handle(Note& n) { l_->Add(runtime().NowNanos() - n.deadline_ns); }

 private:
  Lateness* l_;
};

// Args: ping-pong pairs (each keeps one actor runnable at all times; 0 = an
// idle runtime), mode (0: TimerService::SendAfter to actors, lateness when
// the target handles it; 1: raw Runtime::ArmCallback, lateness when the
// timer thread runs the callback). 10,000 timers over 1 s.
void BM_FiringLatenessUnderLoad(benchmark::State& state) {
  const int pairs = static_cast<int>(state.range(0));
  const bool raw = state.range(1) == 1;
  constexpr int kTimers = 10'000;
  for (auto _ : state) {
    Runtime rt;  // one worker per core
    TimerService timers(rt);
    Lateness late;
    std::vector<Pid> players;
    for (int p = 0; p < pairs; ++p) {
      Pid a = rt.Spawn<Player>()->pid();
      Pid b = rt.Spawn<Player>()->pid();
      rt.Send(a, Peer{b});
      rt.Send(b, Peer{a});
      rt.Send(a, Ball{INT64_MAX});
      players.push_back(a);
      players.push_back(b);
    }
    std::vector<Pid> owners, sinks;
    for (int i = 0; i < 4; ++i) {
      owners.push_back(rt.Spawn<Idle>()->pid());
      sinks.push_back(
          rt.SpawnWith<LateSink>(SpawnOptions().WithMailbox(MailboxOptions::Unbounded()), &late)
              ->pid());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the load build up
    std::mt19937_64 rng(3);
    const int64_t start = rt.NowNanos() + 10 * kMs;
    for (int i = 0; i < kTimers; ++i) {
      int64_t deadline = start + static_cast<int64_t>(rng() % (1000 * kMs));
      if (raw) {
        rt.ArmCallback(deadline, [&rt, &late, deadline] { late.Add(rt.NowNanos() - deadline); });
      } else {
        // The service's deadline is its own NowNanos() (>= now) + delay, so
        // the `deadline` carried is a lower bound: lateness is never
        // under-reported.
        int64_t now = rt.NowNanos();
        (void)timers.SendAfter(owners[i % 4], sinks[i % 4], absl::Nanoseconds(deadline - now),
                               Note{deadline});
      }
    }
    auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (late.count.load(std::memory_order_acquire) < kTimers &&
           std::chrono::steady_clock::now() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    for (Pid p : players) rt.Kill(p);
    std::vector<int64_t> ns;
    {
      std::lock_guard<std::mutex> lock(late.mu);
      ns = late.ns;
    }
    if (ns.size() < kTimers) {
      state.SkipWithError("not every timer arrived within 30 s");
      break;
    }
    std::sort(ns.begin(), ns.end());
    auto pct = [&](double p) {
      return static_cast<double>(ns[std::min(ns.size() - 1, static_cast<size_t>(p * ns.size()))]) /
             1000.0;
    };
    state.counters["p50_us"] = pct(0.50);
    state.counters["p90_us"] = pct(0.90);
    state.counters["p99_us"] = pct(0.99);
    state.counters["max_us"] = static_cast<double>(ns.back()) / 1000.0;
    state.counters["early"] = static_cast<double>(
        std::count_if(ns.begin(), ns.end(), [](int64_t v) { return v < 0; }));
    state.counters["workers"] = rt.workers();
  }
}
BENCHMARK(BM_FiringLatenessUnderLoad)
    ->Args({0, 0})
    ->Args({8, 0})
    ->Args({0, 1})
    ->Args({8, 1})
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace myr::timers
