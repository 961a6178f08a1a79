// Copyright Myrmidon authors.
//
// Destroying a Runtime with actors still alive: idle ones, busy ones, ones
// suspended in a Task, ones on the blocking lane, ones still spawning.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/sched/runtime.h"
#include "libs/sched/testing/sched_testing.h"

namespace myr {
namespace {

using sched_testing::Eventually;
using sched_testing::Threaded;

// Counts live instances: a message that is never destroyed is a leak.
struct Payload {
  static std::atomic<int64_t> live;
  Payload() { live.fetch_add(1); }
  Payload(Payload&&) noexcept { live.fetch_add(1); }
  Payload(const Payload&) { live.fetch_add(1); }
  ~Payload() { live.fetch_sub(1); }
};
std::atomic<int64_t> Payload::live{0};

struct Exits {
  std::mutex mu;
  std::vector<std::string> reasons;
  std::atomic<int> count{0};
  void Add(const ExitReason& r) {
    std::lock_guard<std::mutex> lock(mu);
    reasons.push_back(r.ToString());
    count.fetch_add(1);
  }
};

struct Wait {};       // a Task handler that waits forever for a Payload
struct Nap {          // blocks the handler's thread
  absl::Duration d;
};
struct AskForever {  // calls a peer that never answers
  Pid peer;
};
struct Never {
  using Reply = int;
};
struct Tick {};

class Resident
    : public Actor<Resident, Payload, Wait, Nap, AskForever, Never, Tick> {
 public:
  Resident(Exits* exits, std::atomic<int>* waiting) : exits_(exits), waiting_(waiting) {}
  void OnExit(const ExitReason& r) override { exits_->Add(r); }
  void Handle(Payload&) {}
  Task<void> Handle(Wait&) {
    waiting_->fetch_add(1);
    absl::StatusOr<Payload> p = co_await Receive<Payload>(absl::InfiniteDuration());
  }
  void Handle(Nap& m) {
    waiting_->fetch_add(1);
    absl::SleepFor(m.d);
  }
  Task<void> Handle(AskForever& m) {
    waiting_->fetch_add(1);
    absl::StatusOr<int> r = co_await Call(m.peer, Never{}, absl::InfiniteDuration());
  }
  Task<int> Handle(Never&) {
    absl::StatusOr<Tick> t = co_await Receive<Tick>(absl::InfiniteDuration());
    co_return 0;
  }
  void Handle(Tick&) {}

 private:
  Exits* exits_;
  std::atomic<int>* waiting_;
};

TEST(Shutdown, DestroyingTheRuntimeEndsEveryKindOfLiveActorAndLeaksNothing) {
  Exits exits;
  std::atomic<int> waiting{0};
  int64_t payloads_before = Payload::live.load();
  absl::Time t0;
  {
    Runtime rt(Threaded());
    SpawnOptions unbounded = SpawnOptions().WithMailbox(MailboxOptions::Unbounded());
    // Idle.
    for (int i = 0; i < 10; ++i) *rt.Spawn<Resident>(&exits, &waiting);
    // Suspended in a Task: one in Receive, one in a Call, one answering it.
    auto receiver = *rt.Spawn<Resident>(&exits, &waiting);
    rt.Send(receiver, Wait{});
    auto callee = *rt.Spawn<Resident>(&exits, &waiting);
    auto caller = *rt.Spawn<Resident>(&exits, &waiting);
    rt.Send(caller, AskForever{callee});
    // On the blocking lane, asleep in a handler.
    auto sleeper = *rt.SpawnWith<Resident>(SpawnOptions().OnLane(Lane::kBlocking), &exits, &waiting);
    rt.Send(sleeper, Nap{absl::Milliseconds(200)});
    // With a large backlog.
    auto busy = *rt.SpawnWith<Resident>(unbounded, &exits, &waiting);
    for (int i = 0; i < 100'000; ++i) rt.Send(busy, Payload());
    ASSERT_TRUE(Eventually([&] { return waiting.load() == 3; }));
    EXPECT_EQ(rt.stats().live_actors, 15u);
    t0 = absl::Now();
  }
  absl::Duration took = absl::Now() - t0;
  EXPECT_LT(took, absl::Seconds(5));
  EXPECT_EQ(exits.count.load(), 15);
  {
    std::lock_guard<std::mutex> lock(exits.mu);
    for (const std::string& r : exits.reasons) EXPECT_EQ(r, "killed");
  }
  EXPECT_EQ(Payload::live.load(), payloads_before);
}

TEST(Shutdown, DestroyingAnIdleRuntimeIsQuick) {
  absl::Time t0 = absl::Now();
  { Runtime rt(Threaded()); }
  EXPECT_LT(absl::Now() - t0, absl::Seconds(1));
}

TEST(Shutdown, SpawningAfterShutdownBeganIsRefused) {
  // An actor that spawns children from OnExit (which runs during shutdown).
  struct Spawns {
    std::atomic<int> refused{0};
    std::atomic<int> other{0};
  };
  class Spawner : public Actor<Spawner, Tick> {
   public:
    explicit Spawner(Spawns* s) : s_(s) {}
    void OnExit(const ExitReason&) override {
      absl::StatusOr<Spawner::Interface> child = runtime().Spawn<Spawner>(s_);
      if (!child.ok() && child.status().code() == absl::StatusCode::kFailedPrecondition) {
        s_->refused.fetch_add(1);
      } else {
        s_->other.fetch_add(1);
      }
    }
    void Handle(Tick&) {}

   private:
    Spawns* s_;
  };
  Spawns s;
  {
    Runtime rt(Threaded());
    for (int i = 0; i < 20; ++i) *rt.Spawn<Spawner>(&s);
  }
  EXPECT_EQ(s.refused.load(), 20);
  EXPECT_EQ(s.other.load(), 0);
}

// Actors that keep spawning (and killing) children while the runtime is being
// destroyed: every actor must still end, and nothing may leak.
struct BreedState {
  std::atomic<int64_t> spawned{0};
  std::atomic<int64_t> exited{0};
};
class Breeder : public Actor<Breeder, Tick> {
 public:
  explicit Breeder(BreedState* s) : s_(s) {}
  void OnStart() override { s_->spawned.fetch_add(1); }
  void OnExit(const ExitReason&) override { s_->exited.fetch_add(1); }
  void Handle(Tick&) {
    absl::StatusOr<Breeder::Interface> child = runtime().Spawn<Breeder>(s_);
    if (child.ok()) {
      Send(*child, Tick{});
      if (++n_ % 2 == 0) runtime().Kill(*child);
    }
    Send(self(), Tick{});  // forever
  }

 private:
  BreedState* s_;
  int n_ = 0;
};

TEST(Shutdown, ActorsThatKeepSpawningDuringShutdownAllEnd) {
  for (int round = 0; round < 10; ++round) {
    BreedState s;
    absl::Time t0;
    {
      RuntimeOptions o = Threaded();
      o.max_actors = 4096;
      Runtime rt(o);
      for (int i = 0; i < 4; ++i) rt.Send(*rt.Spawn<Breeder>(&s), Tick{});
      absl::SleepFor(absl::Milliseconds(20));
      t0 = absl::Now();
    }
    EXPECT_LT(absl::Now() - t0, absl::Seconds(5)) << "round " << round;
    // Every actor that started has ended (OnStart and OnExit pair up).
    EXPECT_EQ(s.spawned.load(), s.exited.load()) << "round " << round;
  }
}

}  // namespace
}  // namespace myr
