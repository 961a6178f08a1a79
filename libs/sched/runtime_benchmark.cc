// Copyright Myrmidon authors.
//
// Micro-benchmarks of the runtime's primitives. The Savina-style workloads,
// measured against CAF and Erlang, are in tests/bench.
#include <atomic>

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
