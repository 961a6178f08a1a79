// Copyright Myrmidon authors.
//
// Links and monitors across nodes, on the remote-nodes seam: two
// deterministic runtimes (nodes 1 and 2) wired by LoopbackNodes, and a
// runtime with no route at all. Erlang's rules hold across: a crash
// propagates over a link both ways, a trapping actor gets an ExitMsg, a
// monitor a Down with the reason intact; a lost node or a partition is
// noconnection.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/sched/runtime.h"
#include "libs/sched/testing/loopback_nodes.h"
#include "libs/sched/testing/sched_testing.h"
#include "libs/supervise/link.h"
#include "libs/supervise/monitor.h"

namespace myr {
namespace {

using sched_testing::LoopbackNodes;
using supervise::Down;

struct Crash {};
struct Trace {
  std::vector<std::string> events;
  void Add(std::string e) { events.push_back(std::move(e)); }
};

class Node : public Actor<Node, ExitMsg, Down, Crash> {
 public:
  Node(Trace* t, std::string name, bool trap) : t_(t), name_(std::move(name)), trap_(trap) {}
  void OnStart() override { TrapExits(trap_); }
  void OnExit(const ExitReason& r) override { t_->Add(absl::StrCat(name_, " exit ", r.ToString())); }
  void Handle(ExitMsg& m) {
    t_->Add(absl::StrCat(name_, " EXIT from node ", m.from.node(), ": ", m.reason.ToString()));
  }
  void Handle(Down& d) {
    t_->Add(absl::StrCat(name_, " DOWN node ", d.target.node(), ": ", d.reason.ToString()));
  }
  void Handle(Crash&) { throw std::runtime_error("boom on node " + std::to_string(self().node())); }

 private:
  Trace* t_;
  std::string name_;
  bool trap_;
};

class Cluster : public ::testing::Test {
 protected:
  Pid Spawn(Runtime& rt, const std::string& name, bool trap = false) {
    Pid p = rt.Spawn<Node>(&trace_, name, trap)->pid();
    Settle();
    return p;
  }
  // Runs both nodes until neither has anything to do.
  void Settle() {
    while (a_.RunUntilIdle() + b_.RunUntilIdle() > 0) {
    }
  }
  bool Has(const std::string& e) const {
    for (const auto& x : trace_.events) {
      if (x == e) return true;
    }
    return false;
  }

  Trace trace_;  // declared first: the runtimes' shutdown still writes to it
  sched_testing::NodePair nodes_{RuntimeOptions::Deterministic(7)};
  Runtime& a_ = nodes_.a;
  Runtime& b_ = nodes_.b;
  LoopbackNodes& net_ = nodes_.net;
};

TEST_F(Cluster, ACrashOnOneNodeKillsTheLinkedActorOnTheOther) {
  Pid x = Spawn(a_, "x");
  Pid y = Spawn(b_, "y");
  ASSERT_TRUE(supervise::Link(a_, x, y).ok());
  EXPECT_TRUE(supervise::Linked(a_, x, y));
  b_.Send(y, Crash{});
  Settle();
  EXPECT_TRUE(Has("y exit crash: boom on node 2"));
  EXPECT_TRUE(Has("x exit crash: boom on node 2"));  // the reason crossed intact
  EXPECT_FALSE(a_.IsAlive(x));
}

TEST_F(Cluster, AnExitPropagatesTheOtherWayAndATrappingPeerGetsAnExitMsg) {
  Pid x = Spawn(a_, "x");
  Pid y = Spawn(b_, "y", /*trap=*/true);
  ASSERT_TRUE(supervise::Link(a_, x, y).ok());
  a_.Send(x, Crash{});
  Settle();
  EXPECT_TRUE(Has("x exit crash: boom on node 1"));
  EXPECT_TRUE(Has("y EXIT from node 1: crash: boom on node 1"));
  EXPECT_TRUE(b_.IsAlive(y));
}

TEST_F(Cluster, AMonitorAcrossNodesGetsOneDownWithTheReason) {
  Pid w = Spawn(a_, "w");
  Pid t = Spawn(b_, "t");
  ASSERT_TRUE(supervise::Monitor(a_, w, t).ok());
  b_.Exit(t, ExitReason::Shutdown("maintenance"));
  Settle();
  EXPECT_TRUE(Has("w DOWN node 2: shutdown: maintenance"));
  EXPECT_TRUE(a_.IsAlive(w));
}

TEST_F(Cluster, AMonitorOfADeadRemotePidGetsNoProcAtOnce) {
  Pid w = Spawn(a_, "w");
  Pid t = Spawn(b_, "t");
  b_.Kill(t);
  Settle();
  ASSERT_TRUE(supervise::Monitor(a_, w, t).ok());
  Settle();
  EXPECT_TRUE(Has("w DOWN node 2: noproc"));
}

TEST_F(Cluster, APartitionIsNoConnectionForLinksAndMonitors) {
  Pid x = Spawn(a_, "x", /*trap=*/true);
  Pid y = Spawn(b_, "y");
  Pid w = Spawn(a_, "w");
  Pid t = Spawn(b_, "t");
  ASSERT_TRUE(supervise::Link(a_, x, y).ok());
  ASSERT_TRUE(supervise::Monitor(a_, w, t).ok());
  net_.Partition(1, 2);
  Settle();
  EXPECT_TRUE(Has("x EXIT from node 2: noconnection: partition between nodes 1 and 2"));
  EXPECT_TRUE(Has("w DOWN node 2: noconnection: partition between nodes 1 and 2"));
  EXPECT_TRUE(b_.IsAlive(y));  // alive, only out of reach
  EXPECT_TRUE(b_.IsAlive(t));
}

TEST_F(Cluster, ANodeLeavingIsNoConnectionToEveryLinkIntoIt) {
  Pid x = Spawn(a_, "x");
  Pid y = Spawn(b_, "y");
  ASSERT_TRUE(supervise::Link(a_, x, y).ok());
  net_.Leave(b_);
  Settle();
  EXPECT_TRUE(Has("x exit noconnection: node 2 left"));
  net_.Join(b_);  // for the fixture's teardown
}

TEST(NoRoute, ALinkOrMonitorToAnUnreachableNodeIsNoConnection) {
  Trace trace;
  Runtime rt(sched_testing::OnNode(1, RuntimeOptions::Deterministic(3)));
  Pid x = rt.Spawn<Node>(&trace, "x", /*trap=*/true)->pid();
  Pid w = rt.Spawn<Node>(&trace, "w", false)->pid();
  rt.RunUntilIdle();
  const Pid far = Pid::Make(9, 1, 1);
  // As in Erlang: the link and the monitor are made; the signal follows.
  ASSERT_TRUE(supervise::Link(rt, x, far).ok());
  ASSERT_TRUE(supervise::Monitor(rt, w, far).ok());
  rt.AdvanceTime(absl::ZeroDuration());
  EXPECT_THAT(trace.events,
              ::testing::UnorderedElementsAre("x EXIT from node 9: noconnection: no route to node 9",
                                              "w DOWN node 9: noconnection: no route to node 9"));
  EXPECT_TRUE(rt.IsAlive(x));
}

}  // namespace
}  // namespace myr
