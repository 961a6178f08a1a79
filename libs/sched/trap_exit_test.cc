// Copyright Myrmidon authors.
//
// Trapping exits (ActorBase::TrapExits, Erlang's trap_exit): exit signals
// with a sender, and what an actor that traps them and one that does not
// make of them. Deterministic: everything runs on the test's thread.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/sched/runtime.h"

namespace myr {
namespace {

struct Ping {};
struct SetTrap {
  bool on;
};

// Records the exit messages it receives and its own exit.
struct Trace {
  std::vector<std::string> events;
  std::vector<Pid> senders;
};

class Trapper : public Actor<Trapper, ExitMsg, SetTrap, Ping> {
 public:
  Trapper(Trace* t, bool trap) : t_(t), trap_(trap) {}
  void OnStart() override { TrapExits(trap_); }
  void OnExit(const ExitReason& r) override { t_->events.push_back("exit " + r.ToString()); }

  void Handle(ExitMsg& m) {
    t_->events.push_back(absl::StrCat("EXIT from ", m.from.ToString(), ": ", m.reason.ToString()));
    t_->senders.push_back(sender());
  }
  void Handle(SetTrap& m) {
    TrapExits(m.on);
    t_->events.push_back(trapping_exits() ? "trapping" : "not trapping");
  }
  void Handle(Ping&) { t_->events.push_back("ping"); }

 private:
  Trace* t_;
  bool trap_;
};

// Traps exits but does not handle ExitMsg.
class Deaf : public Actor<Deaf, Ping> {
 public:
  explicit Deaf(Trace* t) : t_(t) {}
  void OnStart() override { TrapExits(true); }
  void Handle(Ping&) { t_->events.push_back("ping"); }

 private:
  Trace* t_;
};

// Something to be the `from` of a signal.
class Idle : public Actor<Idle, Ping> {
 public:
  void Handle(Ping&) {}
};

TEST(TrapExit, AnActorThatTrapsExitsReceivesAnExitSignalAsAnExitMsg) {
  Trace t;
  Runtime rt(RuntimeOptions::Deterministic(1));
  auto a = *rt.Spawn<Trapper>(&t, true);
  auto from = *rt.Spawn<Idle>();
  rt.RunUntilIdle();
  ASSERT_TRUE(rt.Exit(a, ExitReason::Crash("boom"), from));
  rt.RunUntilIdle();
  EXPECT_TRUE(rt.IsAlive(a));
  EXPECT_EQ(t.events,
            (std::vector<std::string>{absl::StrCat("EXIT from ", from.pid().ToString(), ": crash: boom")}));
  ASSERT_EQ(t.senders.size(), 1u);
  EXPECT_EQ(t.senders[0], from.pid());
}

TEST(TrapExit, AnExitSignalFromOutsideAnyActorArrivesWithAnInvalidSender) {
  Trace t;
  Runtime rt(RuntimeOptions::Deterministic(2));
  auto a = *rt.Spawn<Trapper>(&t, true);
  rt.RunUntilIdle();
  ASSERT_TRUE(rt.Exit(a, ExitReason::Shutdown("maintenance")));
  rt.RunUntilIdle();
  EXPECT_TRUE(rt.IsAlive(a));
  EXPECT_EQ(t.events, (std::vector<std::string>{"EXIT from <invalid>: shutdown: maintenance"}));
}

TEST(TrapExit, ATrappingActorReceivesEvenAnExitSignalWithReasonNormal) {
  Trace t;
  Runtime rt(RuntimeOptions::Deterministic(3));
  auto a = *rt.Spawn<Trapper>(&t, true);
  auto from = *rt.Spawn<Idle>();
  rt.RunUntilIdle();
  ASSERT_TRUE(rt.Exit(a, ExitReason::Normal(), from));
  rt.RunUntilIdle();
  EXPECT_EQ(t.events,
            (std::vector<std::string>{absl::StrCat("EXIT from ", from.pid().ToString(), ": normal")}));
}

TEST(TrapExit, AKillStillEndsAnActorThatTrapsExits) {
  Trace t;
  Runtime rt(RuntimeOptions::Deterministic(4));
  auto a = *rt.Spawn<Trapper>(&t, true);
  rt.RunUntilIdle();
  ASSERT_TRUE(rt.Kill(a));
  rt.RunUntilIdle();
  EXPECT_FALSE(rt.IsAlive(a));
  EXPECT_EQ(t.events, (std::vector<std::string>{"exit killed"}));
}

TEST(TrapExit, ReasonKilledWithoutASenderIsStillAnUntrappableKill) {
  Trace t;
  Runtime rt(RuntimeOptions::Deterministic(5));
  auto a = *rt.Spawn<Trapper>(&t, true);
  rt.RunUntilIdle();
  ASSERT_TRUE(rt.Exit(a, ExitReason::Killed(), Pid()));
  rt.RunUntilIdle();
  EXPECT_FALSE(rt.IsAlive(a));
  EXPECT_EQ(t.events, (std::vector<std::string>{"exit killed"}));
}

TEST(TrapExit, ReasonKilledFromAPeerIsTrappable) {
  Trace t;
  Runtime rt(RuntimeOptions::Deterministic(6));
  auto a = *rt.Spawn<Trapper>(&t, true);
  auto from = *rt.Spawn<Idle>();
  rt.RunUntilIdle();
  ASSERT_TRUE(rt.Exit(a, ExitReason::Killed(), from));
  rt.RunUntilIdle();
  EXPECT_TRUE(rt.IsAlive(a));
  EXPECT_EQ(t.events,
            (std::vector<std::string>{absl::StrCat("EXIT from ", from.pid().ToString(), ": killed")}));
}

TEST(TrapExit, ReasonKilledFromAPeerEndsANonTrappingActorWithReasonKilled) {
  Trace t;
  Runtime rt(RuntimeOptions::Deterministic(7));
  auto a = *rt.Spawn<Trapper>(&t, false);
  auto from = *rt.Spawn<Idle>();
  rt.RunUntilIdle();
  ASSERT_TRUE(rt.Exit(a, ExitReason::Killed(), from));
  rt.RunUntilIdle();
  EXPECT_FALSE(rt.IsAlive(a));
  EXPECT_EQ(t.events, (std::vector<std::string>{"exit killed"}));
}

TEST(TrapExit, ANonTrappingActorEndsWithTheReasonOfAnAbnormalSignalFromAPeer) {
  Trace t;
  Runtime rt(RuntimeOptions::Deterministic(8));
  auto a = *rt.Spawn<Trapper>(&t, false);
  auto from = *rt.Spawn<Idle>();
  rt.RunUntilIdle();
  ASSERT_TRUE(rt.Exit(a, ExitReason::Crash("bad input"), from));
  rt.RunUntilIdle();
  EXPECT_FALSE(rt.IsAlive(a));
  EXPECT_EQ(t.events, (std::vector<std::string>{"exit crash: bad input"}));
}

TEST(TrapExit, ANonTrappingActorIgnoresASignalWithReasonNormalFromAPeer) {
  Trace t;
  Runtime rt(RuntimeOptions::Deterministic(9));
  auto a = *rt.Spawn<Trapper>(&t, false);
  auto from = *rt.Spawn<Idle>();
  rt.RunUntilIdle();
  ASSERT_TRUE(rt.Exit(a, ExitReason::Normal(), from));
  rt.Send(a, Ping{});
  rt.RunUntilIdle();
  EXPECT_TRUE(rt.IsAlive(a));
  EXPECT_EQ(t.events, (std::vector<std::string>{"ping"}));
}

TEST(TrapExit, ASignalWithReasonNormalFromTheActorItselfEndsItNormally) {
  Trace t;
  Runtime rt(RuntimeOptions::Deterministic(10));
  auto a = *rt.Spawn<Trapper>(&t, false);
  rt.RunUntilIdle();
  ASSERT_TRUE(rt.Exit(a, ExitReason::Normal(), a.pid()));
  rt.RunUntilIdle();
  EXPECT_FALSE(rt.IsAlive(a));
  EXPECT_EQ(t.events, (std::vector<std::string>{"exit normal"}));
}

TEST(TrapExit, TrappingCanBeTurnedOffAgain) {
  Trace t;
  Runtime rt(RuntimeOptions::Deterministic(11));
  auto a = *rt.Spawn<Trapper>(&t, true);
  rt.RunUntilIdle();
  rt.Send(a, SetTrap{false});
  rt.RunUntilIdle();
  ASSERT_TRUE(rt.Exit(a, ExitReason::Shutdown()));
  rt.RunUntilIdle();
  EXPECT_FALSE(rt.IsAlive(a));
  EXPECT_EQ(t.events, (std::vector<std::string>{"not trapping", "exit shutdown"}));
}

TEST(TrapExit, ATrappedExitIsQueuedEvenWhenTheMailboxIsFull) {
  Trace t;
  Runtime rt(RuntimeOptions::Deterministic(12));
  auto a = *rt.SpawnWith<Trapper>(
      SpawnOptions().WithMailbox(MailboxOptions::Bounded(1, OverflowPolicy::kDropNew)), &t, true);
  rt.RunUntilIdle();
  ASSERT_EQ(rt.Send(a, Ping{}), SendResult::kOk);
  ASSERT_EQ(rt.Send(a, Ping{}), SendResult::kDropped);
  ASSERT_TRUE(rt.Exit(a, ExitReason::Shutdown()));
  rt.RunUntilIdle();
  EXPECT_TRUE(rt.IsAlive(a));
  EXPECT_EQ(t.events, (std::vector<std::string>{"ping", "EXIT from <invalid>: shutdown"}));
}

TEST(TrapExit, AnExitMsgAnActorDoesNotHandleIsADeadLetterAndTheActorLivesOn) {
  Trace t;
  Runtime rt(RuntimeOptions::Deterministic(13));
  auto a = *rt.Spawn<Deaf>(&t);
  rt.RunUntilIdle();
  uint64_t before = rt.stats().dead_letters;
  ASSERT_TRUE(rt.Exit(a, ExitReason::Crash("boom")));
  rt.Send(a, Ping{});
  rt.RunUntilIdle();
  EXPECT_TRUE(rt.IsAlive(a));
  EXPECT_EQ(rt.stats().dead_letters, before + 1);
  EXPECT_EQ(t.events, (std::vector<std::string>{"ping"}));
}

}  // namespace
}  // namespace myr
