// Copyright Myrmidon authors.
//
// The remote-nodes seam (remote_nodes.h) and the wire codecs it carries
// (wire_codec.h): a runtime without a route answers clearly; two runtimes
// of one process, wired to each other by LoopbackNodes, send, call, signal
// and watch across, with every message, reply, status and exit reason
// crossing as bytes.
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/sched/runtime.h"
#include "libs/sched/testing/loopback_nodes.h"
#include "libs/sched/testing/sched_testing.h"
#include "libs/sched/testing/wire_messages.h"
#include "libs/sched/wire_codec.h"
#include "libs/wire/bytes.h"
#include "libs/wire/codec.h"

namespace myr {
namespace {

using ::testing::HasSubstr;
using sched_testing::Eventually;
using sched_testing::LoopbackNodes;
using sched_testing::AddOne;
using sched_testing::Explode;
using sched_testing::Note;
using sched_testing::Slow;
using sched_testing::Unregistered;

// No codec at all: a process-local type.
struct LocalOnly {
  using Reply = int64_t;
};


struct Seen {
  std::atomic<int64_t> notes{0};
  std::atomic<int64_t> last_note{0};
  std::atomic<uint64_t> last_sender{0};
  std::atomic<int64_t> bytes{0};
};

class Server : public Actor<Server, AddOne, Note, Explode, LocalOnly, wire::Bytes, ExitMsg> {
 public:
  Server(Seen* seen, int64_t offset, bool echo) : seen_(seen), offset_(offset), echo_(echo) {}
  int64_t Handle(AddOne& m) { return m.n + offset_; }
  void Handle(Note& m) {
    seen_->notes.fetch_add(1);
    seen_->last_note.store(m.n);
    seen_->last_sender.store(sender().bits());
    if (echo_ && sender().valid()) Send(sender(), Note{m.n * 10});
  }
  void Handle(Explode&) { throw std::runtime_error("kaboom on the far node"); }
  int64_t Handle(LocalOnly&) { return 0; }
  void Handle(wire::Bytes& b) { seen_->bytes.fetch_add(static_cast<int64_t>(b.size())); }
  void Handle(ExitMsg& e) {
    seen_->last_note.store(-1);
    seen_->last_sender.store(e.from.bits());
  }

 private:
  Seen* seen_;
  int64_t offset_;
  bool echo_;
};

// Forwards a Note to `peer` from inside a turn (sender() is this actor).
struct Forward {
  Pid peer;
  int64_t n;
};
class Client : public Actor<Client, Forward, Note> {
 public:
  explicit Client(Seen* seen) : seen_(seen) {}
  void Handle(Forward& f) { Send(f.peer, Note{f.n}); }
  void Handle(Note& m) {
    seen_->notes.fetch_add(1);
    seen_->last_note.store(m.n);
  }

 private:
  Seen* seen_;
};

// Traps exits from its start: exit signals arrive as ExitMsg.
class TrappingServer : public Actor<TrappingServer, ExitMsg> {
 public:
  explicit TrappingServer(Seen* s) : s_(s) {}
  void OnStart() override { TrapExits(true); }
  void Handle(ExitMsg& e) {
    s_->last_sender.store(e.from.bits());
    s_->last_note.store(static_cast<int64_t>(e.reason.kind()));
  }

 private:
  Seen* s_;
};

class Sleeper : public Actor<Sleeper, Slow> {
 public:
  Task<void> Handle(Slow&) { co_await Sleep(absl::Seconds(30)); }
};

using sched_testing::NodePair;
using sched_testing::OnNode;

// Two threaded runtimes, nodes 1 and 2, wired together.
class TwoNodes : public ::testing::Test {
 protected:
  Seen seen_a_, seen_b_;  // outlive the runtimes
  NodePair nodes_{sched_testing::Threaded()};
  Runtime& a_ = nodes_.a;
  Runtime& b_ = nodes_.b;
  LoopbackNodes& net_ = nodes_.net;
};

// --- without a route ---------------------------------------------------------------

TEST(NoRoute, ASendToAnotherNodesPidSaysNoRouteAndCountsADeadLetter) {
  Runtime rt(OnNode(1));
  const Pid elsewhere = Pid::Make(2, 5, 1);
  const uint64_t before = rt.stats().dead_letters;
  EXPECT_EQ(rt.Send(elsewhere, Note{1}), SendResult::kNoRoute);
  EXPECT_EQ(rt.stats().dead_letters, before + 1);
  EXPECT_STREQ(SendResultName(SendResult::kNoRoute), "no_route");
}

TEST(NoRoute, ACallToAnotherNodesPidIsUnavailableNamingTheNode) {
  Runtime rt(OnNode(1));
  absl::StatusOr<int64_t> r = rt.Call(Pid::Make(2, 5, 1), AddOne{1}, absl::Seconds(5));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("no route to node 2"));
}

TEST(NoRoute, SignalsFailAndTheRemotePidIsNotAlive) {
  Runtime rt(OnNode(1));
  const Pid elsewhere = Pid::Make(2, 5, 1);
  EXPECT_FALSE(rt.Stop(elsewhere));
  EXPECT_FALSE(rt.Kill(elsewhere));
  EXPECT_FALSE(rt.Exit(elsewhere, ExitReason::Shutdown()));
  EXPECT_FALSE(rt.IsAlive(elsewhere));
}

TEST(NoRoute, AWatchOfAnotherNodesPidFiresWithNoConnection) {
  Runtime rt(OnNode(1));
  const Pid elsewhere = Pid::Make(2, 5, 1);
  std::mutex mu;
  std::vector<ExitReason> got;
  uint64_t id = rt.Watch(elsewhere, [&](Pid p, const ExitReason& r) {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(p, elsewhere);
    got.push_back(r);
  });
  EXPECT_NE(id, 0u);
  ASSERT_TRUE(Eventually([&] {
    std::lock_guard<std::mutex> lock(mu);
    return !got.empty();
  }));
  std::lock_guard<std::mutex> lock(mu);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].kind(), ExitKind::kNoConnection);
  EXPECT_THAT(got[0].detail(), HasSubstr("no route to node 2"));
}

TEST(NoRoute, AnUnwatchBeforeItFiresCancelsTheNoConnectionCallback) {
  Runtime rt(OnNode(1, RuntimeOptions::Deterministic(3)));
  int calls = 0;
  const Pid elsewhere = Pid::Make(2, 5, 1);
  uint64_t id = rt.Watch(elsewhere, [&](Pid, const ExitReason&) { ++calls; });
  EXPECT_TRUE(rt.Unwatch(elsewhere, id));
  rt.AdvanceTime(absl::Milliseconds(1));
  EXPECT_EQ(calls, 0);
  uint64_t id2 = rt.Watch(elsewhere, [&](Pid, const ExitReason& r) {
    ++calls;
    EXPECT_EQ(r.kind(), ExitKind::kNoConnection);
  });
  EXPECT_NE(id2, 0u);
  rt.AdvanceTime(absl::ZeroDuration());  // fires at the current virtual time
  EXPECT_EQ(calls, 1);
}

// --- across two nodes ----------------------------------------------------------------

TEST_F(TwoNodes, APlainThreadCallsAnActorOnTheOtherNode) {
  auto server = *b_.Spawn<Server>(&seen_b_, 100, false);
  absl::StatusOr<int64_t> r = a_.Call(server.pid(), AddOne{41}, absl::Seconds(5));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 141);
  EXPECT_GE(net_.stats().frames, 2u);  // the request and the reply crossed
}

TEST_F(TwoNodes, AMessageCrossesWithItsSenderAndTheAnswerComesBack) {
  auto server = *b_.Spawn<Server>(&seen_b_, 0, /*echo=*/true);
  auto client = *a_.Spawn<Client>(&seen_a_);
  ASSERT_EQ(a_.Send(client, Forward{server.pid(), 7}), SendResult::kOk);
  ASSERT_TRUE(Eventually([&] { return seen_a_.notes.load() == 1; }));
  EXPECT_EQ(seen_b_.last_note.load(), 7);
  EXPECT_EQ(Pid::FromBits(seen_b_.last_sender.load()), client.pid());  // a pid of node 1
  EXPECT_EQ(seen_a_.last_note.load(), 70);
}

TEST_F(TwoNodes, TheBuiltInBytesMessageCrossesAsItIs) {
  auto server = *b_.Spawn<Server>(&seen_b_, 0, false);
  EXPECT_EQ(a_.Send(server.pid(), wire::Bytes::Copy("twelve bytes")), SendResult::kOk);
  EXPECT_TRUE(Eventually([&] { return seen_b_.bytes.load() == 12; }));
}

TEST_F(TwoNodes, ATypeWithoutACodecIsAClearStatusAtTheSend) {
  auto server = *b_.Spawn<Server>(&seen_b_, 0, false);
  EXPECT_EQ(a_.Send(server.pid(), LocalOnly{}), SendResult::kNotSerializable);
  absl::StatusOr<int64_t> r = a_.Call(server.pid(), LocalOnly{}, absl::Seconds(5));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("has no wire codec"));
  EXPECT_EQ(net_.stats().frames, 0u);  // nothing left the node
}

TEST_F(TwoNodes, ATypeTheOtherNodeCannotDecodeFailsTheCallWithUnimplemented) {
  auto server = *b_.Spawn<Server>(&seen_b_, 0, false);
  absl::Status s = a_.Call(server.pid(), Unregistered{}, absl::Seconds(5));
  EXPECT_EQ(s.code(), absl::StatusCode::kUnimplemented) << s;
  EXPECT_EQ(net_.stats().undecodable, 1u);
}

TEST_F(TwoNodes, ACallToADeadPidOnTheOtherNodeIsNoProcLikeALocalOne) {
  auto server = *b_.Spawn<Server>(&seen_b_, 0, false);
  ASSERT_TRUE(b_.ExitAndAwait(server.pid(), ExitReason::Shutdown(), absl::Seconds(5)).ok());
  const uint64_t dead_before = b_.stats().dead_letters;
  absl::StatusOr<int64_t> r = a_.Call(server.pid(), AddOne{1}, absl::Seconds(5));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(std::string(r.status().message()), HasSubstr("noproc"));
  EXPECT_EQ(b_.stats().dead_letters, dead_before + 1);  // counted where it arrived
}

TEST_F(TwoNodes, ACrashWhileHandlingACallComesBackAsTheCrash) {
  auto server = *b_.Spawn<Server>(&seen_b_, 0, false);
  absl::Status s = a_.Call(server.pid(), Explode{}, absl::Seconds(5));
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("kaboom on the far node"));
}

TEST_F(TwoNodes, AnExitSignalCrossesWithItsReasonAndSender) {
  auto server = *b_.Spawn<Server>(&seen_b_, 0, false);
  ExitReason got;
  std::atomic<bool> done{false};
  ASSERT_NE(a_.Watch(server.pid(), [&](Pid, const ExitReason& r) {
              got = r;
              done.store(true);
            }),
            0u);
  EXPECT_TRUE(a_.IsAlive(server.pid()));
  EXPECT_TRUE(a_.Exit(server.pid(), ExitReason::Crash("sent from node 1")));
  ASSERT_TRUE(Eventually([&] { return done.load(); }));
  EXPECT_EQ(got, ExitReason::Crash("sent from node 1"));
  EXPECT_TRUE(Eventually([&] { return !a_.IsAlive(server.pid()); }));
}

TEST_F(TwoNodes, StopAndKillCrossAndAnUnwatchedWatchStaysQuiet) {
  auto s1 = *b_.Spawn<Server>(&seen_b_, 0, false);
  auto s2 = *b_.Spawn<Server>(&seen_b_, 0, false);
  std::atomic<int> fired{0};
  uint64_t w1 = a_.Watch(s1.pid(), [&](Pid, const ExitReason&) { fired.fetch_add(1); });
  ASSERT_NE(w1, 0u);
  EXPECT_TRUE(a_.Unwatch(s1.pid(), w1));
  EXPECT_TRUE(a_.Stop(s1.pid()));
  EXPECT_TRUE(a_.Kill(s2.pid()));
  EXPECT_TRUE(Eventually([&] { return !b_.IsAlive(s1.pid()) && !b_.IsAlive(s2.pid()); }));
  EXPECT_EQ(fired.load(), 0);
  // A watch of a pid that is already dead there is noproc: 0.
  EXPECT_EQ(a_.Watch(s2.pid(), [](Pid, const ExitReason&) {}), 0u);
}

TEST_F(TwoNodes, AnExitSignalFromAnActorReachesATrappingActorAsExitMsg) {
  auto trapping = *b_.Spawn<TrappingServer>(&seen_b_);
  auto client = *a_.Spawn<Client>(&seen_a_);
  EXPECT_TRUE(a_.Exit(trapping.pid(), ExitReason::Shutdown("bye"), client.pid()));
  ASSERT_TRUE(Eventually([&] { return seen_b_.last_sender.load() == client.pid().bits(); }));
  EXPECT_EQ(seen_b_.last_note.load(), static_cast<int64_t>(ExitKind::kShutdown));
  EXPECT_TRUE(b_.IsAlive(trapping.pid()));
}

TEST_F(TwoNodes, APartitionGivesNoConnectionToWatchesAndNoRouteToSendsUntilHealed) {
  auto server = *b_.Spawn<Server>(&seen_b_, 0, false);
  std::atomic<int> kind{-1};
  ASSERT_NE(a_.Watch(server.pid(), [&](Pid, const ExitReason& r) {
              kind.store(static_cast<int>(r.kind()));
            }),
            0u);
  net_.Partition(1, 2);
  EXPECT_EQ(kind.load(), static_cast<int>(ExitKind::kNoConnection));
  EXPECT_EQ(a_.Send(server.pid(), Note{1}), SendResult::kNoRoute);
  EXPECT_FALSE(a_.IsAlive(server.pid()));
  EXPECT_TRUE(b_.IsAlive(server.pid()));  // alive, just out of reach
  net_.Heal(1, 2);
  absl::StatusOr<int64_t> r = a_.Call(server.pid(), AddOne{1}, absl::Seconds(5));
  EXPECT_TRUE(r.ok()) << r.status();
}

TEST_F(TwoNodes, ANodeThatLeavesFailsTheCallsWaitingOnIt) {
  // The server on b never answers in time: it sleeps in a Task handler.
  auto sleeper = *b_.Spawn<Sleeper>();
  std::atomic<bool> done{false};
  absl::Status got;
  a_.CallAsync(sleeper.pid(), Slow{}, absl::Seconds(60), [&](absl::Status s) {
    got = s;
    done.store(true);
  });
  ASSERT_TRUE(Eventually([&] { return net_.stats().frames >= 1; }));
  net_.Leave(b_);
  ASSERT_TRUE(Eventually([&] { return done.load(); }));
  EXPECT_EQ(got.code(), absl::StatusCode::kUnavailable) << got;
  EXPECT_THAT(std::string(got.message()), HasSubstr("noconnection"));
}

TEST_F(TwoNodes, CallAsyncDeliversTheReplyOnceWithoutAWaitingThread) {
  auto server = *b_.Spawn<Server>(&seen_b_, 1, false);
  std::atomic<int> calls{0};
  std::atomic<int64_t> value{0};
  a_.CallAsync(server.pid(), AddOne{9}, absl::Seconds(5), [&](absl::StatusOr<int64_t> r) {
    calls.fetch_add(1);
    value.store(r.ok() ? *r : -1);
  });
  ASSERT_TRUE(Eventually([&] { return calls.load() == 1; }));
  EXPECT_EQ(value.load(), 10);
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(calls.load(), 1);
}

// --- two deterministic nodes ------------------------------------------------------------

TEST(DeterministicNodes, TwoDrivenRuntimesTalkInAReproducibleOrder) {
  auto run = [](uint64_t seed) {
    Seen sa, sb;
    NodePair p(RuntimeOptions::Deterministic(seed));
    Runtime& a = p.a;
    Runtime& b = p.b;
    auto server = *b.Spawn<Server>(&sb, 0, /*echo=*/true);
    std::vector<int64_t> order;
    auto client = *a.Spawn<Client>(&sa);
    for (int i = 1; i <= 5; ++i) a.Send(client, Forward{server.pid(), i});
    std::vector<absl::StatusOr<int64_t>> replies;
    for (int i = 0; i < 3; ++i) {
      a.CallAsync(server.pid(), AddOne{i}, absl::Seconds(1),
                  [&](absl::StatusOr<int64_t> r) { replies.push_back(r); });
    }
    while (a.RunUntilIdle() + b.RunUntilIdle() > 0) {
    }
    order.push_back(sa.notes.load());
    order.push_back(sa.last_note.load());
    order.push_back(static_cast<int64_t>(replies.size()));
    for (auto& r : replies) order.push_back(r.ok() ? *r : -1);
    return order;
  };
  std::vector<int64_t> first = run(11);
  EXPECT_EQ(first[0], 5);  // every echo came back
  EXPECT_EQ(first[2], 3);  // every async call answered
  EXPECT_EQ(run(11), first);
}

TEST(DeterministicNodes, CallAsyncTimesOutOnVirtualTimeWhenTheOtherNodeNeverRuns) {
  Seen sb;
  NodePair p(RuntimeOptions::Deterministic(1));
  Runtime& a = p.a;
  Runtime& b = p.b;
  auto server = *b.Spawn<Server>(&sb, 0, false);
  std::vector<absl::StatusCode> got;
  a.CallAsync(server.pid(), AddOne{1}, absl::Milliseconds(50),
              [&](absl::StatusOr<int64_t> r) { got.push_back(r.status().code()); });
  a.AdvanceTime(absl::Milliseconds(49));
  EXPECT_TRUE(got.empty());
  a.AdvanceTime(absl::Milliseconds(1));
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0], absl::StatusCode::kDeadlineExceeded);
  b.RunUntilIdle();  // the late reply is dropped: still one result
  EXPECT_EQ(got.size(), 1u);
}

}  // namespace
}  // namespace myr
