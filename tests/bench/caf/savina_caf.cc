// Savina-style peer benchmarks for CAF 0.17.6.
//
// The same six workloads exist for Myrmidon (tests/bench/myrmidon) and
// Erlang/OTP (tests/bench/erlang/savina.erl); tests/bench/README.md describes
// the algorithms, and tests/bench/run_peers.py runs all three side by side.
//
// Usage:
//   savina_caf <workload> [--scale=F] [--policy=stealing|sharing]
//              [--threads=N] [--throughput=N] [--lazy=0|1]
//
// --policy, --threads and --throughput set CAF's scheduler.policy,
// scheduler.max-threads and scheduler.max-throughput (defaults: CAF's own,
// i.e. work stealing, max(4, cores) threads, unbounded throughput). --lazy
// spawns the actors of `spawn` / `idle_memory` with caf::lazy_init (defaults:
// on for spawn, off for idle_memory).
//
// Prints exactly one line to stdout:
//   RESULT workload=<name> runtime=caf value=<number> unit=<unit>
// Everything else goes to stderr. Exits non-zero when a check fails.

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "caf/all.hpp"

namespace {

using start_atom = caf::atom_constant<caf::atom("sv_start")>;
using done_atom = caf::atom_constant<caf::atom("sv_done")>;
using ping_atom = caf::atom_constant<caf::atom("sv_ping")>;
using pong_atom = caf::atom_constant<caf::atom("sv_pong")>;
using next_atom = caf::atom_constant<caf::atom("sv_next")>;
using incr_atom = caf::atom_constant<caf::atom("sv_incr")>;
using total_atom = caf::atom_constant<caf::atom("sv_total")>;
using msg_atom = caf::atom_constant<caf::atom("sv_msg")>;
using go_atom = caf::atom_constant<caf::atom("sv_go")>;
using stop_atom = caf::atom_constant<caf::atom("sv_stop")>;

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

int64_t Scaled(int64_t n, double scale) {
  auto v = static_cast<int64_t>(std::llround(static_cast<double>(n) * scale));
  return v < 1 ? 1 : v;
}

void PrintResult(const char* workload, double value, const char* unit) {
  std::printf("RESULT workload=%s runtime=caf value=%.6g unit=%s\n", workload,
              value, unit);
  std::fflush(stdout);
}

// Resident set size of this process in bytes (/proc/self/statm, 2nd field).
int64_t ResidentBytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return -1;
  long size = 0, resident = 0;
  int n = std::fscanf(f, "%ld %ld", &size, &resident);
  std::fclose(f);
  if (n != 2) return -1;
  return static_cast<int64_t>(resident) * sysconf(_SC_PAGESIZE);
}

// ---------------------------------------------------------------------------
// pingpong: one pair, `rounds` round trips ping -> pong -> ping.

class PongActor : public caf::event_based_actor {
 public:
  explicit PongActor(caf::actor_config& cfg) : caf::event_based_actor(cfg) {}

  caf::behavior make_behavior() override {
    return {[this](ping_atom) {
      send(caf::actor_cast<caf::actor>(current_sender()), pong_atom::value);
    }};
  }
};

class PingActor : public caf::event_based_actor {
 public:
  PingActor(caf::actor_config& cfg, caf::actor pong, int64_t rounds,
            caf::actor driver)
      : caf::event_based_actor(cfg),
        pong_(std::move(pong)),
        remaining_(rounds),
        driver_(std::move(driver)) {}

  caf::behavior make_behavior() override {
    return {
        [this](start_atom) { send(pong_, ping_atom::value); },
        [this](pong_atom) {
          if (--remaining_ == 0) {
            send(driver_, done_atom::value);
            quit();
          } else {
            send(pong_, ping_atom::value);
          }
        },
    };
  }

 private:
  caf::actor pong_;
  int64_t remaining_;
  caf::actor driver_;
};

int RunPingPong(caf::actor_system& sys, double scale) {
  const int64_t rounds = Scaled(1000000, scale);
  caf::scoped_actor self{sys};
  auto pong = sys.spawn<PongActor>();
  auto ping = sys.spawn<PingActor>(pong, rounds, caf::actor{self});
  auto t0 = Clock::now();
  self->send(ping, start_atom::value);
  self->receive([](done_atom) {});
  double secs = SecondsSince(t0);
  self->send_exit(pong, caf::exit_reason::user_shutdown);
  std::fprintf(stderr, "pingpong: %" PRId64 " round trips in %.3f s\n", rounds,
               secs);
  PrintResult("pingpong", 2.0 * static_cast<double>(rounds) / secs, "msgs/s");
  return 0;
}

// ---------------------------------------------------------------------------
// threadring: 503 actors in a ring; one token makes `hops` hops in total.

class RingNode : public caf::event_based_actor {
 public:
  RingNode(caf::actor_config& cfg, caf::actor driver)
      : caf::event_based_actor(cfg), driver_(std::move(driver)) {}

  caf::behavior make_behavior() override {
    return {
        [this](next_atom, caf::actor next) { next_ = std::move(next); },
        [this](int64_t token) {
          if (token == 0) {
            send(driver_, done_atom::value);
          } else {
            send(next_, token - 1);
          }
        },
    };
  }

 private:
  caf::actor driver_;
  caf::actor next_;
};

int RunThreadRing(caf::actor_system& sys, double scale) {
  const int kRingSize = 503;
  const int64_t hops = Scaled(10000000, scale);
  caf::scoped_actor self{sys};
  std::vector<caf::actor> ring;
  ring.reserve(kRingSize);
  for (int i = 0; i < kRingSize; ++i) {
    ring.push_back(sys.spawn<RingNode>(caf::actor{self}));
  }
  for (int i = 0; i < kRingSize; ++i) {
    self->send(ring[i], next_atom::value, ring[(i + 1) % kRingSize]);
  }
  auto t0 = Clock::now();
  // The token value counts the hops still to go; the holder of 0 reports.
  self->send(ring[0], hops);
  self->receive([](done_atom) {});
  double secs = SecondsSince(t0);
  for (auto& node : ring) {
    self->send_exit(node, caf::exit_reason::user_shutdown);
  }
  std::fprintf(stderr, "threadring: %d actors, %" PRId64 " hops in %.3f s\n",
               kRingSize, hops, secs);
  PrintResult("threadring", static_cast<double>(hops) / secs, "hops/s");
  return 0;
}

// ---------------------------------------------------------------------------
// counting: a producer sends `n` increments to a counter, then asks for the
// total with a request/reply.

class CounterActor : public caf::event_based_actor {
 public:
  explicit CounterActor(caf::actor_config& cfg) : caf::event_based_actor(cfg) {}

  caf::behavior make_behavior() override {
    return {
        [this](incr_atom) { ++count_; },
        [this](total_atom) -> int64_t {
          quit();
          return count_;
        },
    };
  }

 private:
  int64_t count_ = 0;
};

class ProducerActor : public caf::event_based_actor {
 public:
  ProducerActor(caf::actor_config& cfg, caf::actor counter, int64_t n,
                caf::actor driver)
      : caf::event_based_actor(cfg),
        counter_(std::move(counter)),
        n_(n),
        driver_(std::move(driver)) {}

  caf::behavior make_behavior() override {
    return {
        [this](start_atom) {
          for (int64_t i = 0; i < n_; ++i) send(counter_, incr_atom::value);
          request(counter_, caf::infinite, total_atom::value)
              .then([this](int64_t total) {
                send(driver_, done_atom::value, total);
                quit();
              });
        },
    };
  }

 private:
  caf::actor counter_;
  int64_t n_;
  caf::actor driver_;
};

int RunCounting(caf::actor_system& sys, double scale) {
  const int64_t n = Scaled(10000000, scale);
  caf::scoped_actor self{sys};
  auto counter = sys.spawn<CounterActor>();
  auto producer = sys.spawn<ProducerActor>(counter, n, caf::actor{self});
  int64_t total = -1;
  auto t0 = Clock::now();
  self->send(producer, start_atom::value);
  self->receive([&](done_atom, int64_t t) { total = t; });
  double secs = SecondsSince(t0);
  std::fprintf(stderr, "counting: %" PRId64 " increments in %.3f s, total %" PRId64 "\n",
               n, secs, total);
  if (total != n) {
    std::fprintf(stderr, "counting: FAILED: expected %" PRId64 ", got %" PRId64 "\n", n,
                 total);
    return 1;
  }
  PrintResult("counting", static_cast<double>(n) / secs, "msgs/s");
  return 0;
}

// ---------------------------------------------------------------------------
// fanin: 2 producers each send `per_producer` messages to one consumer.

class ConsumerActor : public caf::event_based_actor {
 public:
  ConsumerActor(caf::actor_config& cfg, int64_t expected, caf::actor driver)
      : caf::event_based_actor(cfg),
        expected_(expected),
        driver_(std::move(driver)) {}

  caf::behavior make_behavior() override {
    return {
        [this](msg_atom) {
          if (++count_ == expected_) {
            send(driver_, done_atom::value, count_);
            quit();
          }
        },
    };
  }

 private:
  int64_t count_ = 0;
  int64_t expected_;
  caf::actor driver_;
};

class FanInProducer : public caf::event_based_actor {
 public:
  FanInProducer(caf::actor_config& cfg, caf::actor consumer, int64_t n)
      : caf::event_based_actor(cfg), consumer_(std::move(consumer)), n_(n) {}

  caf::behavior make_behavior() override {
    return {
        [this](start_atom) {
          for (int64_t i = 0; i < n_; ++i) send(consumer_, msg_atom::value);
          quit();
        },
    };
  }

 private:
  caf::actor consumer_;
  int64_t n_;
};

int RunFanIn(caf::actor_system& sys, double scale) {
  const int kProducers = 2;
  const int64_t per_producer = Scaled(5000000, scale);
  const int64_t total = per_producer * kProducers;
  caf::scoped_actor self{sys};
  auto consumer = sys.spawn<ConsumerActor>(total, caf::actor{self});
  std::vector<caf::actor> producers;
  for (int i = 0; i < kProducers; ++i) {
    producers.push_back(sys.spawn<FanInProducer>(consumer, per_producer));
  }
  int64_t counted = -1;
  auto t0 = Clock::now();
  for (auto& p : producers) self->send(p, start_atom::value);
  self->receive([&](done_atom, int64_t c) { counted = c; });
  double secs = SecondsSince(t0);
  std::fprintf(stderr, "fanin: %d x %" PRId64 " messages in %.3f s\n", kProducers,
               per_producer, secs);
  if (counted != total) {
    std::fprintf(stderr, "fanin: FAILED: expected %" PRId64 ", got %" PRId64 "\n", total,
                 counted);
    return 1;
  }
  PrintResult("fanin", static_cast<double>(total) / secs, "msgs/s");
  return 0;
}

// ---------------------------------------------------------------------------
// spawn: a spawner creates `n` children and sends each one message; a child
// handling it counts itself off a shared atomic counter and terminates. The
// child that takes the counter to zero tells the driver, which then waits
// until the number of running actors is back where it started (every child
// has exited).

struct SpawnShared {
  std::atomic<int64_t> left;
  caf::actor driver;
};

class SpawnChild : public caf::event_based_actor {
 public:
  SpawnChild(caf::actor_config& cfg, SpawnShared* shared)
      : caf::event_based_actor(cfg), shared_(shared) {}

  caf::behavior make_behavior() override {
    return {[this](go_atom) {
      if (shared_->left.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        send(shared_->driver, done_atom::value);
      }
      quit();
    }};
  }

 private:
  SpawnShared* shared_;
};

template <caf::spawn_options Opts>
class Spawner : public caf::event_based_actor {
 public:
  Spawner(caf::actor_config& cfg, int64_t n, SpawnShared* shared)
      : caf::event_based_actor(cfg), n_(n), shared_(shared) {}

  caf::behavior make_behavior() override {
    return {
        [this](start_atom) {
          for (int64_t i = 0; i < n_; ++i) {
            send(spawn<SpawnChild, Opts>(shared_), go_atom::value);
          }
          quit();
        },
    };
  }

 private:
  int64_t n_;
  SpawnShared* shared_;
};

int RunSpawn(caf::actor_system& sys, double scale, bool lazy) {
  const int64_t n = Scaled(1000000, scale);
  caf::scoped_actor self{sys};
  SpawnShared shared{{n}, caf::actor{self}};
  const size_t running0 = sys.registry().running();
  caf::actor spawner =
      lazy ? caf::actor{sys.spawn<Spawner<caf::lazy_init>>(n, &shared)}
           : caf::actor{sys.spawn<Spawner<caf::no_spawn_options>>(n, &shared)};
  auto t0 = Clock::now();
  self->send(spawner, start_atom::value);
  spawner = nullptr;
  self->receive([&](done_atom) {});
  // Every child has handled its message; wait until all have terminated.
  while (sys.registry().running() > running0) {
    std::this_thread::sleep_for(std::chrono::microseconds(50));
  }
  double secs = SecondsSince(t0);
  std::fprintf(stderr,
               "spawn: %" PRId64 " actors in %.3f s (lazy_init=%d, running "
               "actors before/after: %zu/%zu)\n",
               n, secs, lazy ? 1 : 0, running0, sys.registry().running());
  const int64_t left = shared.left.load();
  if (left != 0) {
    std::fprintf(stderr, "spawn: FAILED: %" PRId64 " children did not run\n", left);
    return 1;
  }
  PrintResult("spawn", secs * 1e9 / static_cast<double>(n), "ns/actor");
  return 0;
}

// ---------------------------------------------------------------------------
// idle_memory: `n` actors that have installed their behaviour and wait for a
// message; RSS before and after, divided by `n`.

std::atomic<int64_t> g_idle_ready{0};
std::atomic<int64_t> g_idle_stopped{0};

class IdleActor : public caf::event_based_actor {
 public:
  explicit IdleActor(caf::actor_config& cfg) : caf::event_based_actor(cfg) {}

  caf::behavior make_behavior() override {
    g_idle_ready.fetch_add(1, std::memory_order_relaxed);
    return {[this](stop_atom) {
      g_idle_stopped.fetch_add(1, std::memory_order_relaxed);
      quit();
    }};
  }
};

void WaitFor(const std::atomic<int64_t>& counter, int64_t n) {
  while (counter.load(std::memory_order_relaxed) < n) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

int RunIdleMemory(caf::actor_system& sys, double scale, bool lazy) {
  const int64_t n = Scaled(1000000, scale);
  caf::scoped_actor self{sys};
  std::vector<caf::actor> actors;
  actors.reserve(n);
  // Touch the handle array so its pages are resident before the baseline.
  std::memset(static_cast<void*>(actors.data()), 0, sizeof(caf::actor) * n);
  const int64_t before = ResidentBytes();
  auto t0 = Clock::now();
  for (int64_t i = 0; i < n; ++i) {
    actors.push_back(lazy ? caf::actor{sys.spawn<IdleActor, caf::lazy_init>()}
                          : caf::actor{sys.spawn<IdleActor>()});
  }
  if (!lazy) WaitFor(g_idle_ready, n);  // Every actor now waits in its behaviour.
  double secs = SecondsSince(t0);
  const int64_t after = ResidentBytes();
  const double per_actor = static_cast<double>(after - before) / n;
  std::fprintf(stderr,
               "idle_memory: %" PRId64 " actors (lazy_init=%d) spawned in %.3f s; "
               "RSS %" PRId64 " -> %" PRId64 " bytes, %.1f bytes/actor\n",
               n, lazy ? 1 : 0, secs, before, after, per_actor);
  for (auto& a : actors) self->send(a, stop_atom::value);
  WaitFor(g_idle_stopped, n);
  actors.clear();
  std::fprintf(stderr, "idle_memory: all %" PRId64 " actors stopped; RSS %" PRId64 "\n",
               n, ResidentBytes());
  PrintResult("idle_memory", per_actor, "bytes/actor");
  return 0;
}

// ---------------------------------------------------------------------------

int Usage() {
  std::fprintf(stderr,
               "usage: savina_caf <pingpong|threadring|counting|fanin|spawn|"
               "idle_memory> [--scale=F] [--policy=stealing|sharing] "
               "[--threads=N] [--throughput=N] [--lazy=0|1]\n");
  return 2;
}

bool StartsWith(const char* s, const char* prefix, const char** rest) {
  size_t len = std::strlen(prefix);
  if (std::strncmp(s, prefix, len) != 0) return false;
  *rest = s + len;
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::string workload;
  double scale = 1.0;
  std::string policy = "stealing";
  int64_t threads = 0;     // 0: CAF default (max(4, cores))
  int64_t throughput = 0;  // 0: CAF default (unbounded)
  int lazy = -1;           // -1: per-workload default
  for (int i = 1; i < argc; ++i) {
    const char* rest = nullptr;
    if (StartsWith(argv[i], "--scale=", &rest)) {
      scale = std::atof(rest);
    } else if (StartsWith(argv[i], "--policy=", &rest)) {
      policy = rest;
    } else if (StartsWith(argv[i], "--threads=", &rest)) {
      threads = std::atoll(rest);
    } else if (StartsWith(argv[i], "--throughput=", &rest)) {
      throughput = std::atoll(rest);
    } else if (StartsWith(argv[i], "--lazy=", &rest)) {
      lazy = std::atoi(rest);
    } else if (argv[i][0] != '-' && workload.empty()) {
      workload = argv[i];
    } else {
      return Usage();
    }
  }
  if (workload.empty() || !(scale > 0)) return Usage();
  if (policy != "stealing" && policy != "sharing") return Usage();

  caf::actor_system_config cfg;
  cfg.set("scheduler.policy", policy == "sharing" ? caf::atom("sharing")
                                                  : caf::atom("stealing"));
  if (threads > 0) {
    cfg.set("scheduler.max-threads", static_cast<caf::config_value::integer>(threads));
  }
  if (throughput > 0) {
    cfg.set("scheduler.max-throughput",
            static_cast<caf::config_value::integer>(throughput));
  }
  caf::actor_system sys{cfg};
  std::fprintf(stderr,
               "caf: workload=%s scale=%g policy=%s max-threads=%zu "
               "max-throughput=%s\n",
               workload.c_str(), scale, policy.c_str(),
               sys.scheduler().num_workers(),
               throughput > 0 ? std::to_string(throughput).c_str() : "default");

  if (workload == "pingpong") return RunPingPong(sys, scale);
  if (workload == "threadring") return RunThreadRing(sys, scale);
  if (workload == "counting") return RunCounting(sys, scale);
  if (workload == "fanin") return RunFanIn(sys, scale);
  // Children of the spawn workload receive a message right away, so lazy
  // initialisation (no separate scheduling for the constructor) is CAF's
  // best setting; idle actors are fully initialised by default.
  if (workload == "spawn") return RunSpawn(sys, scale, lazy != 0);
  if (workload == "idle_memory") return RunIdleMemory(sys, scale, lazy == 1);
  std::fprintf(stderr, "unknown workload '%s'\n", workload.c_str());
  return Usage();
}
