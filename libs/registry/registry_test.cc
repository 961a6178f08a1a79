// Copyright Myrmidon authors.
#include "libs/registry/registry.h"

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace myr::registry {
namespace {

Pid P(uint32_t slot, uint32_t generation = 1) { return Pid::Make(1, slot, generation); }

// A liveness oracle the tests control.
struct Liveness {
  std::mutex mu;
  absl::flat_hash_set<Pid> dead;
  void Kill(Pid p) {
    std::lock_guard<std::mutex> l(mu);
    dead.insert(p);
  }
  Registry::IsAlive Fn() {
    return [this](Pid p) {
      std::lock_guard<std::mutex> l(mu);
      return !dead.contains(p);
    };
  }
};

// Records events (callbacks run one at a time, so no lock is needed).
struct Recorder {
  std::vector<std::string> events;
  Registry::WatchCallback Fn() {
    return [this](const Event& e) {
      events.push_back(absl::StrCat(e.kind == Event::kRegistered ? "+" : "-", e.path, " ",
                                    e.pid.ToString()));
    };
  }
};

using Entries = Registry::Entries;

// ---- names ------------------------------------------------------------------

TEST(Registry, ARegisteredNameIsFoundByWhereIsUntilUnregistered) {
  Registry r;
  EXPECT_EQ(r.WhereIs("logger"), std::nullopt);
  ASSERT_TRUE(r.Register("logger", P(1)).ok());
  EXPECT_EQ(r.WhereIs("logger"), P(1));
  EXPECT_EQ(r.name_count(), 1u);
  EXPECT_TRUE(r.Unregister("logger"));
  EXPECT_EQ(r.WhereIs("logger"), std::nullopt);
  EXPECT_EQ(r.name_count(), 0u);
}

TEST(Registry, UnregisteringAnUnknownNameIsANoOp) {
  Registry r;
  EXPECT_FALSE(r.Unregister("nobody"));
  ASSERT_TRUE(r.Register("a", P(1)).ok());
  EXPECT_FALSE(r.Unregister("b"));
  EXPECT_EQ(r.WhereIs("a"), P(1));
}

TEST(Registry, AnEmptyNameOrAnInvalidPidIsRejected) {
  Registry r;
  absl::Status s = r.Register("", P(1));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "name is empty");
  s = r.Register("x", Pid());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "cannot register name \"x\" to the invalid pid");
}

TEST(Registry, ALiveHolderKeepsItsNameAndTheErrorNamesTheHolder) {
  Registry r;
  ASSERT_TRUE(r.Register("db", P(7, 3)).ok());
  absl::Status s = r.Register("db", P(8));
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(s.message(), "name \"db\" is already registered to <1.7.3>");
  EXPECT_EQ(r.WhereIs("db"), P(7, 3));
}

TEST(Registry, ReRegisteringANameToItsHolderSucceeds) {
  Registry r;
  ASSERT_TRUE(r.Register("db", P(7)).ok());
  EXPECT_TRUE(r.Register("db", P(7)).ok());
  EXPECT_EQ(r.name_count(), 1u);
}

TEST(Registry, ADeadHoldersNameIsHiddenAndTakenOver) {
  Liveness live;
  Registry r(live.Fn());
  ASSERT_TRUE(r.Register("db", P(7)).ok());
  live.Kill(P(7));
  EXPECT_EQ(r.WhereIs("db"), std::nullopt);
  ASSERT_TRUE(r.Register("db", P(8)).ok());
  EXPECT_EQ(r.WhereIs("db"), P(8));
  // The dead pid no longer holds it in the reverse index either.
  EXPECT_EQ(r.UnregisterAllOf(P(7)), 0u);
  EXPECT_EQ(r.WhereIs("db"), P(8));
}

TEST(Registry, UnregisterAllOfFreesEveryNameAndPathOfThePidAndNoOthers) {
  Registry r;
  Recorder rec;
  r.Watch("/", rec.Fn());
  ASSERT_TRUE(r.Register("a", P(1)).ok());
  ASSERT_TRUE(r.Register("b", P(1)).ok());
  ASSERT_TRUE(r.Register("c", P(2)).ok());
  ASSERT_TRUE(r.RegisterPath("/svc/a", P(1)).ok());
  ASSERT_TRUE(r.RegisterPath("/svc/c", P(2)).ok());
  rec.events.clear();

  EXPECT_EQ(r.UnregisterAllOf(P(1)), 3u);
  EXPECT_EQ(r.WhereIs("a"), std::nullopt);
  EXPECT_EQ(r.WhereIs("b"), std::nullopt);
  EXPECT_EQ(r.Lookup("/svc/a"), std::nullopt);
  EXPECT_EQ(r.WhereIs("c"), P(2));
  EXPECT_EQ(r.Lookup("/svc/c"), P(2));
  EXPECT_EQ(rec.events, std::vector<std::string>{"-/svc/a <1.1.1>"});
  EXPECT_EQ(r.UnregisterAllOf(P(1)), 0u);
}

TEST(Registry, UnregisterAllOfForgetsNamesThePidNoLongerHolds) {
  Registry r;
  ASSERT_TRUE(r.Register("a", P(1)).ok());
  ASSERT_TRUE(r.Unregister("a"));
  ASSERT_TRUE(r.Register("a", P(2)).ok());
  EXPECT_EQ(r.UnregisterAllOf(P(1)), 0u);
  EXPECT_EQ(r.WhereIs("a"), P(2));
}

TEST(Registry, NamesAndPathsAreSeparateNamespaces) {
  Registry r;
  ASSERT_TRUE(r.Register("/a", P(1)).ok());
  EXPECT_EQ(r.Lookup("/a"), std::nullopt);
  ASSERT_TRUE(r.RegisterPath("/a", P(2)).ok());
  EXPECT_EQ(r.WhereIs("/a"), P(1));
  EXPECT_EQ(r.Lookup("/a"), P(2));
}

// ---- paths ------------------------------------------------------------------

TEST(Registry, PathValidationGivesExactReasons) {
  Registry r;
  auto msg = [&](absl::string_view path) {
    absl::Status s = r.RegisterPath(path, P(1));
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << path;
    return std::string(s.message());
  };
  EXPECT_EQ(msg(""), "path is empty");
  EXPECT_EQ(msg("svc/db"), "path \"svc/db\" must start with '/'");
  EXPECT_EQ(msg("/"), "path \"/\" is the root, which cannot be registered");
  EXPECT_EQ(msg("/svc//db"), "path \"/svc//db\" has an empty segment");
  EXPECT_EQ(msg("//svc"), "path \"//svc\" has an empty segment");
  EXPECT_EQ(msg("/svc/db/"), "path \"/svc/db/\" must not end with '/'");
  absl::Status s = r.RegisterPath("/svc", Pid());
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "cannot register path \"/svc\" to the invalid pid");
  EXPECT_EQ(r.path_count(), 0u);
  EXPECT_TRUE(Registry::ValidatePath("/", /*allow_root=*/true).ok());
}

TEST(Registry, APathIsFoundOnlyByExactMatch) {
  Registry r;
  ASSERT_TRUE(r.RegisterPath("/svc/db", P(1)).ok());
  EXPECT_EQ(r.Lookup("/svc/db"), P(1));
  EXPECT_EQ(r.Lookup("/svc"), std::nullopt);
  EXPECT_EQ(r.Lookup("/svc/db/x"), std::nullopt);
  EXPECT_EQ(r.Lookup("/svc/d"), std::nullopt);
  EXPECT_TRUE(r.UnregisterPath("/svc/db"));
  EXPECT_FALSE(r.UnregisterPath("/svc/db"));
  EXPECT_EQ(r.Lookup("/svc/db"), std::nullopt);
}

TEST(Registry, ALivePathHolderKeepsItAndADeadOneIsTakenOver) {
  Liveness live;
  Registry r(live.Fn());
  Recorder rec;
  r.Watch("/svc", rec.Fn());
  ASSERT_TRUE(r.RegisterPath("/svc/db", P(1)).ok());
  absl::Status s = r.RegisterPath("/svc/db", P(2));
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(s.message(), "path \"/svc/db\" is already registered to <1.1.1>");
  live.Kill(P(1));
  EXPECT_EQ(r.Lookup("/svc/db"), std::nullopt);
  ASSERT_TRUE(r.RegisterPath("/svc/db", P(2)).ok());
  EXPECT_EQ(r.Lookup("/svc/db"), P(2));
  EXPECT_EQ(rec.events, (std::vector<std::string>{"+/svc/db <1.1.1>", "-/svc/db <1.1.1>",
                                                  "+/svc/db <1.2.1>"}));
}

TEST(Registry, ChildrenListsOneLevelAndDescendantsListsAllLevels) {
  Registry r;
  for (auto [path, slot] : std::vector<std::pair<const char*, uint32_t>>{
           {"/svc", 1},
           {"/svc/db", 2},
           {"/svc/db/primary", 3},
           {"/svc/db/replica/1", 4},
           {"/svc/db-old", 5},
           {"/svc/web", 6},
           {"/svc/cache/a", 7},
           {"/svcx", 8},
           {"/other", 9}}) {
    ASSERT_TRUE(r.RegisterPath(path, P(slot)).ok()) << path;
  }
  EXPECT_EQ(r.Children("/svc"),
            (Entries{{"/svc/db", P(2)}, {"/svc/db-old", P(5)}, {"/svc/web", P(6)}}));
  EXPECT_EQ(r.Descendants("/svc"), (Entries{{"/svc/cache/a", P(7)},
                                            {"/svc/db", P(2)},
                                            {"/svc/db-old", P(5)},
                                            {"/svc/db/primary", P(3)},
                                            {"/svc/db/replica/1", P(4)},
                                            {"/svc/web", P(6)}}));
  EXPECT_EQ(r.Children("/svc/db"), (Entries{{"/svc/db/primary", P(3)}}));
  EXPECT_EQ(r.Children("/"), (Entries{{"/other", P(9)}, {"/svc", P(1)}, {"/svcx", P(8)}}));
  EXPECT_EQ(r.Descendants("/").size(), 9u);
  EXPECT_TRUE(r.Children("/nothing").empty());
  EXPECT_TRUE(r.Descendants("/svc/web").empty());
  EXPECT_TRUE(r.Children("bad").empty());
}

TEST(Registry, ListingsLeaveOutDeadHolders) {
  Liveness live;
  Registry r(live.Fn());
  ASSERT_TRUE(r.RegisterPath("/a/x", P(1)).ok());
  ASSERT_TRUE(r.RegisterPath("/a/y", P(2)).ok());
  live.Kill(P(1));
  EXPECT_EQ(r.Children("/a"), (Entries{{"/a/y", P(2)}}));
  EXPECT_EQ(r.Descendants("/a"), (Entries{{"/a/y", P(2)}}));
}

// ---- watches ----------------------------------------------------------------

TEST(Registry, AWatchSeesEventsForItsPrefixAndBelowOnlyInOrder) {
  Registry r;
  Recorder rec;
  ASSERT_NE(r.Watch("/svc", rec.Fn()), 0u);
  ASSERT_TRUE(r.RegisterPath("/svc", P(1)).ok());
  ASSERT_TRUE(r.RegisterPath("/svc/db", P(2)).ok());
  ASSERT_TRUE(r.RegisterPath("/svcx", P(3)).ok());    // not under /svc
  ASSERT_TRUE(r.RegisterPath("/other/a", P(4)).ok());  // not under /svc
  ASSERT_TRUE(r.RegisterPath("/svc/db/x", P(5)).ok());
  ASSERT_TRUE(r.UnregisterPath("/svc/db"));
  ASSERT_TRUE(r.UnregisterPath("/svcx"));
  ASSERT_TRUE(r.Register("svc-name", P(6)).ok());  // names raise no events
  EXPECT_EQ(rec.events, (std::vector<std::string>{"+/svc <1.1.1>", "+/svc/db <1.2.1>",
                                                  "+/svc/db/x <1.5.1>", "-/svc/db <1.2.1>"}));
}

TEST(Registry, AWatchOnAnInvalidPrefixIsRefused) {
  Registry r;
  EXPECT_EQ(r.Watch("svc", [](const Event&) {}), 0u);
  EXPECT_EQ(r.Watch("/svc/", [](const Event&) {}), 0u);
  EXPECT_NE(r.Watch("/", [](const Event&) {}), 0u);
}

TEST(Registry, UnwatchStopsEvents) {
  Registry r;
  Recorder rec;
  uint64_t id = r.Watch("/a", rec.Fn());
  ASSERT_TRUE(r.RegisterPath("/a/1", P(1)).ok());
  EXPECT_TRUE(r.Unwatch(id));
  EXPECT_FALSE(r.Unwatch(id));
  ASSERT_TRUE(r.RegisterPath("/a/2", P(2)).ok());
  EXPECT_EQ(rec.events, std::vector<std::string>{"+/a/1 <1.1.1>"});
}

TEST(Registry, ACallbackMayCallBackIntoTheRegistry) {
  Registry r;
  std::vector<std::string> seen;
  uint64_t id = 0;
  id = r.Watch("/a", [&](const Event& e) {
    seen.push_back(e.path);
    // Registering from inside a callback: no deadlock; the event follows.
    if (e.path == "/a/1") {
      EXPECT_TRUE(r.RegisterPath("/a/2", P(2)).ok());
    }
    EXPECT_EQ(r.Lookup(e.path).has_value(), e.kind == Event::kRegistered);
    if (e.path == "/a/2") {
      EXPECT_TRUE(r.Unwatch(id));  // from inside: no wait
    }
  });
  ASSERT_TRUE(r.RegisterPath("/a/1", P(1)).ok());
  ASSERT_TRUE(r.RegisterPath("/a/3", P(3)).ok());
  EXPECT_EQ(seen, (std::vector<std::string>{"/a/1", "/a/2"}));
}

TEST(Registry, UnwatchWaitsForARunningCallbackOnAnotherThread) {
  Registry r;
  std::atomic<bool> entered{false}, release{false}, finished{false};
  uint64_t id = r.Watch("/a", [&](const Event&) {
    entered = true;
    while (!release) std::this_thread::yield();
    finished = true;
  });
  std::thread writer([&] { ASSERT_TRUE(r.RegisterPath("/a/1", P(1)).ok()); });
  while (!entered) std::this_thread::yield();
  std::thread releaser([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    release = true;
  });
  EXPECT_TRUE(r.Unwatch(id));
  EXPECT_TRUE(finished);
  writer.join();
  releaser.join();
}

// ---- concurrency --------------------------------------------------------------

// Four threads register, unregister and look up their own and shared names and
// paths for about a second. Each pid encodes the name it is registered under
// (slot = name index; generation = thread + 1), so any pid that a lookup
// returns can be checked against the name it was looked up by. A watcher
// checks that each path's events alternate registered / unregistered.
TEST(Registry, ConcurrentWritersNeverMakeALookupReturnAForeignPid) {
  Registry r;
  constexpr int kThreads = 4;
  constexpr uint32_t kShared = 8;
  constexpr uint32_t kOwn = 32;
  absl::flat_hash_map<std::string, Event::Kind> last;  // touched only by callbacks
  std::atomic<int> bad_events{0};
  r.Watch("/", [&](const Event& e) {
    auto [it, inserted] = last.try_emplace(e.path, e.kind);
    if (!inserted) {
      if (it->second == e.kind) bad_events.fetch_add(1);
      it->second = e.kind;
    } else if (e.kind != Event::kRegistered) {
      bad_events.fetch_add(1);
    }
  });
  std::atomic<bool> stop{false};
  std::atomic<int> bad_lookups{0};
  std::atomic<long> lookups{0};
  auto check = [&](std::optional<Pid> got, uint32_t slot, int owner) {
    if (!got) return;
    if (got->slot() != slot || (owner >= 0 && got->generation() != uint32_t(owner) + 1)) {
      bad_lookups.fetch_add(1);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const uint32_t gen = t + 1;
      uint64_t i = 0;
      while (!stop.load(std::memory_order_relaxed)) {
        ++i;
        const uint32_t k = i % kShared;
        const std::string shared = absl::StrCat("shared-", k);
        const std::string shared_path = absl::StrCat("/shared/", k);
        const uint32_t own_k = kShared + t * kOwn + i % kOwn;
        const std::string own = absl::StrCat("own-", own_k);
        const std::string own_path = absl::StrCat("/own/", t, "/", own_k);
        switch (i % 6) {
          case 0:
            (void)r.Register(shared, P(k, gen));
            (void)r.RegisterPath(shared_path, P(k, gen));
            break;
          case 1:
            if (r.WhereIs(shared) == P(k, gen)) r.Unregister(shared);
            r.UnregisterPath(shared_path);
            break;
          case 2:
            (void)r.Register(own, P(own_k, gen));
            (void)r.RegisterPath(own_path, P(own_k, gen));
            break;
          case 3:
            r.Unregister(own);
            r.UnregisterPath(own_path);
            break;
          case 4:
            if (i % 60 == 4) r.UnregisterAllOf(P(own_k, gen));
            break;
          default:
            for (const auto& [path, pid] : r.Children("/shared")) {
              if (path != absl::StrCat("/shared/", pid.slot())) bad_lookups.fetch_add(1);
            }
            break;
        }
        for (uint32_t j = 0; j < 4; ++j) {
          const uint32_t s = (i + j) % kShared;
          check(r.WhereIs(absl::StrCat("shared-", s)), s, -1);
          check(r.Lookup(absl::StrCat("/shared/", s)), s, -1);
          check(r.WhereIs(own), own_k, t);
          check(r.Lookup(own_path), own_k, t);
          lookups.fetch_add(4, std::memory_order_relaxed);
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  stop = true;
  for (auto& th : threads) th.join();
  EXPECT_EQ(bad_lookups.load(), 0);
  EXPECT_EQ(bad_events.load(), 0);
  EXPECT_GT(lookups.load(), 1000);
  // Everything left is consistent: every listed path is found by Lookup.
  for (const auto& [path, pid] : r.Descendants("/")) EXPECT_EQ(r.Lookup(path), pid) << path;
  // And every pid's UnregisterAllOf empties the registry.
  for (int t = 0; t < kThreads; ++t) {
    for (uint32_t s = 0; s < kShared + kThreads * kOwn; ++s) r.UnregisterAllOf(P(s, t + 1));
  }
  EXPECT_EQ(r.name_count(), 0u);
  EXPECT_EQ(r.path_count(), 0u);
}

}  // namespace
}  // namespace myr::registry
