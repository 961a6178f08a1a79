// Copyright Myrmidon authors.
//
// Supervisors on a threaded runtime (2 workers): crashes from several
// threads racing with queries (never two incarnations of a child alive at
// once, every handled crash restarted), a child blocked in a handler that is
// killed after its grace period, and supervisors started and stopped from
// several threads at once. Meant to run under TSAN as well.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/sched/runtime.h"
#include "libs/sched/testing/sched_testing.h"
#include "libs/supervise/supervisor.h"

namespace myr::supervise {
namespace {

using sched_testing::Eventually;
using sched_testing::ExitWatch;
using sched_testing::Gate;
using sched_testing::Log;
using sched_testing::Threaded;
using ::testing::ElementsAre;

struct Crash {};

// Incarnations alive per child name, from every thread.
struct Census {
  std::mutex mu;
  std::map<std::string, int> live;      // guarded by mu
  std::map<std::string, int> max_live;  // guarded by mu
  std::atomic<int> starts{0};
  std::atomic<int> crashes{0};  // Crash messages handled (each ends its actor)

  void Started(const std::string& name) {
    starts.fetch_add(1);
    std::lock_guard<std::mutex> lock(mu);
    int n = ++live[name];
    if (n > max_live[name]) max_live[name] = n;
  }
  void Exited(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu);
    --live[name];
  }
  int MaxLive() {
    std::lock_guard<std::mutex> lock(mu);
    int m = 0;
    for (const auto& [name, n] : max_live) m = std::max(m, n);
    return m;
  }
  int Live() {
    std::lock_guard<std::mutex> lock(mu);
    int sum = 0;
    for (const auto& [name, n] : live) sum += n;
    return sum;
  }
};

class Member : public Actor<Member, Crash> {
 public:
  Member(Census* c, std::string name) : c_(c), name_(std::move(name)) {}
  void OnStart() override { c_->Started(name_); }
  void OnExit(const ExitReason&) override { c_->Exited(name_); }
  void Handle(Crash&) {
    c_->crashes.fetch_add(1);
    throw std::runtime_error("crash");
  }

 private:
  Census* c_;
  std::string name_;
};

class StressTest : public ::testing::TestWithParam<Strategy> {};

TEST_P(StressTest, CrashesFromManyThreadsRaceWithQueriesWithoutDuplicateIncarnations) {
  constexpr int kChildren = 6;
  constexpr int kCrashers = 3;
  constexpr int kCrashesEach = 300;
  Census census;  // outlives the runtime (OnExit hooks run in its destructor)
  Runtime rt(Threaded(2));
  SupervisorOptions o;
  o.strategy = GetParam();
  o.max_restarts = 1'000'000;
  o.period = absl::Seconds(60);
  // rest_for_one also exercises backoff timers (the timer thread) under load.
  o.backoff = GetParam() == Strategy::kRestForOne
                  ? Backoff{absl::Microseconds(100), absl::Milliseconds(1), 2.0, true}
                  : Backoff::None();
  std::vector<ChildSpec> specs;
  std::vector<std::string> ids;
  for (int i = 0; i < kChildren; ++i) {
    ids.push_back(absl::StrCat("m", i));
    specs.push_back(ChildSpec::For<Member>(ids.back(), &census, ids.back()));
  }
  absl::StatusOr<Supervisor> sup = StartSupervisor(rt, o, specs);
  ASSERT_TRUE(sup.ok()) << sup.status();

  std::atomic<int> crashers_done{0};
  std::atomic<int> query_errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kCrashers; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t + 1);
      for (int i = 0; i < kCrashesEach; ++i) {
        absl::StatusOr<Pid> pid = sup->ChildPid(ids[rng() % kChildren]);
        if (pid.ok()) rt.Send(*pid, Crash{});  // may find it gone: noproc
      }
      crashers_done.fetch_add(1);
    });
  }
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      while (crashers_done.load() < kCrashers) {
        absl::StatusOr<std::vector<ChildInfo>> children = sup->WhichChildren();
        absl::StatusOr<ChildCounts> counts = sup->CountChildren();
        if (!children.ok() || children->size() != kChildren || !counts.ok() ||
            counts->specs != kChildren) {
          query_errors.fetch_add(1);
          continue;
        }
        for (const ChildInfo& c : *children) {
          if ((c.state == ChildInfo::State::kRunning) != c.pid.valid()) query_errors.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();

  // Everything settles (crashes still queued are handled) with every child
  // running again and every start accounted for.
  const bool one_for_one = GetParam() == Strategy::kOneForOne;
  uint64_t restarts = 0;
  ASSERT_TRUE(Eventually([&] {
    absl::StatusOr<std::vector<ChildInfo>> children = sup->WhichChildren();
    if (!children.ok()) return false;
    restarts = 0;
    int active = 0;
    for (const ChildInfo& c : *children) {
      restarts += c.restarts;
      if (c.state == ChildInfo::State::kRunning) ++active;
    }
    const uint64_t crashes = static_cast<uint64_t>(census.crashes.load());
    return active == kChildren && census.Live() == kChildren &&
           census.starts.load() == kChildren + static_cast<int>(restarts) &&
           // one_for_one: every handled crash was restarted, once; otherwise
           // a crash may also end siblings, or be absorbed by a group restart
           // already under way (never restarted twice).
           (one_for_one ? restarts == crashes : restarts >= 1);
  })) << "restarts " << restarts << " crashes " << census.crashes.load() << " starts "
      << census.starts.load();
  EXPECT_EQ(query_errors.load(), 0);
  EXPECT_EQ(census.MaxLive(), 1) << "two incarnations of a child were alive at once";
  EXPECT_GT(census.crashes.load(), 0);
  RecordProperty("crashes", census.crashes.load());
  RecordProperty("restarts", static_cast<int>(restarts));

  absl::StatusOr<ExitReason> stopped = sup->Stop();
  ASSERT_TRUE(stopped.ok()) << stopped.status();
  EXPECT_EQ(census.Live(), 0);
  EXPECT_TRUE(Eventually([&] { return rt.stats().live_actors == 0; }));
}

INSTANTIATE_TEST_SUITE_P(Strategies, StressTest,
                         ::testing::Values(Strategy::kOneForOne, Strategy::kOneForAll,
                                           Strategy::kRestForOne),
                         [](const ::testing::TestParamInfo<Strategy>& info) {
                           return std::string(StrategyName(info.param));
                         });

struct Block {
  Gate* gate;
  std::atomic<bool>* entered;
};

// Traps exits and can be held inside a handler.
class Blocker : public Actor<Blocker, Block, ExitMsg> {
 public:
  explicit Blocker(Log* log) : log_(log) {}
  void OnStart() override { TrapExits(true); }
  void Handle(Block& b) {
    b.entered->store(true);
    b.gate->Wait();
  }
  void Handle(ExitMsg& m) { log_->Add("blocker trapped " + m.reason.ToString()); }

 private:
  Log* log_;
};

TEST(SupervisorThreadedTest, AChildBlockedPastItsGracePeriodIsKilled) {
  Log log;
  Gate gate;
  std::atomic<bool> entered{false};
  Runtime rt(Threaded(2));
  SupervisorOptions o;
  o.on_event = [&log](const SupervisorEvent& e) {
    log.Add(absl::StrCat(SupervisorEventKindName(e.kind), " ", e.child_id));
  };
  absl::StatusOr<Supervisor> sup = StartSupervisor(
      rt, o,
      {ChildSpec::For<Blocker>("blocker", &log)
           .WithShutdown(ShutdownPolicy::Graceful(absl::Milliseconds(20)))});
  ASSERT_TRUE(sup.ok()) << sup.status();
  Pid blocker = *sup->ChildPid("blocker");
  ExitWatch exit(rt, blocker);
  rt.Send(blocker, Block{&gate, &entered});
  ASSERT_TRUE(Eventually([&] { return entered.load(); }));

  absl::Status terminated;
  std::thread t([&] { terminated = sup->TerminateChild("blocker"); });
  // The shutdown signal waits behind the blocked handler; after 20 ms the
  // supervisor sends Kill, which also waits; let the handler go.
  ASSERT_TRUE(Eventually([&] {
    for (const std::string& e : log.events()) {
      if (e == "child_killed blocker") return true;
    }
    return false;
  }));
  gate.Open();
  t.join();

  EXPECT_TRUE(terminated.ok()) << terminated;
  std::optional<ExitReason> reason = exit.Wait();
  ASSERT_TRUE(reason.has_value());
  EXPECT_EQ(reason->kind(), ExitKind::kKilled);
  EXPECT_THAT(log.events(), ElementsAre("child_started blocker", "shutdown_sent blocker",
                                        "child_killed blocker", "child_terminated blocker"));
  EXPECT_EQ((*sup->WhichChildren())[0].state, ChildInfo::State::kStopped);
}

TEST(SupervisorThreadedTest, SupervisorsStartAndStopFromManyThreadsAtOnce) {
  Census census;
  Runtime rt(Threaded(2));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 15; ++i) {
        SupervisorOptions o;
        o.strategy = static_cast<Strategy>((t + i) % 3);
        std::string inner = absl::StrCat("t", t, "i", i);
        absl::StatusOr<Supervisor> sup = StartSupervisor(
            rt, o,
            {ChildSpec::For<Member>("a", &census, inner + "a"),
             SupervisorSpec("inner", SupervisorOptions(),
                            {ChildSpec::For<Member>("b", &census, inner + "b")}),
             ChildSpec::For<Member>("c", &census, inner + "c")});
        if (!sup.ok()) {
          failures.fetch_add(1);
          continue;
        }
        absl::StatusOr<ExitReason> r = sup->Stop();
        if (!r.ok() || *r != ExitReason::Shutdown()) failures.fetch_add(1);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(census.starts.load(), 4 * 15 * 3);
  EXPECT_EQ(census.Live(), 0);
  EXPECT_TRUE(Eventually([&] { return rt.stats().live_actors == 0; }));
}

}  // namespace
}  // namespace myr::supervise
