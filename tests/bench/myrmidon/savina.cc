// Copyright Myrmidon authors.
//
// Savina-style workloads on Myrmidon. Usage: savina <workload> [--scale=F]
// Prints one line: RESULT workload=<w> runtime=myrmidon value=<v> unit=<u>
// Workloads: pingpong threadring counting fanin spawn idle_memory.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "libs/sched/runtime.h"

namespace {

using myr::Actor;
using myr::Pid;
using myr::Runtime;
using myr::SpawnOptions;
using myr::Task;
using Clock = std::chrono::steady_clock;

double g_scale = 1.0;
int g_workers = 0;  // 0: one per core

myr::RuntimeOptions Opts() {
  myr::RuntimeOptions o;
  o.workers = g_workers;
  return o;
}
int64_t Scaled(int64_t n) { return std::max<int64_t>(1, static_cast<int64_t>(n * g_scale)); }

// A one-shot latch the driver thread waits on.
struct Latch {
  std::atomic<uint32_t> done{0};
  void Open() {
    done.store(1, std::memory_order_release);
    done.notify_all();
  }
  void Wait() {
    while (done.load(std::memory_order_acquire) == 0) done.wait(0, std::memory_order_acquire);
  }
};

double Seconds(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

void Report(const char* workload, double value, const char* unit) {
  std::printf("RESULT workload=%s runtime=myrmidon value=%.6g unit=%s\n", workload, value, unit);
  std::fflush(stdout);
}

SpawnOptions Unbounded() { return SpawnOptions().WithMailbox(myr::MailboxOptions::Unbounded()); }

// --- pingpong -----------------------------------------------------------------
struct Ball {
  int64_t left;
};
struct SetPeer {
  Pid peer;
};

class Player : public Actor<Player, Ball, SetPeer> {
 public:
  explicit Player(Latch* done) : done_(done) {}
  void Handle(SetPeer& m) { peer_ = m.peer; }
  void Handle(Ball& b) {
    if (b.left == 0) {
      done_->Open();
      return;
    }
    Send(peer_, Ball{b.left - 1});
  }

 private:
  Latch* done_;
  Pid peer_;
};

void PingPong() {
  const int64_t trips = Scaled(1'000'000);
  Runtime rt(Opts());
  Latch done;
  auto a = *rt.SpawnWith<Player>(Unbounded(), &done);
  auto b = *rt.SpawnWith<Player>(Unbounded(), &done);
  rt.Send(a, SetPeer{b});
  rt.Send(b, SetPeer{a});
  auto t0 = Clock::now();
  rt.Send(a, Ball{2 * trips});  // each hop is one message
  done.Wait();
  auto t1 = Clock::now();
  Report("pingpong", 2.0 * trips / Seconds(t0, t1), "msgs/s");
}

// --- threadring ---------------------------------------------------------------
struct Token {
  int64_t left;
};
class RingNode : public Actor<RingNode, Token, SetPeer> {
 public:
  explicit RingNode(Latch* done) : done_(done) {}
  void Handle(SetPeer& m) { next_ = m.peer; }
  void Handle(Token& t) {
    if (t.left == 0) {
      done_->Open();
      return;
    }
    Send(next_, Token{t.left - 1});
  }

 private:
  Latch* done_;
  Pid next_;
};

void ThreadRing() {
  const int nodes = 503;
  const int64_t hops = Scaled(10'000'000);
  Runtime rt(Opts());
  Latch done;
  std::vector<Pid> ring;
  for (int i = 0; i < nodes; ++i) ring.push_back(*rt.SpawnWith<RingNode>(Unbounded(), &done));
  for (int i = 0; i < nodes; ++i) rt.Send(ring[i], SetPeer{ring[(i + 1) % nodes]});
  // Let the set-up messages settle before timing.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  auto t0 = Clock::now();
  rt.Send(ring[0], Token{hops});
  done.Wait();
  auto t1 = Clock::now();
  Report("threadring", hops / Seconds(t0, t1), "hops/s");
}

// --- counting -----------------------------------------------------------------
struct Increment {};
struct Total {
  using Reply = int64_t;
};
class CountActor : public Actor<CountActor, Increment, Total> {
 public:
  void Handle(Increment&) { ++n_; }
  int64_t Handle(Total&) { return n_; }

 private:
  int64_t n_ = 0;
};

struct Go {
  int64_t n;
};
class Producer : public Actor<Producer, Go> {
 public:
  Producer(CountActor::Interface counter, Latch* done, bool* ok)
      : counter_(counter), done_(done), ok_(ok) {}
  Task<void> Handle(Go& g) {
    int64_t n = g.n;
    for (int64_t i = 0; i < n; ++i) Send(counter_, Increment{});
    absl::StatusOr<int64_t> total = co_await Call(counter_, Total{}, absl::Seconds(60));
    *ok_ = total.ok() && *total == n;
    if (!*ok_) {
      std::fprintf(stderr, "counting: expected %lld, got %s\n", static_cast<long long>(n),
                   total.ok() ? std::to_string(*total).c_str() : total.status().ToString().c_str());
    }
    done_->Open();
  }

 private:
  CountActor::Interface counter_;
  Latch* done_;
  bool* ok_;
};

bool Counting() {
  const int64_t n = Scaled(10'000'000);
  Runtime rt(Opts());
  Latch done;
  bool ok = false;
  auto counter = *rt.SpawnWith<CountActor>(Unbounded());
  auto producer = *rt.SpawnWith<Producer>(Unbounded(), counter, &done, &ok);
  auto t0 = Clock::now();
  rt.Send(producer, Go{n});
  done.Wait();
  auto t1 = Clock::now();
  if (!ok) return false;
  Report("counting", n / Seconds(t0, t1), "msgs/s");
  return true;
}

// --- fanin --------------------------------------------------------------------
struct Item {
  int64_t v;
};
class Sink : public Actor<Sink, Item> {
 public:
  Sink(int64_t expect, Latch* done) : left_(expect), done_(done) {}
  void Handle(Item&) {
    if (--left_ == 0) done_->Open();
  }

 private:
  int64_t left_;
  Latch* done_;
};
class Source : public Actor<Source, Go> {
 public:
  explicit Source(Sink::Interface sink) : sink_(sink) {}
  void Handle(Go& g) {
    for (int64_t i = 0; i < g.n; ++i) Send(sink_, Item{i});
  }

 private:
  Sink::Interface sink_;
};

void FanIn() {
  const int64_t each = Scaled(5'000'000);
  Runtime rt(Opts());
  Latch done;
  auto sink = *rt.SpawnWith<Sink>(Unbounded(), 2 * each, &done);
  auto p1 = *rt.SpawnWith<Source>(Unbounded(), sink);
  auto p2 = *rt.SpawnWith<Source>(Unbounded(), sink);
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  auto t0 = Clock::now();
  rt.Send(p1, Go{each});
  rt.Send(p2, Go{each});
  done.Wait();
  auto t1 = Clock::now();
  Report("fanin", 2.0 * each / Seconds(t0, t1), "msgs/s");
}

// --- spawn --------------------------------------------------------------------
struct Hello {};
class Child : public Actor<Child, Hello> {
 public:
  explicit Child(std::atomic<int64_t>* left) : left_(left) {}
  void Handle(Hello&) {
    left_->fetch_sub(1, std::memory_order_relaxed);
    Exit(myr::ExitReason::Normal());
  }

 private:
  std::atomic<int64_t>* left_;
};
class Spawner : public Actor<Spawner, Go> {
 public:
  explicit Spawner(std::atomic<int64_t>* left) : left_(left) {}
  void Handle(Go& g) {
    for (int64_t i = 0; i < g.n; ++i) {
      auto child = runtime().Spawn<Child>(left_);
      if (!child.ok()) {
        std::fprintf(stderr, "spawn failed: %s\n", child.status().ToString().c_str());
        std::exit(1);
      }
      Send(*child, Hello{});
    }
  }

 private:
  std::atomic<int64_t>* left_;
};

void SpawnBench() {
  const int64_t n = Scaled(1'000'000);
  Runtime rt(Opts());
  std::atomic<int64_t> left{n};
  auto spawner = *rt.SpawnWith<Spawner>(Unbounded(), &left);
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const uint64_t base_live = rt.stats().live_actors;
  auto t0 = Clock::now();
  rt.Send(spawner, Go{n});
  // Done when every child handled its message and exited.
  // Poll with short sleeps: spinning here would take a core from the workers.
  while (left.load(std::memory_order_relaxed) > 0 || rt.stats().live_actors > base_live) {
    std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  auto t1 = Clock::now();
  Report("spawn", Seconds(t0, t1) * 1e9 / n, "ns/actor");
}

// --- idle_memory --------------------------------------------------------------
size_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t pages_total = 0, pages_rss = 0;
  statm >> pages_total >> pages_rss;
  return pages_rss * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

struct Never {};
class Idle : public Actor<Idle, Never> {
 public:
  explicit Idle(std::atomic<int64_t>* started) : started_(started) {}
  void OnStart() override { started_->fetch_add(1, std::memory_order_relaxed); }
  void Handle(Never&) {}

 private:
  std::atomic<int64_t>* started_;
};

void IdleMemory() {
  const int64_t n = Scaled(1'000'000);
  Runtime rt(Opts());
  std::atomic<int64_t> started{0};
  std::vector<Pid> pids;
  pids.reserve(n);
  // Warm up allocator and runtime structures, then measure.
  {
    std::vector<Pid> warm;
    for (int i = 0; i < 1000; ++i) warm.push_back(*rt.Spawn<Idle>(&started));
    while (started.load() < 1000) std::this_thread::sleep_for(std::chrono::microseconds(100));
    for (Pid p : warm) rt.Kill(p);
    while (rt.stats().live_actors > 0) std::this_thread::sleep_for(std::chrono::microseconds(100));
    started = 0;
  }
  const size_t before = RssBytes();
  for (int64_t i = 0; i < n; ++i) pids.push_back(*rt.Spawn<Idle>(&started));
  while (started.load() < n) std::this_thread::sleep_for(std::chrono::microseconds(100));
  const size_t after = RssBytes();
  // The pid vector itself is the driver's, not the actors': subtract it.
  const double per = (static_cast<double>(after) - before - n * sizeof(Pid)) / n;
  Report("idle_memory", per, "bytes/actor");
  for (Pid p : pids) rt.Kill(p);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s <pingpong|threadring|counting|fanin|spawn|idle_memory> [--scale=F]\n", argv[0]);
    return 2;
  }
  for (int i = 2; i < argc; ++i) {
    if (std::strncmp(argv[i], "--scale=", 8) == 0) g_scale = std::atof(argv[i] + 8);
    if (std::strncmp(argv[i], "--workers=", 10) == 0) g_workers = std::atoi(argv[i] + 10);
  }
  std::string w = argv[1];
  if (w == "pingpong") PingPong();
  else if (w == "threadring") ThreadRing();
  else if (w == "counting") return Counting() ? 0 : 1;
  else if (w == "fanin") FanIn();
  else if (w == "spawn") SpawnBench();
  else if (w == "idle_memory") IdleMemory();
  else {
    std::fprintf(stderr, "unknown workload %s\n", w.c_str());
    return 2;
  }
  return 0;
}
