// Copyright Myrmidon authors.
//
// Request/reply (Runtime::Call from threads, co_await Call from actors) and
// the coroutine waits of Task handlers: selective Receive and Sleep.
#include <atomic>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "libs/sched/runtime.h"
#include "libs/sched/testing/sched_testing.h"

namespace myr {
namespace {

using sched_testing::Eventually;
using sched_testing::Log;
using sched_testing::Threaded;

bool Contains(absl::string_view text, absl::string_view part) {
  return text.find(part) != absl::string_view::npos;
}

// --- a server with every kind of handler -------------------------------------------

struct Get {
  using Reply = int;
};
struct Refuse {  // answers with an error status
  using Reply = int;
};
struct Check {  // no reply value; the handler returns absl::Status
  bool ok;
};
struct Poke {};  // no reply at all
struct Crash {
  using Reply = int;
};
struct Slow {  // answers after a coroutine sleep
  using Reply = int;
  absl::Duration d;
};
struct CrashLater {  // a Task handler that throws after a wait
  using Reply = int;
};
struct Stranger {  // nobody handles this
  using Reply = int;
};

class Server : public Actor<Server, Get, Refuse, Check, Poke, Crash, Slow, CrashLater> {
 public:
  explicit Server(std::atomic<int>* pokes = nullptr) : pokes_(pokes) {}
  int Handle(Get&) { return 42; }
  absl::StatusOr<int> Handle(Refuse&) { return absl::PermissionDeniedError("not for you"); }
  absl::Status Handle(Check& m) {
    return m.ok ? absl::OkStatus() : absl::InvalidArgumentError("check failed");
  }
  void Handle(Poke&) {
    if (pokes_ != nullptr) pokes_->fetch_add(1);
  }
  int Handle(Crash&) { throw std::runtime_error("boom in handler"); }
  Task<int> Handle(Slow& m) {
    co_await Sleep(m.d);
    co_return 7;
  }
  Task<int> Handle(CrashLater&) {
    co_await Sleep(absl::Milliseconds(5));
    throw std::runtime_error("boom after a wait");
  }

 private:
  std::atomic<int>* pokes_;
};

TEST(Call, ACallResolvesToTheHandlersValue) {
  Runtime rt(Threaded());
  auto s = *rt.Spawn<Server>();
  absl::StatusOr<int> r = rt.Call(s, Get{}, absl::Seconds(10));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 42);
}

TEST(Call, ACallOfAMessageWithoutReplyResolvesOnceItWasHandled) {
  std::atomic<int> pokes{0};
  Runtime rt(Threaded());
  auto s = *rt.Spawn<Server>(&pokes);
  absl::Status st = rt.Call(s, Poke{}, absl::Seconds(10));
  EXPECT_TRUE(st.ok()) << st;
  EXPECT_EQ(pokes.load(), 1);
  EXPECT_TRUE(rt.Call(s, Check{true}, absl::Seconds(10)).ok());
  absl::Status bad = rt.Call(s, Check{false}, absl::Seconds(10));
  EXPECT_EQ(bad.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.message(), "check failed");
}

TEST(Call, AHandlersErrorStatusIsTheCallersResult) {
  Runtime rt(Threaded());
  auto s = *rt.Spawn<Server>();
  absl::StatusOr<int> r = rt.Call(s, Refuse{}, absl::Seconds(10));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(r.status().message(), "not for you");
  EXPECT_TRUE(rt.IsAlive(s));  // an error reply is not a crash
}

TEST(Call, ACallToADeadPidFailsQuicklyWithNotFound) {
  Runtime rt(Threaded());
  auto s = *rt.Spawn<Server>();
  rt.Kill(s);
  ASSERT_TRUE(Eventually([&] { return !rt.IsAlive(s); }));
  absl::Time t0 = absl::Now();
  absl::StatusOr<int> r = rt.Call(s, Get{}, absl::Seconds(10));
  EXPECT_LT(absl::Now() - t0, absl::Seconds(1));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Contains(r.status().message(), "noproc")) << r.status();
  EXPECT_EQ(rt.Call(Pid(), Get{}, absl::Seconds(10)).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(Call, ACallThatIsNotAnsweredInTimeIsDeadlineExceeded) {
  Runtime rt(Threaded());
  auto s = *rt.Spawn<Server>();
  absl::Time t0 = absl::Now();
  absl::StatusOr<int> r = rt.Call(s, Slow{absl::Milliseconds(300)}, absl::Milliseconds(50));
  absl::Duration took = absl::Now() - t0;
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_TRUE(Contains(r.status().message(), "timed out")) << r.status();
  EXPECT_GE(took, absl::Milliseconds(50));
  EXPECT_LT(took, absl::Milliseconds(250));
  // The late reply goes nowhere and the server is fine.
  absl::StatusOr<int> again = rt.Call(s, Slow{absl::Milliseconds(1)}, absl::Seconds(10));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, 7);
}

TEST(Call, ACallToAnActorThatCrashesWhileHandlingItIsAbortedWithTheCrash) {
  Runtime rt(Threaded());
  auto s = *rt.Spawn<Server>();
  absl::StatusOr<int> r = rt.Call(s, Crash{}, absl::Seconds(10));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted) << r.status();
  EXPECT_TRUE(Contains(r.status().message(), "boom in handler")) << r.status();
  EXPECT_TRUE(Eventually([&] { return !rt.IsAlive(s); }));
}

TEST(Call, ACallToATaskHandlerThatCrashesAfterAWaitIsAbortedWithTheCrash) {
  Runtime rt(Threaded());
  auto s = *rt.Spawn<Server>();
  absl::StatusOr<int> r = rt.Call(s, CrashLater{}, absl::Seconds(10));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted) << r.status();
  EXPECT_TRUE(Contains(r.status().message(), "boom after a wait")) << r.status();
}

TEST(Call, CallsQueuedBehindACrashAreAbortedWithTheExitReason) {
  Runtime rt(Threaded());
  auto s = *rt.SpawnWith<Server>(SpawnOptions().WithMailbox(MailboxOptions::Unbounded()));
  // A slow request first, so the crash and the calls behind it queue up.
  rt.Send(s, Slow{absl::Milliseconds(50)});
  rt.Send(s, Crash{});
  absl::StatusOr<int> r = rt.Call(s, Get{}, absl::Seconds(10));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted) << r.status();
  EXPECT_TRUE(Contains(r.status().message(), "boom in handler")) << r.status();
}

TEST(Call, AMessageTypeTheActorDoesNotHandleIsUnimplemented) {
  Runtime rt(Threaded());
  auto s = *rt.Spawn<Server>();
  Pid untyped = s;
  uint64_t before = rt.stats().dead_letters;
  absl::StatusOr<int> r = rt.Call(untyped, Stranger{}, absl::Seconds(10));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kUnimplemented) << r.status();
  EXPECT_EQ(rt.Send(untyped, std::string("hello?")), SendResult::kOk);
  EXPECT_TRUE(Eventually([&] { return rt.stats().dead_letters == before + 2; }));
  EXPECT_TRUE(rt.IsAlive(s));
  EXPECT_EQ(*rt.Call(s, Get{}, absl::Seconds(10)), 42);
}

// --- actors calling actors --------------------------------------------------------

struct Relay {  // asks `to` for Get and answers with its reply + 1
  using Reply = int;
  Pid to;
  absl::Duration timeout;
};

class Caller : public Actor<Caller, Relay> {
 public:
  Task<absl::StatusOr<int>> Handle(Relay& m) {
    absl::StatusOr<int> r = co_await Call(m.to, Get{}, m.timeout);
    if (!r.ok()) co_return r.status();
    co_return *r + 1;
  }
};

struct RelaySlow {
  using Reply = int;
  Pid to;
  absl::Duration d;
  absl::Duration timeout;
};
class SlowCaller : public Actor<SlowCaller, RelaySlow> {
 public:
  Task<absl::StatusOr<int>> Handle(RelaySlow& m) {
    absl::StatusOr<int> r = co_await Call(m.to, Slow{m.d}, m.timeout);
    co_return r;
  }
};

TEST(Call, AnActorCallingAnotherWithCoAwaitGetsTheValue) {
  Runtime rt(Threaded());
  auto s = *rt.Spawn<Server>();
  auto c = *rt.Spawn<Caller>();
  absl::StatusOr<int> r = rt.Call(c, Relay{s, absl::Seconds(10)}, absl::Seconds(10));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 43);
}

TEST(Call, AnActorCallingADeadPidGetsNotFound) {
  Runtime rt(Threaded());
  auto s = *rt.Spawn<Server>();
  rt.Kill(s);
  ASSERT_TRUE(Eventually([&] { return !rt.IsAlive(s); }));
  auto c = *rt.Spawn<Caller>();
  absl::StatusOr<int> r = rt.Call(c, Relay{s, absl::Seconds(10)}, absl::Seconds(10));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kNotFound) << r.status();
}

TEST(Call, AnActorsCallTimesOutWithDeadlineExceeded) {
  Runtime rt(Threaded());
  auto s = *rt.Spawn<Server>();
  auto c = *rt.Spawn<SlowCaller>();
  absl::StatusOr<int> r = rt.Call(
      c, RelaySlow{s, absl::Milliseconds(300), absl::Milliseconds(30)}, absl::Seconds(10));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
  // The caller is not stuck: the next call works.
  r = rt.Call(c, RelaySlow{s, absl::Milliseconds(1), absl::Seconds(10)}, absl::Seconds(10));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 7);
}

TEST(Call, AnActorCallingAnActorThatCrashesGetsAborted) {
  Runtime rt(Threaded());
  auto s = *rt.Spawn<Server>();
  struct RelayCrash {
    using Reply = int;
    Pid to;
  };
  class CrashCaller : public Actor<CrashCaller, RelayCrash> {
   public:
    Task<absl::StatusOr<int>> Handle(RelayCrash& m) {
      co_return co_await Call(m.to, Crash{}, absl::Seconds(10));
    }
  };
  auto c = *rt.Spawn<CrashCaller>();
  absl::StatusOr<int> r = rt.Call(c, RelayCrash{s}, absl::Seconds(10));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted) << r.status();
  EXPECT_TRUE(rt.IsAlive(c));
}

// While a Task handler waits for a reply, other user messages stay queued,
// in order, and are handled once it finishes.
struct Hold {
  using Reply = int;
};
struct Release {};
struct HolderProbe {
  std::atomic<bool> holding{false};
};
class Holder : public Actor<Holder, Hold, Release> {
 public:
  explicit Holder(HolderProbe* p) : p_(p) {}
  Task<int> Handle(Hold&) {
    p_->holding.store(true);
    absl::StatusOr<Release> r = co_await Receive<Release>(absl::Seconds(30));
    co_return r.ok() ? 42 : -1;
  }
  void Handle(Release&) {}

 private:
  HolderProbe* p_;
};

struct Start {
  using Reply = int;
};
struct Note {
  int n;
};
class Asker : public Actor<Asker, Start, Note> {
 public:
  Asker(Log* log, Pid holder) : log_(log), holder_(holder) {}
  Task<int> Handle(Start&) {
    log_->Add("begin");
    absl::StatusOr<int> r = co_await Call(holder_, Hold{}, absl::Seconds(30));
    log_->Add(absl::StrCat("end ", r.ok() ? *r : -1));
    co_return r.ok() ? *r : -1;
  }
  void Handle(Note& m) { log_->Add(absl::StrCat("note ", m.n)); }
  void OnExit(const ExitReason& r) override { log_->Add(absl::StrCat("exit ", r.ToString())); }

 private:
  Log* log_;
  Pid holder_;
};

TEST(Call, MessagesArrivingWhileATaskHandlerWaitsAreHandledAfterItInOrder) {
  Log log;
  HolderProbe hp;
  Runtime rt(Threaded());
  auto h = *rt.Spawn<Holder>(&hp);
  auto a = *rt.Spawn<Asker>(&log, h);
  ASSERT_EQ(rt.Send(a, Start{}), SendResult::kOk);
  ASSERT_TRUE(Eventually([&] { return hp.holding.load(); }));
  for (int i = 1; i <= 5; ++i) ASSERT_EQ(rt.Send(a, Note{i}), SendResult::kOk);
  absl::SleepFor(absl::Milliseconds(10));
  EXPECT_EQ(log.events(), std::vector<std::string>{"begin"});  // still waiting
  ASSERT_EQ(rt.Send(h, Release{}), SendResult::kOk);
  ASSERT_TRUE(Eventually([&] { return log.size() == 7; }));
  EXPECT_EQ(log.events(), (std::vector<std::string>{"begin", "end 42", "note 1", "note 2",
                                                    "note 3", "note 4", "note 5"}));
}

TEST(Call, AKillReachesAnActorWhoseTaskHandlerIsWaiting) {
  Log log;
  HolderProbe hp;
  Runtime rt(Threaded());
  auto h = *rt.Spawn<Holder>(&hp);
  auto a = *rt.Spawn<Asker>(&log, h);
  std::thread killer([&] {
    if (Eventually([&] { return hp.holding.load(); })) {
      absl::SleepFor(absl::Milliseconds(5));
      rt.Kill(a);
    }
  });
  absl::StatusOr<int> r = rt.Call(a, Start{}, absl::Seconds(10));
  killer.join();
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted) << r.status();
  EXPECT_TRUE(Contains(r.status().message(), "killed")) << r.status();
  ASSERT_TRUE(Eventually([&] { return log.size() == 2; }));
  EXPECT_EQ(log.events(), (std::vector<std::string>{"begin", "exit killed"}));
  // The holder still answers (to nobody) once released, and stays healthy.
  rt.Send(h, Release{});
  EXPECT_TRUE(rt.IsAlive(h));
}

// --- selective receive and sleep --------------------------------------------------------

struct Want {
  int n;
};
struct Other {
  int n;
};
struct Go {};
struct GoBig {};  // receive the first Want with n > 10
struct TryReceive {
  using Reply = int;
  absl::Duration timeout;
};

class Picker : public Actor<Picker, Go, GoBig, TryReceive, Want, Other> {
 public:
  explicit Picker(Log* log) : log_(log) {}
  Task<void> Handle(Go&) {
    absl::StatusOr<Want> w = co_await Receive<Want>(absl::Seconds(30));
    log_->Add(w.ok() ? absl::StrCat("received want ", w->n) : w.status().ToString());
  }
  Task<void> Handle(GoBig&) {
    absl::StatusOr<Want> w =
        co_await Receive<Want>([](const Want& x) { return x.n > 10; }, absl::Seconds(30));
    log_->Add(w.ok() ? absl::StrCat("received want ", w->n) : w.status().ToString());
  }
  Task<absl::StatusOr<int>> Handle(TryReceive& m) {
    absl::StatusOr<Want> w = co_await Receive<Want>(m.timeout);
    if (!w.ok()) co_return w.status();
    co_return w->n;
  }
  void Handle(Want& m) { log_->Add(absl::StrCat("want ", m.n)); }
  void Handle(Other& m) { log_->Add(absl::StrCat("other ", m.n)); }

 private:
  Log* log_;
};

TEST(Receive, TakesTheFirstMatchingMessageAndLeavesEarlierOnesQueuedInOrder) {
  Log log;
  Runtime rt(Threaded());
  auto p = *rt.SpawnWith<Picker>(SpawnOptions().WithMailbox(MailboxOptions::Unbounded()), &log);
  rt.Send(p, Go{});
  rt.Send(p, Other{1});
  rt.Send(p, Other{2});
  rt.Send(p, Want{7});
  rt.Send(p, Want{8});
  rt.Send(p, Other{3});
  ASSERT_TRUE(Eventually([&] { return log.size() == 5; }));
  EXPECT_EQ(log.events(), (std::vector<std::string>{"received want 7", "other 1", "other 2",
                                                    "want 8", "other 3"}));
}

TEST(Receive, WaitsForAMatchingMessageThatArrivesLater) {
  Log log;
  Runtime rt(Threaded());
  auto p = *rt.Spawn<Picker>(&log);
  rt.Send(p, Go{});
  rt.Send(p, Other{1});
  absl::SleepFor(absl::Milliseconds(20));
  EXPECT_EQ(log.size(), 0u);  // the Other waits behind the receive
  rt.Send(p, Want{5});
  ASSERT_TRUE(Eventually([&] { return log.size() == 2; }));
  EXPECT_EQ(log.events(), (std::vector<std::string>{"received want 5", "other 1"}));
}

TEST(Receive, APredicateSelectsWhichMessageIsTaken) {
  Log log;
  Runtime rt(Threaded());
  auto p = *rt.SpawnWith<Picker>(SpawnOptions().WithMailbox(MailboxOptions::Unbounded()), &log);
  rt.Send(p, GoBig{});
  rt.Send(p, Want{1});
  rt.Send(p, Other{1});
  rt.Send(p, Want{20});
  rt.Send(p, Want{2});
  rt.Send(p, Want{30});
  ASSERT_TRUE(Eventually([&] { return log.size() == 5; }));
  EXPECT_EQ(log.events(), (std::vector<std::string>{"received want 20", "want 1", "other 1",
                                                    "want 2", "want 30"}));
}

TEST(Receive, AReceiveThatTimesOutGivesDeadlineExceeded) {
  Log log;
  Runtime rt(Threaded());
  auto p = *rt.Spawn<Picker>(&log);
  absl::Time t0 = absl::Now();
  absl::StatusOr<int> r = rt.Call(p, TryReceive{absl::Milliseconds(40)}, absl::Seconds(10));
  absl::Duration took = absl::Now() - t0;
  EXPECT_EQ(r.status().code(), absl::StatusCode::kDeadlineExceeded) << r.status();
  EXPECT_TRUE(Contains(r.status().message(), "receive timed out")) << r.status();
  EXPECT_GE(took, absl::Milliseconds(40));
  EXPECT_LT(took, absl::Seconds(5));
  // A zero timeout polls: nothing queued, so it fails at once.
  EXPECT_EQ(rt.Call(p, TryReceive{absl::ZeroDuration()}, absl::Seconds(10)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
}

struct Nap {
  using Reply = int;
  absl::Duration d;
};
class Napper : public Actor<Napper, Nap> {
 public:
  explicit Napper(std::atomic<bool>* napping) : napping_(napping) {}
  Task<int> Handle(Nap& m) {
    napping_->store(true);
    co_await Sleep(m.d);
    co_return 1;
  }

 private:
  std::atomic<bool>* napping_;
};

TEST(Receive, SleepSuspendsTheHandlerButNotTheWorker) {
  Runtime rt(Threaded(/*workers=*/1));
  std::atomic<bool> napping{false};
  auto napper = *rt.Spawn<Napper>(&napping);
  auto server = *rt.Spawn<Server>();
  std::atomic<bool> woke{false};
  absl::Duration slept;
  std::thread t([&] {
    absl::Time t0 = absl::Now();
    absl::StatusOr<int> r = rt.Call(napper, Nap{absl::Milliseconds(300)}, absl::Seconds(10));
    slept = absl::Now() - t0;
    woke.store(r.ok());
  });
  ASSERT_TRUE(Eventually([&] { return napping.load(); }));
  // The only worker keeps serving others while the napper sleeps.
  for (int i = 0; i < 100; ++i) ASSERT_EQ(*rt.Call(server, Get{}, absl::Seconds(10)), 42);
  EXPECT_FALSE(woke.load());
  t.join();
  EXPECT_TRUE(woke.load());
  EXPECT_GE(slept, absl::Milliseconds(300));
}


// --- more about Task handlers ---------------------------------------------------------

struct WhoAsks {
  using Reply = uint64_t;  // sender().bits() before and after a co_await
};
class Introspector : public Actor<Introspector, WhoAsks> {
 public:
  Task<uint64_t> Handle(WhoAsks&) {
    Pid before = sender();
    co_await Sleep(absl::Milliseconds(1));
    Pid after = sender();
    co_return before == after ? after.bits() : 0;
  }
};
struct AskWho {
  using Reply = uint64_t;
  Pid to;
};
class Asking : public Actor<Asking, AskWho> {
 public:
  Task<absl::StatusOr<uint64_t>> Handle(AskWho& m) {
    co_return co_await Call(m.to, WhoAsks{}, absl::Seconds(10));
  }
};

TEST(Call, SenderInATaskHandlerIsTheRequesterBeforeAndAfterACoAwait) {
  Runtime rt(Threaded());
  auto intro = *rt.Spawn<Introspector>();
  auto asking = *rt.Spawn<Asking>();
  absl::StatusOr<uint64_t> r = rt.Call(asking, AskWho{intro}, absl::Seconds(10));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(Pid::FromBits(*r), asking.pid());
}

TEST(Call, AStopReachingAWaitingTaskHandlerLetsItFinishThenDrainsTheQueue) {
  Log log;
  HolderProbe hp;
  Runtime rt(Threaded());
  auto h = *rt.Spawn<Holder>(&hp);
  auto a = *rt.Spawn<Asker>(&log, h);
  rt.Send(a, Start{});
  ASSERT_TRUE(Eventually([&] { return hp.holding.load(); }));
  rt.Send(a, Note{1});
  rt.Stop(a);
  rt.Send(a, Note{2});
  absl::SleepFor(absl::Milliseconds(10));
  EXPECT_TRUE(rt.IsAlive(a));  // the handler is still waiting
  rt.Send(h, Release{});
  ASSERT_TRUE(Eventually([&] { return log.size() == 5; }));
  EXPECT_EQ(log.events(), (std::vector<std::string>{"begin", "end 42", "note 1", "note 2",
                                                    "exit normal"}));
}

struct PickyGo {};
class Picky : public Actor<Picky, PickyGo, Want> {
 public:
  Task<void> Handle(PickyGo&) {
    co_await Receive<Want>(
        [](const Want& w) -> bool {
          if (w.n < 0) throw std::invalid_argument("negative want");
          return w.n > 100;
        },
        absl::Seconds(30));
  }
  void Handle(Want&) {}
};

TEST(Receive, APredicateThatThrowsCrashesOnlyItsActor) {
  Runtime rt(Threaded());
  auto p = *rt.Spawn<Picky>();
  auto s = *rt.Spawn<Server>();
  std::atomic<bool> exited{false};
  ExitReason reason;
  std::mutex mu;
  ASSERT_NE(rt.Watch(p, [&](Pid, const ExitReason& r) {
              std::lock_guard<std::mutex> lock(mu);
              reason = r;
              exited.store(true);
            }),
            0u);
  rt.Send(p, PickyGo{});
  absl::SleepFor(absl::Milliseconds(5));  // let it wait in the receive
  rt.Send(p, Want{1});
  rt.Send(p, Want{-1});
  ASSERT_TRUE(Eventually([&] { return exited.load(); }));
  {
    std::lock_guard<std::mutex> lock(mu);
    EXPECT_EQ(reason.kind(), ExitKind::kCrash);
    EXPECT_TRUE(Contains(reason.detail(), "negative want")) << reason;
  }
  // The process and the other actors carry on.
  EXPECT_EQ(*rt.Call(s, Get{}, absl::Seconds(10)), 42);
}


// A Task handler may co_await helper Tasks that wait themselves.
struct Sum {
  using Reply = int;
  Pid from;
};
class Summer : public Actor<Summer, Sum> {
 public:
  Task<int> One(Pid from) {
    absl::StatusOr<int> r = co_await Call(from, Get{}, absl::Seconds(10));
    if (!r.ok()) throw std::runtime_error(r.status().ToString());
    co_return *r;
  }
  Task<int> Two(Pid from) {
    int a = co_await One(from);
    co_await Sleep(absl::Milliseconds(1));
    int b = co_await One(from);
    co_return a + b;
  }
  Task<int> Handle(Sum& m) {
    int x = co_await Two(m.from);
    co_return x + co_await One(m.from);
  }
};

TEST(Call, ATaskHandlerCanAwaitNestedTasksThatWait) {
  Runtime rt(Threaded());
  auto s = *rt.Spawn<Server>();
  auto summer = *rt.Spawn<Summer>();
  absl::StatusOr<int> r = rt.Call(summer, Sum{s}, absl::Seconds(10));
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(*r, 3 * 42);
}

TEST(Call, AnExceptionInANestedTaskCrashesTheActorAndAbortsTheCall) {
  Runtime rt(Threaded());
  auto s = *rt.Spawn<Server>();
  rt.Kill(s);
  ASSERT_TRUE(Eventually([&] { return !rt.IsAlive(s); }));
  auto summer = *rt.Spawn<Summer>();
  absl::StatusOr<int> r = rt.Call(summer, Sum{s}, absl::Seconds(10));
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted) << r.status();
  EXPECT_TRUE(Contains(r.status().message(), "noproc")) << r.status();
  EXPECT_TRUE(Eventually([&] { return !rt.IsAlive(summer); }));
}

}  // namespace
}  // namespace myr
