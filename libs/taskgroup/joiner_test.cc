// Copyright Myrmidon authors.
//
// The joiners, on a deterministic runtime with virtual time (each test runs
// under several seeds): results in task order, first success, fail fast,
// quorum (reached, unreachable, measured only once sealed), custom hooks.
// Completion order is set by virtual sleeps, so it differs from task order.
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "libs/sched/runtime.h"
#include "libs/taskgroup/joiner.h"
#include "libs/taskgroup/task_group.h"
#include "libs/taskgroup/test_actors.h"

namespace myr::taskgroup {
namespace {

using testing::After;
using testing::Now;

// What a task saw when it noticed cancellation.
struct Seen {
  size_t task;
  absl::StatusCode code;
  absl::Duration at;
};

// A task body doing `steps` steps of uninterruptible work (shielded sleeps
// of `step`), with a checkpoint after each; it notes the cancellation it
// sees at a checkpoint and returns it. Finishing every step returns `result`.
auto Worker(int steps, absl::Duration step, int result, std::vector<Seen>* seen) {
  return [=](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
    for (int i = 0; i < steps; ++i) {
      {
        ShieldScope shield(ctx);
        absl::Status s = co_await ctx.Sleep(step);
        EXPECT_TRUE(s.ok()) << s;
      }
      absl::Status s = ctx.Checkpoint();
      if (!s.ok()) {
        seen->push_back(Seen{ctx.index(), s.code(), Now(ctx.runtime())});
        co_return s;
      }
    }
    co_return result;
  };
}

class JoinerTest : public ::testing::TestWithParam<uint64_t> {
 protected:
  void ExpectAllDead(const std::vector<Pid>& pids) {
    for (Pid p : pids) EXPECT_FALSE(rt_.IsAlive(p)) << p.ToString();
  }

  Runtime rt_{RuntimeOptions::Deterministic(GetParam())};
};

TEST_P(JoinerTest, AllCompletedReturnsTheResultsInTaskOrderNotCompletionOrder) {
  TaskGroup group(rt_, AllCompleted<int>());
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(3), 10)).ok());
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(1), 20)).ok());
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(2), 30)).ok());
  absl::StatusOr<std::vector<int>> r = group.Join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, (std::vector<int>{10, 20, 30}));
  EXPECT_EQ(Now(rt_), absl::Seconds(3));  // it waited for the slowest
  ExpectAllDead(group.Pids());
}

TEST_P(JoinerTest, AllCompletedReportsTheFirstFailureInTaskOrderAndCancelsNothing) {
  TaskGroup group(rt_, AllCompleted<int>());
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(3), 1)).ok());
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(2), absl::NotFoundError("no key b"))).ok());
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(1), absl::InternalError("broken c"))).ok());
  absl::StatusOr<std::vector<int>> r = group.Join();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(r.status().message(), "task 1: no key b");
  EXPECT_EQ(Now(rt_), absl::Seconds(3));  // task 0 was not cancelled: it finished
  std::vector<absl::Status> st = group.TaskStatuses();
  ASSERT_EQ(st.size(), 3u);
  EXPECT_TRUE(st[0].ok());
  EXPECT_EQ(st[1].code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(st[2].code(), absl::StatusCode::kInternal);
  EXPECT_FALSE(group.cancelled());
}

TEST_P(JoinerTest, AnEmptyAllCompletedGroupJoinsAtOnceWithNoResults) {
  TaskGroup group(rt_, AllCompleted<int>());
  absl::StatusOr<std::vector<int>> r = group.Join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_TRUE(r->empty());
}

TEST_P(JoinerTest, FirstSuccessCancelsTheRestAndTheyObserveItAtTheirNextCheckpoint) {
  std::vector<Seen> seen;
  TaskGroup group(rt_, FirstSuccess<int>());
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(1), absl::UnavailableError("replica down"))).ok());
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(2), 7)).ok());
  // Checkpoints every 300 ms (at 2.1 s the first after the success at 2 s)
  // and every 700 ms (2.1 s as well).
  ASSERT_TRUE(group.Spawn(Worker(100, absl::Milliseconds(300), 1, &seen)).ok());
  ASSERT_TRUE(group.Spawn(Worker(100, absl::Milliseconds(700), 2, &seen)).ok());
  absl::StatusOr<int> r = group.Join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 7);
  ASSERT_EQ(seen.size(), 2u);
  for (const Seen& s : seen) {
    EXPECT_EQ(s.code, absl::StatusCode::kCancelled) << "task " << s.task;
    EXPECT_EQ(s.at, absl::Milliseconds(2100)) << "task " << s.task;  // the next checkpoint, not earlier
  }
  EXPECT_TRUE(group.cancelled());
  std::vector<absl::Status> st = group.TaskStatuses();
  EXPECT_EQ(st[0].code(), absl::StatusCode::kUnavailable);
  EXPECT_TRUE(st[1].ok());
  EXPECT_EQ(st[2].code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(st[3].code(), absl::StatusCode::kCancelled);
  ExpectAllDead(group.Pids());
}

TEST_P(JoinerTest, FirstSuccessWakesSleepingLosersAtOnce) {
  TaskGroup group(rt_, FirstSuccess<int>());
  ASSERT_TRUE(group.Spawn(After(absl::Hours(1), 1)).ok());
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(1), 2)).ok());
  absl::StatusOr<int> r = group.Join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 2);
  EXPECT_EQ(Now(rt_), absl::Seconds(1));  // the hour-long sleep was cut short
  EXPECT_EQ(group.TaskStatuses()[0].code(), absl::StatusCode::kCancelled);
}

TEST_P(JoinerTest, FirstSuccessWithoutASuccessReturnsTheFirstFailureInTaskOrder) {
  TaskGroup group(rt_, FirstSuccess<int>());
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(2), absl::DataLossError("a"))).ok());
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(1), absl::NotFoundError("b"))).ok());
  absl::StatusOr<int> r = group.Join();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(r.status().message(), "no task succeeded; task 0: a");
}

TEST_P(JoinerTest, FirstSuccessOfNoTasksIsAFailedPrecondition) {
  TaskGroup group(rt_, FirstSuccess<int>());
  EXPECT_EQ(group.Join().status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_P(JoinerTest, FailFastSurfacesTheErrorAndCancelsTheRest) {
  TaskGroup group(rt_, FailFast<int>());
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(1), 1)).ok());
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(2), absl::DataLossError("disk gone"))).ok());
  ASSERT_TRUE(group.Spawn(After(absl::Hours(1), 3)).ok());
  absl::StatusOr<std::vector<int>> r = group.Join();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(r.status().message(), "task 1: disk gone");
  EXPECT_EQ(Now(rt_), absl::Seconds(2));
  std::vector<absl::Status> st = group.TaskStatuses();
  EXPECT_TRUE(st[0].ok());
  EXPECT_EQ(st[2].code(), absl::StatusCode::kCancelled);
  ExpectAllDead(group.Pids());
}

TEST_P(JoinerTest, FailFastWithoutAFailureReturnsTheValuesInTaskOrder) {
  TaskGroup group(rt_, FailFast<int>());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(group.Spawn(After(absl::Seconds(5 - i), i * i)).ok());
  absl::StatusOr<std::vector<int>> r = group.Join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, (std::vector<int>{0, 1, 4, 9, 16}));
}

TEST_P(JoinerTest, QuorumSucceedsAtTheNthSuccessAndCancelsTheRest) {
  TaskGroup group(rt_, Quorum<int>(3));
  // Task i succeeds after 5 - i seconds: tasks 4, 3 and 2 are the first three.
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(group.Spawn(After(absl::Seconds(5 - i), 100 + i)).ok());
  absl::StatusOr<std::vector<int>> r = group.Join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, (std::vector<int>{102, 103, 104}));  // in task order
  EXPECT_EQ(Now(rt_), absl::Seconds(3));
  std::vector<absl::Status> st = group.TaskStatuses();
  EXPECT_EQ(st[0].code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(st[1].code(), absl::StatusCode::kCancelled);
  ExpectAllDead(group.Pids());
}

TEST_P(JoinerTest, QuorumFailsAsSoonAsNIsUnreachable) {
  TaskGroup group(rt_, Quorum<int>(3));
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(1), absl::UnavailableError("r0"))).ok());
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(2), absl::UnavailableError("r1"))).ok());
  ASSERT_TRUE(group.Spawn(After(absl::Hours(1), 2)).ok());
  ASSERT_TRUE(group.Spawn(After(absl::Hours(1), 3)).ok());
  absl::StatusOr<std::vector<int>> r = group.Join();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("quorum of 3 unreachable: 2 of 4 tasks failed"), std::string::npos)
      << r.status();
  EXPECT_EQ(Now(rt_), absl::Seconds(2));  // not an hour: the rest were cancelled
  ExpectAllDead(group.Pids());
}

TEST_P(JoinerTest, QuorumLargerThanTheGroupFailsWhenSealed) {
  TaskGroup group(rt_, Quorum<int>(3));
  ASSERT_TRUE(group.Spawn(After(absl::Hours(1), 1)).ok());
  ASSERT_TRUE(group.Spawn(After(absl::Hours(1), 2)).ok());
  absl::StatusOr<std::vector<int>> r = group.Join();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Now(rt_), absl::ZeroDuration());
}

TEST_P(JoinerTest, QuorumIsMeasuredAgainstTheFinalNumberOfTasks) {
  TaskGroup group(rt_, Quorum<int>(1));
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(1), absl::UnavailableError("a"))).ok());
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(1), absl::UnavailableError("b"))).ok());
  rt_.AdvanceTime(absl::Seconds(5));
  // Both failed, but the group is not sealed: more tasks may come.
  EXPECT_FALSE(group.cancelled());
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(1), 42)).ok());
  absl::StatusOr<std::vector<int>> r = group.Join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, (std::vector<int>{42}));
}

TEST_P(JoinerTest, ACustomHookSeesCompletionsInOrderAndDecides) {
  std::vector<size_t> calls;
  int sum = 0;
  TaskGroup group(rt_, Custom<int>([&](size_t index, const absl::StatusOr<int>& outcome,
                                       const Progress& p) {
                    calls.push_back(index);
                    EXPECT_EQ(p.completed, calls.size());
                    if (outcome.ok()) sum += *outcome;
                    return sum >= 10 ? Decision::Succeed() : Decision::Continue();
                  }));
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(3), 5)).ok());
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(1), 4)).ok());
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(2), 6)).ok());
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(10), 100)).ok());
  absl::StatusOr<std::vector<absl::StatusOr<int>>> r = group.Join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(calls, (std::vector<size_t>{1, 2}));  // not consulted after deciding
  ASSERT_EQ(r->size(), 4u);
  EXPECT_EQ((*r)[0].status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(*(*r)[1], 4);
  EXPECT_EQ(*(*r)[2], 6);
  EXPECT_EQ((*r)[3].status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(Now(rt_), absl::Seconds(2));
}

TEST_P(JoinerTest, ACustomHookCanFailTheGroupWithItsOwnError) {
  TaskGroup group(rt_, Custom<int>([](size_t index, const absl::StatusOr<int>& outcome,
                                      const Progress&) {
                    if (outcome.ok() && *outcome < 0) {
                      return Decision::Fail(absl::OutOfRangeError(absl::StrCat("task ", index, " went negative")));
                    }
                    return Decision::Continue();
                  }));
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(1), 3)).ok());
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(2), -1)).ok());
  ASSERT_TRUE(group.Spawn(After(absl::Hours(1), 3)).ok());
  absl::StatusOr<std::vector<absl::StatusOr<int>>> r = group.Join();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(r.status().message(), "task 1 went negative");
  EXPECT_EQ(Now(rt_), absl::Seconds(2));
}

TEST_P(JoinerTest, ACustomHookThatNeverDecidesGetsEveryOutcome) {
  TaskGroup group(rt_, Custom<int>([](size_t, const absl::StatusOr<int>&, const Progress&) {
                    return Decision::Continue();
                  }));
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(1), absl::AbortedError("x"))).ok());
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(2), 2)).ok());
  absl::StatusOr<std::vector<absl::StatusOr<int>>> r = group.Join();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ((*r)[0].status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(*(*r)[1], 2);
}

TEST_P(JoinerTest, AJoinerThatThrowsFailsTheGroupWithInternal) {
  TaskGroup group(rt_, Custom<int>([](size_t, const absl::StatusOr<int>&, const Progress&) -> Decision {
                    throw std::runtime_error("hook bug");
                  }));
  ASSERT_TRUE(group.Spawn(After(absl::Seconds(1), 1)).ok());
  ASSERT_TRUE(group.Spawn(After(absl::Hours(1), 2)).ok());
  absl::StatusOr<std::vector<absl::StatusOr<int>>> r = group.Join();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal);
  EXPECT_NE(r.status().message().find("hook bug"), std::string::npos);
  EXPECT_EQ(Now(rt_), absl::Seconds(1));
}

INSTANTIATE_TEST_SUITE_P(Seeds, JoinerTest, ::testing::Values(1, 2, 3, 42));

}  // namespace
}  // namespace myr::taskgroup
