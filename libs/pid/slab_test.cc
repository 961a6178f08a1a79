// Copyright Myrmidon authors.
#include "libs/pid/slab.h"

#include <atomic>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"

namespace myr::pid {
namespace {

struct Counted {
  std::atomic<int>* finalized;
  int id;
};

void FinalizeCounted(void* obj, void* ctx) {
  auto* c = static_cast<Counted*>(obj);
  c->finalized->fetch_add(1);
  delete c;
}

Slab::Options CountingOptions() {
  Slab::Options o;
  o.node = 4;
  o.finalizer = &FinalizeCounted;
  return o;
}

TEST(Slab, InsertGivesALivePidThatAcquiresTheObject) {
  std::atomic<int> finalized{0};
  Slab slab(CountingOptions());
  auto* obj = new Counted{&finalized, 1};
  absl::StatusOr<Pid> pid = slab.Insert(obj);
  ASSERT_TRUE(pid.ok());
  EXPECT_EQ(pid->node(), 4u);
  EXPECT_TRUE(slab.IsLive(*pid));
  EXPECT_EQ(slab.Acquire(*pid), obj);
  slab.Release(*pid);
  EXPECT_EQ(slab.live(), 1u);
  EXPECT_TRUE(slab.Retire(*pid));
  EXPECT_EQ(finalized.load(), 1);
  EXPECT_EQ(slab.live(), 0u);
}

TEST(Slab, AStalePidNeverReachesTheSlotsNextOccupant) {
  std::atomic<int> finalized{0};
  Slab::Options o = CountingOptions();
  o.max_slots = 1;  // force reuse of slot 0
  Slab slab(o);
  Pid first = *slab.Insert(new Counted{&finalized, 1});
  ASSERT_TRUE(slab.Retire(first));
  Pid second = *slab.Insert(new Counted{&finalized, 2});
  EXPECT_EQ(second.slot(), first.slot());
  EXPECT_NE(second.generation(), first.generation());
  EXPECT_EQ(slab.Acquire(first), nullptr);
  EXPECT_FALSE(slab.IsLive(first));
  EXPECT_EQ(slab.Peek(first), nullptr);
  EXPECT_FALSE(slab.Retire(first));
  auto* obj = static_cast<Counted*>(slab.Acquire(second));
  ASSERT_NE(obj, nullptr);
  EXPECT_EQ(obj->id, 2);
  slab.Release(second);
  slab.Retire(second);
}

TEST(Slab, AReferenceDelaysFinalizationAndReuse) {
  std::atomic<int> finalized{0};
  Slab::Options o = CountingOptions();
  o.max_slots = 1;
  Slab slab(o);
  Pid pid = *slab.Insert(new Counted{&finalized, 1});
  ASSERT_NE(slab.Acquire(pid), nullptr);
  ASSERT_TRUE(slab.Retire(pid));
  EXPECT_EQ(finalized.load(), 0);          // still referenced
  EXPECT_EQ(slab.Acquire(pid), nullptr);   // but no new references
  auto* extra = new Counted{&finalized, 9};
  // The only slot is still referenced, so it cannot be reused yet.
  EXPECT_EQ(slab.Insert(extra).status().code(), absl::StatusCode::kResourceExhausted);
  delete extra;
  slab.Release(pid);
  EXPECT_EQ(finalized.load(), 1);
  absl::StatusOr<Pid> reused = slab.Insert(new Counted{&finalized, 10});
  ASSERT_TRUE(reused.ok());
  EXPECT_EQ(reused->slot(), pid.slot());
  slab.Retire(*reused);
}

TEST(Slab, AFullSlabReportsResourceExhausted) {
  std::atomic<int> finalized{0};
  Slab::Options o = CountingOptions();
  o.max_slots = 3;
  Slab slab(o);
  std::vector<Pid> pids;
  for (int i = 0; i < 3; ++i) pids.push_back(*slab.Insert(new Counted{&finalized, i}));
  auto* extra = new Counted{&finalized, 99};
  absl::StatusOr<Pid> full = slab.Insert(extra);
  EXPECT_EQ(full.status().code(), absl::StatusCode::kResourceExhausted);
  delete extra;
  for (Pid p : pids) slab.Retire(p);
  EXPECT_EQ(finalized.load(), 3);
  EXPECT_TRUE(slab.Insert(new Counted{&finalized, 5}).ok());  // freed slots come back
  slab.ForEachLive([&](Pid p, void*) { slab.Retire(p); });
}

TEST(Slab, PidsOfOtherNodesAreNotFound) {
  Slab slab(Slab::Options{});
  int x = 0;
  Pid pid = *slab.Insert(&x);
  Pid foreign = Pid::Make(pid.node() + 1, pid.slot(), pid.generation());
  EXPECT_EQ(slab.Acquire(foreign), nullptr);
  EXPECT_FALSE(slab.IsLive(Pid()));
  slab.Retire(pid);
}

TEST(Slab, FreedSlotsAreReusedOnlyAfterTheReuseThreshold) {
  Slab slab(Slab::Options{});
  int x = 0;
  absl::flat_hash_set<uint32_t> slots;
  for (int i = 0; i < 100; ++i) {
    Pid p = *slab.Insert(&x);
    slots.insert(p.slot());
    slab.Retire(p);
  }
  EXPECT_EQ(slots.size(), 100u);  // fresh slots first: no early reuse
}

TEST(Slab, ConcurrentInsertAcquireRetireKeepsEveryInvariant) {
  std::atomic<int> finalized{0};
  Slab::Options o = CountingOptions();
  o.max_slots = 4096;
  Slab slab(o);
  constexpr int kThreads = 4;
  constexpr int kRounds = 20000;
  std::atomic<int> created{0};
  std::atomic<uint64_t> last_pid{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kRounds; ++i) {
        auto* obj = new Counted{&finalized, t * kRounds + i};
        absl::StatusOr<Pid> pid = slab.Insert(obj);
        if (!pid.ok()) {
          delete obj;
          continue;
        }
        created.fetch_add(1);
        // Another thread's pid, possibly stale: Acquire must either fail or
        // return an object whose pid is still live.
        Pid other = Pid::FromBits(last_pid.exchange(pid->bits()));
        if (void* got = slab.Acquire(other)) {
          EXPECT_TRUE(static_cast<Counted*>(got)->finalized != nullptr);
          slab.Release(other);
        }
        void* mine = slab.Acquire(*pid);
        ASSERT_EQ(mine, obj);
        slab.Release(*pid);
        slab.Retire(*pid);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(finalized.load(), created.load());
  EXPECT_EQ(slab.live(), 0u);
}

}  // namespace
}  // namespace myr::pid
