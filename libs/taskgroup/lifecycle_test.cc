// Copyright Myrmidon authors.
//
// Tasks as actors and the structure of groups: pids, nothing outliving Join
// or the group object, detached tasks, joining from a task and from an
// actor, crashing tasks, misuse (spawn after join or cancel, a second join,
// a blocking join in an actor), and joins on a threaded runtime.
#include <algorithm>
#include <atomic>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "libs/pid/exit_reason.h"
#include "libs/sched/runtime.h"
#include "libs/sched/testing/sched_testing.h"
#include "libs/taskgroup/joiner.h"
#include "libs/taskgroup/task_context.h"
#include "libs/taskgroup/task_group.h"
#include "libs/taskgroup/test_actors.h"

namespace myr::taskgroup {
namespace {

using sched_testing::Threaded;
using testing::After;
using testing::Ask;
using testing::Echo;
using testing::Now;

class LifecycleTest : public ::testing::Test {
 protected:
  Runtime rt_{RuntimeOptions::Deterministic(5)};
};

TEST_F(LifecycleTest, TasksHavePidsVisibleLikeActorsAndAreAllDeadAfterJoin) {
  std::vector<Pid> selves(3);
  TaskGroup group(rt_, AllCompleted<int>());
  std::vector<TaskHandle> handles;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<TaskHandle> h = group.Spawn([&selves, i](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
      selves[ctx.index()] = ctx.self();
      absl::Status s = co_await ctx.Sleep(absl::Seconds(i + 1));
      if (!s.ok()) co_return s;
      co_return static_cast<int>(ctx.index());
    });
    ASSERT_TRUE(h.ok()) << h.status();
    EXPECT_EQ(h->index, static_cast<size_t>(i));
    handles.push_back(*h);
  }
  rt_.RunUntilIdle();
  std::set<Pid> distinct;
  for (const TaskHandle& h : handles) {
    EXPECT_TRUE(h.pid.valid());
    EXPECT_TRUE(rt_.IsAlive(h.pid));
    EXPECT_TRUE(rt_.MailboxInfo(h.pid).has_value());
    EXPECT_EQ(selves[h.index], h.pid);
    distinct.insert(h.pid);
  }
  EXPECT_EQ(distinct.size(), 3u);
  EXPECT_EQ(group.Pids(), (std::vector<Pid>{handles[0].pid, handles[1].pid, handles[2].pid}));
  EXPECT_EQ(group.size(), 3u);
  absl::StatusOr<std::vector<int>> r = group.Join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, (std::vector<int>{0, 1, 2}));
  EXPECT_TRUE(group.done());
  for (const TaskHandle& h : handles) {
    EXPECT_FALSE(rt_.IsAlive(h.pid));
    EXPECT_FALSE(rt_.MailboxInfo(h.pid).has_value());
  }
}

TEST_F(LifecycleTest, DestroyingAnUnjoinedGroupCancelsAndJoinsItsTasks) {
  std::vector<Pid> pids;
  std::vector<absl::Status> seen;
  {
    TaskGroup group(rt_, AllCompleted<int>());
    for (int i = 0; i < 3; ++i) {
      absl::StatusOr<TaskHandle> h = group.Spawn([&seen](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
        absl::Status s = co_await ctx.Sleep(absl::Hours(1));
        seen.push_back(s);
        co_return s;
      });
      ASSERT_TRUE(h.ok());
      pids.push_back(h->pid);
    }
    rt_.RunUntilIdle();
  }
  for (Pid p : pids) EXPECT_FALSE(rt_.IsAlive(p));
  ASSERT_EQ(seen.size(), 3u);
  for (const absl::Status& s : seen) {
    EXPECT_EQ(s.code(), absl::StatusCode::kCancelled);
    EXPECT_NE(s.message().find("destroyed"), std::string::npos) << s;
  }
  EXPECT_EQ(Now(rt_), absl::ZeroDuration());  // woken at once, not after an hour
}

TEST_F(LifecycleTest, ADetachedTaskOutlivesTheGroupAndIgnoresItsCancellation) {
  Pid detached;
  std::optional<ExitReason> exit;
  absl::Status slept = absl::UnknownError("not reached");
  {
    TaskGroup group(rt_, AllCompleted<int>());
    ASSERT_TRUE(group.Spawn(After(absl::Hours(1), 1)).ok());
    absl::StatusOr<Pid> d = group.SpawnDetached([&slept](TaskContext& ctx) -> Task<absl::Status> {
      EXPECT_EQ(ctx.deadline_ns(), INT64_MAX);
      slept = co_await ctx.Sleep(absl::Seconds(10));
      co_return slept;
    });
    ASSERT_TRUE(d.ok()) << d.status();
    detached = *d;
    ASSERT_NE(rt_.Watch(detached, [&exit](Pid, const ExitReason& r) { exit = r; }), 0u);
    rt_.AdvanceTime(absl::Seconds(1));
    group.Cancel();
    EXPECT_EQ(group.Join().status().code(), absl::StatusCode::kCancelled);
    std::vector<Pid> owned = group.Pids();
    EXPECT_EQ(std::count(owned.begin(), owned.end(), detached), 0);
  }
  EXPECT_TRUE(rt_.IsAlive(detached));  // the group is gone, the detached task is not
  rt_.AdvanceTime(absl::Seconds(9));
  EXPECT_FALSE(rt_.IsAlive(detached));
  EXPECT_TRUE(slept.ok()) << slept;  // the group's cancellation never reached it
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(*exit, ExitReason::Normal());
}

TEST_F(LifecycleTest, ADetachedTasksExitReasonFollowsItsStatus) {
  std::optional<ExitReason> failed, timed_out;
  absl::StatusOr<Pid> a = SpawnDetached(rt_, [](TaskContext&) -> Task<absl::Status> {
    co_return absl::DataLossError("disk gone");
  });
  ASSERT_TRUE(a.ok());
  rt_.Watch(*a, [&failed](Pid, const ExitReason& r) { failed = r; });
  absl::StatusOr<Pid> b = SpawnDetached(
      rt_,
      [](TaskContext& ctx) -> Task<absl::Status> { co_return co_await ctx.Sleep(absl::Hours(1)); },
      DetachedOptions().WithTimeout(absl::Seconds(2)));
  ASSERT_TRUE(b.ok());
  rt_.Watch(*b, [&timed_out](Pid, const ExitReason& r) { timed_out = r; });
  rt_.AdvanceTime(absl::Seconds(3));
  ASSERT_TRUE(failed.has_value());
  EXPECT_EQ(failed->kind(), ExitKind::kCrash);
  EXPECT_NE(failed->detail().find("disk gone"), std::string::npos) << *failed;
  ASSERT_TRUE(timed_out.has_value());
  EXPECT_EQ(timed_out->kind(), ExitKind::kTimeout);
}

TEST_F(LifecycleTest, ATaskThatThrowsEndsWithAnAbortedOutcomeCarryingTheText) {
  std::optional<ExitReason> exit;
  TaskGroup group(rt_, FailFast<int>());
  absl::StatusOr<TaskHandle> h = group.Spawn([](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
    absl::Status s = co_await ctx.Sleep(absl::Seconds(1));
    if (s.ok()) throw std::runtime_error("boom");
    co_return 0;
  });
  ASSERT_TRUE(h.ok());
  rt_.Watch(h->pid, [&exit](Pid, const ExitReason& r) { exit = r; });
  ASSERT_TRUE(group.Spawn(After(absl::Hours(1), 1)).ok());
  absl::StatusOr<std::vector<int>> r = group.Join();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted);
  EXPECT_NE(r.status().message().find("crashed: boom"), std::string::npos) << r.status();
  EXPECT_EQ(Now(rt_), absl::Seconds(1));  // fail-fast cancelled the other task
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(*exit, ExitReason::Crash("boom"));
}

TEST_F(LifecycleTest, SpawnStartsNothingOnceJoinHasStartedOrTheGroupIsCancelled) {
  TaskGroup joined(rt_, AllCompleted<int>());
  ASSERT_TRUE(joined.Join().ok());
  EXPECT_EQ(joined.Spawn(After(absl::Seconds(1), 1)).status().code(),
            absl::StatusCode::kFailedPrecondition);
  TaskGroup cancelled(rt_, AllCompleted<int>());
  cancelled.Cancel();
  EXPECT_EQ(cancelled.Spawn(After(absl::Seconds(1), 1)).status().code(),
            absl::StatusCode::kCancelled);
  EXPECT_EQ(cancelled.size(), 0u);
  EXPECT_EQ(cancelled.Join().status().code(), absl::StatusCode::kCancelled);
}

TEST_F(LifecycleTest, TheResultIsReturnedOnce) {
  TaskGroup group(rt_, AllCompleted<int>());
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(1), 1)).ok());
  ASSERT_TRUE(group.Join().ok());
  EXPECT_EQ(group.Join().status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(LifecycleTest, ATaskJoinsTheGroupItCreatedWithoutBlocking) {
  std::vector<Pid> inner;
  TaskGroup group(rt_, AllCompleted<int>());
  ASSERT_TRUE(group
                  .Spawn([&inner](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
                    TaskGroup child(ctx, AllCompleted<int>());
                    for (int i = 1; i <= 3; ++i) {
                      absl::StatusOr<TaskHandle> h = child.Spawn(After(absl::Seconds(i), i * 10));
                      if (!h.ok()) co_return h.status();
                    }
                    inner = child.Pids();
                    absl::StatusOr<std::vector<int>> r = co_await child.Join(ctx);
                    if (!r.ok()) co_return r.status();
                    int sum = 0;
                    for (int v : *r) sum += v;
                    co_return sum;
                  })
                  .ok());
  absl::StatusOr<std::vector<int>> r = group.Join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, std::vector<int>{60});
  EXPECT_EQ(Now(rt_), absl::Seconds(3));
  ASSERT_EQ(inner.size(), 3u);
  for (Pid p : inner) EXPECT_FALSE(rt_.IsAlive(p));
}

// An actor that runs a group it owns, without blocking its worker.
struct RunJobs {
  int n = 0;
  using Reply = int;
};
class Coordinator : public Actor<Coordinator, RunJobs> {
 public:
  explicit Coordinator(absl::Status* early_join) : early_join_(early_join) {}
  Task<absl::StatusOr<int>> Handle(RunJobs& m) {
    TaskGroup group(runtime(), AllCompleted<int>(), GroupOptions().OwnedBy(self()));
    for (int i = 0; i < m.n; ++i) {
      absl::StatusOr<TaskHandle> h = group.Spawn(After(absl::Seconds(i + 1), i));
      if (!h.ok()) co_return h.status();
    }
    *early_join_ = group.Join().status();  // would block: refused
    group.NotifyWhenDone(self());
    const uint64_t id = group.id();
    absl::StatusOr<GroupDone> done =
        co_await Receive<GroupDone>([id](const GroupDone& d) { return d.group == id; }, absl::Minutes(1));
    if (!done.ok()) co_return done.status();
    absl::StatusOr<std::vector<int>> r = group.Join();  // done: returns at once
    if (!r.ok()) co_return r.status();
    int sum = 0;
    for (int v : *r) sum += v;
    co_return sum;
  }

 private:
  absl::Status* early_join_;
};

TEST_F(LifecycleTest, AnActorAwaitsAGroupItOwnsWithNotifyWhenDone) {
  absl::Status early_join;
  Coordinator::Interface c = *rt_.Spawn<Coordinator>(&early_join);
  absl::StatusOr<int> sum = rt_.Call(c, RunJobs{4}, absl::Minutes(1));
  ASSERT_TRUE(sum.ok()) << sum.status();
  EXPECT_EQ(*sum, 0 + 1 + 2 + 3);
  EXPECT_EQ(Now(rt_), absl::Seconds(4));
  EXPECT_EQ(early_join.code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(LifecycleTest, AnActorOwnedGroupDestroyedUnjoinedKillsItsTasks) {
  Pid child_pid;
  absl::Status blocking;
  TaskGroup group(rt_, AllCompleted<int>());
  ASSERT_TRUE(group
                  .Spawn([&](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
                    TaskGroup child(ctx, AllCompleted<int>());
                    absl::StatusOr<TaskHandle> h = child.Spawn([](TaskContext& c) -> Task<absl::StatusOr<int>> {
                      ShieldScope stubborn(c);
                      (void)co_await c.Sleep(absl::Hours(1));
                      co_return 1;
                    });
                    if (!h.ok()) co_return h.status();
                    child_pid = h->pid;
                    (void)co_await ctx.Sleep(absl::Seconds(1));
                    blocking = child.Join().status();  // would block the task: refused
                    co_return 2;                        // `child` is destroyed unjoined
                  })
                  .ok());
  absl::StatusOr<std::vector<int>> r = group.Join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, std::vector<int>{2});
  EXPECT_EQ(blocking.code(), absl::StatusCode::kFailedPrecondition);
  rt_.RunUntilIdle();  // the kill is a signal: processed on the child's next turn
  EXPECT_FALSE(rt_.IsAlive(child_pid));
  EXPECT_EQ(Now(rt_), absl::Seconds(1));  // killed, not left to sleep
}

TEST_F(LifecycleTest, AKilledTaskTakesTheTasksOfItsChildGroupWithIt) {
  Pid grandchild;
  TaskGroup group(rt_, AllCompleted<int>(), GroupOptions().WithGrace(absl::Seconds(1)));
  ASSERT_TRUE(group
                  .Spawn([&](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
                    TaskGroup child(ctx, AllCompleted<int>(), GroupOptions().WithGrace(absl::Hours(1)));
                    absl::StatusOr<TaskHandle> h = child.Spawn([](TaskContext& c) -> Task<absl::StatusOr<int>> {
                      ShieldScope stubborn(c);
                      (void)co_await c.Sleep(absl::Hours(2));
                      co_return 1;
                    });
                    if (!h.ok()) co_return h.status();
                    grandchild = h->pid;
                    ShieldScope stubborn(ctx);
                    (void)co_await ctx.Sleep(absl::Hours(2));
                    co_return 2;
                  })
                  .ok());
  rt_.AdvanceTime(absl::Seconds(1));
  group.Cancel();
  EXPECT_EQ(group.Join().status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(Now(rt_), absl::Seconds(2));  // the task was killed after its group's grace
  rt_.RunUntilIdle();
  EXPECT_FALSE(rt_.IsAlive(grandchild));  // killed with it, not after its own hour of grace
}

// The example of README.md and task_group.h: the first replica to answer
// wins, the other calls are cancelled.
struct Get {
  std::string key;
  using Reply = std::string;
};
class Replica : public Actor<Replica, Get> {
 public:
  Replica(std::string name, absl::Duration delay) : name_(std::move(name)), delay_(delay) {}
  Task<absl::StatusOr<std::string>> Handle(Get& g) {
    co_await Sleep(delay_);
    if (name_ == "down") co_return absl::UnavailableError("replica down");
    co_return absl::StrCat(g.key, "@", name_);
  }

 private:
  std::string name_;
  absl::Duration delay_;
};

TEST_F(LifecycleTest, TheReadmeExampleReturnsTheFirstReplyAndCancelsTheOtherCalls) {
  std::vector<Ref<Get>> replicas = {*rt_.Spawn<Replica>("down", absl::Milliseconds(10)),
                                    *rt_.Spawn<Replica>("slow", absl::Seconds(1)),
                                    *rt_.Spawn<Replica>("fast", absl::Milliseconds(200))};
  const std::string key = "k1";
  TaskGroup group(rt_, FirstSuccess<std::string>(), GroupOptions().WithTimeout(absl::Seconds(2)));
  for (Ref<Get> replica : replicas) {
    ASSERT_TRUE(group
                    .Spawn([replica, key](TaskContext& ctx) -> Task<absl::StatusOr<std::string>> {
                      // A named message: GCC 12 miscompiles a braced temporary with
                      // a std::string member inside a co_await expression (README).
                      Get get{key};
                      co_return co_await ctx.Call(replica, std::move(get), absl::Seconds(1));
                    })
                    .ok());
  }
  absl::StatusOr<std::string> v = group.Join();
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, "k1@fast");
  EXPECT_EQ(Now(rt_), absl::Milliseconds(200));
  std::vector<absl::Status> st = group.TaskStatuses();
  EXPECT_EQ(st[0].code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(st[1].code(), absl::StatusCode::kCancelled);  // its call was cut short
  EXPECT_TRUE(st[2].ok());
}

// A one-way message and a request without a reply value, from a task.
struct Note {
  int v = 0;
};
struct Flush {
  using Reply = void;
};
class Sink : public Actor<Sink, Note, Flush> {
 public:
  explicit Sink(std::vector<int>* got) : got_(got) {}
  void Handle(Note& n) { got_->push_back(n.v); }
  absl::Status Handle(Flush&) {
    if (got_->empty()) return absl::FailedPreconditionError("nothing to flush");
    return absl::OkStatus();
  }

 private:
  std::vector<int>* got_;
};

TEST_F(LifecycleTest, ATaskSendsAndCallsWithoutAReplyValue) {
  std::vector<int> got;
  Sink::Interface sink = *rt_.Spawn<Sink>(&got);
  absl::Status empty_flush, flush;
  TaskGroup group(rt_, AllCompleted<int>());
  ASSERT_TRUE(group
                  .Spawn([&](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
                    empty_flush = co_await ctx.Call(sink, Flush{}, absl::Seconds(1));
                    EXPECT_EQ(ctx.Send(sink, Note{3}), SendResult::kOk);
                    EXPECT_EQ(ctx.Send(sink, Note{4}), SendResult::kOk);
                    flush = co_await ctx.Call(sink, Flush{}, absl::Seconds(1));
                    co_return 0;
                  })
                  .ok());
  ASSERT_TRUE(group.Join().ok());
  EXPECT_EQ(empty_flush.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_TRUE(flush.ok()) << flush;
  EXPECT_EQ(got, (std::vector<int>{3, 4}));
}

TEST(ThreadedLifecycleTest, APlainThreadJoinsAGroupOnAThreadedRuntime) {
  Runtime rt(Threaded(2));
  Echo::Interface echo = *rt.Spawn<Echo>();
  TaskGroup group(rt, AllCompleted<int>());
  constexpr int kTasks = 20;
  for (int i = 0; i < kTasks; ++i) {
    ASSERT_TRUE(group
                    .Spawn([echo, i](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
                      absl::Status s = co_await ctx.Sleep(absl::Milliseconds(1));
                      if (!s.ok()) co_return s;
                      co_return co_await ctx.Call(echo, Ask{i}, absl::Seconds(10));
                    })
                    .ok());
  }
  absl::StatusOr<std::vector<int>> r = group.Join();
  ASSERT_TRUE(r.ok()) << r.status();
  ASSERT_EQ(r->size(), static_cast<size_t>(kTasks));
  for (int i = 0; i < kTasks; ++i) EXPECT_EQ((*r)[i], i);
  for (Pid p : group.Pids()) EXPECT_FALSE(rt.IsAlive(p));
}

TEST(ThreadedLifecycleTest, DestroyingAGroupOnAThreadedRuntimeWakesAndJoinsItsTasks) {
  Runtime rt(Threaded(2));
  std::atomic<int> cancelled{0};
  std::vector<Pid> pids;
  {
    TaskGroup group(rt, AllCompleted<int>());
    for (int i = 0; i < 8; ++i) {
      absl::StatusOr<TaskHandle> h = group.Spawn([&cancelled](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
        absl::Status s = co_await ctx.Sleep(absl::Hours(1));
        if (s.code() == absl::StatusCode::kCancelled) cancelled.fetch_add(1);
        co_return s;
      });
      ASSERT_TRUE(h.ok());
      pids.push_back(h->pid);
    }
  }
  EXPECT_EQ(cancelled.load(), 8);
  for (Pid p : pids) EXPECT_FALSE(rt.IsAlive(p));
}

}  // namespace
}  // namespace myr::taskgroup
