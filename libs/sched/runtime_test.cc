// Copyright Myrmidon authors.
#include "libs/sched/runtime.h"

#include "gtest/gtest.h"

namespace myr {
namespace {

struct Add { int64_t n; };
struct Get { using Reply = int64_t; };

class Counter : public Actor<Counter, Add, Get> {
 public:
  void Handle(Add& m) { total_ += m.n; }
  int64_t Handle(Get&) { return total_; }
 private:
  int64_t total_ = 0;
};

TEST(Runtime, ACounterCountsAndAnswers) {
  Runtime rt;
  auto counter = *rt.Spawn<Counter>();
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(rt.Send(counter, Add{2}), SendResult::kOk);
  absl::StatusOr<int64_t> n = rt.Call(counter, Get{}, absl::Seconds(5));
  ASSERT_TRUE(n.ok()) << n.status();
  EXPECT_EQ(*n, 2000);
}

}  // namespace
}  // namespace myr
