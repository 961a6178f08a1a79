// Copyright Myrmidon authors.
//
// Chaos under supervision. A supervision tree
//
//   /app                  one_for_one   (generous intensity)
//   ├── a, b              workers
//   ├── pool              one_for_all   {c, d, e}   (trips now and then)
//   └── chain             rest_for_one  {f, g}
//
// takes random crashes and kills of random members (leaves and the inner
// supervisors), on seeded deterministic schedules and then on a threaded
// runtime. Whatever happened, once the tree has settled it is whole again:
// every path resolves to exactly one live actor that answers, nothing else
// is alive (no duplicated or orphaned incarnation), and the crashes really
// did trip the inner supervisors' intensity now and then.
#include <atomic>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "libs/sched/runtime.h"
#include "libs/supervise/supervisor.h"

namespace myr {
namespace {

using supervise::ChildSpec;
using supervise::Strategy;
using supervise::SupervisorEvent;
using supervise::SupervisorOptions;

struct Ping {
  using Reply = int;
};

class Worker : public Actor<Worker, Ping> {
 public:
  int Handle(Ping&) { return 1; }
};

const std::vector<std::string>& Paths() {
  static const std::vector<std::string> paths = {
      "/app",           "/app/a",          "/app/b",          "/app/pool",      "/app/pool/c",
      "/app/pool/d",    "/app/pool/e",     "/app/chain",      "/app/chain/f",   "/app/chain/g"};
  return paths;
}

struct Counters {
  std::atomic<int> max_intensity{0};
  std::atomic<int> restarts{0};
};

absl::StatusOr<supervise::Supervisor> StartTree(Runtime& rt, Counters* counters) {
  auto sink = [counters](const SupervisorEvent& e) {
    if (e.kind == SupervisorEvent::Kind::kMaxIntensity) counters->max_intensity.fetch_add(1);
    if (e.kind == SupervisorEvent::Kind::kChildStarted && e.restart) counters->restarts.fetch_add(1);
  };
  SupervisorOptions top;
  top.max_restarts = 1'000'000;
  top.period = absl::Seconds(1);
  top.name = "app";
  top.on_event = sink;
  SupervisorOptions pool;
  pool.strategy = Strategy::kOneForAll;
  pool.max_restarts = 3;
  pool.period = absl::Seconds(1);
  pool.backoff.initial = absl::Milliseconds(1);
  pool.backoff.max = absl::Milliseconds(20);
  pool.name = "pool";
  pool.on_event = sink;
  SupervisorOptions chain = pool;
  chain.strategy = Strategy::kRestForOne;
  chain.max_restarts = 5;
  chain.name = "chain";
  return supervise::StartSupervisor(
      rt, top,
      {ChildSpec::For<Worker>("a"), ChildSpec::For<Worker>("b"),
       supervise::SupervisorSpec("pool", pool,
                                 {ChildSpec::For<Worker>("c"), ChildSpec::For<Worker>("d"),
                                  ChildSpec::For<Worker>("e")}),
       supervise::SupervisorSpec("chain", chain,
                                 {ChildSpec::For<Worker>("f"), ChildSpec::For<Worker>("g")})},
      SpawnOptions().WithName("app"));
}

// The tree is whole: each path is one live actor that answers; nothing else lives.
void ExpectWhole(Runtime& rt, const std::string& context) {
  for (const std::string& path : Paths()) {
    absl::StatusOr<Pid> pid = rt.Resolve(path);
    ASSERT_TRUE(pid.ok()) << context << ": " << path << ": " << pid.status();
    if (path == "/app" || path == "/app/pool" || path == "/app/chain") continue;
    EXPECT_EQ(rt.Call(Ref<Ping>(*pid), Ping{}, absl::Seconds(5)).value_or(0), 1) << context << path;
  }
  EXPECT_EQ(rt.stats().live_actors, Paths().size()) << context;
}

TEST(Chaos, SeededCrashesNeverLeaveTheTreeBrokenOrDuplicated) {
  int tripped = 0;
  for (uint64_t seed = 1; seed <= 12; ++seed) {
    Runtime rt(RuntimeOptions::Deterministic(seed));
    Counters counters;
    auto app = StartTree(rt, &counters);
    ASSERT_TRUE(app.ok()) << app.status();
    std::mt19937_64 rng(seed);
    for (int round = 0; round < 150; ++round) {
      const std::string& path = Paths()[1 + rng() % (Paths().size() - 1)];
      if (absl::StatusOr<Pid> victim = rt.Resolve(path); victim.ok()) {
        switch (rng() % 3) {
          case 0: rt.Exit(*victim, ExitReason::Crash("chaos")); break;
          case 1: rt.Kill(*victim); break;
          default: rt.InjectCrash(*victim, 1); rt.Send(Ref<Ping>(*victim), Ping{}); break;
        }
      }
      // Sometimes crash again before the tree has settled.
      if (rng() % 4 != 0) rt.AdvanceTime(absl::Milliseconds(rng() % 30));
    }
    rt.AdvanceTime(absl::Seconds(2));  // past every backoff
    ExpectWhole(rt, absl::StrCat("seed ", seed));
    EXPECT_GT(counters.restarts.load(), 40) << "seed " << seed;
    tripped += counters.max_intensity.load();
    ASSERT_TRUE(app->Stop().ok());
    EXPECT_EQ(rt.stats().live_actors, 0u) << "seed " << seed;
  }
  EXPECT_GT(tripped, 0) << "the inner supervisors never reached their intensity: no chaos";
}

TEST(Chaos, ThreadedCrashStormsSettleIntoAWholeTree) {
  RuntimeOptions o;
  o.workers = 2;
  Runtime rt(o);
  Counters counters;
  auto app = StartTree(rt, &counters);
  ASSERT_TRUE(app.ok()) << app.status();
  std::atomic<bool> stop{false};
  std::vector<std::thread> storm;
  for (int t = 0; t < 2; ++t) {
    storm.emplace_back([&, t] {
      std::mt19937_64 rng(100 + t);
      while (!stop.load()) {
        const std::string& path = Paths()[1 + rng() % (Paths().size() - 1)];
        if (absl::StatusOr<Pid> victim = rt.Resolve(path); victim.ok()) {
          if (rng() % 2 == 0) {
            rt.Exit(*victim, ExitReason::Crash("storm"));
          } else {
            rt.Kill(*victim);
          }
        }
        absl::SleepFor(absl::Microseconds(200 + rng() % 800));
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(400));
  stop.store(true);
  for (auto& t : storm) t.join();
  // Settle: every path back, nothing extra.
  absl::Time deadline = absl::Now() + absl::Seconds(10);
  while (absl::Now() < deadline) {
    bool whole = rt.stats().live_actors == Paths().size();
    for (const std::string& path : Paths()) whole = whole && rt.Resolve(path).ok();
    if (whole) break;
    absl::SleepFor(absl::Milliseconds(5));
  }
  ExpectWhole(rt, "threaded");
  EXPECT_GT(counters.restarts.load(), 50);
  ASSERT_TRUE(app->Stop().ok());  // returns at the supervisor's exit, its children ended
  EXPECT_EQ(rt.stats().live_actors, 0u);
}

}  // namespace
}  // namespace myr
