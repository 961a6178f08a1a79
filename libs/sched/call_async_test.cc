// Copyright Myrmidon authors.
//
// CallAsync (a call whose result goes to a callback, with no thread
// waiting) and Runtime::Await (the one wait-until-a-deadline loop), in
// threaded and deterministic mode.
#include <atomic>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "libs/sched/runtime.h"
#include "libs/sched/testing/sched_testing.h"

namespace myr {
namespace {

using sched_testing::Eventually;
using sched_testing::Threaded;

struct Get {
  using Reply = int;
};
struct Wait {  // answered after a coroutine sleep
  using Reply = int;
  absl::Duration d;
};
struct Boom {
  using Reply = int;
};
struct Fire {};  // no reply value

class Server : public Actor<Server, Get, Wait, Boom, Fire> {
 public:
  int Handle(Get&) { return 42; }
  Task<int> Handle(Wait& w) {
    co_await Sleep(w.d);
    co_return 7;
  }
  int Handle(Boom&) { throw std::runtime_error("boom"); }
  void Handle(Fire&) {}
};

// Collects CallAsync results from whichever thread delivers them.
template <typename T>
struct Results {
  std::mutex mu;
  std::vector<T> got;
  std::vector<std::thread::id> threads;
  std::function<void(T)> Sink() {
    return [this](T r) {
      std::lock_guard<std::mutex> lock(mu);
      got.push_back(std::move(r));
      threads.push_back(std::this_thread::get_id());
    };
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mu);
    return got.size();
  }
};

TEST(CallAsync, TheReplyGoesToTheCallbackOnceAndTheCallerDoesNotWait) {
  Runtime rt(Threaded());
  auto server = *rt.Spawn<Server>();
  Results<absl::StatusOr<int>> r;
  rt.CallAsync(server.pid(), Get{}, absl::Seconds(5), r.Sink());
  ASSERT_TRUE(Eventually([&] { return r.size() == 1; }));
  EXPECT_EQ(*r.got[0], 42);
  EXPECT_NE(r.threads[0], std::this_thread::get_id());  // delivered by the runtime
  absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(r.size(), 1u);
}

TEST(CallAsync, ErrorsTimeoutsAndDeadPidsAreEachOneResult) {
  Runtime rt(Threaded());
  auto server = *rt.Spawn<Server>();
  auto idle = *rt.Spawn<Server>();
  Results<absl::StatusOr<int>> slow, boom, dead;
  Results<absl::Status> fire;
  rt.CallAsync(server.pid(), Wait{absl::Seconds(30)}, absl::Milliseconds(20), slow.Sink());
  rt.CallAsync(idle.pid(), Fire{}, absl::Seconds(5), fire.Sink());
  rt.CallAsync(Pid::Make(rt.node(), 12345, 7), Get{}, absl::Seconds(5), dead.Sink());
  ASSERT_TRUE(Eventually([&] { return slow.size() == 1 && fire.size() == 1 && dead.size() == 1; }));
  EXPECT_EQ(slow.got[0].status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_NE(slow.got[0].status().message().find("timed out after 20ms"), absl::string_view::npos);
  EXPECT_TRUE(fire.got[0].ok());
  EXPECT_EQ(dead.got[0].status().code(), absl::StatusCode::kNotFound);
  auto other = *rt.Spawn<Server>();
  rt.CallAsync(other.pid(), Boom{}, absl::Seconds(5), boom.Sink());
  ASSERT_TRUE(Eventually([&] { return boom.size() == 1; }));
  EXPECT_EQ(boom.got[0].status().code(), absl::StatusCode::kAborted);
}

TEST(CallAsync, ManyCallsFromManyThreadsEachGetExactlyOneAnswer) {
  Runtime rt(Threaded());
  auto server = *rt.Spawn<Server>();
  std::atomic<int> ok{0}, total{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        // Half of them race a short timeout against the reply.
        absl::Duration timeout = i % 2 ? absl::Seconds(5) : absl::Microseconds(50);
        rt.CallAsync(server.pid(), Get{}, timeout, [&](absl::StatusOr<int> r) {
          if (r.ok()) ok.fetch_add(1);
          total.fetch_add(1);
        });
      }
    });
  }
  for (auto& t : callers) t.join();
  ASSERT_TRUE(Eventually([&] { return total.load() == 8000; }));
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(total.load(), 8000);
  EXPECT_GE(ok.load(), 4000);
}

TEST(CallAsync, DeterministicCallsAnswerOnTheDrivingThreadAndTimeOutOnVirtualTime) {
  Runtime rt(RuntimeOptions::Deterministic(9));
  auto server = *rt.Spawn<Server>();
  Results<absl::StatusOr<int>> fast, slow;
  rt.CallAsync(server.pid(), Get{}, absl::Seconds(1), fast.Sink());
  rt.CallAsync(server.pid(), Wait{absl::Seconds(10)}, absl::Seconds(2), slow.Sink());
  rt.RunUntilIdle();
  ASSERT_EQ(fast.size(), 1u);
  EXPECT_EQ(*fast.got[0], 42);
  EXPECT_EQ(fast.threads[0], std::this_thread::get_id());
  EXPECT_EQ(slow.size(), 0u);
  rt.AdvanceTime(absl::Seconds(2));
  ASSERT_EQ(slow.size(), 1u);
  EXPECT_EQ(slow.got[0].status().code(), absl::StatusCode::kDeadlineExceeded);
  rt.AdvanceTime(absl::Seconds(10));  // the late reply changes nothing
  EXPECT_EQ(slow.size(), 1u);
}

TEST(Await, ACompletionSetFromAnotherThreadEndsTheWaitAndTheDeadlineEndsItOtherwise) {
  Runtime rt(Threaded());
  Completion<int> never, soon;
  EXPECT_FALSE(rt.Await(never, DeadlineAfter(rt.NowNanos(), absl::Milliseconds(20))));
  std::thread setter([&] {
    absl::SleepFor(absl::Milliseconds(5));
    EXPECT_TRUE(soon.Set(3));
    EXPECT_FALSE(soon.Set(4));  // the first wins
  });
  EXPECT_TRUE(rt.Await(soon, INT64_MAX));
  setter.join();
  EXPECT_EQ(*soon.Take(), 3);
}

TEST(Await, DeterministicAwaitDrivesTheRuntimeAndGivesUpWhenNothingCanRun) {
  Runtime rt(RuntimeOptions::Deterministic(4));
  auto server = *rt.Spawn<Server>();
  auto done = std::make_shared<Completion<int>>();
  rt.CallAsync(server.pid(), Wait{absl::Seconds(3)}, absl::Seconds(10),
               [done](absl::StatusOr<int> r) { done->Set(r.ok() ? *r : -1); });
  EXPECT_TRUE(rt.Await(*done, INT64_MAX));  // steps, then jumps virtual time 3 s
  EXPECT_EQ(*done->Take(), 7);
  EXPECT_EQ(rt.NowNanos(), 3'000'000'000);
  Completion<int> never;
  EXPECT_FALSE(rt.Await(never, INT64_MAX));  // idle, no timer: gives up at once
  EXPECT_FALSE(rt.Await(never, DeadlineAfter(rt.NowNanos(), absl::Seconds(1))));
  EXPECT_EQ(rt.NowNanos(), 4'000'000'000);  // moved to the deadline
}

TEST(ExitAndAwait, SignalsThenWaitsAndReportsTheReasonOrNoProc) {
  Runtime rt(Threaded());
  auto server = *rt.Spawn<Server>();
  absl::StatusOr<ExitReason> r = rt.ExitAndAwait(server.pid(), ExitReason::Shutdown("done"),
                                                 absl::Seconds(5));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, ExitReason::Shutdown("done"));
  EXPECT_EQ(rt.ExitAndAwait(server.pid(), ExitReason::Shutdown(), absl::Seconds(1)).status().code(),
            absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace myr
