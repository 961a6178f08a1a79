// Copyright Myrmidon authors.
//
// Executors added by users (executor.h): turns run where the executor says
// (here: a "main thread" that drains a queue, as the Node binding's
// event-loop executor will), exactly once each, never overlapping for one
// actor, and are handed back at shutdown.
#include <atomic>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "libs/sched/runtime.h"
#include "libs/sched/testing/sched_testing.h"

namespace myr {
namespace {

using sched_testing::Eventually;
using sched_testing::Threaded;

// Queues turns; the test's thread runs them (RunQueued), like an event loop.
class LoopExecutor final : public Executor {
 public:
  void Submit(Turn turn, Placement) override {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(turn);
    submitted_.fetch_add(1);
  }
  void Shutdown(std::vector<Turn>& leftover) override {
    std::lock_guard<std::mutex> lock(mu_);
    shut_down_ = true;
    leftover.insert(leftover.end(), queue_.begin(), queue_.end());
    queue_.clear();
  }
  const char* name() const override { return "loop"; }
  // The runtime is being destroyed on the loop's own thread: run the kills.
  bool DrainHere() override {
    return std::this_thread::get_id() == owner_ && RunQueued() > 0;
  }

  // Runs what is queued now; returns how many turns ran.
  int RunQueued() {
    std::deque<Turn> batch;
    {
      std::lock_guard<std::mutex> lock(mu_);
      batch.swap(queue_);
    }
    for (Turn t : batch) t.Run();
    return static_cast<int>(batch.size());
  }
  size_t queued() {
    std::lock_guard<std::mutex> lock(mu_);
    return queue_.size();
  }
  bool shut_down() {
    std::lock_guard<std::mutex> lock(mu_);
    return shut_down_;
  }
  std::atomic<int> submitted_{0};

 private:
  const std::thread::id owner_ = std::this_thread::get_id();
  std::mutex mu_;
  std::deque<Turn> queue_;
  bool shut_down_ = false;
};

struct Hit {};
struct WhereAmI {
  using Reply = std::thread::id;
};

class Recorder : public Actor<Recorder, Hit, WhereAmI> {
 public:
  explicit Recorder(std::atomic<int>* hits) : hits_(hits) {}
  void Handle(Hit&) { hits_->fetch_add(1); }
  std::thread::id Handle(WhereAmI&) { return std::this_thread::get_id(); }

 private:
  std::atomic<int>* hits_;
};

// Asks `target` (on whatever executor) where it runs, from a worker.
struct Ask {
  Pid target;
};
class Asker : public Actor<Asker, Ask> {
 public:
  explicit Asker(std::atomic<std::thread::id>* answer) : answer_(answer) {}
  Task<void> Handle(Ask& a) {
    absl::StatusOr<std::thread::id> id = co_await Call(a.target, WhereAmI{}, absl::Seconds(10));
    if (id.ok()) answer_->store(*id);
  }

 private:
  std::atomic<std::thread::id>* answer_;
};

TEST(Executor, AnActorSpawnedOnAnAddedExecutorRunsOnlyWhereItRunsItsTurns) {
  Runtime rt(Threaded());
  auto* loop = static_cast<LoopExecutor*>(rt.AddExecutor(std::make_unique<LoopExecutor>()));
  ASSERT_NE(loop, nullptr);
  std::atomic<int> hits{0};
  auto a = *rt.SpawnWith<Recorder>(SpawnOptions().OnExecutor(loop), &hits);
  EXPECT_EQ(loop->queued(), 1u);  // its first turn (OnStart)
  for (int i = 0; i < 10; ++i) rt.Send(a, Hit{});
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(hits.load(), 0);  // nothing runs until the loop runs it
  EXPECT_GE(loop->RunQueued(), 1);
  EXPECT_EQ(hits.load(), 10);
}

TEST(Executor, AWorkerActorCallsALoopActorAndTheHandlerRanOnTheLoopThread) {
  Runtime rt(Threaded());
  auto* loop = static_cast<LoopExecutor*>(rt.AddExecutor(std::make_unique<LoopExecutor>()));
  std::atomic<int> hits{0};
  auto on_loop = *rt.SpawnWith<Recorder>(SpawnOptions().OnExecutor(loop), &hits);
  std::atomic<std::thread::id> answer{};
  auto asker = *rt.Spawn<Asker>(&answer);
  rt.Send(asker, Ask{on_loop.pid()});
  ASSERT_TRUE(Eventually([&] {
    loop->RunQueued();
    return answer.load() != std::thread::id();
  }));
  EXPECT_EQ(answer.load(), std::this_thread::get_id());
}

TEST(Executor, EachTurnIsSubmittedOnceAndOneActorsTurnsNeverOverlap) {
  Runtime rt(Threaded());
  auto* loop = static_cast<LoopExecutor*>(rt.AddExecutor(std::make_unique<LoopExecutor>()));
  std::atomic<int> hits{0};
  auto a = *rt.SpawnWith<Recorder>(SpawnOptions().OnExecutor(loop), &hits);
  loop->RunQueued();
  const int before = loop->submitted_.load();
  // Many sends while the actor is idle schedule it once, not once each.
  std::vector<std::thread> senders;
  for (int t = 0; t < 4; ++t) {
    senders.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) rt.Send(a, Hit{});
    });
  }
  for (auto& t : senders) t.join();
  EXPECT_EQ(loop->submitted_.load(), before + 1);
  EXPECT_EQ(loop->queued(), 1u);
  // Its budget (300) runs out with messages left: it is submitted again,
  // behind, only after this turn returned.
  while (hits.load() < 4000) {
    ASSERT_EQ(loop->queued(), 1u);
    ASSERT_EQ(loop->RunQueued(), 1);
  }
  EXPECT_EQ(loop->queued(), 0u);
}

// An executor with one thread of its own (the shape of a GIL-holding one).
class ThreadExecutor final : public Executor {
 public:
  explicit ThreadExecutor(std::atomic<int>* shutdowns) : shutdowns_(shutdowns) {
    thread_ = std::thread([this] { Loop(); });
  }
  ~ThreadExecutor() override { Stop(); }
  void Submit(Turn turn, Placement) override {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(turn);
    cv_.notify_one();
  }
  void Shutdown(std::vector<Turn>& leftover) override {
    shutdowns_->fetch_add(1);
    Stop();
    std::lock_guard<std::mutex> lock(mu_);
    leftover.insert(leftover.end(), queue_.begin(), queue_.end());
    queue_.clear();
  }
  const char* name() const override { return "thread"; }
  std::thread::id id() const { return thread_.get_id(); }

 private:
  void Stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      cv_.notify_all();
    }
    if (thread_.joinable()) thread_.join();
  }
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_) return;
      Turn t = queue_.front();
      queue_.pop_front();
      lock.unlock();
      t.Run();
      lock.lock();
    }
  }
  std::atomic<int>* shutdowns_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Turn> queue_;
  bool stop_ = false;
  std::thread thread_;
};

TEST(Executor, TurnsRunOnTheExecutorsThreadAndItIsShutDownOnceAtTheEnd) {
  std::atomic<int> shutdowns{0};
  absl::Time start;
  {
    Runtime rt(Threaded());
    auto* ex = static_cast<ThreadExecutor*>(
        rt.AddExecutor(std::make_unique<ThreadExecutor>(&shutdowns)));
    std::atomic<int> hits{0};
    auto a = *rt.SpawnWith<Recorder>(SpawnOptions().OnExecutor(ex), &hits);
    absl::StatusOr<std::thread::id> where = rt.Call(a, WhereAmI{}, absl::Seconds(10));
    ASSERT_TRUE(where.ok()) << where.status();
    EXPECT_EQ(*where, ex->id());
    for (int i = 0; i < 100; ++i) rt.Send(a, Hit{});
    start = absl::Now();
  }  // the kill runs on the executor's thread, then the runtime shuts it down
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(shutdowns.load(), 1);
}

TEST(Executor, AnExecutorNotAddedToThisRuntimeIsInvalidArgument) {
  Runtime rt(Threaded());
  LoopExecutor stray;
  std::atomic<int> hits{0};
  absl::StatusOr<Recorder::Interface> r =
      rt.SpawnWith<Recorder>(SpawnOptions().OnExecutor(&stray), &hits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Executor, DeterministicModeRunsEveryActorOnTheDrivingThreadWhateverItsExecutor) {
  Runtime rt(RuntimeOptions::Deterministic(5));
  auto* loop = static_cast<LoopExecutor*>(rt.AddExecutor(std::make_unique<LoopExecutor>()));
  std::atomic<int> hits{0};
  auto a = *rt.SpawnWith<Recorder>(SpawnOptions().OnExecutor(loop), &hits);
  rt.Send(a, Hit{});
  rt.RunUntilIdle();
  EXPECT_EQ(hits.load(), 1);
  EXPECT_EQ(loop->submitted_.load(), 0);
}

TEST(Executor, TheTableOfAddedExecutorsIsBounded) {
  Runtime rt(Threaded());
  int added = 0;
  while (rt.AddExecutor(std::make_unique<LoopExecutor>()) != nullptr) ++added;
  EXPECT_GE(added, 32);
  EXPECT_EQ(rt.AddExecutor(nullptr), nullptr);
}

}  // namespace
}  // namespace myr
