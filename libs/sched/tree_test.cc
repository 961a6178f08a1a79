// Copyright Myrmidon authors.
//
// The actor tree: parents, children, paths, and children ending with their
// parent (structured concurrency).
#include <atomic>
#include <cstdint>
#include <map>
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

// Spawns a named child on request; replies with the result.
struct MakeChild {
  using Reply = Pid;
  std::string name;
};
struct Ping {
  using Reply = int;
};

class Node : public Actor<Node, MakeChild, Ping> {
 public:
  absl::StatusOr<Pid> Handle(MakeChild& m) {
    absl::StatusOr<Ref<MakeChild, Ping>> kid = SpawnChild<Node>(m.name);
    if (!kid.ok()) return kid.status();
    return kid->pid();
  }
  int Handle(Ping&) { return 1; }
};

// Traps exits and records the ExitMsgs it gets; ends only when told to.
struct Quit {};
class Stubborn : public Actor<Stubborn, ExitMsg, Quit> {
 public:
  explicit Stubborn(std::vector<ExitMsg>* got) : got_(got) {}
  void OnStart() override { TrapExits(true); }
  void Handle(ExitMsg& m) { got_->push_back(m); }
  void Handle(Quit&) { Exit(ExitReason::Shutdown("quit")); }

 private:
  std::vector<ExitMsg>* got_;
};

Pid Child(Runtime& rt, Pid parent, std::string name) {
  auto r = rt.Call(parent, MakeChild{std::move(name)}, absl::Seconds(5));
  EXPECT_TRUE(r.ok()) << r.status();
  return r.ok() ? *r : Pid();
}

TEST(ActorTree, PathsFollowTheTreeAndResolveExactly) {
  Runtime rt(RuntimeOptions::Deterministic(1));
  auto system = *rt.SpawnWith<Node>(SpawnOptions().WithName("system"));
  Pid http = Child(rt, system.pid(), "http");
  Pid router = Child(rt, http, "router");
  Pid worker = Child(rt, router, "worker-17");
  Pid unnamed = Child(rt, router, "");

  EXPECT_EQ(*rt.PathOf(system.pid()), "/system");
  EXPECT_EQ(*rt.PathOf(worker), "/system/http/router/worker-17");
  std::string unnamed_path = *rt.PathOf(unnamed);
  EXPECT_EQ(unnamed_path, absl::StrCat("/system/http/router/$", unnamed.slot(), ".",
                                       unnamed.generation()));
  EXPECT_EQ(*rt.Resolve("/system/http/router/worker-17"), worker);
  EXPECT_EQ(*rt.Resolve("/system/http"), http);
  EXPECT_EQ(*rt.Resolve(unnamed_path), unnamed);
  EXPECT_EQ(*rt.ParentOf(worker), router);
  EXPECT_FALSE(rt.ParentOf(system.pid())->valid());  // top-level: the root
  EXPECT_EQ(rt.ChildrenOf(router), (std::vector<Pid>{worker, unnamed}));

  // Exact match only, and clear errors.
  EXPECT_EQ(rt.Resolve("/system/http/rout").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(rt.Resolve("/system/http/router/worker-17/x").status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(rt.Resolve("system").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(rt.Resolve("/").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(rt.Resolve("/system//http").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(rt.Resolve("/system/").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(rt.Resolve("/system/$x").status().code(), absl::StatusCode::kInvalidArgument);
  // An unnamed segment must name a child of the previous segment.
  EXPECT_EQ(rt.Resolve(absl::StrCat("/system/$", unnamed.slot(), ".", unnamed.generation()))
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST(ActorTree, AMalformedPathIsInvalidArgumentWhateverActorsExist) {
  Runtime rt(RuntimeOptions::Deterministic(1));
  // Nothing exists: the walk would stop at the first missing name, but the
  // whole path is checked first.
  for (const char* bad : {"/nosuch//x", "/nosuch/x/", "/nosuch/x y", "/nosuch/\x01", "/a/$1",
                          "/a/$x.1", "/a/..", "//", "/a/b//"}) {
    EXPECT_EQ(rt.Resolve(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(rt.Resolve("/nosuch/x").status().code(), absl::StatusCode::kNotFound);
  // And the same with actors along the path.
  auto system = *rt.SpawnWith<Node>(SpawnOptions().WithName("system"));
  Pid http = Child(rt, system.pid(), "http");
  EXPECT_EQ(*rt.Resolve("/system/http"), http);
  EXPECT_EQ(rt.Resolve("/system/http/").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(rt.Resolve("/system/nosuch//x").status().code(), absl::StatusCode::kInvalidArgument);
  absl::Status s = rt.Resolve("/system/ht tp").status();
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("a space or a control character"), absl::string_view::npos) << s;
}

TEST(ActorTree, UnnamedTopLevelActorsHaveAPathToo) {
  Runtime rt(RuntimeOptions::Deterministic(2));
  auto a = *rt.Spawn<Node>();
  std::string path = *rt.PathOf(a.pid());
  EXPECT_EQ(path, absl::StrCat("/$", a.pid().slot(), ".", a.pid().generation()));
  EXPECT_EQ(*rt.Resolve(path), a.pid());
  Pid kid = Child(rt, a.pid(), "kid");
  EXPECT_EQ(*rt.PathOf(kid), path + "/kid");
  EXPECT_EQ(*rt.Resolve(path + "/kid"), kid);
  rt.Kill(a.pid());
  rt.RunUntilIdle();
  EXPECT_EQ(rt.PathOf(a.pid()).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(rt.Resolve(path).status().code(), absl::StatusCode::kNotFound);
}

TEST(ActorTree, WhenAParentExitsItsChildrenAndDescendantsEndWithShutdown) {
  for (ExitReason how : {ExitReason::Killed(), ExitReason::Crash("boom"), ExitReason::Normal()}) {
    Runtime rt(RuntimeOptions::Deterministic(3));
    auto root = *rt.SpawnWith<Node>(SpawnOptions().WithName("root"));
    Pid a = Child(rt, root.pid(), "a");
    Pid b = Child(rt, root.pid(), "b");
    Pid a1 = Child(rt, a, "a1");
    Pid a1x = Child(rt, a1, "");
    auto bystander = *rt.Spawn<Node>();
    auto exits = std::make_shared<std::map<Pid, ExitReason>>();
    for (Pid p : {root.pid(), a, b, a1, a1x}) {
      rt.Watch(p, [exits](Pid who, const ExitReason& r) { exits->emplace(who, r); });
    }
    if (how.kind() == ExitKind::kNormal) {
      rt.Stop(root.pid());
    } else {
      rt.Exit(root.pid(), how);
    }
    rt.RunUntilIdle();
    ASSERT_EQ(exits->size(), 5u) << how.ToString();
    EXPECT_EQ(exits->at(root.pid()).kind(), how.kind());
    for (Pid p : {a, b, a1, a1x}) EXPECT_EQ(exits->at(p).kind(), ExitKind::kShutdown);
    EXPECT_TRUE(rt.IsAlive(bystander.pid()));
    EXPECT_EQ(rt.stats().live_actors, 1u);
    EXPECT_EQ(rt.Resolve("/root").status().code(), absl::StatusCode::kNotFound);
  }
}

TEST(ActorTree, AChildThatExitsLeavesItsParentsTable) {
  Runtime rt(RuntimeOptions::Deterministic(4));
  auto p = *rt.Spawn<Node>();
  Pid a = Child(rt, p.pid(), "a");
  Pid b = Child(rt, p.pid(), "b");
  rt.Kill(a);
  rt.RunUntilIdle();
  EXPECT_EQ(rt.ChildrenOf(p.pid()), (std::vector<Pid>{b}));
  EXPECT_TRUE(rt.IsAlive(p.pid()));  // a child's death does not touch its parent
  // The name is free again.
  Pid a2 = Child(rt, p.pid(), "a");
  EXPECT_NE(a2, a);
  EXPECT_EQ(rt.ChildrenOf(p.pid()), (std::vector<Pid>{b, a2}));
}

TEST(ActorTree, SpawningUnderADeadParentFails) {
  Runtime rt(RuntimeOptions::Deterministic(5));
  auto p = *rt.Spawn<Node>();
  rt.Kill(p.pid());
  rt.RunUntilIdle();
  uint64_t spawned = rt.stats().spawned;
  auto kid = rt.SpawnWith<Node>(SpawnOptions().WithParent(p.pid()).WithName("x"));
  ASSERT_FALSE(kid.ok());
  EXPECT_EQ(kid.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_NE(kid.status().message().find("not alive"), std::string::npos) << kid.status();
  EXPECT_EQ(rt.stats().spawned, spawned);
  EXPECT_EQ(rt.stats().live_actors, 0u);
}

TEST(ActorTree, NamesAreUniqueAmongLiveSiblingsAndValidated) {
  Runtime rt(RuntimeOptions::Deterministic(6));
  auto top = *rt.SpawnWith<Node>(SpawnOptions().WithName("svc"));
  auto dup = rt.SpawnWith<Node>(SpawnOptions().WithName("svc"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(dup.status().message().find("/svc is taken"), std::string::npos) << dup.status();

  Child(rt, top.pid(), "w");
  auto again = rt.Call(top, MakeChild{"w"}, absl::Seconds(1));
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(again.status().message().find("/svc/w is taken"), std::string::npos);
  // The same name under another parent is fine.
  auto other = *rt.SpawnWith<Node>(SpawnOptions().WithName("other"));
  Child(rt, other.pid(), "w");

  for (const std::string& bad : std::vector<std::string>{"a/b", "..", ".", "$1.1", "has space", std::string(256, 'x'),
                          std::string("nul\0x", 5)}) {
    auto r = rt.SpawnWith<Node>(SpawnOptions().WithParent(top.pid()).WithName(bad));
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(rt.stats().live_actors, 4u);  // nothing leaked by the failures

  // A top-level name is freed when its holder exits.
  rt.Kill(top.pid());
  rt.RunUntilIdle();
  EXPECT_TRUE(rt.SpawnWith<Node>(SpawnOptions().WithName("svc")).ok());
}

TEST(ActorTree, ATrappingChildGetsTheSignalThenIsKilledAfterTheGrace) {
  RuntimeOptions o = RuntimeOptions::Deterministic(7);
  o.child_grace = absl::Seconds(2);
  Runtime rt(o);
  auto p = *rt.Spawn<Node>();
  std::vector<ExitMsg> got;
  auto kid = *rt.SpawnWith<Stubborn>(SpawnOptions().WithParent(p.pid()), &got);
  auto exits = std::make_shared<std::map<Pid, ExitReason>>();
  rt.Watch(kid.pid(), [exits](Pid who, const ExitReason& r) { exits->emplace(who, r); });
  rt.Stop(p.pid());
  rt.RunUntilIdle();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].from, p.pid());
  EXPECT_EQ(got[0].reason.kind(), ExitKind::kShutdown);
  EXPECT_TRUE(rt.IsAlive(kid.pid()));  // it traps: it decides, for now
  rt.AdvanceTime(absl::Milliseconds(1999));
  EXPECT_TRUE(rt.IsAlive(kid.pid()));
  rt.AdvanceTime(absl::Milliseconds(2));
  EXPECT_FALSE(rt.IsAlive(kid.pid()));
  EXPECT_EQ(exits->at(kid.pid()).kind(), ExitKind::kKilled);
}

TEST(ActorTree, ATrappingChildThatEndsInTimeIsNotKilled) {
  RuntimeOptions o = RuntimeOptions::Deterministic(8);
  o.child_grace = absl::Seconds(2);
  Runtime rt(o);
  auto p = *rt.Spawn<Node>();
  std::vector<ExitMsg> got;
  auto kid = *rt.SpawnWith<Stubborn>(SpawnOptions().WithParent(p.pid()), &got);
  auto exits = std::make_shared<std::map<Pid, ExitReason>>();
  rt.Watch(kid.pid(), [exits](Pid who, const ExitReason& r) { exits->emplace(who, r); });
  rt.Kill(p.pid());
  rt.RunUntilIdle();
  rt.Send(kid, Quit{});
  rt.AdvanceTime(absl::Seconds(5));
  EXPECT_EQ(exits->at(kid.pid()).kind(), ExitKind::kShutdown);
  EXPECT_EQ(exits->at(kid.pid()).detail(), "quit");
}

TEST(ActorTree, ActorsOutsideTheTreeAreUntouched) {
  Runtime rt(RuntimeOptions::Deterministic(9));
  auto a = *rt.Spawn<Node>();
  auto b = *rt.Spawn<Node>();  // spawned by the test, not by a
  EXPECT_TRUE(rt.ChildrenOf(a.pid()).empty());
  rt.Kill(a.pid());
  rt.RunUntilIdle();
  EXPECT_TRUE(rt.IsAlive(b.pid()));
}

// Spawns children as fast as it can until it is killed.
struct Breed {};
class Breeder : public Actor<Breeder, Breed> {
 public:
  explicit Breeder(std::atomic<int>* failures) : failures_(failures) {}
  void Handle(Breed&) {
    for (int i = 0; i < 50; ++i) {
      if (!SpawnChild<Node>("").ok()) failures_->fetch_add(1);
    }
    Send(self(), Breed{});
  }

 private:
  std::atomic<int>* failures_;
};

TEST(ActorTree, ThreadedParentsDyingWhileSpawningLeaveNoOrphans) {
  Runtime rt(Threaded(2));
  std::atomic<int> failures{0};
  for (int round = 0; round < 20; ++round) {
    auto breeder = *rt.Spawn<Breeder>(&failures);
    rt.Send(breeder, Breed{});
    // Meanwhile, from another thread, spawn under it too (races its exit).
    std::thread outside([&] {
      for (int i = 0; i < 200; ++i) {
        (void)rt.SpawnWith<Node>(SpawnOptions().WithParent(breeder.pid()));
      }
    });
    absl::SleepFor(absl::Microseconds(300));
    rt.Kill(breeder.pid());
    outside.join();
    ASSERT_TRUE(Eventually([&] { return rt.stats().live_actors == 0; }))
        << "round " << round << ": " << rt.stats().live_actors << " orphans";
  }
}

}  // namespace
}  // namespace myr
