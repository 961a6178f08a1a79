// Copyright Myrmidon authors.
//
// Hot swap: state and queued messages kept, versions, rollback, bounded
// history, rejected installs (error, exception, in place), ordering around
// a swap (one sender; an actor sender among other senders, over seeds),
// swaps waiting for a suspended handler, actor-side swaps, crashes in a new
// behaviour; and (threaded) swaps and rollbacks under a flood from several
// threads, and swaps racing each other.
#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "libs/sched/runtime.h"
#include "libs/sched/testing/sched_testing.h"
#include "libs/supervise/hot_swap.h"

namespace myr::supervise {
namespace {

using Origin = BehaviourRecord::Origin;
using sched_testing::ExitWatch;
using sched_testing::Threaded;

constexpr absl::Duration kTimeout = absl::Seconds(30);

// --- a counter whose behaviours log what they handle ------------------------------

struct Counter {
  int64_t total = 0;
  int schema = 1;
  std::vector<std::string> log;  // "<behaviour name>:<what>", in handling order
};

struct Add {
  int64_t n;
};
struct Note {
  std::string what;
};
struct Get {
  using Reply = int64_t;
};
struct ReadLog {
  using Reply = std::vector<std::string>;
};
struct Schema {
  using Reply = int;
};
struct WhoAmI {
  using Reply = std::string;
};
// A request whose handler waits (a Task), with `using Reply = ...`.
struct Slow {
  using Reply = int64_t;
  using BehaviourResult = Task<absl::StatusOr<int64_t>>;
};
struct Boom {};
// A request without a value: its handler returns absl::Status.
struct Check {
  using Reply = void;
};

using CounterBehaviour =
    Behaviour<Counter, Add, Note, Get, ReadLog, Schema, WhoAmI, Slow, Boom, Check>;
using CounterActor = Swappable<Counter, Add, Note, Get, ReadLog, Schema, WhoAmI, Slow, Boom, Check>;

// Adds factor * n and logs every message it handles under its name.
class Scaled : public CounterBehaviour {
 public:
  Scaled(std::string name, int64_t factor, std::vector<std::string>* exits = nullptr)
      : name_(std::move(name)), factor_(factor), exits_(exits) {}
  std::string Name() const override { return name_; }

  void Handle(Counter& s, Add& m) override {
    s.total += factor_ * m.n;
    s.log.push_back(absl::StrCat(name_, ":", m.n));
  }
  void Handle(Counter& s, Note& m) override { s.log.push_back(absl::StrCat(name_, ":", m.what)); }
  absl::StatusOr<int64_t> Handle(Counter& s, Get&) override { return s.total; }
  absl::StatusOr<std::vector<std::string>> Handle(Counter& s, ReadLog&) override { return s.log; }
  absl::StatusOr<int> Handle(Counter& s, Schema&) override { return s.schema; }
  absl::StatusOr<std::string> Handle(Counter&, WhoAmI&) override {
    return absl::StrCat(name_, "@", self().ToString(), " v", version());
  }
  Task<absl::StatusOr<int64_t>> Handle(Counter& s, Slow&) override {
    s.log.push_back(absl::StrCat(name_, ":slow-begin"));
    co_await Sleep(absl::Seconds(1));
    s.log.push_back(absl::StrCat(name_, ":slow-end"));
    co_return s.total;
  }
  void Handle(Counter&, Boom&) override { throw std::runtime_error(name_ + " went boom"); }
  absl::Status Handle(Counter& s, Check&) override {
    if (s.total < 0) return absl::DataLossError("negative total");
    return absl::OkStatus();
  }
  void OnExit(Counter& s, const ExitReason& r) override {
    if (exits_ != nullptr) exits_->push_back(absl::StrCat(name_, " exit ", r.ToString()));
  }

 protected:
  const std::string name_;
  const int64_t factor_;
  std::vector<std::string>* exits_;
};

// Migrates the state to `schema` and logs what it was told.
class Migrating : public Scaled {
 public:
  Migrating(std::string name, int64_t factor, int schema)
      : Scaled(std::move(name), factor), schema_(schema) {}
  absl::Status OnInstall(Counter& s, const InstallInfo& info) override {
    s.schema = schema_;
    s.log.push_back(absl::StrCat("install ", name_, " ", OriginName(info.origin), " from v",
                                 info.from_version, " '", info.from_name, "' to v",
                                 info.to_version, " restored v", info.restored_from));
    return absl::OkStatus();
  }

 private:
  const int schema_;
};

// Damages the state, then refuses (returns `why`, or throws if `throws`).
class Rejecting : public Scaled {
 public:
  Rejecting(std::string name, absl::Status why, bool throws = false)
      : Scaled(std::move(name), 1000), why_(std::move(why)), throws_(throws) {}
  absl::Status OnInstall(Counter& s, const InstallInfo&) override {
    s.total = -999;
    s.schema = -1;
    s.log.push_back("corrupted");
    if (throws_) throw std::runtime_error("migration exploded");
    return why_;
  }

 private:
  const absl::Status why_;
  const bool throws_;
};

// Accepts swaps, refuses to be rolled back to.
class NoRollback : public Scaled {
 public:
  using Scaled::Scaled;
  absl::Status OnInstall(Counter&, const InstallInfo& info) override {
    if (info.origin == Origin::kRollback) return absl::UnavailableError("not again");
    return absl::OkStatus();
  }
};

std::unique_ptr<CounterBehaviour> Named(std::string name, int64_t factor = 1) {
  return std::make_unique<Scaled>(std::move(name), factor);
}

std::vector<std::string> Names(const std::vector<BehaviourRecord>& h) {
  std::vector<std::string> out;
  for (const BehaviourRecord& r : h) out.push_back(r.name);
  return out;
}
std::vector<uint64_t> Versions(const std::vector<BehaviourRecord>& h) {
  std::vector<uint64_t> out;
  for (const BehaviourRecord& r : h) out.push_back(r.version);
  return out;
}

class HotSwapTest : public ::testing::Test {
 protected:
  CounterActor::Interface Spawn(std::unique_ptr<CounterBehaviour> b,
                                SwapOptions options = SwapOptions()) {
    absl::StatusOr<CounterActor::Interface> ref =
        rt_.Spawn<CounterActor>(std::move(b), Counter{}, options);
    EXPECT_TRUE(ref.ok()) << ref.status();
    rt_.RunUntilIdle();
    return *ref;
  }
  int64_t Total(CounterActor::Interface ref) {
    absl::StatusOr<int64_t> t = rt_.Call(ref, Get{}, kTimeout);
    EXPECT_TRUE(t.ok()) << t.status();
    return t.value_or(-1);
  }
  std::vector<std::string> LogOf(CounterActor::Interface ref) {
    absl::StatusOr<std::vector<std::string>> l = rt_.Call(ref, ReadLog{}, kTimeout);
    EXPECT_TRUE(l.ok()) << l.status();
    return l.value_or(std::vector<std::string>{});
  }
  uint64_t VersionOf(CounterActor::Interface ref) {
    absl::StatusOr<uint64_t> v = Version(rt_, ref, kTimeout);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.value_or(0);
  }
  std::vector<BehaviourRecord> HistoryOf(CounterActor::Interface ref) {
    absl::StatusOr<std::vector<BehaviourRecord>> h = History(rt_, ref, kTimeout);
    EXPECT_TRUE(h.ok()) << h.status();
    return h.value_or(std::vector<BehaviourRecord>{});
  }

  std::vector<std::string> exits_;  // declared first: the runtime's shutdown may write to it
  Runtime rt_{RuntimeOptions::Deterministic(11)};
};

// --- state, mailbox, versions -----------------------------------------------------

TEST_F(HotSwapTest, StateAndQueuedMessagesAreKeptAcrossASwap) {
  CounterActor::Interface ref = Spawn(Named("x1", 1));
  // Nothing runs until the test drives the runtime: all of this is queued
  // when the swap is handled.
  for (int i = 1; i <= 5; ++i) ASSERT_EQ(rt_.Send(ref, Add{i}), SendResult::kOk);
  ASSERT_EQ(SendSwap(rt_, ref, Named("x10", 10)), SendResult::kOk);
  for (int i = 6; i <= 10; ++i) ASSERT_EQ(rt_.Send(ref, Add{i}), SendResult::kOk);

  EXPECT_EQ(Total(ref), (1 + 2 + 3 + 4 + 5) + 10 * (6 + 7 + 8 + 9 + 10));
  EXPECT_EQ(LogOf(ref), (std::vector<std::string>{"x1:1", "x1:2", "x1:3", "x1:4", "x1:5",
                                                  "x10:6", "x10:7", "x10:8", "x10:9", "x10:10"}));
  EXPECT_EQ(VersionOf(ref), 2u);
}

TEST_F(HotSwapTest, EachSwapBumpsTheVersionAndIsRecordedInTheHistory) {
  CounterActor::Interface ref = Spawn(Named("a"));
  EXPECT_EQ(VersionOf(ref), 1u);
  int64_t before = rt_.NowNanos();
  EXPECT_EQ(Swap(rt_, ref, Named("b"), kTimeout).value_or(0), 2u);
  rt_.AdvanceTime(absl::Seconds(3));
  EXPECT_EQ(Swap(rt_, ref, Named("c"), kTimeout).value_or(0), 3u);
  EXPECT_EQ(Swap(rt_, ref, Named("d"), kTimeout).value_or(0), 4u);
  EXPECT_EQ(VersionOf(ref), 4u);

  std::vector<BehaviourRecord> h = HistoryOf(ref);
  ASSERT_EQ(h.size(), 4u);
  EXPECT_EQ(Names(h), (std::vector<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(Versions(h), (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(h[0].origin, Origin::kInitial);
  for (size_t i = 1; i < h.size(); ++i) {
    EXPECT_EQ(h[i].origin, Origin::kSwap);
    EXPECT_EQ(h[i].restored_from, 0u);
  }
  // Install times are on the runtime's (here virtual) clock.
  EXPECT_EQ(h[1].installed_at_ns, before);
  EXPECT_EQ(h[2].installed_at_ns, before + absl::ToInt64Nanoseconds(absl::Seconds(3)));
  EXPECT_EQ(h[3].ToString(), "v4 'd' (swap)");

  rt_.Send(ref, Note{"hello"});
  EXPECT_EQ(LogOf(ref), (std::vector<std::string>{"d:hello"}));
}

TEST_F(HotSwapTest, HandlersReachTheActorThroughTheBehaviourHelpers) {
  CounterActor::Interface ref = Spawn(Named("a"));
  ASSERT_TRUE(Swap(rt_, ref, Named("b"), kTimeout).ok());
  absl::StatusOr<std::string> who = rt_.Call(ref, WhoAmI{}, kTimeout);
  ASSERT_TRUE(who.ok()) << who.status();
  EXPECT_EQ(*who, absl::StrCat("b@", ref.pid().ToString(), " v2"));
  // A request without a value: the handler's absl::Status is the reply.
  EXPECT_TRUE(rt_.Call(ref, Check{}, kTimeout).ok());
}

// --- rollback and history ---------------------------------------------------------

TEST_F(HotSwapTest, RollbackOneStepReinstallsThePreviousBehaviourAsANewVersion) {
  CounterActor::Interface ref = Spawn(Named("a", 1));
  ASSERT_EQ(Swap(rt_, ref, Named("b", 10), kTimeout).value_or(0), 2u);
  ASSERT_EQ(Swap(rt_, ref, Named("c", 100), kTimeout).value_or(0), 3u);
  rt_.Send(ref, Add{1});  // c
  absl::StatusOr<uint64_t> v = Rollback(rt_, ref, 1, kTimeout);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, 4u);  // versions only grow
  rt_.Send(ref, Add{1});  // b again
  EXPECT_EQ(Total(ref), 100 + 10);
  EXPECT_EQ(LogOf(ref), (std::vector<std::string>{"c:1", "b:1"}));

  std::vector<BehaviourRecord> h = HistoryOf(ref);
  EXPECT_EQ(Names(h), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Versions(h), (std::vector<uint64_t>{1, 4}));
  EXPECT_EQ(h[1].origin, Origin::kRollback);
  EXPECT_EQ(h[1].restored_from, 2u);
  EXPECT_EQ(h[1].ToString(), "v4 'b' (rollback, restored v2)");

  // Rolling back again undoes one more install (no toggling back to c).
  EXPECT_EQ(Rollback(rt_, ref, 1, kTimeout).value_or(0), 5u);
  rt_.Send(ref, Add{1});
  EXPECT_EQ(Total(ref), 100 + 10 + 1);
  EXPECT_EQ(Names(HistoryOf(ref)), (std::vector<std::string>{"a"}));
}

TEST_F(HotSwapTest, RollbackNStepsSkipsTheVersionsBetween) {
  CounterActor::Interface ref = Spawn(Named("a", 1));
  for (const char* n : {"b", "c", "d", "e"}) ASSERT_TRUE(Swap(rt_, ref, Named(n), kTimeout).ok());
  ASSERT_EQ(VersionOf(ref), 5u);
  absl::StatusOr<uint64_t> v = Rollback(rt_, ref, 3, kTimeout);
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, 6u);
  std::vector<BehaviourRecord> h = HistoryOf(ref);
  EXPECT_EQ(Names(h), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(Versions(h), (std::vector<uint64_t>{1, 6}));
  EXPECT_EQ(h[1].restored_from, 2u);
  rt_.Send(ref, Note{"after"});
  EXPECT_EQ(LogOf(ref), (std::vector<std::string>{"b:after"}));
}

TEST_F(HotSwapTest, RollbackBeyondTheHistoryFailsWithOutOfRangeAndChangesNothing) {
  CounterActor::Interface ref = Spawn(Named("a"));
  absl::StatusOr<uint64_t> none = Rollback(rt_, ref, 1, kTimeout);
  EXPECT_EQ(none.status().code(), absl::StatusCode::kOutOfRange) << none.status();

  ASSERT_TRUE(Swap(rt_, ref, Named("b"), kTimeout).ok());
  ASSERT_TRUE(Swap(rt_, ref, Named("c"), kTimeout).ok());
  absl::StatusOr<uint64_t> far = Rollback(rt_, ref, 3, kTimeout);
  EXPECT_EQ(far.status().code(), absl::StatusCode::kOutOfRange) << far.status();
  EXPECT_TRUE(absl::StrContains(far.status().message(), "by 3 versions"));
  EXPECT_TRUE(absl::StrContains(far.status().message(), "holds 2 earlier"));
  absl::StatusOr<uint64_t> zero = Rollback(rt_, ref, 0, kTimeout);
  EXPECT_EQ(zero.status().code(), absl::StatusCode::kInvalidArgument) << zero.status();

  EXPECT_EQ(VersionOf(ref), 3u);
  EXPECT_EQ(Names(HistoryOf(ref)), (std::vector<std::string>{"a", "b", "c"}));
  rt_.Send(ref, Note{"n"});
  EXPECT_EQ(LogOf(ref), (std::vector<std::string>{"c:n"}));
  // The whole history is still usable.
  EXPECT_EQ(Rollback(rt_, ref, 2, kTimeout).value_or(0), 4u);
}

TEST_F(HotSwapTest, TheHistoryIsBoundedAndDropsTheOldestFirst) {
  CounterActor::Interface ref = Spawn(Named("v1"), SwapOptions().WithHistory(3));
  for (int i = 2; i <= 7; ++i) {
    ASSERT_EQ(Swap(rt_, ref, Named(absl::StrCat("v", i)), kTimeout).value_or(0),
              static_cast<uint64_t>(i));
  }
  std::vector<BehaviourRecord> h = HistoryOf(ref);
  EXPECT_EQ(Versions(h), (std::vector<uint64_t>{4, 5, 6, 7}));  // the current + 3 earlier
  EXPECT_EQ(Rollback(rt_, ref, 4, kTimeout).status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(Rollback(rt_, ref, 3, kTimeout).value_or(0), 8u);
  rt_.Send(ref, Note{"n"});
  EXPECT_EQ(LogOf(ref), (std::vector<std::string>{"v4:n"}));
}

TEST_F(HotSwapTest, AHistoryOfZeroKeepsOnlyTheCurrentBehaviour) {
  CounterActor::Interface ref = Spawn(Named("a"), SwapOptions().WithHistory(0));
  ASSERT_EQ(Swap(rt_, ref, Named("b"), kTimeout).value_or(0), 2u);
  EXPECT_EQ(Versions(HistoryOf(ref)), (std::vector<uint64_t>{2}));
  EXPECT_EQ(Rollback(rt_, ref, 1, kTimeout).status().code(), absl::StatusCode::kOutOfRange);
}

// --- install hooks ----------------------------------------------------------------

TEST_F(HotSwapTest, OnInstallMigratesTheStateAndIsToldWhatItReplaces) {
  CounterActor::Interface ref = Spawn(std::make_unique<Migrating>("m1", 1, 1));
  rt_.Send(ref, Add{5});
  ASSERT_EQ(Swap(rt_, ref, std::make_unique<Migrating>("m2", 1, 2), kTimeout).value_or(0), 2u);
  EXPECT_EQ(rt_.Call(ref, Schema{}, kTimeout).value_or(0), 2);
  EXPECT_EQ(Total(ref), 5);  // the rest of the state came along
  ASSERT_EQ(Rollback(rt_, ref, 1, kTimeout).value_or(0), 3u);
  EXPECT_EQ(rt_.Call(ref, Schema{}, kTimeout).value_or(0), 1);  // migrated back by m1's hook
  EXPECT_EQ(LogOf(ref), (std::vector<std::string>{
                            "install m1 initial from v0 '' to v1 restored v0",
                            "m1:5",
                            "install m2 swap from v1 'm1' to v2 restored v0",
                            "install m1 rollback from v2 'm2' to v3 restored v1",
                        }));
}

TEST_F(HotSwapTest, ARejectedSwapLeavesTheOldBehaviourVersionAndStateInPlace) {
  CounterActor::Interface ref = Spawn(Named("good", 1));
  rt_.Send(ref, Add{7});
  absl::StatusOr<uint64_t> r =
      Swap(rt_, ref, std::make_unique<Rejecting>("bad", absl::InvalidArgumentError("bad config")),
           kTimeout);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << r.status();
  EXPECT_TRUE(absl::StrContains(r.status().message(), "'bad'")) << r.status();
  EXPECT_TRUE(absl::StrContains(r.status().message(), "INVALID_ARGUMENT: bad config"))
      << r.status();
  EXPECT_TRUE(absl::StrContains(r.status().message(), "v1 stays in place")) << r.status();

  EXPECT_EQ(VersionOf(ref), 1u);
  EXPECT_EQ(Names(HistoryOf(ref)), (std::vector<std::string>{"good"}));
  rt_.Send(ref, Add{1});
  EXPECT_EQ(Total(ref), 8);  // the hook's damage was to a copy; "good" still adds 1x
  EXPECT_EQ(rt_.Call(ref, Schema{}, kTimeout).value_or(0), 1);
  EXPECT_EQ(LogOf(ref), (std::vector<std::string>{"good:7", "good:1"}));
  // The next swap gets the version the rejected one would have had.
  EXPECT_EQ(Swap(rt_, ref, Named("next"), kTimeout).value_or(0), 2u);
}

TEST_F(HotSwapTest, AThrowingOnInstallIsARejectionNotACrash) {
  CounterActor::Interface ref = Spawn(Named("good", 1));
  rt_.Send(ref, Add{7});
  absl::StatusOr<uint64_t> r = Swap(
      rt_, ref, std::make_unique<Rejecting>("bad", absl::OkStatus(), /*throws=*/true), kTimeout);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << r.status();
  EXPECT_TRUE(absl::StrContains(r.status().message(), "threw migration exploded")) << r.status();
  EXPECT_TRUE(rt_.IsAlive(ref));
  EXPECT_EQ(VersionOf(ref), 1u);
  EXPECT_EQ(Total(ref), 7);
  EXPECT_EQ(LogOf(ref), (std::vector<std::string>{"good:7"}));
}

TEST_F(HotSwapTest, ARejectedRollbackChangesNothing) {
  CounterActor::Interface ref = Spawn(std::make_unique<NoRollback>("sticky", 1));
  ASSERT_TRUE(Swap(rt_, ref, Named("b"), kTimeout).ok());
  absl::StatusOr<uint64_t> r = Rollback(rt_, ref, 1, kTimeout);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << r.status();
  EXPECT_TRUE(absl::StrContains(r.status().message(), "UNAVAILABLE: not again")) << r.status();
  EXPECT_TRUE(absl::StrContains(r.status().message(), "rollback of")) << r.status();
  EXPECT_EQ(VersionOf(ref), 2u);
  EXPECT_EQ(Names(HistoryOf(ref)), (std::vector<std::string>{"sticky", "b"}));
  rt_.Send(ref, Note{"n"});
  EXPECT_EQ(LogOf(ref), (std::vector<std::string>{"b:n"}));
}

TEST_F(HotSwapTest, WithoutTransactionalInstallTheHookWorksOnTheLiveState) {
  // The documented contract when the copy is off: a failing hook must not
  // have touched the state; this one does, and the damage stays.
  CounterActor::Interface ref =
      Spawn(Named("good", 1), SwapOptions().WithTransactionalInstall(false));
  rt_.Send(ref, Add{7});
  absl::StatusOr<uint64_t> r =
      Swap(rt_, ref, std::make_unique<Rejecting>("bad", absl::InternalError("x")), kTimeout);
  ASSERT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(VersionOf(ref), 1u);  // the behaviour and version are kept all the same
  EXPECT_EQ(Total(ref), -999);
  EXPECT_EQ(rt_.Call(ref, Check{}, kTimeout).code(), absl::StatusCode::kDataLoss);
}

// A state that cannot be copied: the hook migrates it in place.
struct Box {
  std::unique_ptr<int> value;
};
struct Put {
  int v;
};
struct Peek {
  using Reply = int;
};
using BoxBehaviour = Behaviour<Box, Put, Peek>;
using BoxActor = Swappable<Box, Put, Peek>;

class BoxV1 : public BoxBehaviour {
 public:
  void Handle(Box& s, Put& m) override { s.value = std::make_unique<int>(m.v); }
  absl::StatusOr<int> Handle(Box& s, Peek&) override {
    if (s.value == nullptr) return absl::NotFoundError("empty");
    return *s.value;
  }
};
class BoxV2 : public BoxV1 {  // stores in hundreds: migrates what is there
 public:
  absl::Status OnInstall(Box& s, const InstallInfo&) override {
    if (s.value == nullptr) return absl::FailedPreconditionError("nothing to migrate");
    *s.value *= 100;
    return absl::OkStatus();
  }
  absl::StatusOr<int> Handle(Box& s, Peek& m) override {
    absl::StatusOr<int> v = BoxV1::Handle(s, m);
    if (!v.ok()) return v;
    return *v / 100;
  }
};

TEST_F(HotSwapTest, AStateThatCannotBeCopiedIsMigratedInPlace) {
  absl::StatusOr<BoxActor::Interface> ref = rt_.Spawn<BoxActor>(std::make_unique<BoxV1>(), Box{});
  ASSERT_TRUE(ref.ok());
  // Empty: BoxV2's hook refuses without touching anything.
  EXPECT_EQ(Swap(rt_, *ref, std::make_unique<BoxV2>(), kTimeout).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(rt_.Call(*ref, Peek{}, kTimeout).status().code(), absl::StatusCode::kNotFound);
  rt_.Send(*ref, Put{3});
  ASSERT_EQ(Swap(rt_, *ref, std::make_unique<BoxV2>(), kTimeout).value_or(0), 2u);
  EXPECT_EQ(rt_.Call(*ref, Peek{}, kTimeout).value_or(-1), 3);  // 300 stored, read as 3
}

TEST_F(HotSwapTest, ANullBehaviourIsRefused) {
  CounterActor::Interface ref = Spawn(Named("a"));
  absl::StatusOr<uint64_t> r = Swap(rt_, ref, std::unique_ptr<CounterBehaviour>(), kTimeout);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
  EXPECT_EQ(VersionOf(ref), 1u);
}

TEST_F(HotSwapTest, AnActorWhoseInitialBehaviourIsRejectedEndsWithACrash) {
  absl::StatusOr<CounterActor::Interface> ref = rt_.Spawn<CounterActor>(
      std::make_unique<Rejecting>("bad", absl::InvalidArgumentError("no config")), Counter{});
  ASSERT_TRUE(ref.ok());
  ExitWatch watch(rt_, *ref);
  rt_.RunUntilIdle();
  std::optional<ExitReason> reason = watch.Wait(absl::ZeroDuration());
  ASSERT_TRUE(reason.has_value());
  EXPECT_EQ(reason->kind(), ExitKind::kCrash);
  EXPECT_TRUE(absl::StrContains(reason->detail(), "initial behaviour was not installed"))
      << reason->ToString();
  EXPECT_TRUE(absl::StrContains(reason->detail(), "no config")) << reason->ToString();

  absl::StatusOr<CounterActor::Interface> null =
      rt_.Spawn<CounterActor>(std::unique_ptr<CounterBehaviour>(), Counter{});
  ASSERT_TRUE(null.ok());
  ExitWatch null_watch(rt_, *null);
  rt_.RunUntilIdle();
  std::optional<ExitReason> null_reason = null_watch.Wait(absl::ZeroDuration());
  ASSERT_TRUE(null_reason.has_value());
  EXPECT_EQ(null_reason->kind(), ExitKind::kCrash);
  EXPECT_TRUE(absl::StrContains(null_reason->detail(), "null")) << null_reason->ToString();
}

// --- failures after a swap ----------------------------------------------------------

TEST_F(HotSwapTest, ACrashInTheNewBehavioursHandlerCrashesTheActor) {
  CounterActor::Interface ref =
      Spawn(std::make_unique<Scaled>("old", 1, &exits_));
  ASSERT_TRUE(Swap(rt_, ref, std::make_unique<Scaled>("new", 1, &exits_), kTimeout).ok());
  ExitWatch watch(rt_, ref);
  rt_.Send(ref, Boom{});
  rt_.RunUntilIdle();
  std::optional<ExitReason> reason = watch.Wait(absl::ZeroDuration());
  ASSERT_TRUE(reason.has_value());
  EXPECT_EQ(*reason, ExitReason::Crash("new went boom"));
  // Only the current behaviour hears of the exit.
  EXPECT_EQ(exits_, (std::vector<std::string>{"new exit " + reason->ToString()}));
  EXPECT_EQ(Version(rt_, ref, kTimeout).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(History(rt_, ref, kTimeout).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(Swap(rt_, ref, Named("late"), kTimeout).status().code(), absl::StatusCode::kNotFound);
}

// --- ordering -----------------------------------------------------------------------

TEST_F(HotSwapTest, ASendersMessagesBeforeItsSwapGoToTheOldBehaviourAndLaterOnesToTheNew) {
  CounterActor::Interface ref = Spawn(Named("old"));
  for (int i = 1; i <= 100; ++i) ASSERT_EQ(rt_.Send(ref, Note{absl::StrCat("A", i)}), SendResult::kOk);
  ASSERT_EQ(SendSwap(rt_, ref, Named("new")), SendResult::kOk);
  for (int i = 1; i <= 100; ++i) ASSERT_EQ(rt_.Send(ref, Note{absl::StrCat("B", i)}), SendResult::kOk);

  std::vector<std::string> log = LogOf(ref);
  ASSERT_EQ(log.size(), 200u);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(log[i], absl::StrCat("old:A", i + 1));
    EXPECT_EQ(log[100 + i], absl::StrCat("new:B", i + 1));
  }
}

// An actor that sends `first`1..n, then (if `swap`) a swap to a behaviour
// named "new", then `second`1..n to a target, one message per turn (it
// sends itself a Next after each), so that the seeded scheduler interleaves
// it with other senders and with the target.
struct Drive {
  CounterActor::Interface target;
  int n;
};
struct Next {
  int i;
};
class Driver : public Actor<Driver, Drive, Next> {
 public:
  Driver(std::string first, std::string second, bool swap)
      : first_(std::move(first)), second_(std::move(second)), swap_(swap) {}
  void Handle(Drive& d) {
    target_ = d.target;
    n_ = d.n;
    Send(self(), Next{1});
  }
  void Handle(Next& m) {
    int i = m.i;
    if (i <= n_) {
      Send(target_, Note{absl::StrCat(first_, i)});
    } else if (i == n_ + 1) {
      if (swap_) Send(target_, SwapTo(Named("new")));
    } else {
      Send(target_, Note{absl::StrCat(second_, i - n_ - 1)});
    }
    if (i < 2 * n_ + 1) Send(self(), Next{i + 1});
  }

 private:
  std::string first_, second_;
  bool swap_;
  CounterActor::Interface target_;
  int n_ = 0;
};

TEST(HotSwapOrdering, AnActorsSwapSplitsItsOwnMessagesWhateverTheInterleavingWithOthers) {
  constexpr int kN = 100;
  int seeds_with_others_on_both_sides = 0;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    Runtime rt(RuntimeOptions::Deterministic(seed));
    CounterActor::Interface ref =
        *rt.SpawnWith<CounterActor>(SpawnOptions().WithMailbox(MailboxOptions::Unbounded()),
                                    Named("old"), Counter{});
    auto swapper = *rt.Spawn<Driver>("A", "B", /*swap=*/true);
    auto other = *rt.Spawn<Driver>("C", "D", /*swap=*/false);
    rt.Send(swapper, Drive{ref, kN});
    rt.Send(other, Drive{ref, kN});
    rt.RunUntilIdle();

    std::vector<std::string> log = *rt.Call(ref, ReadLog{}, kTimeout);
    ASSERT_EQ(log.size(), 4u * kN) << "seed " << seed;
    int a = 0, b = 0, c = 0, d = 0;
    bool swapped = false, other_old = false, other_new = false;
    for (const std::string& e : log) {
      bool by_new = absl::StartsWith(e, "new:");
      ASSERT_TRUE(by_new || absl::StartsWith(e, "old:")) << e;
      ASSERT_TRUE(!swapped || by_new) << "seed " << seed << ": old behaviour after the swap: " << e;
      swapped = by_new;
      std::string what = e.substr(4);
      switch (what[0]) {
        case 'A':
          EXPECT_FALSE(by_new) << "seed " << seed << ": " << e;
          EXPECT_EQ(what, absl::StrCat("A", ++a)) << "seed " << seed;
          break;
        case 'B':
          EXPECT_TRUE(by_new) << "seed " << seed << ": " << e;
          EXPECT_EQ(what, absl::StrCat("B", ++b)) << "seed " << seed;
          break;
        case 'C':  // the other sender's: either side of the swap, in order
          EXPECT_EQ(d, 0) << "seed " << seed;
          EXPECT_EQ(what, absl::StrCat("C", ++c)) << "seed " << seed;
          (by_new ? other_new : other_old) = true;
          break;
        default:
          EXPECT_EQ(what, absl::StrCat("D", ++d)) << "seed " << seed;
          (by_new ? other_new : other_old) = true;
      }
    }
    EXPECT_EQ(a, kN);
    EXPECT_EQ(b, kN);
    EXPECT_EQ(c, kN);
    EXPECT_EQ(d, kN);
    EXPECT_EQ(*Version(rt, ref, kTimeout), 2u);
    if (other_old && other_new) ++seeds_with_others_on_both_sides;
  }
  // The other sender's messages really raced the swap.
  EXPECT_GT(seeds_with_others_on_both_sides, 0);
}

TEST_F(HotSwapTest, ASwapWaitsForASuspendedHandlerToFinish) {
  CounterActor::Interface ref = Spawn(Named("old"));
  rt_.Send(ref, Add{4});
  rt_.Send(ref, Slow{});  // one-way here: suspends in Sleep(1s)
  ASSERT_EQ(SendSwap(rt_, ref, Named("new")), SendResult::kOk);
  rt_.Send(ref, Note{"after"});
  rt_.RunUntilIdle();
  // The swap and the note wait behind the suspended handler (selective receive).
  rt_.AdvanceTime(absl::Seconds(1));
  EXPECT_EQ(LogOf(ref), (std::vector<std::string>{"old:4", "old:slow-begin", "old:slow-end",
                                                  "new:after"}));
  // A Task handler's reply is the call's result.
  absl::StatusOr<int64_t> slow = rt_.Call(ref, Slow{}, kTimeout);
  ASSERT_TRUE(slow.ok()) << slow.status();
  EXPECT_EQ(*slow, 4);
}

// An actor that swaps and rolls back a swappable actor with co_await Call.
struct Deploy {
  CounterActor::Interface target;
  using Reply = std::vector<uint64_t>;
};
class Deployer : public Actor<Deployer, Deploy> {
 public:
  Task<absl::StatusOr<std::vector<uint64_t>>> Handle(Deploy& d) {
    std::vector<uint64_t> out;
    absl::StatusOr<uint64_t> v = co_await Call(d.target, SwapTo(Named("deployed")), kTimeout);
    if (!v.ok()) co_return v.status();
    out.push_back(*v);
    absl::StatusOr<uint64_t> back = co_await Call(d.target, RollbackRequest{1}, kTimeout);
    if (!back.ok()) co_return back.status();
    out.push_back(*back);
    absl::StatusOr<uint64_t> now = co_await Call(d.target, VersionRequest{}, kTimeout);
    if (!now.ok()) co_return now.status();
    out.push_back(*now);
    absl::StatusOr<std::vector<BehaviourRecord>> h =
        co_await Call(d.target, HistoryRequest{}, kTimeout);
    if (!h.ok()) co_return h.status();
    out.push_back(h->size());
    co_return out;
  }
};

TEST_F(HotSwapTest, AnActorSwapsAndRollsBackWithCoAwait) {
  CounterActor::Interface ref = Spawn(Named("first"));
  auto deployer = *rt_.Spawn<Deployer>();
  absl::StatusOr<std::vector<uint64_t>> r = rt_.Call(deployer, Deploy{ref}, kTimeout);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, (std::vector<uint64_t>{2, 3, 3, 1}));
  rt_.Send(ref, Note{"n"});
  EXPECT_EQ(LogOf(ref), (std::vector<std::string>{"first:n"}));
}

TEST_F(HotSwapTest, OnlyTheCurrentBehaviourHearsOfANormalExit) {
  CounterActor::Interface ref = Spawn(std::make_unique<Scaled>("a", 1, &exits_));
  ASSERT_TRUE(Swap(rt_, ref, std::make_unique<Scaled>("b", 1, &exits_), kTimeout).ok());
  ASSERT_TRUE(Rollback(rt_, ref, 1, kTimeout).ok());
  ASSERT_TRUE(rt_.Stop(ref));
  rt_.RunUntilIdle();
  EXPECT_FALSE(rt_.IsAlive(ref));
  EXPECT_EQ(exits_, (std::vector<std::string>{"a exit " + ExitReason::Normal().ToString()}));
}

// --- threaded: floods, swaps and rollbacks ----------------------------------------

int ScalePercent() {
  if (const char* e = std::getenv("MYR_STRESS_SCALE"); e != nullptr && std::atoi(e) > 0) {
    return std::atoi(e);
  }
#if defined(__SANITIZE_THREAD__)
  return 50;
#else
  return 100;
#endif
}
int ScaledCount(int n, int min = 1) { return std::max(min, n * ScalePercent() / 100); }

// What the flooded actor saw; checked by the test after the flood.
struct FloodState {
  std::vector<int64_t> next_seq;         // per sender: the seq expected next
  std::vector<uint64_t> last_version;    // per sender: the version that handled its last item
  int64_t handled = 0;
  int64_t out_of_order = 0;              // lost, duplicated or reordered items
  int64_t version_regressions = 0;       // an item handled by an older version than its predecessor
  int64_t marks_ok = 0;
  int64_t marks_bad = 0;                 // a swapper's message not handled by the version it installed
  std::map<uint64_t, int64_t> handled_by_version;
  std::map<uint64_t, int> generation_of_version;
  int64_t behaviour_mismatches = 0;      // two behaviour objects under one version
};
struct Item {
  int sender;
  int64_t seq;
};
struct Mark {
  uint64_t version;
};
struct Report {
  using Reply = FloodState;
};
using FloodBehaviour = Behaviour<FloodState, Item, Mark, Report>;
using FloodActor = Swappable<FloodState, Item, Mark, Report>;

class Generation : public FloodBehaviour {
 public:
  explicit Generation(int gen) : gen_(gen) {}
  std::string Name() const override { return absl::StrCat("gen", gen_); }
  void Handle(FloodState& s, Item& m) override {
    uint64_t v = version();
    if (m.seq != s.next_seq[m.sender]) ++s.out_of_order;
    s.next_seq[m.sender] = m.seq + 1;
    if (v < s.last_version[m.sender]) ++s.version_regressions;
    s.last_version[m.sender] = v;
    ++s.handled;
    ++s.handled_by_version[v];
    auto [it, inserted] = s.generation_of_version.emplace(v, gen_);
    if (!inserted && it->second != gen_) ++s.behaviour_mismatches;
  }
  void Handle(FloodState& s, Mark& m) override {
    if (m.version == version()) {
      ++s.marks_ok;
    } else {
      ++s.marks_bad;
    }
  }
  absl::StatusOr<FloodState> Handle(FloodState& s, Report&) override { return s; }

 private:
  const int gen_;
};

// Spins (yielding) until pred() or 30 s have passed; false on timeout.
template <typename Pred>
bool SpinUntil(Pred pred) {
  absl::Time deadline = absl::Now() + kTimeout;
  while (!pred()) {
    if (absl::Now() > deadline) return false;
    std::this_thread::yield();
  }
  return true;
}

FloodState EmptyFlood(int senders) {
  FloodState s;
  s.next_seq.assign(senders, 0);
  s.last_version.assign(senders, 0);
  return s;
}

TEST(HotSwapThreaded, SwapsAndRollbacksUnderAFloodLoseAndDuplicateNothing) {
  const int kSenders = 3;
  const int kPerSender = ScaledCount(30'000, 500);
  const int kSwaps = 40;
  Runtime rt(Threaded());
  FloodActor::Interface ref = *rt.SpawnWith<FloodActor>(
      SpawnOptions().WithMailbox(MailboxOptions::Unbounded()), std::make_unique<Generation>(0),
      EmptyFlood(kSenders), SwapOptions().WithHistory(4));

  // Each sender sends its first item before the swapper starts (so v1
  // handles at least those), then its items in kSwaps + 1 chunks, chunk j
  // once the swapper has issued swap j, and a last item once the swapper is
  // done (handled by the last version). The swapper issues swap k once every
  // sender is half-way through chunk k - 1: the second halves race the swaps.
  std::atomic<int> started{0};
  std::atomic<int> halves{0};   // chunk halves sent, all senders
  std::atomic<int> issued{0};   // swaps issued
  std::atomic<bool> swapper_done{false};
  std::vector<std::thread> threads;
  for (int s = 0; s < kSenders; ++s) {
    threads.emplace_back([&, s] {
      ASSERT_EQ(rt.Send(ref, Item{s, 0}), SendResult::kOk);
      started.fetch_add(1);
      int64_t i = 1;
      for (int j = 0; j <= kSwaps; ++j) {
        ASSERT_TRUE(SpinUntil([&] { return issued.load() >= j; }));
        const int64_t begin = i;
        const int64_t end = 1 + int64_t{kPerSender - 2} * (j + 1) / (kSwaps + 1);
        for (; i < end; ++i) {
          ASSERT_EQ(rt.Send(ref, Item{s, i}), SendResult::kOk);
          if (i == begin + (end - begin) / 2) halves.fetch_add(1);
        }
      }
      ASSERT_TRUE(SpinUntil([&] { return swapper_done.load(); }));
      ASSERT_EQ(rt.Send(ref, Item{s, kPerSender - 1}), SendResult::kOk);
    });
  }
  // The swapper: swaps (and now and then rolls back) while the senders
  // flood; after each install, a Mark that must be handled by the version
  // just installed (this thread's messages after its swap go to the new one).
  std::vector<absl::Status> swap_errors;
  std::vector<uint64_t> installed;
  std::thread swapper([&] {
    if (!SpinUntil([&] { return started.load() == kSenders; })) {
      swap_errors.push_back(absl::DeadlineExceededError("senders did not start"));
    }
    for (int k = 1; k <= kSwaps; ++k) {
      if (!SpinUntil([&] { return halves.load() >= kSenders * k; })) {
        swap_errors.push_back(absl::DeadlineExceededError("senders stalled"));
        break;
      }
      issued.store(k);
      absl::StatusOr<uint64_t> v = (k % 5 == 0) ? Rollback(rt, ref, 2, kTimeout)
                                                : Swap(rt, ref, std::make_unique<Generation>(k),
                                                       kTimeout);
      if (!v.ok()) {
        swap_errors.push_back(v.status());
        continue;
      }
      installed.push_back(*v);
      rt.Send(ref, Mark{*v});
    }
    swapper_done.store(true);
  });
  for (std::thread& t : threads) t.join();
  swapper.join();
  ASSERT_TRUE(swap_errors.empty()) << swap_errors.front();

  absl::StatusOr<FloodState> r = rt.Call(ref, Report{}, kTimeout);
  ASSERT_TRUE(r.ok()) << r.status();
  const int64_t sent = int64_t{kSenders} * kPerSender;
  EXPECT_EQ(r->handled, sent);
  EXPECT_EQ(r->out_of_order, 0);
  for (int s = 0; s < kSenders; ++s) EXPECT_EQ(r->next_seq[s], kPerSender) << "sender " << s;
  EXPECT_EQ(r->version_regressions, 0);
  EXPECT_EQ(r->behaviour_mismatches, 0);
  int64_t by_versions = 0;
  for (const auto& [v, n] : r->handled_by_version) by_versions += n;
  EXPECT_EQ(by_versions, sent);  // each item handled by exactly one behaviour
  // The flood straddled the swaps: the first version and the last one both
  // handled items.
  EXPECT_GE(r->handled_by_version[1], kSenders);
  EXPECT_GE(r->handled_by_version[kSwaps + 1], kSenders);
  std::cout << "items handled by " << r->handled_by_version.size() << " of " << kSwaps + 1
            << " versions\n";
  EXPECT_EQ(r->marks_ok, kSwaps);
  EXPECT_EQ(r->marks_bad, 0);
  // Versions handed out in order, one per install, rollbacks included.
  ASSERT_EQ(installed.size(), static_cast<size_t>(kSwaps));
  for (int k = 0; k < kSwaps; ++k) EXPECT_EQ(installed[k], static_cast<uint64_t>(k + 2));
  EXPECT_EQ(*Version(rt, ref, kTimeout), static_cast<uint64_t>(kSwaps + 1));
  std::vector<BehaviourRecord> h = *History(rt, ref, kTimeout);
  ASSERT_FALSE(h.empty());
  EXPECT_LE(h.size(), 5u);  // at most history 4 + the current one
  EXPECT_EQ(h.back().version, static_cast<uint64_t>(kSwaps + 1));
}

TEST(HotSwapThreaded, ConcurrentSwapsGetDistinctConsecutiveVersions) {
  const int kSwappers = 3;
  const int kEach = ScaledCount(30, 10);
  Runtime rt(Threaded());
  FloodActor::Interface ref = *rt.SpawnWith<FloodActor>(
      SpawnOptions().WithMailbox(MailboxOptions::Unbounded()), std::make_unique<Generation>(0),
      EmptyFlood(1));
  std::mutex mu;
  std::vector<uint64_t> versions;
  const int kFlood = ScaledCount(30'000, 500);
  std::thread flood([&] {
    for (int64_t i = 0; i < kFlood; ++i) rt.Send(ref, Item{0, i});
  });
  std::vector<std::thread> swappers;
  for (int t = 0; t < kSwappers; ++t) {
    swappers.emplace_back([&, t] {
      for (int k = 0; k < kEach; ++k) {
        absl::StatusOr<uint64_t> v =
            Swap(rt, ref, std::make_unique<Generation>(1000 * (t + 1) + k), kTimeout);
        ASSERT_TRUE(v.ok()) << v.status();
        std::lock_guard<std::mutex> lock(mu);
        versions.push_back(*v);
      }
    });
  }
  for (std::thread& t : swappers) t.join();
  flood.join();
  std::sort(versions.begin(), versions.end());
  ASSERT_EQ(versions.size(), static_cast<size_t>(kSwappers * kEach));
  for (size_t i = 0; i < versions.size(); ++i) EXPECT_EQ(versions[i], i + 2);
  absl::StatusOr<FloodState> r = rt.Call(ref, Report{}, kTimeout);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->handled, kFlood);
  EXPECT_EQ(r->out_of_order, 0);
  EXPECT_EQ(r->behaviour_mismatches, 0);
  EXPECT_EQ(r->version_regressions, 0);
  EXPECT_EQ(*Version(rt, ref, kTimeout), static_cast<uint64_t>(kSwappers * kEach + 1));
}

}  // namespace
}  // namespace myr::supervise
