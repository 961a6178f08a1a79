// Copyright Myrmidon authors.
//
// The OTP layer across libraries: a supervisor placed in the actor tree
// (path-scoped supervision), names and paths that follow a restarted
// service, hot swap under a supervisor, and timers that die with their
// owner so a restarted actor has exactly one tick stream.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "libs/registry/actor_registry.h"
#include "libs/sched/runtime.h"
#include "libs/supervise/hot_swap.h"
#include "libs/supervise/supervisor.h"
#include "libs/timers/timer_service.h"

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
  int Handle(Ping&) { return ++pings_; }

 private:
  int pings_ = 0;
};

class Idle : public Actor<Idle, Ping> {
 public:
  int Handle(Ping&) { return 0; }
};

// The events a supervisor reports, as "kind:child_id" strings.
struct EventLog {
  std::vector<std::string> events;
  std::function<void(const SupervisorEvent&)> Sink() {
    return [this](const SupervisorEvent& e) {
      events.push_back(absl::StrCat(supervise::SupervisorEventKindName(e.kind), ":", e.child_id));
    };
  }
};

TEST(PathScopedSupervision, ChildrenLiveAtTheSupervisorsPathAndFollowRestarts) {
  Runtime rt(RuntimeOptions::Deterministic(11));
  auto system = *rt.SpawnWith<Idle>(SpawnOptions().WithName("system"));
  EventLog log;
  SupervisorOptions options;
  options.strategy = Strategy::kOneForOne;
  options.on_event = log.Sink();
  auto sup = supervise::StartSupervisor(
      rt, options, {ChildSpec::For<Worker>("router"), ChildSpec::For<Worker>("worker-17")},
      SpawnOptions().WithParent(system.pid()).WithName("http"));
  ASSERT_TRUE(sup.ok()) << sup.status();

  EXPECT_EQ(*rt.PathOf(sup->pid()), "/system/http");
  Pid w17 = *sup->ChildPid("worker-17");
  EXPECT_EQ(*rt.Resolve("/system/http/worker-17"), w17);
  EXPECT_EQ(*rt.Resolve("/system/http/router"), *sup->ChildPid("router"));
  EXPECT_EQ(rt.ChildrenOf(sup->pid()).size(), 2u);

  // A crash: the replacement takes the same path.
  rt.Exit(w17, ExitReason::Crash("bad request"));
  rt.RunUntilIdle();
  absl::StatusOr<Pid> again = rt.Resolve("/system/http/worker-17");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_NE(*again, w17);
  EXPECT_EQ(*again, *sup->ChildPid("worker-17"));
  EXPECT_EQ(*rt.Call(Ref<Ping>(*again), Ping{}, absl::Seconds(1)), 1);

  // The subtree ends with its root: /system's exit reaches the supervisor,
  // which shuts its children down youngest first, then exits.
  log.events.clear();
  rt.Kill(system.pid());
  rt.RunUntilIdle();
  EXPECT_EQ(rt.stats().live_actors, 0u);
  std::vector<std::string> shutdowns;
  for (const std::string& e : log.events) {
    if (absl::StartsWith(e, "shutdown_sent:")) shutdowns.push_back(e);
  }
  EXPECT_EQ(shutdowns, (std::vector<std::string>{"shutdown_sent:worker-17", "shutdown_sent:router"}));
  EXPECT_EQ(rt.Resolve("/system/http").status().code(), absl::StatusCode::kNotFound);
}

TEST(PathScopedSupervision, SupervisorsNestAlongThePath) {
  Runtime rt(RuntimeOptions::Deterministic(12));
  SupervisorOptions inner;
  inner.strategy = Strategy::kOneForAll;
  auto top = supervise::StartSupervisor(
      rt, SupervisorOptions(),
      {supervise::SupervisorSpec("db", inner,
                                 {ChildSpec::For<Worker>("primary"), ChildSpec::For<Worker>("replica")}),
       ChildSpec::For<Worker>("api")},
      SpawnOptions().WithName("app"));
  ASSERT_TRUE(top.ok()) << top.status();
  Pid primary = *rt.Resolve("/app/db/primary");
  Pid replica = *rt.Resolve("/app/db/replica");
  Pid api = *rt.Resolve("/app/api");
  // one_for_all below /app/db: both database children restart, /app/api not.
  rt.Exit(primary, ExitReason::Crash("disk"));
  rt.RunUntilIdle();
  EXPECT_NE(*rt.Resolve("/app/db/primary"), primary);
  EXPECT_NE(*rt.Resolve("/app/db/replica"), replica);
  EXPECT_EQ(*rt.Resolve("/app/api"), api);
  EXPECT_FALSE(rt.IsAlive(primary));
  EXPECT_FALSE(rt.IsAlive(replica));
  ASSERT_TRUE(top->Stop().ok());
  EXPECT_EQ(rt.stats().live_actors, 0u);
}

// Registers itself under a name and a path when it starts.
class Db : public Actor<Db, Ping> {
 public:
  explicit Db(registry::ActorRegistry* reg) : reg_(reg) {}
  void OnStart() override {
    if (!reg_->Register("db", self()).ok() || !reg_->RegisterPath("/services/db", self()).ok()) {
      throw std::runtime_error("could not register");
    }
  }
  int Handle(Ping&) { return ++pings_; }

 private:
  registry::ActorRegistry* reg_;
  int pings_ = 0;
};

TEST(NamesAcrossRestarts, ARestartedServiceTakesItsNameAndPathBack) {
  Runtime rt(RuntimeOptions::Deterministic(13));
  registry::ActorRegistry reg(rt);
  std::vector<std::string> path_events;
  reg.Watch("/services", [&](const registry::Event& e) {
    path_events.push_back(absl::StrCat(e.kind == registry::Event::kRegistered ? "+" : "-", e.path));
  });
  auto sup = supervise::StartSupervisor(rt, SupervisorOptions(), {ChildSpec::For<Db>("db", &reg)});
  ASSERT_TRUE(sup.ok()) << sup.status();
  Pid first = *reg.WhereIs("db");
  EXPECT_EQ(first, *sup->ChildPid("db"));

  rt.Exit(first, ExitReason::Crash("oops"));
  rt.RunUntilIdle();
  std::optional<Pid> second = reg.WhereIs("db");
  ASSERT_TRUE(second.has_value());
  EXPECT_NE(*second, first);
  EXPECT_EQ(*reg.Lookup("/services/db"), *second);
  EXPECT_TRUE(reg.SendByName("db", Ping{}).ok());
  EXPECT_EQ(path_events,
            (std::vector<std::string>{"+/services/db", "-/services/db", "+/services/db"}));

  // Stopped for good: the name is gone and send-by-name says so.
  ASSERT_TRUE(sup->Stop().ok());
  EXPECT_FALSE(reg.WhereIs("db").has_value());
  absl::Status st = reg.SendByName("db", Ping{});
  EXPECT_EQ(st.code(), absl::StatusCode::kNotFound);
}

// --- hot swap under a supervisor --------------------------------------------------

struct Count {
  int64_t total = 0;
};
struct Add {
  int64_t n;
};
struct Get {
  using Reply = int64_t;
};

class Plain : public supervise::Behaviour<Count, Add, Get> {
 public:
  void Handle(Count& s, Add& m) override { s.total += m.n; }
  absl::StatusOr<int64_t> Handle(Count& s, Get&) override { return s.total; }
  std::string Name() const override { return "plain"; }
};
class Tenfold : public Plain {
 public:
  void Handle(Count& s, Add& m) override { s.total += 10 * m.n; }
  std::string Name() const override { return "tenfold"; }
};

using SwapCounter = supervise::Swappable<Count, Add, Get>;

TEST(HotSwapUnderSupervision, ARestartBringsBackTheSpecsBehaviourAndState) {
  Runtime rt(RuntimeOptions::Deterministic(14));
  ChildSpec spec;
  spec.id = "counter";
  spec.start = [](Runtime& r, const SpawnOptions& o) -> absl::StatusOr<Pid> {
    auto a = r.SpawnWith<SwapCounter>(o, std::make_unique<Plain>(), Count{}, supervise::SwapOptions());
    if (!a.ok()) return a.status();
    return a->pid();
  };
  auto sup = supervise::StartSupervisor(rt, SupervisorOptions(), {spec});
  ASSERT_TRUE(sup.ok()) << sup.status();
  SwapCounter::Interface counter(*sup->ChildPid("counter"));
  rt.Send(counter, Add{1});
  ASSERT_EQ(*supervise::Swap(rt, counter, std::make_unique<Tenfold>()), 2u);
  rt.Send(counter, Add{1});
  EXPECT_EQ(*rt.Call(counter, Get{}, absl::Seconds(1)), 11);

  rt.Exit(counter.pid(), ExitReason::Crash("boom"));
  rt.RunUntilIdle();
  SwapCounter::Interface next(*sup->ChildPid("counter"));
  ASSERT_NE(next.pid(), counter.pid());
  EXPECT_EQ(*supervise::Version(rt, next), 1u);  // the spec's behaviour, from scratch
  rt.Send(next, Add{1});
  EXPECT_EQ(*rt.Call(next, Get{}, absl::Seconds(1)), 1);
}

// --- timers under a supervisor ------------------------------------------------------

struct Tick {};

// Counts ticks per sending incarnation.
class TickSink : public Actor<TickSink, Tick> {
 public:
  explicit TickSink(std::map<Pid, int>* ticks) : ticks_(ticks) {}
  void Handle(Tick&) { ++(*ticks_)[sender()]; }

 private:
  std::map<Pid, int>* ticks_;
};

// Arms a 10 ms tick to the sink when it starts.
class Ticker : public Actor<Ticker, Ping> {
 public:
  Ticker(timers::TimerService* service, Pid sink) : timers_(*service, *this), sink_(sink) {}
  void OnStart() override {
    if (!timers_.SendInterval(sink_, absl::Milliseconds(10), Tick{}).ok()) {
      throw std::runtime_error("could not arm the tick");
    }
  }
  int Handle(Ping&) { return 1; }

 private:
  timers::ActorTimers timers_;
  Pid sink_;
};

TEST(TimersUnderSupervision, ARestartedActorHasExactlyOneTickStream) {
  Runtime rt(RuntimeOptions::Deterministic(15));
  timers::TimerService service(rt);
  std::map<Pid, int> ticks;
  auto sink = *rt.Spawn<TickSink>(&ticks);
  SupervisorOptions options;
  options.backoff = supervise::Backoff::None();  // restart at once: count ticks from there
  auto sup = supervise::StartSupervisor(
      rt, options, {ChildSpec::For<Ticker>("ticker", &service, sink.pid())});
  ASSERT_TRUE(sup.ok()) << sup.status();
  Pid first = *sup->ChildPid("ticker");
  rt.AdvanceTime(absl::Milliseconds(105));
  EXPECT_EQ(ticks[first], 10);

  for (int crash = 0; crash < 3; ++crash) {
    Pid before = *sup->ChildPid("ticker");
    rt.Exit(before, ExitReason::Crash("tick bug"));
    rt.RunUntilIdle();
    Pid now = *sup->ChildPid("ticker");
    ASSERT_NE(now, before);
    std::map<Pid, int> snapshot = ticks;
    rt.AdvanceTime(absl::Milliseconds(100));
    // Only the live incarnation ticks: 10 in 100 ms, the dead ones none.
    for (const auto& [who, n] : ticks) {
      int added = n - snapshot[who];
      EXPECT_EQ(added, who == now ? 10 : 0) << "crash " << crash << ", " << who;
    }
    EXPECT_EQ(service.pending(), 1u);
  }
  EXPECT_EQ(service.stats().cancelled_by_death, 3u);
  ASSERT_TRUE(sup->Stop().ok());
  EXPECT_EQ(service.pending(), 0u);
}

}  // namespace
}  // namespace myr
