// Copyright Myrmidon authors.
//
// Foreign actors (foreign_actor.h): a handler of (method, bytes) or of guest
// values, answering calls now or later, crashing like a C++ actor, and
// talking to typed C++ actors through their codecs.
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/sched/foreign_actor.h"
#include "libs/sched/runtime.h"
#include "libs/sched/testing/sched_testing.h"
#include "libs/sched/testing/wire_messages.h"
#include "libs/wire/bytes.h"

namespace myr {
namespace {

using ::testing::HasSubstr;
using sched_testing::AddOne;
using sched_testing::Eventually;
using sched_testing::Note;
using sched_testing::Threaded;

// A stand-in for a guest language's object: a refcounted box whose
// references GuestValues hold.
struct Box {
  std::atomic<int> refs{1};
  std::string text;
};
std::atomic<int> g_releases{0};
const GuestValue::Kind kBoxKind{"test", [](void* v) {
                                  g_releases.fetch_add(1);
                                  auto* b = static_cast<Box*>(v);
                                  if (b->refs.fetch_sub(1) == 1) delete b;
                                }};
GuestValue NewBox(std::string text) {
  auto* b = new Box;
  b->text = std::move(text);
  return GuestValue(&kBoxKind, b);
}

// What the handler saw, for the test to check.
struct Journal {
  std::mutex mu;
  std::vector<std::string> lines;
  std::vector<ForeignReply> held;  // replies kept for later
  void Add(std::string s) {
    std::lock_guard<std::mutex> lock(mu);
    lines.push_back(std::move(s));
  }
  std::vector<std::string> Lines() {
    std::lock_guard<std::mutex> lock(mu);
    return lines;
  }
};

// Answers AddOne calls as bytes (n + 1), echoes Bytes, keeps guest calls'
// replies to answer later, and records everything.
class Scripted : public ForeignHandler {
 public:
  explicit Scripted(Journal* j) : j_(j) {}
  void OnStart(ForeignActor& self) override { j_->Add("start"); }
  void Handle(ForeignActor& self, ForeignMessage& msg) override {
    switch (msg.kind) {
      case ForeignMessage::Kind::kBytes: {
        const char* method = msg.method == AddOne::kWireId ? "AddOne"
                             : msg.method == Note::kWireId ? "Note"
                             : msg.method == 0            ? "0"
                                                          : "?";
        j_->Add(absl::StrCat("bytes method=", method, " payload=", msg.payload.view()));
        if (!msg.reply.pending()) return;
        if (msg.method == AddOne::kWireId) {
          absl::StatusOr<int64_t> n = sched_testing::DecodeInt(msg.payload.view());
          msg.reply.Bytes(absl::StrCat(*n + 1));
        } else if (msg.payload.view() == "throw") {
          throw std::runtime_error("guest code raised");
        } else if (msg.payload.view() == "drop") {
          // Never answered: dropped at the end of Handle.
        } else {
          msg.reply.Bytes(msg.payload.view());
        }
        return;
      }
      case ForeignMessage::Kind::kGuest: {
        auto* box = static_cast<Box*>(msg.guest->get());
        j_->Add(absl::StrCat("guest ", box->text));
        if (msg.reply.pending()) {
          std::lock_guard<std::mutex> lock(j_->mu);
          j_->held.push_back(std::move(msg.reply));  // answered later, elsewhere
        }
        return;
      }
      case ForeignMessage::Kind::kNative:
        if (const ExitMsg* e = PayloadIf<ExitMsg>(msg.native)) {
          j_->Add(absl::StrCat("exit ", e->reason.ToString()));
        } else {
          j_->Add("native");
        }
        return;
    }
  }
  void OnExit(const ExitReason& r) override { j_->Add(absl::StrCat("exit ", r.ToString())); }

 private:
  Journal* j_;
};

TEST(ForeignActor, ATypedCallArrivesAsMethodAndBytesAndTheBytesReplyComesBackTyped) {
  Journal j;  // outlives the runtime: OnExit writes to it at shutdown
  Runtime rt(Threaded());
  Pid pid = *SpawnForeign(rt, std::make_unique<Scripted>(&j));
  absl::StatusOr<int64_t> r = rt.Call(pid, AddOne{41}, absl::Seconds(5));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 42);
  EXPECT_EQ(j.Lines(), (std::vector<std::string>{"start", "bytes method=AddOne payload=41"}));
}

TEST(ForeignActor, BytesArriveWithoutACopyAndAOneWayTypedMessageToo) {
  Journal j;  // outlives the runtime: OnExit writes to it at shutdown
  Runtime rt(Threaded());
  Pid pid = *SpawnForeign(rt, std::make_unique<Scripted>(&j));
  wire::Bytes payload = wire::Bytes::Copy("raw");
  rt.Send(pid, payload);
  rt.Send(pid, Note{7});
  ASSERT_TRUE(Eventually([&] { return j.Lines().size() == 3; }));
  EXPECT_EQ(j.Lines()[1], "bytes method=0 payload=raw");
  EXPECT_EQ(j.Lines()[2], "bytes method=Note payload=7");
  EXPECT_EQ(rt.Call(pid, wire::Bytes::Copy("echo"), absl::Seconds(5)), absl::OkStatus());
}

TEST(ForeignActor, AReplyDroppedUnansweredFailsTheCallAndAThrowCrashesTheActor) {
  Journal j;  // outlives the runtime: OnExit writes to it at shutdown
  Runtime rt(Threaded());
  Pid pid = *SpawnForeign(rt, std::make_unique<Scripted>(&j));
  absl::Status dropped = rt.Call(pid, wire::Bytes::Copy("drop"), absl::Seconds(5));
  EXPECT_EQ(dropped.code(), absl::StatusCode::kAborted) << dropped;
  absl::Status crashed = rt.Call(pid, wire::Bytes::Copy("throw"), absl::Seconds(5));
  EXPECT_EQ(crashed.code(), absl::StatusCode::kAborted) << crashed;
  EXPECT_THAT(std::string(crashed.message()), HasSubstr("guest code raised"));
  EXPECT_TRUE(Eventually([&] { return !rt.IsAlive(pid); }));
  std::vector<std::string> lines = j.Lines();
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back(), "exit crash: guest code raised");
}

TEST(ForeignActor, GuestValuesMoveByReferenceAndAHeldReplyIsAnsweredLaterFromAnotherThread) {
  g_releases.store(0);
  {
    Journal j;
    Runtime rt(Threaded());
    Pid pid = *SpawnForeign(rt, std::make_unique<Scripted>(&j));
    rt.Send(pid, NewBox("hello"));
    std::atomic<int> answers{0};
    std::string answer;
    rt.CallAsync(pid, GuestCall{NewBox("question")}, absl::Seconds(5),
                 [&](absl::StatusOr<GuestValue> r) {
                   answer = r.ok() ? static_cast<Box*>(r->get())->text : std::string(r.status().message());
                   answers.fetch_add(1);
                 });
    ASSERT_TRUE(Eventually([&] {
      std::lock_guard<std::mutex> lock(j.mu);
      return j.held.size() == 1;
    }));
    EXPECT_EQ(j.Lines()[1], "guest hello");
    EXPECT_EQ(j.Lines()[2], "guest question");
    std::thread later([&] {
      std::lock_guard<std::mutex> lock(j.mu);
      j.held[0].Value(NewBox("answer"));
    });
    later.join();
    ASSERT_TRUE(Eventually([&] { return answers.load() == 1; }));
    EXPECT_EQ(answer, "answer");
  }
  // Every reference a GuestValue held was released exactly once: "hello",
  // "question" and "answer".
  EXPECT_EQ(g_releases.load(), 3);
}

TEST(ForeignActor, ATrappedExitArrivesAsANativeExitMsg) {
  Journal j;  // outlives the runtime: OnExit writes to it at shutdown
  Runtime rt(Threaded());
  class Trapping : public Scripted {
   public:
    using Scripted::Scripted;
    void OnStart(ForeignActor& self) override {
      self.TrapExits(true);
      Scripted::OnStart(self);
    }
  };
  Pid pid = *SpawnForeign(rt, std::make_unique<Trapping>(&j));
  rt.Exit(pid, ExitReason::Shutdown("asked"));
  ASSERT_TRUE(Eventually([&] { return j.Lines().size() == 2; }));
  EXPECT_EQ(j.Lines()[1], "exit shutdown: asked");
  EXPECT_TRUE(rt.IsAlive(pid));
}

// A typed C++ actor for SendEncoded.
class Counter : public Actor<Counter, Note> {
 public:
  explicit Counter(std::atomic<int64_t>* sum) : sum_(sum) {}
  void Handle(Note& n) { sum_->fetch_add(n.n); }

 private:
  std::atomic<int64_t>* sum_;
};

class Relay : public ForeignHandler {
 public:
  explicit Relay(Pid to) : to_(to) {}
  void Handle(ForeignActor& self, ForeignMessage& msg) override {
    // Forwards the bytes as a typed Note, as a guest calling C++ would.
    last = self.SendEncoded(to_, Note::kWireId, msg.payload.view());
    unknown = self.SendEncoded(to_, 0x1234, msg.payload.view()).status();
  }
  Pid to_;
  absl::StatusOr<SendResult> last = SendResult::kOk;
  absl::Status unknown;
};

TEST(ForeignActor, AForeignActorSendsEncodedMessagesThatTypedActorsHandle) {
  Runtime rt(Threaded());
  std::atomic<int64_t> sum{0};
  auto counter = *rt.Spawn<Counter>(&sum);
  auto relay = std::make_unique<Relay>(counter.pid());
  Relay* r = relay.get();
  Pid pid = *SpawnForeign(rt, std::move(relay));
  rt.Send(pid, wire::Bytes::Copy("5"));
  rt.Send(pid, wire::Bytes::Copy("6"));
  ASSERT_TRUE(Eventually([&] { return sum.load() == 11; }));
  ASSERT_TRUE(Eventually([&] { return r->unknown.code() == absl::StatusCode::kInvalidArgument; }));
}

TEST(ForeignActor, AHandlerWhoseOnStartThrowsNeverStartsAndGetsNoOnExit) {
  Journal j;  // outlives the runtime: OnExit writes to it at shutdown
  Runtime rt(Threaded());
  class BadStart : public Scripted {
   public:
    using Scripted::Scripted;
    void OnStart(ForeignActor&) override { throw std::runtime_error("no config"); }
  };
  Pid pid = *SpawnForeign(rt, std::make_unique<BadStart>(&j));
  absl::StatusOr<ExitReason> r = rt.AwaitExit(pid, absl::Seconds(5));
  if (r.ok()) EXPECT_EQ(*r, ExitReason::Crash("no config"));
  EXPECT_TRUE(Eventually([&] { return !rt.IsAlive(pid); }));
  EXPECT_TRUE(j.Lines().empty());
  EXPECT_EQ(SpawnForeign(rt, nullptr).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace myr
