// Copyright Myrmidon authors.
#include "libs/pid/pid.h"

#include "absl/container/flat_hash_set.h"
#include "gtest/gtest.h"

namespace myr {
namespace {

TEST(Pid, TheDefaultPidIsInvalid) {
  EXPECT_FALSE(Pid().valid());
  EXPECT_EQ(Pid().ToString(), "<invalid>");
}

TEST(Pid, PartsRoundTripThroughTheLayout) {
  Pid p = Pid::Make(65535, Pid::kMaxSlots - 1, Pid::kMaxGeneration);
  EXPECT_EQ(p.node(), 65535u);
  EXPECT_EQ(p.slot(), Pid::kMaxSlots - 1);
  EXPECT_EQ(p.generation(), Pid::kMaxGeneration);
  Pid q = Pid::Make(7, 123456, 42);
  EXPECT_EQ(q.node(), 7u);
  EXPECT_EQ(q.slot(), 123456u);
  EXPECT_EQ(q.generation(), 42u);
  EXPECT_EQ(Pid::FromBits(q.bits()), q);
}

TEST(Pid, SlotCapacityCoversFiftyMillionActors) {
  EXPECT_GE(Pid::kMaxSlots, 50'000'000u);
}

TEST(Pid, GenerationWrapsToOneNeverZero) {
  EXPECT_EQ(Pid::NextGeneration(0), 1u);
  EXPECT_EQ(Pid::NextGeneration(1), 2u);
  EXPECT_EQ(Pid::NextGeneration(Pid::kMaxGeneration), 1u);
}

TEST(Pid, PrintsAndParsesTheErlangLikeForm) {
  Pid p = Pid::Make(3, 17, 9);
  EXPECT_EQ(p.ToString(), "<3.17.9>");
  EXPECT_EQ(Pid::Parse("<3.17.9>"), p);
  EXPECT_FALSE(Pid::Parse("<3.17>").has_value());
  EXPECT_FALSE(Pid::Parse("3.17.9").has_value());
  EXPECT_FALSE(Pid::Parse("<3.17.0>").has_value());   // generation 0 is never valid
  EXPECT_FALSE(Pid::Parse("<70000.1.1>").has_value()); // node out of range
  EXPECT_FALSE(Pid::Parse("<a.b.c>").has_value());
}

TEST(Pid, DifferentGenerationsOfOneSlotAreDifferentPids) {
  absl::flat_hash_set<Pid> set;
  set.insert(Pid::Make(1, 5, 1));
  set.insert(Pid::Make(1, 5, 2));
  EXPECT_EQ(set.size(), 2u);
  EXPECT_LT(Pid::Make(1, 5, 1), Pid::Make(1, 5, 2));
}

}  // namespace
}  // namespace myr
