// Copyright Myrmidon authors.
//
// Links: exit signals both ways, trap_exit, normal exits, unlink, dead pids,
// chains; and (threaded) links racing with exits.
#include <atomic>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/sched/runtime.h"
#include "libs/sched/testing/sched_testing.h"
#include "libs/supervise/link.h"

namespace myr::supervise {
namespace {

using sched_testing::ExitWatch;
using sched_testing::Threaded;

struct Ping {};
struct Throw {
  std::string what;
};
struct LinkTo {
  Pid other;
};

// What the actors of one scenario saw. Deterministic tests only: everything
// runs on the test's thread.
struct Trace {
  std::vector<std::string> events;
  void Add(std::string e) { events.push_back(std::move(e)); }
};

// A named actor that records exit messages and its own exit.
class Node : public Actor<Node, ExitMsg, Ping, Throw, LinkTo> {
 public:
  Node(Trace* t, std::string name, bool trap) : t_(t), name_(std::move(name)), trap_(trap) {}
  void OnStart() override { TrapExits(trap_); }
  void OnExit(const ExitReason& r) override { t_->Add(absl::StrCat(name_, " exit ", r.ToString())); }

  void Handle(ExitMsg& m) {
    t_->Add(absl::StrCat(name_, " EXIT from ", m.from.ToString(), ": ", m.reason.ToString()));
  }
  void Handle(Ping&) { t_->Add(absl::StrCat(name_, " ping")); }
  void Handle(Throw& m) { throw std::runtime_error(m.what); }
  void Handle(LinkTo& m) {
    absl::Status s = Link(runtime(), self(), m.other);
    t_->Add(absl::StrCat(name_, " link ", s.ok() ? "ok" : absl::StatusCodeToString(s.code())));
  }

 private:
  Trace* t_;
  std::string name_;
  bool trap_;
};

class LinkTest : public ::testing::Test {
 protected:
  Pid Spawn(const std::string& name, bool trap = false) {
    Pid p = rt_.Spawn<Node>(&trace_, name, trap)->pid();
    rt_.RunUntilIdle();
    return p;
  }
  std::string Exit(const std::string& name, const ExitReason& r) {
    return absl::StrCat(name, " exit ", r.ToString());
  }
  std::string ExitMsgOf(const std::string& name, Pid from, const ExitReason& r) {
    return absl::StrCat(name, " EXIT from ", from.ToString(), ": ", r.ToString());
  }

  Trace trace_;  // declared first: the runtime's shutdown still writes to it
  Runtime rt_{RuntimeOptions::Deterministic(42)};
};

TEST_F(LinkTest, ANonTrappingLinkedActorDiesWithItsPeersAbnormalReason) {
  Pid a = Spawn("a");
  Pid b = Spawn("b");
  ASSERT_TRUE(Link(rt_, a, b).ok());
  ASSERT_TRUE(rt_.Exit(a, ExitReason::Shutdown("maintenance")));
  rt_.RunUntilIdle();
  EXPECT_FALSE(rt_.IsAlive(a));
  EXPECT_FALSE(rt_.IsAlive(b));
  EXPECT_EQ(trace_.events, (std::vector<std::string>{Exit("a", ExitReason::Shutdown("maintenance")),
                                                     Exit("b", ExitReason::Shutdown("maintenance"))}));
}

TEST_F(LinkTest, ALinkWorksInBothDirections) {
  Pid a = Spawn("a");
  Pid b = Spawn("b");
  ASSERT_TRUE(Link(rt_, a, b).ok());
  ASSERT_TRUE(rt_.Exit(b, ExitReason::Timeout("slow")));
  rt_.RunUntilIdle();
  EXPECT_EQ(trace_.events, (std::vector<std::string>{Exit("b", ExitReason::Timeout("slow")),
                                                     Exit("a", ExitReason::Timeout("slow"))}));
}

TEST_F(LinkTest, ATrappingLinkedActorReceivesAnExitMsgWithTheSenderAndReason) {
  Pid a = Spawn("a", /*trap=*/true);
  Pid b = Spawn("b");
  ASSERT_TRUE(Link(rt_, a, b).ok());
  ASSERT_TRUE(rt_.Exit(b, ExitReason::Shutdown("bye")));
  rt_.RunUntilIdle();
  EXPECT_TRUE(rt_.IsAlive(a));
  EXPECT_EQ(trace_.events, (std::vector<std::string>{Exit("b", ExitReason::Shutdown("bye")),
                                                     ExitMsgOf("a", b, ExitReason::Shutdown("bye"))}));
  EXPECT_FALSE(Linked(rt_, a, b));
}

TEST_F(LinkTest, ANormalExitNeverKillsALinkedPeer) {
  Pid a = Spawn("a");
  Pid b = Spawn("b");
  ASSERT_TRUE(Link(rt_, a, b).ok());
  ASSERT_TRUE(rt_.Stop(b));
  rt_.RunUntilIdle();
  ASSERT_FALSE(rt_.IsAlive(b));
  rt_.Send(a, Ping{});
  rt_.RunUntilIdle();
  EXPECT_TRUE(rt_.IsAlive(a));
  EXPECT_EQ(trace_.events, (std::vector<std::string>{"b exit normal", "a ping"}));
}

TEST_F(LinkTest, ANormalExitReachesATrappingPeerAsAnExitMsgWithReasonNormal) {
  Pid a = Spawn("a", /*trap=*/true);
  Pid b = Spawn("b");
  ASSERT_TRUE(Link(rt_, a, b).ok());
  ASSERT_TRUE(rt_.Stop(b));
  rt_.RunUntilIdle();
  EXPECT_TRUE(rt_.IsAlive(a));
  EXPECT_EQ(trace_.events,
            (std::vector<std::string>{"b exit normal", ExitMsgOf("a", b, ExitReason::Normal())}));
}

TEST_F(LinkTest, UnlinkStopsPropagationBothWays) {
  Pid a = Spawn("a");
  Pid b = Spawn("b");
  Pid c = Spawn("c");
  ASSERT_TRUE(Link(rt_, a, b).ok());
  ASSERT_TRUE(Link(rt_, b, c).ok());
  ASSERT_TRUE(Unlink(rt_, b, a).ok());  // either order names the link
  ASSERT_TRUE(Unlink(rt_, c, b).ok());
  EXPECT_FALSE(Linked(rt_, a, b));
  EXPECT_FALSE(Linked(rt_, b, c));
  ASSERT_TRUE(rt_.Exit(b, ExitReason::Crash("boom")));
  rt_.RunUntilIdle();
  EXPECT_TRUE(rt_.IsAlive(a));
  EXPECT_TRUE(rt_.IsAlive(c));
  EXPECT_EQ(trace_.events, (std::vector<std::string>{Exit("b", ExitReason::Crash("boom"))}));
}

TEST_F(LinkTest, UnlinkingActorsThatAreNotLinkedIsOk) {
  Pid a = Spawn("a");
  Pid b = Spawn("b");
  EXPECT_TRUE(Unlink(rt_, a, b).ok());
  ASSERT_TRUE(Link(rt_, a, b).ok());
  EXPECT_TRUE(Unlink(rt_, a, b).ok());
  EXPECT_TRUE(Unlink(rt_, a, b).ok());
}

TEST_F(LinkTest, LinkingToADeadPidReturnsNotFoundAndSendsNoSignal) {
  Pid a = Spawn("a", /*trap=*/true);
  Pid b = Spawn("b");
  ASSERT_TRUE(rt_.Kill(b));
  rt_.RunUntilIdle();
  absl::Status s = Link(rt_, a, b);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_EQ(Link(rt_, b, a).code(), absl::StatusCode::kNotFound);
  rt_.RunUntilIdle();
  EXPECT_TRUE(rt_.IsAlive(a));
  EXPECT_FALSE(Linked(rt_, a, b));
  EXPECT_EQ(trace_.events, (std::vector<std::string>{"b exit killed"}));  // no EXIT for a
}

TEST_F(LinkTest, LinkingAnInvalidPidIsAnInvalidArgument) {
  Pid a = Spawn("a");
  EXPECT_EQ(Link(rt_, a, Pid()).code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(LinkTest, LinkingAnActorToItselfIsANoOp) {
  Pid a = Spawn("a", /*trap=*/true);
  EXPECT_TRUE(Link(rt_, a, a).ok());
  EXPECT_FALSE(Linked(rt_, a, a));
}

TEST_F(LinkTest, LinkingTwiceIsIdempotentAndOneExitGivesOneSignal) {
  Pid a = Spawn("a", /*trap=*/true);
  Pid b = Spawn("b");
  ASSERT_TRUE(Link(rt_, a, b).ok());
  ASSERT_TRUE(Link(rt_, b, a).ok());
  ASSERT_TRUE(Link(rt_, a, b).ok());
  ASSERT_TRUE(rt_.Exit(b, ExitReason::Shutdown()));
  rt_.RunUntilIdle();
  EXPECT_EQ(trace_.events, (std::vector<std::string>{Exit("b", ExitReason::Shutdown()),
                                                     ExitMsgOf("a", b, ExitReason::Shutdown())}));
}

TEST_F(LinkTest, OneUnlinkUndoesAnyNumberOfLinks) {
  Pid a = Spawn("a");
  Pid b = Spawn("b");
  ASSERT_TRUE(Link(rt_, a, b).ok());
  ASSERT_TRUE(Link(rt_, a, b).ok());
  ASSERT_TRUE(Unlink(rt_, a, b).ok());
  ASSERT_TRUE(rt_.Exit(b, ExitReason::Shutdown()));
  rt_.RunUntilIdle();
  EXPECT_TRUE(rt_.IsAlive(a));
}

TEST_F(LinkTest, AnActorCanLinkItselfFromAHandler) {
  Pid a = Spawn("a", /*trap=*/true);
  Pid b = Spawn("b");
  rt_.Send(a, LinkTo{b});
  rt_.RunUntilIdle();
  EXPECT_TRUE(Linked(rt_, a, b));
  rt_.Send(b, Throw{"oops"});
  rt_.RunUntilIdle();
  EXPECT_EQ(trace_.events,
            (std::vector<std::string>{"a link ok", Exit("b", ExitReason::Crash("oops")),
                                      ExitMsgOf("a", b, ExitReason::Crash("oops"))}));
}

TEST_F(LinkTest, ACrashReasonArrivesIntactInTheExitMsg) {
  Pid a = Spawn("a", /*trap=*/true);
  Pid b = Spawn("b");
  ASSERT_TRUE(Link(rt_, a, b).ok());
  const std::string text = "disk on fire: /var/lib/myr (errno 28, \"no space\")";
  rt_.Send(b, Throw{text});
  rt_.RunUntilIdle();
  ASSERT_EQ(trace_.events.size(), 2u);
  EXPECT_EQ(trace_.events[1], ExitMsgOf("a", b, ExitReason::Crash(text)));
}

TEST_F(LinkTest, AKilledPeerPropagatesReasonKilledToLinksThatDoNotTrap) {
  Pid a = Spawn("a");
  Pid b = Spawn("b");
  Pid c = Spawn("c", /*trap=*/true);
  ASSERT_TRUE(Link(rt_, a, b).ok());
  ASSERT_TRUE(Link(rt_, b, c).ok());
  ASSERT_TRUE(rt_.Kill(a));
  rt_.RunUntilIdle();
  EXPECT_FALSE(rt_.IsAlive(b));
  EXPECT_TRUE(rt_.IsAlive(c));  // killed over a link is trappable
  EXPECT_EQ(trace_.events,
            (std::vector<std::string>{"a exit killed", "b exit killed",
                                      ExitMsgOf("c", b, ExitReason::Killed())}));
}

TEST_F(LinkTest, InAChainEveryoneDiesWithTheCrashReasonOfTheLast) {
  Pid a = Spawn("a");
  Pid b = Spawn("b");
  Pid c = Spawn("c");
  ASSERT_TRUE(Link(rt_, a, b).ok());
  ASSERT_TRUE(Link(rt_, b, c).ok());
  rt_.Send(c, Throw{"c failed"});
  rt_.RunUntilIdle();
  const ExitReason r = ExitReason::Crash("c failed");
  EXPECT_FALSE(rt_.IsAlive(a));
  EXPECT_FALSE(rt_.IsAlive(b));
  EXPECT_FALSE(rt_.IsAlive(c));
  EXPECT_EQ(trace_.events, (std::vector<std::string>{Exit("c", r), Exit("b", r), Exit("a", r)}));
}

TEST_F(LinkTest, InAChainATrappingActorStopsThePropagation) {
  Pid a = Spawn("a");
  Pid b = Spawn("b", /*trap=*/true);
  Pid c = Spawn("c");
  ASSERT_TRUE(Link(rt_, a, b).ok());
  ASSERT_TRUE(Link(rt_, b, c).ok());
  rt_.Send(c, Throw{"c failed"});
  rt_.RunUntilIdle();
  EXPECT_TRUE(rt_.IsAlive(a));
  EXPECT_TRUE(rt_.IsAlive(b));
  EXPECT_TRUE(Linked(rt_, a, b));
  EXPECT_EQ(trace_.events, (std::vector<std::string>{Exit("c", ExitReason::Crash("c failed")),
                                                     ExitMsgOf("b", c, ExitReason::Crash("c failed"))}));
}

TEST_F(LinkTest, ALinkIsGoneOnceEitherSideHasExited) {
  Pid a = Spawn("a", /*trap=*/true);
  Pid b = Spawn("b");
  ASSERT_TRUE(Link(rt_, a, b).ok());
  ASSERT_TRUE(rt_.Stop(b));
  rt_.RunUntilIdle();
  EXPECT_FALSE(Linked(rt_, a, b));
}

// --- threaded -------------------------------------------------------------------

class Quiet : public Actor<Quiet, Ping> {
 public:
  void Handle(Ping&) {}
};

// Links made while the peer is being killed on another thread: either the
// link fails with NotFound (and the survivor lives), or it succeeds and the
// survivor dies with reason killed. Never a lost signal, never a stray one.
TEST(LinkThreaded, ALinkRacingWithAnExitEitherFailsOrPropagates) {
  Runtime rt(Threaded());
  constexpr int kPairs = 200;
  std::vector<Pid> survivors, victims;
  std::vector<std::unique_ptr<ExitWatch>> watches;
  for (int i = 0; i < kPairs; ++i) {
    survivors.push_back(rt.Spawn<Quiet>()->pid());
    victims.push_back(rt.Spawn<Quiet>()->pid());
    watches.push_back(std::make_unique<ExitWatch>(rt, survivors.back()));
  }
  std::vector<bool> linked(kPairs);
  for (int i = 0; i < kPairs; ++i) {
    rt.Kill(victims[i]);
    linked[i] = Link(rt, survivors[i], victims[i]).ok();
  }
  int propagated = 0;
  for (int i = 0; i < kPairs; ++i) {
    if (linked[i]) {
      std::optional<ExitReason> r = watches[i]->Wait();
      ASSERT_TRUE(r.has_value()) << "pair " << i;
      EXPECT_EQ(*r, ExitReason::Killed());
      ++propagated;
    }
  }
  // Those whose link failed are still alive.
  for (int i = 0; i < kPairs; ++i) {
    if (!linked[i]) {
      EXPECT_TRUE(rt.IsAlive(survivors[i])) << "pair " << i;
    }
  }
  SUCCEED() << propagated << " of " << kPairs << " links propagated";
}

TEST(LinkThreaded, LinkedPairsCrashingConcurrentlyAllGoDown) {
  Runtime rt(Threaded());
  constexpr int kPairs = 300;
  std::vector<Pid> a, b;
  std::vector<std::unique_ptr<ExitWatch>> watches;
  for (int i = 0; i < kPairs; ++i) {
    a.push_back(rt.Spawn<Quiet>()->pid());
    b.push_back(rt.Spawn<Quiet>()->pid());
    ASSERT_TRUE(Link(rt, a[i], b[i]).ok());
    watches.push_back(std::make_unique<ExitWatch>(rt, b[i]));
  }
  // Both ends of half the pairs get a signal at once.
  for (int i = 0; i < kPairs; ++i) {
    rt.Exit(a[i], ExitReason::Shutdown("a"));
    if (i % 2 == 0) rt.Exit(b[i], ExitReason::Shutdown("b"));
  }
  for (int i = 0; i < kPairs; ++i) {
    std::optional<ExitReason> r = watches[i]->Wait();
    ASSERT_TRUE(r.has_value()) << "pair " << i;
    EXPECT_EQ(r->kind(), ExitKind::kShutdown);
    EXPECT_FALSE(Linked(rt, a[i], b[i]));
  }
}

}  // namespace
}  // namespace myr::supervise
