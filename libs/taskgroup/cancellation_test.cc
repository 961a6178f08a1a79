// Copyright Myrmidon authors.
//
// Cancellation and deadlines on a deterministic runtime with virtual time:
// level-triggered cancellation (checkpoints, sleeps, calls), shield scopes,
// the grace period, deadlock detection in a deterministic Join, deadlines
// that propagate to child groups and to calls, and cancellation that
// propagates to child groups.
#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "libs/pid/exit_reason.h"
#include "libs/sched/runtime.h"
#include "libs/taskgroup/joiner.h"
#include "libs/taskgroup/task_context.h"
#include "libs/taskgroup/task_group.h"
#include "libs/taskgroup/test_actors.h"

namespace myr::taskgroup {
namespace {

using testing::After;
using testing::Ask;
using testing::Echo;
using testing::Now;

// Handles Ask by waiting for a message that never comes, with no timeout:
// no timer is pending while it waits.
struct Never {};
class Hole : public Actor<Hole, Ask, Never> {
 public:
  Task<int> Handle(Ask&) {
    (void)co_await Receive<Never>(absl::InfiniteDuration());
    co_return 0;
  }
  void Handle(Never&) {}
};

class CancellationTest : public ::testing::TestWithParam<uint64_t> {
 protected:
  Runtime rt_{RuntimeOptions::Deterministic(GetParam())};
};

TEST_P(CancellationTest, OnceCancelledEveryCheckpointSleepAndCallReportsIt) {
  std::atomic<int> asked{0};
  Echo::Interface echo = *rt_.Spawn<Echo>(&asked);
  std::vector<absl::StatusCode> codes;
  absl::Duration woke, after_sleep, after_call;
  TaskGroup group(rt_, AllCompleted<int>());
  ASSERT_TRUE(group
                  .Spawn([&](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
                    absl::Status s = co_await ctx.Sleep(absl::Hours(1));
                    woke = Now(ctx.runtime());
                    codes.push_back(s.code());
                    for (int i = 0; i < 3; ++i) codes.push_back(ctx.Checkpoint().code());
                    codes.push_back(ctx.cancelled() ? absl::StatusCode::kCancelled : absl::StatusCode::kOk);
                    absl::Status s2 = co_await ctx.Sleep(absl::Seconds(5));
                    after_sleep = Now(ctx.runtime());
                    codes.push_back(s2.code());
                    absl::StatusOr<int> c = co_await ctx.Call(echo, Ask{1}, absl::Seconds(5));
                    after_call = Now(ctx.runtime());
                    codes.push_back(c.status().code());
                    co_return s;
                  })
                  .ok());
  rt_.AdvanceTime(absl::Seconds(1));
  group.Cancel();
  absl::StatusOr<std::vector<int>> r = group.Join();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(codes, std::vector<absl::StatusCode>(7, absl::StatusCode::kCancelled));
  EXPECT_EQ(woke, absl::Seconds(1));         // the hour-long sleep ended at the cancel
  EXPECT_EQ(after_sleep, absl::Seconds(1));  // later sleeps do not wait
  EXPECT_EQ(after_call, absl::Seconds(1));   // later calls do not wait...
  EXPECT_EQ(asked.load(), 0);                // ...and send nothing
}

TEST_P(CancellationTest, CancellationInterruptsACallInProgress) {
  std::atomic<int> asked{0};
  Echo::Interface echo = *rt_.Spawn<Echo>(&asked, absl::Hours(1));
  absl::StatusOr<int> got = 0;
  absl::Duration returned;
  TaskGroup group(rt_, AllCompleted<int>());
  ASSERT_TRUE(group
                  .Spawn([&](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
                    got = co_await ctx.Call(echo, Ask{9}, absl::Hours(2));
                    returned = Now(ctx.runtime());
                    co_return got;
                  })
                  .ok());
  rt_.AdvanceTime(absl::Seconds(1));
  EXPECT_EQ(asked.load(), 1);
  group.Cancel();
  EXPECT_EQ(group.Join().status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(got.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(returned, absl::Seconds(1));
}

TEST_P(CancellationTest, AShieldScopeLetsCleanupRunAndCancellationReturnsAfterIt) {
  Echo::Interface echo = *rt_.Spawn<Echo>(nullptr, absl::Seconds(1));
  absl::Status in_shield = absl::UnknownError("not reached");
  absl::Status shielded_sleep = absl::UnknownError("not reached");
  absl::StatusOr<int> shielded_call = absl::UnknownError("not reached");
  absl::Status after_shield;
  absl::Duration cleanup_done;
  TaskGroup group(rt_, AllCompleted<int>(), GroupOptions().WithGrace(absl::Seconds(10)));
  ASSERT_TRUE(group
                  .Spawn([&](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
                    absl::Status s = co_await ctx.Sleep(absl::Hours(1));  // cancelled at 1 s
                    {
                      ShieldScope shield(ctx);
                      EXPECT_TRUE(ctx.shielded());
                      in_shield = ctx.Checkpoint();
                      shielded_sleep = co_await ctx.Sleep(absl::Seconds(2));
                      shielded_call = co_await ctx.Call(echo, Ask{5}, absl::Seconds(5));
                      cleanup_done = Now(ctx.runtime());
                    }
                    after_shield = ctx.Checkpoint();
                    co_return s;
                  })
                  .ok());
  rt_.AdvanceTime(absl::Seconds(1));
  group.Cancel();
  EXPECT_EQ(group.Join().status().code(), absl::StatusCode::kCancelled);
  EXPECT_TRUE(in_shield.ok()) << in_shield;
  EXPECT_TRUE(shielded_sleep.ok()) << shielded_sleep;
  ASSERT_TRUE(shielded_call.ok()) << shielded_call.status();
  EXPECT_EQ(*shielded_call, 5);
  EXPECT_EQ(cleanup_done, absl::Seconds(4));  // 1 s + a full 2 s sleep + a 1 s call
  EXPECT_EQ(after_shield.code(), absl::StatusCode::kCancelled);
  // It ended by itself within the grace period: its own outcome, not a kill.
  EXPECT_EQ(group.TaskStatuses()[0].message().find("killed"), std::string::npos);
}

TEST_P(CancellationTest, ATaskIgnoringCancellationIsKilledAfterTheGracePeriod) {
  bool cleanup_ran = false;
  std::optional<ExitReason> exit;
  TaskGroup group(rt_, AllCompleted<int>(), GroupOptions().WithGrace(absl::Seconds(3)));
  absl::StatusOr<TaskHandle> h = group.Spawn([&](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
    ShieldScope stubborn(ctx);
    (void)co_await ctx.Sleep(absl::Hours(1));
    cleanup_ran = true;
    co_return 1;
  });
  ASSERT_TRUE(h.ok()) << h.status();
  ASSERT_NE(rt_.Watch(h->pid, [&](Pid, const ExitReason& r) { exit = r; }), 0u);
  rt_.AdvanceTime(absl::Seconds(1));
  group.Cancel();
  rt_.AdvanceTime(absl::Milliseconds(2999));
  EXPECT_TRUE(rt_.IsAlive(h->pid));  // still within the grace period
  absl::StatusOr<std::vector<int>> r = group.Join();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(Now(rt_), absl::Seconds(4));
  EXPECT_FALSE(rt_.IsAlive(h->pid));
  ASSERT_TRUE(exit.has_value());
  EXPECT_EQ(exit->kind(), ExitKind::kKilled);
  EXPECT_FALSE(cleanup_ran);
  absl::Status st = group.TaskStatuses()[0];
  EXPECT_EQ(st.code(), absl::StatusCode::kCancelled);
  EXPECT_NE(st.message().find("grace period"), std::string::npos) << st;
}

TEST_P(CancellationTest, TheGracePeriodAlsoFollowsAJoinerDecision) {
  TaskGroup group(rt_, FirstSuccess<int>(), GroupOptions().WithGrace(absl::Seconds(2)));
  ASSERT_TRUE(group
                  .Spawn([](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
                    ShieldScope stubborn(ctx);
                    (void)co_await ctx.Sleep(absl::Hours(1));
                    co_return 1;
                  })
                  .ok());
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(1), 2)).ok());
  absl::StatusOr<int> r = group.Join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 2);
  EXPECT_EQ(Now(rt_), absl::Seconds(3));  // the winner at 1 s, the stubborn one killed 2 s later
  for (Pid p : group.Pids()) EXPECT_FALSE(rt_.IsAlive(p));
}

TEST_P(CancellationTest, ADeterministicJoinThatCannotProgressCancelsTheGroup) {
  Hole::Interface hole = *rt_.Spawn<Hole>();
  absl::Status call_status;
  TaskGroup group(rt_, AllCompleted<int>(), GroupOptions().WithGrace(absl::InfiniteDuration()));
  ASSERT_TRUE(group
                  .Spawn([&](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
                    absl::StatusOr<int> r = co_await ctx.Call(hole, Ask{}, absl::InfiniteDuration());
                    call_status = r.status();
                    co_return r;
                  })
                  .ok());
  absl::StatusOr<std::vector<int>> r = group.Join();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("deadlock"), std::string::npos) << r.status();
  // The cancellation interrupted the call; the task ended by itself.
  EXPECT_EQ(call_status.code(), absl::StatusCode::kFailedPrecondition);
  for (Pid p : group.Pids()) EXPECT_FALSE(rt_.IsAlive(p));
}

TEST_P(CancellationTest, ADeterministicJoinKillsTasksThatCannotProgressEvenWhenCancelled) {
  Hole::Interface hole = *rt_.Spawn<Hole>();
  bool returned = false;
  TaskGroup group(rt_, AllCompleted<int>(), GroupOptions().WithGrace(absl::InfiniteDuration()));
  ASSERT_TRUE(group
                  .Spawn([&](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
                    ShieldScope shield(ctx);  // the call ignores the cancellation
                    absl::StatusOr<int> r = co_await ctx.Call(hole, Ask{}, absl::InfiniteDuration());
                    returned = true;
                    co_return r;
                  })
                  .ok());
  absl::StatusOr<std::vector<int>> r = group.Join();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_FALSE(returned);
  absl::Status st = group.TaskStatuses()[0];
  EXPECT_EQ(st.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("killed"), std::string::npos) << st;
  for (Pid p : group.Pids()) EXPECT_FALSE(rt_.IsAlive(p));
}

TEST_P(CancellationTest, TheDeadlineCancelsTheGroupAndStaysReported) {
  std::vector<absl::StatusCode> codes;
  absl::Duration woke;
  TaskGroup group(rt_, AllCompleted<int>(), GroupOptions().WithTimeout(absl::Seconds(5)));
  EXPECT_EQ(group.deadline_ns(), absl::ToInt64Nanoseconds(absl::Seconds(5)));
  ASSERT_TRUE(group
                  .Spawn([&](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
                    EXPECT_EQ(ctx.remaining(), absl::Seconds(5));
                    absl::Status s = co_await ctx.Sleep(absl::Hours(1));
                    woke = Now(ctx.runtime());
                    codes.push_back(s.code());
                    for (int i = 0; i < 3; ++i) codes.push_back(ctx.Checkpoint().code());
                    EXPECT_EQ(ctx.remaining(), absl::ZeroDuration());
                    co_return s;
                  })
                  .ok());
  absl::StatusOr<std::vector<int>> r = group.Join();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(woke, absl::Seconds(5));
  EXPECT_EQ(codes, std::vector<absl::StatusCode>(4, absl::StatusCode::kDeadlineExceeded));
}

TEST_P(CancellationTest, TheDeadlinePropagatesToAChildGroupAndItsTasks) {
  int64_t child_deadline = 0, grandchild_deadline = 0;
  absl::Status grandchild_sleep, child_result;
  absl::Duration grandchild_woke;
  TaskGroup group(rt_, AllCompleted<int>(), GroupOptions().WithTimeout(absl::Seconds(5)));
  ASSERT_TRUE(group
                  .Spawn([&](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
                    // Its own timeout is longer: the parent's deadline wins.
                    TaskGroup child(ctx, AllCompleted<int>(), GroupOptions().WithTimeout(absl::Seconds(60)));
                    child_deadline = child.deadline_ns();
                    absl::StatusOr<TaskHandle> h =
                        child.Spawn([&](TaskContext& c2) -> Task<absl::StatusOr<int>> {
                          grandchild_deadline = c2.deadline_ns();
                          absl::Status s = co_await c2.Sleep(absl::Hours(1));
                          grandchild_sleep = s;
                          grandchild_woke = Now(c2.runtime());
                          co_return s;
                        });
                    EXPECT_TRUE(h.ok()) << h.status();
                    absl::StatusOr<std::vector<int>> r = co_await child.Join(ctx);
                    child_result = r.status();
                    co_return 0;
                  })
                  .ok());
  absl::StatusOr<std::vector<int>> r = group.Join();
  const int64_t five = absl::ToInt64Nanoseconds(absl::Seconds(5));
  EXPECT_EQ(child_deadline, five);
  EXPECT_EQ(grandchild_deadline, five);
  EXPECT_EQ(grandchild_sleep.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(grandchild_woke, absl::Seconds(5));
  EXPECT_EQ(child_result.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST_P(CancellationTest, AChildGroupKeepsAShorterDeadlineOfItsOwn) {
  absl::Status child_result;
  absl::Duration child_joined;
  TaskGroup group(rt_, AllCompleted<int>(), GroupOptions().WithTimeout(absl::Seconds(5)));
  ASSERT_TRUE(group
                  .Spawn([&](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
                    TaskGroup child(ctx, AllCompleted<int>(), GroupOptions().WithTimeout(absl::Seconds(2)));
                    EXPECT_TRUE(child.Spawn(After(absl::Hours(1), 1)).ok());
                    absl::StatusOr<std::vector<int>> r = co_await child.Join(ctx);
                    child_result = r.status();
                    child_joined = Now(ctx.runtime());
                    absl::Status s = co_await ctx.Sleep(absl::Seconds(1));  // the parent is not cancelled
                    if (!s.ok()) co_return s;
                    co_return 7;
                  })
                  .ok());
  absl::StatusOr<std::vector<int>> r = group.Join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, std::vector<int>{7});
  EXPECT_EQ(child_result.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(child_joined, absl::Seconds(2));
  EXPECT_EQ(Now(rt_), absl::Seconds(3));
}

TEST_P(CancellationTest, ACallFromATaskTimesOutAtTheTaskDeadlineNotItsOwnTimeout) {
  std::atomic<int> asked{0};
  Echo::Interface echo = *rt_.Spawn<Echo>(&asked, absl::Hours(1));
  absl::StatusOr<int> got = 0;
  absl::Duration returned;
  TaskGroup group(rt_, AllCompleted<int>(), GroupOptions().WithTimeout(absl::Seconds(2)));
  ASSERT_TRUE(group
                  .Spawn([&](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
                    got = co_await ctx.Call(echo, Ask{1}, absl::Seconds(10));
                    returned = Now(ctx.runtime());
                    co_return got;
                  })
                  .ok());
  (void)group.Join();
  EXPECT_EQ(asked.load(), 1);
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(returned, absl::Seconds(2));
}

TEST_P(CancellationTest, ACallFromAChildGroupsTaskIsClippedToTheParentsDeadline) {
  Echo::Interface echo = *rt_.Spawn<Echo>(nullptr, absl::Hours(1));
  absl::StatusOr<int> got = 0;
  absl::Duration returned;
  TaskGroup group(rt_, AllCompleted<int>(), GroupOptions().WithTimeout(absl::Seconds(2)));
  ASSERT_TRUE(group
                  .Spawn([&](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
                    TaskGroup child(ctx, AllCompleted<int>());  // no deadline of its own
                    EXPECT_TRUE(child
                                    .Spawn([&](TaskContext& c2) -> Task<absl::StatusOr<int>> {
                                      got = co_await c2.Call(echo, Ask{1}, absl::Seconds(30));
                                      returned = Now(c2.runtime());
                                      co_return got;
                                    })
                                    .ok());
                    absl::StatusOr<std::vector<int>> r = co_await child.Join(ctx);
                    if (!r.ok()) co_return r.status();
                    co_return 0;
                  })
                  .ok());
  EXPECT_EQ(group.Join().status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(returned, absl::Seconds(2));
}

TEST_P(CancellationTest, ACallWithAShorterTimeoutKeepsItsOwn) {
  Echo::Interface echo = *rt_.Spawn<Echo>(nullptr, absl::Hours(1));
  absl::StatusOr<int> got = 0;
  TaskGroup group(rt_, AllCompleted<int>(), GroupOptions().WithTimeout(absl::Seconds(10)));
  ASSERT_TRUE(group
                  .Spawn([&](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
                    got = co_await ctx.Call(echo, Ask{1}, absl::Seconds(1));
                    co_return 0;
                  })
                  .ok());
  ASSERT_TRUE(group.Join().ok());
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(got.status().message().find("timed out after 1s"), std::string::npos) << got.status();
  EXPECT_EQ(Now(rt_), absl::Seconds(1));
}

TEST_P(CancellationTest, ACallInsideAShieldIsNotClippedByThePassedDeadline) {
  Echo::Interface echo = *rt_.Spawn<Echo>(nullptr, absl::Seconds(3));
  absl::StatusOr<int> got = 0;
  absl::Duration returned;
  TaskGroup group(rt_, AllCompleted<int>(),
                  GroupOptions().WithTimeout(absl::Seconds(2)).WithGrace(absl::Seconds(10)));
  ASSERT_TRUE(group
                  .Spawn([&](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
                    absl::Status s = co_await ctx.Sleep(absl::Hours(1));  // the deadline, at 2 s
                    ShieldScope shield(ctx);
                    got = co_await ctx.Call(echo, Ask{4}, absl::Seconds(5));
                    returned = Now(ctx.runtime());
                    co_return s;
                  })
                  .ok());
  EXPECT_EQ(group.Join().status().code(), absl::StatusCode::kDeadlineExceeded);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(*got, 4);
  EXPECT_EQ(returned, absl::Seconds(5));
}

TEST_P(CancellationTest, CancellingAGroupReachesTheTasksOfItsChildGroups) {
  absl::Status grandchild;
  absl::Duration woke;
  TaskGroup group(rt_, AllCompleted<int>());
  ASSERT_TRUE(group
                  .Spawn([&](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
                    TaskGroup child(ctx, AllCompleted<int>());
                    EXPECT_TRUE(child
                                    .Spawn([&](TaskContext& c2) -> Task<absl::StatusOr<int>> {
                                      grandchild = co_await c2.Sleep(absl::Hours(1));
                                      woke = Now(c2.runtime());
                                      co_return grandchild;
                                    })
                                    .ok());
                    absl::StatusOr<std::vector<int>> r = co_await child.Join(ctx);
                    if (!r.ok()) co_return r.status();
                    co_return 0;
                  })
                  .ok());
  rt_.AdvanceTime(absl::Seconds(1));
  group.Cancel();
  EXPECT_EQ(group.Join().status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(grandchild.code(), absl::StatusCode::kCancelled);
  EXPECT_NE(grandchild.message().find("parent task group"), std::string::npos) << grandchild;
  EXPECT_EQ(woke, absl::Seconds(1));
}

TEST_P(CancellationTest, AGroupCreatedInsideAShieldInheritsNeitherCancellationNorDeadline) {
  int64_t child_deadline = 0;
  absl::StatusOr<std::vector<int>> child_result = absl::UnknownError("not reached");
  TaskGroup group(rt_, AllCompleted<int>(),
                  GroupOptions().WithTimeout(absl::Seconds(2)).WithGrace(absl::Seconds(10)));
  ASSERT_TRUE(group
                  .Spawn([&](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
                    ShieldScope shield(ctx);
                    TaskGroup child(ctx, AllCompleted<int>());
                    child_deadline = child.deadline_ns();
                    EXPECT_TRUE(child.Spawn(After(absl::Seconds(3), 8)).ok());
                    child_result = co_await child.Join(ctx);
                    co_return 0;
                  })
                  .ok());
  EXPECT_EQ(group.Join().status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(child_deadline, INT64_MAX);
  ASSERT_TRUE(child_result.ok()) << child_result.status();  // it slept past the parent's deadline
  EXPECT_EQ(*child_result, std::vector<int>{8});
  EXPECT_EQ(Now(rt_), absl::Seconds(3));
}

TEST_P(CancellationTest, AGroupWhoseDeadlineHasPassedStartsCancelled) {
  rt_.AdvanceTime(absl::Seconds(10));
  TaskGroup group(rt_, AllCompleted<int>(), GroupOptions().WithDeadline(rt_.NowNanos() - 1));
  EXPECT_TRUE(group.cancelled());
  absl::StatusOr<TaskHandle> h = group.Spawn(After(absl::Seconds(1), 1));
  EXPECT_EQ(h.status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(group.Join().status().code(), absl::StatusCode::kDeadlineExceeded);
}

INSTANTIATE_TEST_SUITE_P(Seeds, CancellationTest, ::testing::Values(1, 2, 3, 42));

}  // namespace
}  // namespace myr::taskgroup
