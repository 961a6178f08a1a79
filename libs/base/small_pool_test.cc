// Copyright Myrmidon authors.
#include "libs/base/small_pool.h"

#include <cstring>
#include <set>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace myr::base {
namespace {

TEST(SmallPool, DistinctLiveObjectsNeverOverlap) {
  std::vector<void*> ptrs;
  std::set<void*> seen;
  for (int i = 0; i < 5000; ++i) {
    void* p = SmallPool::Allocate(40);
    std::memset(p, i & 0xff, 40);
    EXPECT_TRUE(seen.insert(p).second);
    ptrs.push_back(p);
  }
  for (void* p : ptrs) SmallPool::Free(p, 40);
}

TEST(SmallPool, FreedMemoryIsReused) {
  if (SmallPool::Bypassed()) GTEST_SKIP() << "the pool is bypassed under AddressSanitizer";
  void* a = SmallPool::Allocate(64);
  SmallPool::Free(a, 64);
  void* b = SmallPool::Allocate(64);
  EXPECT_EQ(a, b);  // LIFO per thread
  SmallPool::Free(b, 64);
}

TEST(SmallPool, LargeObjectsFallBackToTheSystemAllocator) {
  void* p = SmallPool::Allocate(4096);
  std::memset(p, 0, 4096);
  SmallPool::Free(p, 4096);
}

TEST(SmallPool, ObjectsMayBeFreedByAnotherThread) {
  constexpr int kN = 20000;
  std::vector<void*> ptrs(kN);
  std::thread producer([&] {
    for (int i = 0; i < kN; ++i) {
      ptrs[i] = SmallPool::Allocate(48);
      std::memset(ptrs[i], 1, 48);
    }
  });
  producer.join();
  std::thread consumer([&] {
    for (int i = 0; i < kN; ++i) SmallPool::Free(ptrs[i], 48);
  });
  consumer.join();
  if (SmallPool::Bypassed()) return;
  // Batches went through the depot; allocating again reuses them.
  size_t before = SmallPool::ReservedBytes();
  std::vector<void*> again;
  for (int i = 0; i < kN / 2; ++i) again.push_back(SmallPool::Allocate(48));
  for (void* p : again) SmallPool::Free(p, 48);
  EXPECT_EQ(SmallPool::ReservedBytes(), before);
}

struct Pooled : PoolAllocated {
  int64_t a, b, c;
};

TEST(SmallPool, PoolAllocatedClassesUseThePool) {
  auto* p = new Pooled{};
  p->a = 1;
  delete p;
}

}  // namespace
}  // namespace myr::base
