// Copyright Myrmidon authors.
//
// ActorRegistry: the registry wired to the runtime (auto-unregister on exit,
// send-by-name), on a threaded runtime and in deterministic mode.
#include "libs/registry/actor_registry.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "libs/pid/pid.h"
#include "libs/registry/registry.h"
#include "libs/sched/runtime.h"
#include "libs/sched/testing/sched_testing.h"

namespace myr::registry {
namespace {

using sched_testing::Eventually;
using sched_testing::ExitWatch;
using sched_testing::Log;
using sched_testing::Threaded;

struct Note {
  std::string text;
};

// Records every Note it receives.
class Recorder : public Actor<Recorder, Note> {
 public:
  explicit Recorder(Log* log) : log_(log) {}
  void Handle(Note& n) {
    if (log_ != nullptr) log_->Add(n.text);
  }

 private:
  Log* log_;
};

// Registers itself under `name` (and a path) when it starts, then stops.
class SelfRegistrar : public Actor<SelfRegistrar, Note> {
 public:
  SelfRegistrar(ActorRegistry* reg, std::string name, std::atomic<int>* registered)
      : reg_(reg), name_(std::move(name)), registered_(registered) {}
  void OnStart() override {
    if (reg_->Register(name_, self()).ok() &&
        reg_->RegisterPath(absl::StrCat("/self/", name_), self()).ok()) {
      registered_->fetch_add(1);
    }
    Stop();
  }
  void Handle(Note&) {}

 private:
  ActorRegistry* reg_;
  std::string name_;
  std::atomic<int>* registered_;
};

Pid SpawnRecorder(Runtime& rt, Log* log = nullptr) {
  auto ref = rt.Spawn<Recorder>(log);
  EXPECT_TRUE(ref.ok()) << ref.status();
  return ref->pid();
}

bool Empty(const ActorRegistry& reg) {
  return reg.registry().name_count() == 0 && reg.registry().path_count() == 0 &&
         reg.watched_pids() == 0;
}

TEST(ActorRegistryTest, ANameIsFreedWhenItsOwnerExitsAndCanThenBeTakenByAnother) {
  Runtime rt(Threaded());
  ActorRegistry reg(rt);
  Pid first = SpawnRecorder(rt);
  ASSERT_TRUE(reg.Register("db", first).ok());
  EXPECT_EQ(reg.WhereIs("db"), first);
  EXPECT_EQ(reg.watched_pids(), 1u);

  ASSERT_TRUE(rt.Kill(first));
  ASSERT_TRUE(Eventually([&] { return !reg.WhereIs("db").has_value() && Empty(reg); }));

  Pid second = SpawnRecorder(rt);
  ASSERT_TRUE(reg.Register("db", second).ok());
  EXPECT_EQ(reg.WhereIs("db"), second);
}

TEST(ActorRegistryTest, ANameIsFreedAfterRunUntilIdleInDeterministicMode) {
  Runtime rt(RuntimeOptions::Deterministic(7));
  ActorRegistry reg(rt);
  Pid first = SpawnRecorder(rt);
  ASSERT_TRUE(reg.Register("db", first).ok());
  ASSERT_TRUE(reg.RegisterPath("/svc/db", first).ok());
  rt.RunUntilIdle();
  EXPECT_EQ(reg.WhereIs("db"), first);

  ASSERT_TRUE(rt.Kill(first));
  rt.RunUntilIdle();
  EXPECT_EQ(reg.WhereIs("db"), std::nullopt);
  EXPECT_EQ(reg.Lookup("/svc/db"), std::nullopt);
  EXPECT_TRUE(Empty(reg));

  Pid second = SpawnRecorder(rt);
  EXPECT_TRUE(reg.Register("db", second).ok());
  EXPECT_EQ(reg.WhereIs("db"), second);
}

TEST(ActorRegistryTest, APathIsFreedWhenItsOwnerExitsAndAPrefixWatcherSeesIt) {
  Runtime rt(Threaded());
  ActorRegistry reg(rt);
  Log events;
  uint64_t w = reg.Watch("/svc", [&events](const Event& e) {
    events.Add(absl::StrCat(e.kind == Event::kRegistered ? "+" : "-", e.path));
  });
  ASSERT_NE(w, 0u);

  Pid owner = SpawnRecorder(rt);
  ASSERT_TRUE(reg.RegisterPath("/svc/db/primary", owner).ok());
  EXPECT_EQ(reg.Lookup("/svc/db/primary"), owner);
  ASSERT_EQ(reg.Children("/svc/db").size(), 1u);

  ASSERT_TRUE(rt.Kill(owner));
  ASSERT_TRUE(Eventually([&] { return events.size() == 2; }));
  EXPECT_EQ(events.events(), (std::vector<std::string>{"+/svc/db/primary", "-/svc/db/primary"}));
  EXPECT_EQ(reg.Lookup("/svc/db/primary"), std::nullopt);
  EXPECT_TRUE(reg.Descendants("/svc").empty());

  Pid next = SpawnRecorder(rt);
  EXPECT_TRUE(reg.RegisterPath("/svc/db/primary", next).ok());
  EXPECT_TRUE(reg.Unwatch(w));
}

TEST(ActorRegistryTest, RegisterFailsWithAlreadyExistsWhileTheOwnerLives) {
  Runtime rt(Threaded());
  ActorRegistry reg(rt);
  Pid owner = SpawnRecorder(rt);
  Pid other = SpawnRecorder(rt);
  ASSERT_TRUE(reg.Register("db", owner).ok());
  ASSERT_TRUE(reg.RegisterPath("/db", owner).ok());
  EXPECT_EQ(reg.Register("db", other).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(reg.RegisterPath("/db", other).code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(reg.WhereIs("db"), owner);
  // A failed registration installs no watch for the other pid.
  EXPECT_EQ(reg.watched_pids(), 1u);
  // Unregister frees the name at once; the owner may register again.
  EXPECT_TRUE(reg.Unregister("db"));
  EXPECT_TRUE(reg.UnregisterPath("/db"));
  EXPECT_TRUE(reg.Register("db", other).ok());
}

TEST(ActorRegistryTest, RegisteringADeadPidGivesNotFoundAndLeavesNoEntry) {
  Runtime rt(Threaded());
  ActorRegistry reg(rt);
  Pid gone = SpawnRecorder(rt);
  ExitWatch exit(rt, gone);
  ASSERT_TRUE(rt.Kill(gone));
  ASSERT_TRUE(exit.Wait().has_value());

  absl::Status s = reg.Register("db", gone);
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound) << s;
  EXPECT_TRUE(absl::StartsWith(s.message(), "noproc: ")) << s;
  EXPECT_EQ(reg.RegisterPath("/db", gone).code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(reg.WhereIs("db"), std::nullopt);
  EXPECT_TRUE(Empty(reg));
}

TEST(ActorRegistryTest, RegisteringADeadPidInDeterministicModeGivesNotFound) {
  Runtime rt(RuntimeOptions::Deterministic(3));
  ActorRegistry reg(rt);
  Pid gone = SpawnRecorder(rt);
  ASSERT_TRUE(rt.Kill(gone));
  rt.RunUntilIdle();
  EXPECT_EQ(reg.Register("db", gone).code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(Empty(reg));
}

TEST(ActorRegistryTest, SendByNameDeliversToTheRegisteredActor) {
  Runtime rt(Threaded());
  ActorRegistry reg(rt);
  Log log;
  Pid owner = SpawnRecorder(rt, &log);
  ASSERT_TRUE(reg.Register("logger", owner).ok());
  ASSERT_TRUE(reg.RegisterPath("/svc/logger", owner).ok());

  EXPECT_TRUE(reg.SendByName("logger", Note{"hello"}).ok());
  EXPECT_TRUE(reg.SendByPath("/svc/logger", Note{"world"}).ok());
  ASSERT_TRUE(Eventually([&] { return log.size() == 2; }));
  EXPECT_EQ(log.events(), (std::vector<std::string>{"hello", "world"}));
}

TEST(ActorRegistryTest, SendByNameGivesNotFoundForAnUnknownName) {
  Runtime rt(Threaded());
  ActorRegistry reg(rt);
  absl::Status s = reg.SendByName("nobody", Note{"x"});
  EXPECT_EQ(s.code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "no actor registered as \"nobody\"");
  EXPECT_EQ(reg.SendByPath("/nobody", Note{"x"}).code(), absl::StatusCode::kNotFound);
}

TEST(ActorRegistryTest, SendByNameGivesNotFoundForADeadOwner) {
  Runtime rt(Threaded());
  ActorRegistry reg(rt);
  Pid owner = SpawnRecorder(rt);
  ASSERT_TRUE(reg.Register("db", owner).ok());
  ExitWatch exit(rt, owner);
  ASSERT_TRUE(rt.Kill(owner));
  ASSERT_TRUE(exit.Wait().has_value());
  // Dead right away (liveness hides the entry) and after the exit hook ran.
  EXPECT_EQ(reg.SendByName("db", Note{"x"}).code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(Eventually([&] { return Empty(reg); }));
  EXPECT_EQ(reg.SendByName("db", Note{"x"}).code(), absl::StatusCode::kNotFound);
}

TEST(ActorRegistryTest, SendByNameMapsAFullMailboxToResourceExhausted) {
  Runtime rt(RuntimeOptions::Deterministic(5));
  ActorRegistry reg(rt);
  auto ref = rt.SpawnWith<Recorder>(
      SpawnOptions().WithMailbox(MailboxOptions::Bounded(1, OverflowPolicy::kDropNew)), nullptr);
  ASSERT_TRUE(ref.ok());
  ASSERT_TRUE(reg.Register("small", ref->pid()).ok());
  EXPECT_TRUE(reg.SendByName("small", Note{"1"}).ok());
  EXPECT_EQ(reg.SendByName("small", Note{"2"}).code(), absl::StatusCode::kResourceExhausted);
  rt.RunUntilIdle();
  EXPECT_TRUE(reg.SendByName("small", Note{"3"}).ok());
}

TEST(ActorRegistryTest, SendResultsMapToClearStatuses) {
  Pid p = Pid::Make(1, 1, 1);
  EXPECT_TRUE(ActorRegistry::SendStatus(SendResult::kOk, p, "as \"", "x").ok());
  EXPECT_TRUE(ActorRegistry::SendStatus(SendResult::kRedirected, p, "as \"", "x").ok());
  EXPECT_TRUE(ActorRegistry::SendStatus(SendResult::kSpilled, p, "as \"", "x").ok());
  absl::Status noproc = ActorRegistry::SendStatus(SendResult::kNoProc, p, "as \"", "x");
  EXPECT_EQ(noproc.code(), absl::StatusCode::kNotFound);
  EXPECT_TRUE(absl::StartsWith(noproc.message(), "noproc: ")) << noproc;
  EXPECT_EQ(ActorRegistry::SendStatus(SendResult::kDropped, p, "as \"", "x").code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(ActorRegistry::SendStatus(SendResult::kBackpressure, p, "as \"", "x").code(),
            absl::StatusCode::kUnavailable);
}

TEST(ActorRegistryTest, TheDestructorUnwatchesAndTheRuntimeOutlivesIt) {
  Runtime rt(Threaded());
  Pid owner = SpawnRecorder(rt);
  {
    ActorRegistry reg(rt);
    ASSERT_TRUE(reg.Register("db", owner).ok());
  }
  // The exit runs no callback into the destroyed registry.
  ExitWatch exit(rt, owner);
  ASSERT_TRUE(rt.Kill(owner));
  EXPECT_TRUE(exit.Wait().has_value());
}

TEST(ActorRegistryTest, ManyActorsRegisteringAndExitingConcurrentlyLeaveTheRegistryEmpty) {
  Runtime rt(Threaded());
  ActorRegistry reg(rt);
  constexpr int kThreads = 3;
  constexpr int kPerThread = 60;
  std::atomic<int> self_registered{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string key = absl::StrCat(t, "-", i);
        // One actor registered from outside, then killed (maybe mid-register)...
        auto ref = rt.Spawn<Recorder>(nullptr);
        ASSERT_TRUE(ref.ok());
        Pid pid = ref->pid();
        absl::Status a = reg.Register(absl::StrCat("ext-", key), pid);
        if (i % 2 == 0) rt.Kill(pid);
        absl::Status b = reg.RegisterPath(absl::StrCat("/ext/", t, "/", i), pid);
        EXPECT_TRUE(a.ok() || a.code() == absl::StatusCode::kNotFound) << a;
        EXPECT_TRUE(b.ok() || b.code() == absl::StatusCode::kNotFound) << b;
        reg.SendByName(absl::StrCat("ext-", key), Note{"x"}).IgnoreError();
        if (i % 2 == 1) rt.Kill(pid);
        // ...and one that registers itself and stops.
        ASSERT_TRUE(rt.Spawn<SelfRegistrar>(&reg, absl::StrCat("self-", key), &self_registered)
                        .ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_TRUE(Eventually([&] { return Empty(reg) && rt.stats().live_actors == 0; }))
      << "names " << reg.registry().name_count() << " paths " << reg.registry().path_count()
      << " watched " << reg.watched_pids();
  EXPECT_GT(self_registered.load(), 0);
  EXPECT_TRUE(reg.Children("/ext").empty());
  EXPECT_TRUE(reg.Descendants("/").empty());
}

}  // namespace
}  // namespace myr::registry
