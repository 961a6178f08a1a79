// Copyright Myrmidon authors.
//
// The slab holds at least 50 million live actors (the target).
#include <cstdlib>

#include "gtest/gtest.h"
#include "libs/pid/slab.h"

namespace myr::pid {
namespace {

TEST(SlabCapacity, HoldsFiftyMillionLiveSlots) {
  constexpr uint32_t kLive = 50'000'000;
  Slab slab(Slab::Options{});
  static char token;
  Pid last;
  for (uint32_t i = 0; i < kLive; ++i) {
    absl::StatusOr<Pid> pid = slab.Insert(&token);
    ASSERT_TRUE(pid.ok()) << pid.status() << " at " << i;
    last = *pid;
  }
  EXPECT_EQ(slab.live(), kLive);
  EXPECT_EQ(slab.Acquire(last), &token);
  slab.Release(last);
  EXPECT_TRUE(slab.Retire(last));
  EXPECT_EQ(slab.live(), kLive - 1);
}

}  // namespace
}  // namespace myr::pid
