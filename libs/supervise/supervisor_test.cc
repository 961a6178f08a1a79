// Copyright Myrmidon authors.
//
// Supervisors on the deterministic scheduler: strategies (which pids change,
// the order of terminations and starts, never two incarnations at once),
// restart types, restart intensity, backoff on virtual time, failed starts,
// shutdown order and grace periods, static child management, the dynamic
// supervisor, nesting, and use from inside actors.
#include "libs/supervise/supervisor.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/sched/runtime.h"
#include "libs/supervise/link.h"
#include "libs/supervise/monitor.h"

namespace myr::supervise {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

// What actors and supervisors did, in order, with the virtual time. The
// deterministic runtime runs everything on the test's thread: no locks.
struct Trace {
  struct Entry {
    std::string text;
    int64_t ms;
  };
  Runtime* rt = nullptr;
  std::vector<Entry> entries;
  std::vector<std::string> sup;     // supervisor events
  std::map<std::string, int> live;  // incarnations alive, per name
  std::map<std::string, int> max_live;
  std::map<std::string, int> starts;

  void Add(std::string text) { entries.push_back({std::move(text), rt->NowNanos() / 1'000'000}); }
  void Started(const std::string& name) {
    Add("start " + name);
    ++starts[name];
    max_live[name] = std::max(max_live[name], ++live[name]);
  }
  void Exited(const std::string& name, const ExitReason& r) {
    Add(absl::StrCat("exit ", name, ": ", r.ToString()));
    --live[name];
  }
  size_t size() const { return entries.size(); }
  std::vector<std::string> Texts(size_t from = 0) const {
    std::vector<std::string> out;
    for (size_t i = from; i < entries.size(); ++i) out.push_back(entries[i].text);
    return out;
  }
  // The virtual times (ms) of the entries equal to `text`.
  std::vector<int64_t> TimesOf(const std::string& text) const {
    std::vector<int64_t> out;
    for (const Entry& e : entries) {
      if (e.text == text) out.push_back(e.ms);
    }
    return out;
  }
};

struct Crash {
  std::string what;
};
struct Finish {};  // stop normally
struct Never {};

struct Behaviour {
  bool trap = false;             // trap exits
  bool ignore_shutdown = false;  // (trapping) ignore exit signals
  bool crash_on_start = false;   // throw in OnStart
};

// A child that records its start and exit.
class Worker : public Actor<Worker, Crash, Finish, ExitMsg> {
 public:
  Worker(Trace* t, std::string name, Behaviour b) : t_(t), name_(std::move(name)), b_(b) {}
  void OnStart() override {
    t_->Started(name_);
    if (b_.trap) TrapExits(true);
    if (b_.crash_on_start) throw std::runtime_error("bad config");
  }
  void OnExit(const ExitReason& r) override { t_->Exited(name_, r); }
  void Handle(Crash& m) { throw std::runtime_error(m.what); }
  void Handle(Finish&) { Stop(); }
  void Handle(ExitMsg& m) {
    t_->Add(absl::StrCat(name_, " trapped ", m.reason.ToString()));
    if (!b_.ignore_shutdown) Exit(m.reason);
  }

 private:
  Trace* t_;
  std::string name_;
  Behaviour b_;
};

// Answers the start probe only after `delay` (asynchronous initialisation),
// or never (delay infinite).
class SlowStarter : public Actor<SlowStarter, StartProbe, Never> {
 public:
  SlowStarter(Trace* t, std::string name, absl::Duration delay)
      : t_(t), name_(std::move(name)), delay_(delay) {}
  void OnStart() override { t_->Started(name_); }
  void OnExit(const ExitReason& r) override { t_->Exited(name_, r); }
  Task<absl::Status> Handle(StartProbe&) {
    if (delay_ == absl::InfiniteDuration()) {
      (void)co_await Receive<Never>(absl::InfiniteDuration());
    } else {
      co_await Sleep(delay_);
    }
    t_->Add(name_ + " ready");
    co_return absl::OkStatus();
  }
  void Handle(Never&) {}

 private:
  Trace* t_;
  std::string name_;
  absl::Duration delay_;
};

// Refuses to start: answers the start probe with an error.
class Refuser : public Actor<Refuser, StartProbe> {
 public:
  Refuser(Trace* t, std::string name) : t_(t), name_(std::move(name)) {}
  void OnStart() override { t_->Started(name_); }
  void OnExit(const ExitReason& r) override { t_->Exited(name_, r); }
  absl::Status Handle(StartProbe&) { return absl::FailedPreconditionError("not configured"); }

 private:
  Trace* t_;
  std::string name_;
};

// A parent-like observer: linked (trapping) and monitoring.
class Observer : public Actor<Observer, ExitMsg, Down> {
 public:
  explicit Observer(Trace* t) : t_(t) {}
  void OnStart() override { TrapExits(true); }
  void Handle(ExitMsg& m) { t_->Add("observer EXIT " + m.reason.ToString()); }
  void Handle(Down& d) { t_->Add("observer DOWN " + d.reason.ToString()); }

 private:
  Trace* t_;
};

std::string Describe(const SupervisorEvent& e) {
  std::string s = SupervisorEventKindName(e.kind);
  if (!e.child_id.empty()) absl::StrAppend(&s, " ", e.child_id);
  switch (e.kind) {
    case SupervisorEvent::Kind::kChildExited:
    case SupervisorEvent::Kind::kChildTerminated:
    case SupervisorEvent::Kind::kShuttingDown:
      absl::StrAppend(&s, " ", e.reason.ToString());
      break;
    case SupervisorEvent::Kind::kRestartScheduled:
      absl::StrAppend(&s, " ", absl::FormatDuration(e.delay));
      break;
    case SupervisorEvent::Kind::kChildStarted:
      if (e.restart) absl::StrAppend(&s, " (restart)");
      break;
    default:
      break;
  }
  return s;
}

class SupervisorFixture : public ::testing::Test {
 protected:
  explicit SupervisorFixture(uint64_t seed = 42) : rt_(RuntimeOptions::Deterministic(seed)) {
    trace_.rt = &rt_;
  }

  ChildSpec W(const std::string& name, Behaviour b = Behaviour()) {
    return ChildSpec::For<Worker>(name, &trace_, name, b);
  }

  // Options that report events into trace_.sup (prefixed with `label` if set).
  SupervisorOptions Opts(Strategy s, std::string label = "") {
    SupervisorOptions o;
    o.strategy = s;
    o.backoff = Backoff::None();
    o.on_event = [this, label](const SupervisorEvent& e) {
      trace_.sup.push_back(label.empty() ? Describe(e) : absl::StrCat(label, ": ", Describe(e)));
    };
    return o;
  }

  Supervisor Start(SupervisorOptions o, std::vector<ChildSpec> children) {
    absl::StatusOr<Supervisor> s = StartSupervisor(rt_, std::move(o), std::move(children));
    EXPECT_TRUE(s.ok()) << s.status();
    rt_.RunUntilIdle();
    return *s;
  }

  std::map<std::string, Pid> Pids(const Supervisor& s) {
    std::map<std::string, Pid> out;
    absl::StatusOr<std::vector<ChildInfo>> children = s.WhichChildren();
    EXPECT_TRUE(children.ok()) << children.status();
    for (const ChildInfo& c : *children) out[c.id] = c.pid;
    return out;
  }

  std::map<std::string, ChildInfo> Infos(const Supervisor& s) {
    std::map<std::string, ChildInfo> out;
    absl::StatusOr<std::vector<ChildInfo>> children = s.WhichChildren();
    EXPECT_TRUE(children.ok()) << children.status();
    for (const ChildInfo& c : *children) out[c.id] = c;
    return out;
  }

  void CrashChild(const Supervisor& s, const std::string& id, const std::string& what = "boom") {
    absl::StatusOr<Pid> pid = s.ChildPid(id);
    ASSERT_TRUE(pid.ok()) << pid.status();
    rt_.Send(*pid, Crash{what});
    rt_.RunUntilIdle();
  }

  // Declared first: the runtime's destructor still runs OnExit hooks that
  // write to it.
  Trace trace_;
  Runtime rt_;
};

// --- strategies -------------------------------------------------------------------

class StrategyTest : public SupervisorFixture, public ::testing::WithParamInterface<uint64_t> {
 protected:
  StrategyTest() : SupervisorFixture(GetParam()) {}
};

TEST_P(StrategyTest, OneForOneRestartsOnlyTheChildThatCrashed) {
  Supervisor sup = Start(Opts(Strategy::kOneForOne), {W("a"), W("b"), W("c")});
  EXPECT_THAT(trace_.Texts(), ElementsAre("start a", "start b", "start c"));
  auto before = Pids(sup);
  size_t mark = trace_.size();

  CrashChild(sup, "b");

  EXPECT_THAT(trace_.Texts(mark), ElementsAre("exit b: crash: boom", "start b"));
  auto after = Infos(sup);
  EXPECT_EQ(after["a"].pid, before["a"]);
  EXPECT_NE(after["b"].pid, before["b"]);
  EXPECT_EQ(after["c"].pid, before["c"]);
  EXPECT_FALSE(rt_.IsAlive(before["b"]));
  EXPECT_TRUE(rt_.IsAlive(after["b"].pid));
  EXPECT_EQ(after["a"].restarts, 0u);
  EXPECT_EQ(after["b"].restarts, 1u);
  EXPECT_EQ(after["c"].restarts, 0u);
  // Four start probes answered Unimplemented (Worker does not list
  // StartProbe): an optional request, so no dead letter.
  EXPECT_EQ(rt_.stats().dead_letters, 0u);
}

TEST_P(StrategyTest, OneForAllTerminatesTheOthersInReverseThenStartsAllInOrder) {
  Supervisor sup = Start(Opts(Strategy::kOneForAll), {W("a"), W("b"), W("c")});
  auto before = Pids(sup);
  size_t mark = trace_.size();
  size_t sup_mark = trace_.sup.size();

  CrashChild(sup, "b");

  EXPECT_THAT(trace_.Texts(mark),
              ElementsAre("exit b: crash: boom", "exit c: shutdown", "exit a: shutdown", "start a",
                          "start b", "start c"));
  EXPECT_THAT(std::vector<std::string>(trace_.sup.begin() + sup_mark, trace_.sup.end()),
              ElementsAre("child_exited b crash: boom", "shutdown_sent c", "child_terminated c shutdown",
                          "shutdown_sent a", "child_terminated a shutdown",
                          "child_started a (restart)", "child_started b (restart)",
                          "child_started c (restart)"));
  auto after = Infos(sup);
  for (const char* id : {"a", "b", "c"}) {
    EXPECT_NE(after[id].pid, before[id]) << id;
    EXPECT_FALSE(rt_.IsAlive(before[id])) << id;
    EXPECT_TRUE(rt_.IsAlive(after[id].pid)) << id;
    EXPECT_EQ(after[id].restarts, 1u) << id;
    EXPECT_EQ(trace_.max_live[id], 1) << "two incarnations of " << id << " were alive at once";
  }
}

TEST_P(StrategyTest, RestForOneRestartsTheChildAndThoseStartedAfterIt) {
  Supervisor sup = Start(Opts(Strategy::kRestForOne), {W("a"), W("b"), W("c")});
  auto before = Pids(sup);
  size_t mark = trace_.size();

  CrashChild(sup, "b");

  EXPECT_THAT(trace_.Texts(mark),
              ElementsAre("exit b: crash: boom", "exit c: shutdown", "start b", "start c"));
  auto after = Pids(sup);
  EXPECT_EQ(after["a"], before["a"]);
  EXPECT_NE(after["b"], before["b"]);
  EXPECT_NE(after["c"], before["c"]);
  EXPECT_EQ(trace_.max_live["b"], 1);
  EXPECT_EQ(trace_.max_live["c"], 1);
}

INSTANTIATE_TEST_SUITE_P(Seeds, StrategyTest, ::testing::Values(1, 7, 42, 1234));

// --- restart types ----------------------------------------------------------------

enum class How { kNormal, kShutdown, kCrash };

class RestartTypeTest : public SupervisorFixture,
                        public ::testing::WithParamInterface<std::tuple<RestartType, How>> {};

TEST_P(RestartTypeTest, RestartTypeAndExitReasonDecideTheRestart) {
  const auto [type, how] = GetParam();
  Supervisor sup = Start(Opts(Strategy::kOneForOne), {W("a"), W("x").WithRestart(type)});
  auto before = Pids(sup);
  switch (how) {
    case How::kNormal:
      rt_.Send(before["x"], Finish{});
      break;
    case How::kShutdown:
      rt_.Exit(before["x"], ExitReason::Shutdown("maintenance"));
      break;
    case How::kCrash:
      rt_.Send(before["x"], Crash{"boom"});
      break;
  }
  rt_.RunUntilIdle();
  EXPECT_FALSE(rt_.IsAlive(before["x"]));

  const bool restarted = type == RestartType::kPermanent ||
                         (type == RestartType::kTransient && how == How::kCrash);
  auto after = Infos(sup);
  EXPECT_EQ(after["a"].pid, before["a"]);  // one_for_one: the sibling is untouched
  if (restarted) {
    ASSERT_EQ(after.count("x"), 1u);
    EXPECT_EQ(after["x"].state, ChildInfo::State::kRunning);
    EXPECT_TRUE(rt_.IsAlive(after["x"].pid));
    EXPECT_EQ(after["x"].restarts, 1u);
    EXPECT_EQ(trace_.starts["x"], 2);
  } else if (type == RestartType::kTemporary) {
    EXPECT_EQ(after.count("x"), 0u) << "a temporary child is removed when it exits";
    EXPECT_EQ(trace_.starts["x"], 1);
  } else {
    ASSERT_EQ(after.count("x"), 1u) << "a transient child that exited normally is kept";
    EXPECT_EQ(after["x"].state, ChildInfo::State::kStopped);
    EXPECT_FALSE(after["x"].pid.valid());
    EXPECT_EQ(trace_.starts["x"], 1);
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllCombinations, RestartTypeTest,
    ::testing::Combine(::testing::Values(RestartType::kPermanent, RestartType::kTransient,
                                         RestartType::kTemporary),
                       ::testing::Values(How::kNormal, How::kShutdown, How::kCrash)));

TEST(ShouldRestartTest, FollowsErlangsRules) {
  EXPECT_TRUE(ShouldRestart(RestartType::kPermanent, ExitReason::Normal()));
  EXPECT_TRUE(ShouldRestart(RestartType::kTransient, ExitReason::Killed()));
  EXPECT_TRUE(ShouldRestart(RestartType::kTransient, ExitReason::Timeout("t")));
  EXPECT_FALSE(ShouldRestart(RestartType::kTransient, ExitReason::Shutdown("any detail")));
  EXPECT_FALSE(ShouldRestart(RestartType::kTransient, ExitReason::Normal()));
  EXPECT_FALSE(ShouldRestart(RestartType::kTemporary, ExitReason::Crash("x")));
}

// --- restart intensity --------------------------------------------------------------

TEST_F(SupervisorFixture, OneRestartTooManyEndsTheSupervisorWithMaxIntensity) {
  Pid observer = rt_.Spawn<Observer>(&trace_)->pid();
  rt_.RunUntilIdle();
  SupervisorOptions o = Opts(Strategy::kOneForOne);
  o.max_restarts = 3;
  o.period = absl::Seconds(5);
  Supervisor sup = Start(o, {W("a"), W("b"), W("c")});
  ASSERT_TRUE(Link(rt_, observer, sup.pid()).ok());
  ASSERT_TRUE(Monitor(rt_, observer, sup.pid()).ok());
  ExitReason sup_exit;
  rt_.Watch(sup.pid(), [&](Pid, const ExitReason& r) { sup_exit = r; });

  for (int i = 0; i < 3; ++i) CrashChild(sup, "b");
  ASSERT_TRUE(rt_.IsAlive(sup.pid()));
  size_t mark = trace_.size();
  CrashChild(sup, "b");  // the 4th restart within 5 s

  EXPECT_FALSE(rt_.IsAlive(sup.pid()));
  std::vector<std::string> after = trace_.Texts(mark);
  ASSERT_EQ(after.size(), 5u);
  // The crashed child, then the others in reverse start order.
  EXPECT_THAT(std::vector<std::string>(after.begin(), after.begin() + 3),
              ElementsAre("exit b: crash: boom", "exit c: shutdown", "exit a: shutdown"));
  // The linked (trapping) parent and the monitor both see max_intensity.
  EXPECT_THAT(std::vector<std::string>(after.begin() + 3, after.end()),
              UnorderedElementsAre(HasSubstr("observer EXIT max_intensity: "),
                                   HasSubstr("observer DOWN max_intensity: ")));
  EXPECT_EQ(sup_exit.kind(), ExitKind::kMaxIntensity);
  EXPECT_THAT(sup_exit.detail(), HasSubstr("4 restarts within 5s (max 3)"));
  EXPECT_THAT(sup_exit.detail(), HasSubstr("child 'b' exited with crash: boom"));
  EXPECT_EQ(trace_.sup.back(), "child_terminated a shutdown");
}

TEST_F(SupervisorFixture, RestartsSpreadOverMoreThanThePeriodDoNotTripTheIntensity) {
  SupervisorOptions o = Opts(Strategy::kOneForOne);
  o.max_restarts = 3;
  o.period = absl::Seconds(5);
  Supervisor sup = Start(o, {W("a"), W("b")});
  // Five crashes 2 s apart: never more than three within any 5 s.
  for (int i = 0; i < 5; ++i) {
    if (i > 0) rt_.AdvanceTime(absl::Seconds(2));
    CrashChild(sup, "b");
    ASSERT_TRUE(rt_.IsAlive(sup.pid())) << "after crash " << i + 1;
  }
  EXPECT_EQ(Infos(sup)["b"].restarts, 5u);
  EXPECT_THAT(trace_.TimesOf("start b"), ElementsAre(0, 0, 2000, 4000, 6000, 8000));
}

TEST_F(SupervisorFixture, ZeroMaxRestartsMeansTheFirstCrashEndsTheSupervisor) {
  SupervisorOptions o = Opts(Strategy::kOneForOne);
  o.max_restarts = 0;
  Supervisor sup = Start(o, {W("a")});
  CrashChild(sup, "a");
  EXPECT_FALSE(rt_.IsAlive(sup.pid()));
  EXPECT_EQ(trace_.starts["a"], 1);
}

// --- backoff ----------------------------------------------------------------------

TEST_F(SupervisorFixture, BackoffDelaysRepeatedRestartsOnVirtualTime) {
  SupervisorOptions o = Opts(Strategy::kOneForOne);
  o.max_restarts = 10;
  o.period = absl::Seconds(60);
  o.backoff = Backoff{absl::Milliseconds(100), absl::Milliseconds(300), 2.0, true};
  Supervisor sup = Start(o, {W("a"), W("b")});

  CrashChild(sup, "b");  // the first restart: at once
  EXPECT_EQ(Infos(sup)["b"].state, ChildInfo::State::kRunning);
  CrashChild(sup, "b");  // the second: after 100 ms
  EXPECT_EQ(trace_.sup.back(), "restart_scheduled b 100ms");
  EXPECT_EQ(Infos(sup)["b"].state, ChildInfo::State::kRestarting);

  // Meanwhile the supervisor answers queries and restarts another child.
  rt_.AdvanceTime(absl::Milliseconds(50));
  CrashChild(sup, "a");
  EXPECT_EQ(Infos(sup)["a"].state, ChildInfo::State::kRunning);
  rt_.AdvanceTime(absl::Milliseconds(49));
  EXPECT_EQ(Infos(sup)["b"].state, ChildInfo::State::kRestarting);
  rt_.AdvanceTime(absl::Milliseconds(1));
  EXPECT_EQ(Infos(sup)["b"].state, ChildInfo::State::kRunning);

  CrashChild(sup, "b");  // the third: 200 ms
  rt_.AdvanceTime(absl::Seconds(1));
  CrashChild(sup, "b");  // the fourth: 400 ms, capped at 300 ms
  rt_.AdvanceTime(absl::Seconds(1));

  EXPECT_THAT(trace_.TimesOf("start b"), ElementsAre(0, 0, 100, 300, 1400));
  EXPECT_THAT(trace_.TimesOf("start a"), ElementsAre(0, 50));
  EXPECT_EQ(Infos(sup)["b"].restarts, 4u);
}

TEST_F(SupervisorFixture, TerminateChildAndStopCancelAPendingRestart) {
  SupervisorOptions o = Opts(Strategy::kOneForOne);
  o.backoff = Backoff{absl::Milliseconds(100), absl::Seconds(1), 2.0, /*immediate_first=*/false};
  Supervisor sup = Start(o, {W("a"), W("b")});
  CrashChild(sup, "b");  // restart due at 100 ms
  ASSERT_EQ(Infos(sup)["b"].state, ChildInfo::State::kRestarting);
  ASSERT_TRUE(sup.TerminateChild("b").ok());
  EXPECT_EQ(Infos(sup)["b"].state, ChildInfo::State::kStopped);
  rt_.AdvanceTime(absl::Seconds(1));
  EXPECT_EQ(trace_.starts["b"], 1) << "the cancelled restart ran";

  CrashChild(sup, "a");  // restart due at +100 ms
  size_t mark = trace_.size();
  absl::StatusOr<ExitReason> r = sup.Stop();
  ASSERT_TRUE(r.ok()) << r.status();
  rt_.AdvanceTime(absl::Seconds(1));
  EXPECT_TRUE(trace_.Texts(mark).empty()) << "nothing was running, nothing restarted";
  EXPECT_EQ(rt_.stats().live_actors, 0u);
}

TEST_F(SupervisorFixture, AOneForAllRestartAlsoStartsAStoppedTransientSiblingAsOtpDoes) {
  Supervisor sup = Start(Opts(Strategy::kOneForAll),
                         {W("a"), W("t").WithRestart(RestartType::kTransient), W("c")});
  rt_.Send(*sup.ChildPid("t"), Finish{});  // a normal exit: not restarted, no effect on siblings
  rt_.RunUntilIdle();
  EXPECT_EQ(Infos(sup)["t"].state, ChildInfo::State::kStopped);
  EXPECT_EQ(trace_.starts["a"], 1);
  size_t mark = trace_.size();
  CrashChild(sup, "c");
  EXPECT_THAT(trace_.Texts(mark), ElementsAre("exit c: crash: boom", "exit a: shutdown", "start a",
                                              "start t", "start c"));
}

TEST(BackoffTest, DelayForGrowsGeometricallyUpToMax) {
  Backoff b{absl::Milliseconds(10), absl::Milliseconds(50), 2.0, true};
  EXPECT_EQ(b.DelayFor(0), absl::ZeroDuration());
  EXPECT_EQ(b.DelayFor(1), absl::Milliseconds(10));
  EXPECT_EQ(b.DelayFor(2), absl::Milliseconds(20));
  EXPECT_EQ(b.DelayFor(3), absl::Milliseconds(40));
  EXPECT_EQ(b.DelayFor(4), absl::Milliseconds(50));
  EXPECT_EQ(b.DelayFor(1000), absl::Milliseconds(50));
  b.immediate_first = false;
  EXPECT_EQ(b.DelayFor(0), absl::Milliseconds(10));
  EXPECT_EQ(b.DelayFor(1), absl::Milliseconds(20));
  EXPECT_EQ(Backoff::None().DelayFor(7), absl::ZeroDuration());
}

// --- failed starts ------------------------------------------------------------------

// A child whose start function fails while `failures_left` > 0.
struct Flaky {
  int failures_left = 0;
};

ChildSpec FlakySpec(Trace* t, Flaky* f, const std::string& name) {
  return ChildSpec{name, [t, f, name](Runtime& rt, const SpawnOptions& so) -> absl::StatusOr<Pid> {
                     t->Add("attempt " + name);
                     if (f->failures_left > 0) {
                       --f->failures_left;
                       return absl::UnavailableError("db down");
                     }
                     auto r = rt.SpawnWith<Worker>(so, t, name, Behaviour());
                     if (!r.ok()) return r.status();
                     return r->pid();
                   }};
}

TEST_F(SupervisorFixture, AFailedRestartIsRetriedWithBackoff) {
  Flaky flaky;
  SupervisorOptions o = Opts(Strategy::kOneForOne);
  o.max_restarts = 5;
  o.period = absl::Seconds(60);
  o.backoff = Backoff{absl::Milliseconds(100), absl::Seconds(1), 2.0, true};
  Supervisor sup = Start(o, {FlakySpec(&trace_, &flaky, "db")});
  flaky.failures_left = 2;
  size_t sup_mark = trace_.sup.size();

  CrashChild(sup, "db");
  EXPECT_EQ(Infos(sup)["db"].state, ChildInfo::State::kRestarting);
  rt_.AdvanceTime(absl::Seconds(1));

  EXPECT_THAT(trace_.TimesOf("attempt db"), ElementsAre(0, 0, 100, 300));
  EXPECT_THAT(trace_.TimesOf("start db"), ElementsAre(0, 300));
  EXPECT_THAT(std::vector<std::string>(trace_.sup.begin() + sup_mark, trace_.sup.end()),
              ElementsAre("child_exited db crash: boom", "child_start_failed db",
                          "restart_scheduled db 100ms", "child_start_failed db",
                          "restart_scheduled db 200ms", "child_started db (restart)"));
  EXPECT_TRUE(rt_.IsAlive(sup.pid()));
  EXPECT_EQ(Infos(sup)["db"].state, ChildInfo::State::kRunning);
}

TEST_F(SupervisorFixture, FailedRestartsCountTowardIntensityAndTheStartErrorIsReported) {
  Flaky flaky;
  SupervisorOptions o = Opts(Strategy::kOneForOne);
  o.max_restarts = 2;
  o.period = absl::Seconds(60);
  o.backoff = Backoff{absl::Milliseconds(100), absl::Seconds(1), 2.0, true};
  Supervisor sup = Start(o, {W("a"), FlakySpec(&trace_, &flaky, "db")});
  flaky.failures_left = 100;
  ExitReason sup_exit;
  rt_.Watch(sup.pid(), [&](Pid, const ExitReason& r) { sup_exit = r; });

  CrashChild(sup, "db");
  rt_.AdvanceTime(absl::Seconds(1));

  EXPECT_FALSE(rt_.IsAlive(sup.pid()));
  EXPECT_THAT(trace_.TimesOf("attempt db"), ElementsAre(0, 0, 100));
  EXPECT_EQ(sup_exit.kind(), ExitKind::kMaxIntensity);
  EXPECT_THAT(sup_exit.detail(), HasSubstr("child 'db' failed to start: UNAVAILABLE: db down"));
  EXPECT_THAT(sup_exit.detail(), HasSubstr("3 restarts within 1m (max 2)"));
  EXPECT_EQ(trace_.Texts().back(), "exit a: shutdown");
}

// At initial start, a failed child start fails the supervisor's start: the
// children started before are terminated in reverse order, later ones are
// never started.
struct InitialFailure {
  std::string name;
  absl::StatusCode code;
  std::string message_part;
  std::vector<std::string> trace;
};

class InitialFailureTest : public SupervisorFixture,
                           public ::testing::WithParamInterface<InitialFailure> {
 protected:
  ChildSpec Bad(const std::string& kind) {
    if (kind == "throws") {
      return ChildSpec{"bad", [](Runtime&, const SpawnOptions&) -> absl::StatusOr<Pid> {
                         throw std::runtime_error("kaboom");
                       }};
    }
    if (kind == "error") {
      return ChildSpec{"bad", [](Runtime&, const SpawnOptions&) -> absl::StatusOr<Pid> {
                         return absl::InvalidArgumentError("no port");
                       }};
    }
    if (kind == "crashes_on_start") return W("bad", Behaviour{false, false, true});
    if (kind == "refuses") return ChildSpec::For<Refuser>("bad", &trace_, std::string("bad"));
    // "never_ready"
    return ChildSpec::For<SlowStarter>("bad", &trace_, std::string("bad"), absl::InfiniteDuration())
        .WithStartTimeout(absl::Seconds(1));
  }
};

TEST_P(InitialFailureTest, AFailedChildStartFailsTheSupervisorStart) {
  const InitialFailure& p = GetParam();
  ExitReason sup_exit;
  absl::StatusOr<Supervisor> sup =
      StartSupervisor(rt_, Opts(Strategy::kOneForOne), {W("a"), W("b"), Bad(p.name), W("c")});
  ASSERT_FALSE(sup.ok());
  EXPECT_EQ(sup.status().code(), p.code) << sup.status();
  EXPECT_THAT(std::string(sup.status().message()), HasSubstr("failed to start child 'bad': "));
  EXPECT_THAT(std::string(sup.status().message()), HasSubstr(p.message_part));
  rt_.RunUntilIdle();
  EXPECT_EQ(trace_.Texts(), p.trace);
  EXPECT_EQ(trace_.starts.count("c"), 0u);
  EXPECT_EQ(rt_.stats().live_actors, 0u);
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, InitialFailureTest,
    ::testing::Values(
        InitialFailure{"throws", absl::StatusCode::kInternal, "start function threw: kaboom",
                       {"start a", "start b", "exit b: shutdown", "exit a: shutdown"}},
        InitialFailure{"error", absl::StatusCode::kInvalidArgument, "no port",
                       {"start a", "start b", "exit b: shutdown", "exit a: shutdown"}},
        InitialFailure{"crashes_on_start", absl::StatusCode::kAborted, "crash: bad config",
                       // OnStart threw: the child never started, so no OnExit.
                       {"start a", "start b", "start bad", "exit b: shutdown", "exit a: shutdown"}},
        InitialFailure{"refuses", absl::StatusCode::kFailedPrecondition, "not configured",
                       {"start a", "start b", "start bad", "exit bad: killed", "exit b: shutdown",
                        "exit a: shutdown"}},
        InitialFailure{"never_ready", absl::StatusCode::kDeadlineExceeded,
                       "no answer to the start probe within 1s",
                       {"start a", "start b", "start bad", "exit bad: killed", "exit b: shutdown",
                        "exit a: shutdown"}}),
    [](const ::testing::TestParamInfo<InitialFailure>& info) { return info.param.name; });

TEST_F(SupervisorFixture, ChildrenStartOneAfterAnotherEachAfterThePreviousAnswered) {
  Supervisor sup = Start(
      Opts(Strategy::kOneForOne),
      {W("a"),
       ChildSpec::For<SlowStarter>("slow", &trace_, std::string("slow"), absl::Milliseconds(500)),
       W("c")});
  EXPECT_THAT(trace_.Texts(), ElementsAre("start a", "start slow", "slow ready", "start c"));
  EXPECT_THAT(trace_.TimesOf("start c"), ElementsAre(500));
  EXPECT_EQ(sup.CountChildren()->active, 3);
}

// --- shutdown ---------------------------------------------------------------------

TEST_F(SupervisorFixture, StopShutsChildrenDownInReverseOrderAndKillsOnesIgnoringTheirGrace) {
  Supervisor sup = Start(
      Opts(Strategy::kOneForOne),
      {W("a"),
       W("b", Behaviour{true, true, false}).WithShutdown(ShutdownPolicy::Graceful(absl::Seconds(2))),
       W("c", Behaviour{true, false, false}),
       W("d", Behaviour{true, true, false}).WithShutdown(ShutdownPolicy::BrutalKill())});
  size_t mark = trace_.size();
  size_t sup_mark = trace_.sup.size();

  absl::StatusOr<ExitReason> r = sup.Stop();

  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, ExitReason::Shutdown());
  EXPECT_THAT(trace_.Texts(mark),
              ElementsAre("exit d: killed",                              // brutal_kill
                          "c trapped shutdown", "exit c: shutdown",      // cooperates
                          "b trapped shutdown", "exit b: killed",        // ignores: killed at 2 s
                          "exit a: shutdown"));                          // does not trap
  EXPECT_THAT(trace_.TimesOf("exit b: killed"), ElementsAre(2000));
  EXPECT_THAT(trace_.TimesOf("exit a: shutdown"), ElementsAre(2000));
  EXPECT_THAT(std::vector<std::string>(trace_.sup.begin() + sup_mark, trace_.sup.end()),
              ElementsAre("shutting_down shutdown", "child_killed d", "child_terminated d killed",
                          "shutdown_sent c", "child_terminated c shutdown", "shutdown_sent b",
                          "child_killed b", "child_terminated b killed", "shutdown_sent a",
                          "child_terminated a shutdown"));
  EXPECT_EQ(rt_.stats().live_actors, 0u);
}

TEST_F(SupervisorFixture, AnExitSignalFromOutsideStopsItWithThatReason) {
  Supervisor sup = Start(Opts(Strategy::kOneForOne), {W("a"), W("b")});
  ExitReason sup_exit;
  rt_.Watch(sup.pid(), [&](Pid, const ExitReason& r) { sup_exit = r; });
  size_t mark = trace_.size();
  rt_.Exit(sup.pid(), ExitReason::Timeout("upstream"));
  rt_.RunUntilIdle();
  EXPECT_THAT(trace_.Texts(mark), ElementsAre("exit b: shutdown", "exit a: shutdown"));
  EXPECT_EQ(sup_exit, ExitReason::Timeout("upstream"));
}

TEST_F(SupervisorFixture, WhenItsParentExitsItShutsItsChildrenDownInOrder) {
  Pid owner = rt_.Spawn<Worker>(&trace_, "owner", Behaviour())->pid();
  rt_.RunUntilIdle();
  absl::StatusOr<SupervisorRef> sup = SpawnSupervisor(rt_, Opts(Strategy::kOneForOne),
                                                      {W("a"), W("b")}, SpawnOptions().WithParent(owner));
  ASSERT_TRUE(sup.ok()) << sup.status();
  rt_.RunUntilIdle();
  EXPECT_THAT(trace_.Texts(), ElementsAre("start owner", "start a", "start b"));
  ExitReason sup_exit;
  rt_.Watch(sup->pid(), [&](Pid, const ExitReason& r) { sup_exit = r; });
  size_t mark = trace_.size();
  rt_.Send(owner, Crash{"owner failed"});
  rt_.RunUntilIdle();
  // The tree's signal {from: owner, shutdown} is an orderly stop.
  EXPECT_THAT(trace_.Texts(mark),
              ElementsAre("exit owner: crash: owner failed", "exit b: shutdown", "exit a: shutdown"));
  EXPECT_EQ(sup_exit, ExitReason::Shutdown());
}

TEST_F(SupervisorFixture, ExitSignalsFromLinkedPeersAreIgnoredAsInOtp) {
  Supervisor sup = Start(Opts(Strategy::kOneForOne), {W("a")});
  Pid peer = rt_.Spawn<Worker>(&trace_, "peer", Behaviour())->pid();
  rt_.RunUntilIdle();
  ASSERT_TRUE(Link(rt_, peer, sup.pid()).ok());
  rt_.Send(peer, Crash{"peer failed"});
  rt_.RunUntilIdle();
  EXPECT_TRUE(rt_.IsAlive(sup.pid()));
  EXPECT_EQ(Infos(sup)["a"].state, ChildInfo::State::kRunning);
  EXPECT_EQ(trace_.Texts().back(), "exit peer: crash: peer failed");
}

TEST_F(SupervisorFixture, AKilledSupervisorStillEndsItsChildren) {
  // "outside" is spawned by a start function that ignores the options: it is
  // not in the supervisor's part of the actor tree.
  ChildSpec outside{"outside", [this](Runtime& rt, const SpawnOptions&) -> absl::StatusOr<Pid> {
                      auto r = rt.Spawn<Worker>(&trace_, "outside", Behaviour{true, true, false});
                      if (!r.ok()) return r.status();
                      return r->pid();
                    }};
  outside.WithShutdown(ShutdownPolicy::Graceful(absl::Seconds(1)));
  Supervisor sup = Start(
      Opts(Strategy::kOneForOne),
      {W("a"),
       W("b", Behaviour{true, true, false}).WithShutdown(ShutdownPolicy::Graceful(absl::Seconds(1))),
       outside});
  size_t mark = trace_.size();
  rt_.Kill(sup.pid());
  rt_.RunUntilIdle();
  // Exit signal shutdown to each: a (not trapping) ends at once, b and
  // "outside" trap it and carry on...
  EXPECT_THAT(trace_.Texts(mark), UnorderedElementsAre("exit a: shutdown", "b trapped shutdown",
                                                       "outside trapped shutdown"));
  // ...until they are killed: "outside" after its spec's grace period (by
  // the supervisor's OnExit), b after the actor tree's child_grace (5 s).
  rt_.AdvanceTime(absl::Seconds(10));
  EXPECT_THAT(trace_.TimesOf("exit outside: killed"), ElementsAre(1000));
  EXPECT_THAT(trace_.TimesOf("exit b: killed"), ElementsAre(5000));
  EXPECT_EQ(rt_.stats().live_actors, 0u);
}

// --- incarnations -----------------------------------------------------------------

TEST_F(SupervisorFixture, AnExitDuringAGroupRestartIsAbsorbedNotRestartedTwice) {
  SupervisorOptions o = Opts(Strategy::kOneForAll);
  o.max_restarts = 1;  // a second restart would end the supervisor
  Supervisor sup = Start(
      o, {W("a"), W("b"),
          W("c", Behaviour{true, true, false}).WithShutdown(ShutdownPolicy::Graceful(absl::Seconds(1)))});
  auto before = Pids(sup);
  size_t mark = trace_.size();

  rt_.Send(before["b"], Crash{"boom"});
  rt_.RunUntilIdle();  // the supervisor now waits for c (grace 1 s)
  rt_.Send(before["a"], Crash{"meanwhile"});
  rt_.RunUntilIdle();
  rt_.AdvanceTime(absl::Seconds(1));

  EXPECT_THAT(trace_.Texts(mark),
              ElementsAre("exit b: crash: boom", "c trapped shutdown", "exit a: crash: meanwhile",
                          "exit c: killed", "start a", "start b", "start c"));
  EXPECT_TRUE(rt_.IsAlive(sup.pid()));
  for (const char* id : {"a", "b", "c"}) {
    EXPECT_EQ(trace_.starts[id], 2) << id;
    EXPECT_EQ(trace_.max_live[id], 1) << id;
  }
}

// --- static child management ---------------------------------------------------------

TEST_F(SupervisorFixture, StaticChildrenCanBeAddedTerminatedRestartedAndDeleted) {
  Supervisor sup = Start(Opts(Strategy::kOneForOne), {W("a"), W("b")});

  absl::StatusOr<Pid> dup = sup.StartChild(W("a"));
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists);
  absl::StatusOr<Pid> c = sup.StartChild(W("c"));
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(rt_.IsAlive(*c));

  Pid b = *sup.ChildPid("b");
  size_t mark = trace_.size();
  ASSERT_TRUE(sup.TerminateChild("b").ok());
  EXPECT_THAT(trace_.Texts(mark), ElementsAre("exit b: shutdown"));
  EXPECT_FALSE(rt_.IsAlive(b));
  EXPECT_EQ(Infos(sup)["b"].state, ChildInfo::State::kStopped);
  EXPECT_FALSE(Infos(sup)["b"].pid.valid());

  EXPECT_EQ(sup.RestartChild("a").status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(sup.DeleteChild("a").code(), absl::StatusCode::kFailedPrecondition);
  absl::StatusOr<Pid> b2 = sup.RestartChild("b");
  ASSERT_TRUE(b2.ok()) << b2.status();
  EXPECT_NE(*b2, b);
  EXPECT_TRUE(rt_.IsAlive(*b2));

  ASSERT_TRUE(sup.TerminateChild(*b2).ok());  // by pid works too
  ASSERT_TRUE(sup.DeleteChild("b").ok());
  std::vector<std::string> ids;
  absl::StatusOr<std::vector<ChildInfo>> children = sup.WhichChildren();
  ASSERT_TRUE(children.ok());
  for (const ChildInfo& i : *children) ids.push_back(i.id);
  EXPECT_THAT(ids, ElementsAre("a", "c"));

  EXPECT_EQ(sup.TerminateChild("zzz").code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(sup.RestartChild("zzz").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(sup.DeleteChild("zzz").code(), absl::StatusCode::kNotFound);
  absl::StatusOr<ChildCounts> n = sup.CountChildren();
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(n->specs, 2);
  EXPECT_EQ(n->active, 2);
  EXPECT_EQ(n->workers, 2);
  EXPECT_EQ(n->supervisors, 0);
}

TEST_F(SupervisorFixture, BadOptionsAndSpecsAreRejected) {
  EXPECT_EQ(StartSupervisor(rt_, Opts(Strategy::kOneForOne), {W("a"), W("a")}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(StartSupervisor(rt_, Opts(Strategy::kOneForOne), {ChildSpec{"x", nullptr}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(StartSupervisor(rt_, Opts(Strategy::kOneForOne), {W("")}).status().code(),
            absl::StatusCode::kInvalidArgument);
  SupervisorOptions o = Opts(Strategy::kOneForOne);
  o.period = absl::ZeroDuration();
  EXPECT_EQ(StartSupervisor(rt_, o, {}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(rt_.stats().live_actors, 0u);
}

// --- dynamic supervisor ---------------------------------------------------------------

TEST_F(SupervisorFixture, ADynamicSupervisorAddsRestartsAndRemovesChildrenAtRunTime) {
  DynamicSupervisorOptions o;
  o.max_children = 3;
  o.backoff = Backoff::None();
  absl::StatusOr<Supervisor> dyn = StartDynamicSupervisor(rt_, o);
  ASSERT_TRUE(dyn.ok()) << dyn.status();
  EXPECT_TRUE(dyn->WhichChildren()->empty());

  Pid w1 = *dyn->StartChild(W("w1"));
  Pid w2 = *dyn->StartChild(W("w2").WithRestart(RestartType::kTemporary));
  Pid w3 = *dyn->StartChild(W("w3").WithRestart(RestartType::kTransient));
  EXPECT_EQ(dyn->StartChild(W("w4")).status().code(), absl::StatusCode::kResourceExhausted);
  std::vector<ChildInfo> children = *dyn->WhichChildren();
  ASSERT_EQ(children.size(), 3u);
  EXPECT_EQ(children[0].pid, w1);
  EXPECT_EQ(children[1].pid, w2);
  EXPECT_EQ(children[2].pid, w3);

  // A permanent child is restarted in place, with a new pid.
  rt_.Send(w1, Crash{"boom"});
  rt_.RunUntilIdle();
  children = *dyn->WhichChildren();
  ASSERT_EQ(children.size(), 3u);
  EXPECT_EQ(children[0].id, "w1");
  EXPECT_NE(children[0].pid, w1);
  EXPECT_TRUE(rt_.IsAlive(children[0].pid));
  EXPECT_EQ(children[0].restarts, 1u);
  const Pid w1b = children[0].pid;

  // A temporary child that crashed and a transient one that ended normally go.
  rt_.Send(w2, Crash{"boom"});
  rt_.Send(w3, Finish{});
  rt_.RunUntilIdle();
  children = *dyn->WhichChildren();
  ASSERT_EQ(children.size(), 1u);
  EXPECT_EQ(children[0].pid, w1b);

  // Ids need not be unique; children are named by pid.
  Pid x1 = *dyn->StartChild(W("x"));
  Pid x2 = *dyn->StartChild(W("x"));
  EXPECT_NE(x1, x2);
  size_t mark = trace_.size();
  ASSERT_TRUE(dyn->TerminateChild(x1).ok());
  EXPECT_THAT(trace_.Texts(mark), ElementsAre("exit x: shutdown"));
  EXPECT_EQ(dyn->TerminateChild(x1).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(dyn->TerminateChild(w1).code(), absl::StatusCode::kNotFound);  // an old incarnation
  EXPECT_EQ(dyn->RestartChild("w1").status().code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(dyn->DeleteChild("w1").code(), absl::StatusCode::kUnimplemented);

  // A failed start is reported and leaves nothing behind.
  absl::StatusOr<Pid> bad = dyn->StartChild(
      ChildSpec{"bad", [](Runtime&, const SpawnOptions&) -> absl::StatusOr<Pid> {
                  return absl::UnavailableError("no capacity");
                }});
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(bad.status().message()), HasSubstr("failed to start child 'bad': no capacity"));
  EXPECT_EQ(dyn->CountChildren()->specs, 2);
  EXPECT_EQ(dyn->CountChildren()->active, 2);

  mark = trace_.size();
  ASSERT_TRUE(dyn->Stop().ok());
  EXPECT_THAT(trace_.Texts(mark), ElementsAre("exit x: shutdown", "exit w1: shutdown"));
}

TEST_F(SupervisorFixture, ADynamicChildThatCrashesTooOftenEndsTheDynamicSupervisor) {
  DynamicSupervisorOptions o;
  o.max_restarts = 1;
  o.backoff = Backoff::None();
  Supervisor dyn = *StartDynamicSupervisor(rt_, o);
  Pid w = *dyn.StartChild(W("w"));
  Pid v = *dyn.StartChild(W("v"));
  rt_.Send(w, Crash{"1"});
  rt_.RunUntilIdle();
  rt_.Send(dyn.WhichChildren()->at(0).pid, Crash{"2"});
  rt_.RunUntilIdle();
  EXPECT_FALSE(rt_.IsAlive(dyn.pid()));
  EXPECT_FALSE(rt_.IsAlive(v));
}

// --- nesting --------------------------------------------------------------------------

TEST_F(SupervisorFixture, NestedSupervisorsRestartAnInnerOneThatGaveUp) {
  SupervisorOptions inner = Opts(Strategy::kOneForOne, "inner");
  inner.max_restarts = 1;
  inner.name = "inner";
  SupervisorOptions outer = Opts(Strategy::kOneForOne, "outer");
  Supervisor sup = Start(outer, {SupervisorSpec("inner", inner, {W("x")}), W("y")});
  // The inner supervisor counts as started once x has started, so x starts
  // before y.
  EXPECT_THAT(trace_.Texts(), ElementsAre("start x", "start y"));
  auto counts = *sup.CountChildren();
  EXPECT_EQ(counts.supervisors, 1);
  EXPECT_EQ(counts.workers, 1);
  auto before = Pids(sup);
  Supervisor inner_sup(rt_, before["inner"]);

  CrashChild(inner_sup, "x");  // restarted by the inner supervisor
  size_t mark = trace_.size();
  CrashChild(inner_sup, "x");  // one too many: the inner one gives up

  EXPECT_THAT(trace_.Texts(mark), ElementsAre("exit x: crash: boom", "start x"));
  EXPECT_FALSE(rt_.IsAlive(before["inner"]));
  auto after = Infos(sup);
  EXPECT_NE(after["inner"].pid, before["inner"]);
  EXPECT_TRUE(after["inner"].is_supervisor);
  EXPECT_EQ(after["inner"].restarts, 1u);
  EXPECT_EQ(after["y"].pid, before["y"]);
  EXPECT_THAT(trace_.sup, ::testing::Contains(HasSubstr("outer: child_exited inner max_intensity: ")));
  EXPECT_THAT(trace_.sup, ::testing::Contains("inner: child_started x"));

  // Stopping the outer one shuts y down, then the inner supervisor (x).
  mark = trace_.size();
  ASSERT_TRUE(sup.Stop().ok());
  EXPECT_THAT(trace_.Texts(mark), ElementsAre("exit y: shutdown", "exit x: shutdown"));
  EXPECT_EQ(rt_.stats().live_actors, 0u);
}

TEST_F(SupervisorFixture, AnInnerSupervisorWhoseChildFailsToStartIsAFailedStart) {
  SupervisorOptions inner = Opts(Strategy::kOneForOne, "inner");
  absl::StatusOr<Supervisor> sup = StartSupervisor(
      rt_, Opts(Strategy::kOneForOne, "outer"),
      {W("a"), SupervisorSpec("inner", inner, {W("x"), W("bad", Behaviour{false, false, true})})});
  ASSERT_FALSE(sup.ok());
  EXPECT_THAT(std::string(sup.status().message()), HasSubstr("failed to start child 'inner': "));
  EXPECT_THAT(std::string(sup.status().message()), HasSubstr("failed to start child 'bad': "));
  rt_.RunUntilIdle();
  // "bad" threw in OnStart: it never started, so it has no OnExit.
  EXPECT_THAT(trace_.Texts(), ElementsAre("start a", "start x", "start bad", "exit x: shutdown",
                                          "exit a: shutdown"));
}

// --- from inside an actor ---------------------------------------------------------------

struct Go {};

// Starts a dynamic supervisor without blocking, then manages it with calls.
class Manager : public Actor<Manager, Go> {
 public:
  explicit Manager(Trace* t) : t_(t) {}
  Task<void> Handle(Go&) {
    DynamicSupervisorOptions o;
    absl::StatusOr<SupervisorRef> sup = SpawnDynamicSupervisor(runtime(), o);
    if (!sup.ok()) co_return;
    absl::Status ready = co_await Call(*sup, StartProbe{}, absl::Seconds(1));
    t_->Add("ready " + ready.ToString());
    // Messages with non-trivial members are built before the co_await: GCC
    // 12 destroys temporaries created inside a co_await operand twice.
    StartChild start{ChildSpec::For<Worker>("w", t_, std::string("w"), Behaviour())};
    absl::StatusOr<Pid> child = co_await Call(*sup, std::move(start), absl::Seconds(1));
    t_->Add(absl::StrCat("child ", child.ok() ? "ok" : child.status().ToString()));
    absl::StatusOr<std::vector<ChildInfo>> children = co_await Call(*sup, WhichChildren{}, absl::Seconds(1));
    t_->Add(absl::StrCat("children ", children.ok() ? children->size() : 0));
    TerminateChild terminate{"", *child};
    absl::Status stopped = co_await Call(*sup, std::move(terminate), absl::Seconds(1));
    t_->Add("terminated " + stopped.ToString());
  }

 private:
  Trace* t_;
};

TEST_F(SupervisorFixture, AnActorUsesASupervisorThroughMessages) {
  Pid m = rt_.Spawn<Manager>(&trace_)->pid();
  rt_.Send(m, Go{});
  rt_.RunUntilIdle();
  EXPECT_THAT(trace_.Texts(), ElementsAre("ready OK", "start w", "child ok", "children 1",
                                          "exit w: shutdown", "terminated OK"));
}

}  // namespace
}  // namespace myr::supervise
