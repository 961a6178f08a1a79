// Copyright Myrmidon authors.
//
// Threaded stress (run it under --config=tsan and --config=asan too): many
// plain threads each run many groups of many tasks with every joiner, while
// completions race with joiner decisions, explicit cancels, deadlines
// firing on the timer thread, grace-period kills and nested groups; and many
// threads spawn into one group while another cancels it. After every Join,
// every task of the group is dead and the result is consistent with what
// the tasks returned.
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "libs/sched/runtime.h"
#include "libs/sched/testing/sched_testing.h"
#include "libs/taskgroup/joiner.h"
#include "libs/taskgroup/task_context.h"
#include "libs/taskgroup/task_group.h"
#include "libs/taskgroup/test_actors.h"

namespace myr::taskgroup {
namespace {

using sched_testing::Threaded;
using testing::Ask;
using testing::Echo;

constexpr int kThreads = 4;
constexpr int kGroupsPerThread = 50;
constexpr int kTasksPerGroup = 16;

// How a task behaves, chosen by the owner.
struct Plan {
  int sleep_us;      // a cancellable sleep first
  bool call;         // then a call to the echo actor
  bool fail;         // then fail instead of returning its index
  bool nested;       // run a child group of 3 tasks and join it
  bool stubborn;     // on cancellation, a shielded 5 ms "cleanup" (may be killed)
};

Task<absl::StatusOr<int>> RunPlan(Plan plan, Echo::Interface echo, TaskContext& ctx) {
  absl::Status s = co_await ctx.Sleep(absl::Microseconds(plan.sleep_us));
  if (!s.ok()) {
    if (plan.stubborn) {
      ShieldScope shield(ctx);
      (void)co_await ctx.Sleep(absl::Milliseconds(5));
    }
    co_return s;
  }
  if (plan.call) {
    absl::StatusOr<int> r = co_await ctx.Call(echo, Ask{static_cast<int>(ctx.index())}, absl::Seconds(10));
    if (!r.ok()) co_return r.status();
    if (*r != static_cast<int>(ctx.index())) co_return absl::InternalError("wrong echo");
  }
  if (plan.nested) {
    TaskGroup child(ctx, AllCompleted<int>());
    for (int i = 0; i < 3; ++i) {
      absl::StatusOr<TaskHandle> h = child.Spawn([](TaskContext& c) -> Task<absl::StatusOr<int>> {
        absl::Status cs = co_await c.Sleep(absl::Microseconds(100));
        if (!cs.ok()) co_return cs;
        co_return 1;
      });
      if (!h.ok()) co_return h.status();  // cancelled meanwhile
    }
    absl::StatusOr<std::vector<int>> r = co_await child.Join(ctx);
    if (!r.ok()) co_return r.status();
    if (r->size() != 3) co_return absl::InternalError("child group lost a result");
  }
  if (plan.fail) co_return absl::DataLossError(absl::StrCat("planned failure ", ctx.index()));
  co_return static_cast<int>(ctx.index());
}

// How the tasks ended, over the whole test (to show that the races were run).
struct Tally {
  std::atomic<int> ok{0}, cancelled{0}, deadline{0}, killed{0}, failed{0}, other{0};
};

// After Join: every task is dead and has an outcome. Counts the outcomes;
// returns a description of a violation, or "" if none.
template <typename R>
std::string CheckJoined(Runtime& rt, const TaskGroup<int, R>& group, Tally& tally) {
  for (Pid p : group.Pids()) {
    if (rt.IsAlive(p)) return absl::StrCat("task ", p.ToString(), " outlived Join");
  }
  for (const absl::Status& s : group.TaskStatuses()) {
    if (s.ok()) {
      tally.ok.fetch_add(1, std::memory_order_relaxed);
    } else if (s.message().find("was killed") != absl::string_view::npos) {
      tally.killed.fetch_add(1, std::memory_order_relaxed);
    } else if (s.code() == absl::StatusCode::kCancelled) {
      tally.cancelled.fetch_add(1, std::memory_order_relaxed);
    } else if (s.code() == absl::StatusCode::kDeadlineExceeded) {
      tally.deadline.fetch_add(1, std::memory_order_relaxed);
    } else if (s.code() == absl::StatusCode::kDataLoss) {
      tally.failed.fetch_add(1, std::memory_order_relaxed);
    } else {
      tally.other.fetch_add(1, std::memory_order_relaxed);
      return absl::StrCat("unexpected task outcome: ", s.ToString());
    }
  }
  return "";
}

TEST(TaskGroupStressTest, ManyThreadsRunManyGroupsWithEveryJoinerAndRacingCancellation) {
  Runtime rt(Threaded(4));
  Echo::Interface echo = *rt.Spawn<Echo>();
  std::atomic<int> joins{0};
  std::atomic<int> tasks{0};
  Tally tally;
  std::vector<std::string> errors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(1000 + t);
      auto chance = [&rng](int percent) { return static_cast<int>(rng() % 100) < percent; };
      for (int g = 0; g < kGroupsPerThread && errors[t].empty(); ++g) {
        GroupOptions options;
        options.grace = absl::Milliseconds(2);
        if (chance(25)) options.timeout = absl::Microseconds(rng() % 3000);
        const bool cancel = chance(20);
        const int kind = static_cast<int>(rng() % 4);
        std::vector<Plan> plans;
        for (int i = 0; i < kTasksPerGroup; ++i) {
          plans.push_back(Plan{static_cast<int>(rng() % 800), chance(50), chance(kind == 0 ? 0 : 15),
                               chance(10), chance(10)});
        }
        auto spawn_all = [&](auto& group) {
          for (int i = 0; i < kTasksPerGroup; ++i) {
            absl::StatusOr<TaskHandle> h = group.Spawn([plan = plans[i], echo](TaskContext& ctx) {
              return RunPlan(plan, echo, ctx);
            });
            if (h.ok()) {
              tasks.fetch_add(1, std::memory_order_relaxed);
            } else if (h.status().code() != absl::StatusCode::kCancelled &&
                       h.status().code() != absl::StatusCode::kDeadlineExceeded) {
              errors[t] = absl::StrCat("spawn: ", h.status().ToString());
            }
            if (cancel && i == kTasksPerGroup / 2) group.Cancel();
          }
        };
        std::string bad;
        switch (kind) {
          case 0: {  // AllCompleted, no planned failures
            TaskGroup group(rt, AllCompleted<int>(), options);
            spawn_all(group);
            absl::StatusOr<std::vector<int>> r = group.Join();
            if (r.ok()) {
              for (size_t i = 0; i < r->size(); ++i) {
                if ((*r)[i] != static_cast<int>(i)) bad = absl::StrCat("AllCompleted: slot ", i, " = ", (*r)[i]);
              }
              if (r->size() != group.size()) bad = "AllCompleted: wrong size";
            } else if (r.status().code() != absl::StatusCode::kCancelled &&
                       r.status().code() != absl::StatusCode::kDeadlineExceeded) {
              bad = absl::StrCat("AllCompleted: ", r.status().ToString());
            }
            if (bad.empty()) bad = CheckJoined(rt, group, tally);
            break;
          }
          case 1: {
            TaskGroup group(rt, FirstSuccess<int>(), options);
            spawn_all(group);
            absl::StatusOr<int> r = group.Join();
            if (r.ok()) {
              if (*r < 0 || *r >= kTasksPerGroup || plans[*r].fail) bad = absl::StrCat("FirstSuccess: ", *r);
              else if (!group.TaskStatuses()[*r].ok()) bad = "FirstSuccess: the winner's status is not OK";
            }
            if (bad.empty()) bad = CheckJoined(rt, group, tally);
            break;
          }
          case 2: {
            TaskGroup group(rt, FailFast<int>(), options);
            spawn_all(group);
            absl::StatusOr<std::vector<int>> r = group.Join();
            if (r.ok()) {
              for (size_t i = 0; i < r->size(); ++i) {
                if ((*r)[i] != static_cast<int>(i)) bad = absl::StrCat("FailFast: slot ", i);
              }
            }
            if (bad.empty()) bad = CheckJoined(rt, group, tally);
            break;
          }
          default: {
            TaskGroup group(rt, Quorum<int>(kTasksPerGroup / 2), options);
            spawn_all(group);
            absl::StatusOr<std::vector<int>> r = group.Join();
            if (r.ok()) {
              if (r->size() != static_cast<size_t>(kTasksPerGroup / 2)) bad = "Quorum: wrong size";
              for (size_t i = 1; i < r->size(); ++i) {
                if ((*r)[i - 1] >= (*r)[i]) bad = "Quorum: not in task order";
              }
            }
            if (bad.empty()) bad = CheckJoined(rt, group, tally);
            break;
          }
        }
        if (!bad.empty()) errors[t] = bad;
        joins.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(errors[t], "") << "thread " << t;
  EXPECT_EQ(joins.load(), kThreads * kGroupsPerThread);
  EXPECT_GT(tasks.load(), 0);
  EXPECT_GT(tally.ok.load(), 0);
  EXPECT_GT(tally.cancelled.load() + tally.deadline.load(), 0);
  EXPECT_EQ(tally.other.load(), 0);
  std::printf("tasks %d: ok %d, cancelled %d, deadline %d, killed after grace %d, failed %d\n",
              tasks.load(), tally.ok.load(), tally.cancelled.load(), tally.deadline.load(),
              tally.killed.load(), tally.failed.load());
  // Everything has ended but the echo actor (detached or leftover actors
  // would show here).
  EXPECT_TRUE(sched_testing::Eventually([&] { return rt.stats().live_actors == 1; }))
      << rt.stats().live_actors;
}

TEST(TaskGroupStressTest, ManyThreadsSpawnIntoOneGroupWhileAnotherCancelsIt) {
  Runtime rt(Threaded(4));
  for (int round = 0; round < 5; ++round) {
    TaskGroup group(rt, AllCompleted<int>(), GroupOptions().WithGrace(absl::Seconds(5)));
    std::atomic<int> spawned{0};
    std::atomic<bool> go{false};
    std::vector<std::thread> spawners;
    for (int t = 0; t < kThreads; ++t) {
      spawners.emplace_back([&] {
        while (!go.load()) std::this_thread::yield();
        for (int i = 0; i < 100; ++i) {
          absl::StatusOr<TaskHandle> h = group.Spawn([](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
            absl::Status s = co_await ctx.Sleep(absl::Milliseconds(1));
            if (!s.ok()) co_return s;
            co_return static_cast<int>(ctx.index());
          });
          if (h.ok()) spawned.fetch_add(1);
        }
      });
    }
    std::thread canceller([&] {
      while (!go.load()) std::this_thread::yield();
      while (spawned.load() < 50 * (round + 1)) std::this_thread::yield();
      group.Cancel();
    });
    go.store(true);
    for (auto& th : spawners) th.join();
    canceller.join();
    absl::StatusOr<std::vector<int>> r = group.Join();
    EXPECT_EQ(r.status().code(), absl::StatusCode::kCancelled);
    EXPECT_EQ(group.size(), static_cast<size_t>(spawned.load()));
    EXPECT_EQ(group.TaskStatuses().size(), group.size());
    for (Pid p : group.Pids()) EXPECT_FALSE(rt.IsAlive(p));
  }
}

}  // namespace
}  // namespace myr::taskgroup
