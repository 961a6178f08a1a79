// Copyright Myrmidon authors.
//
// A program built on the `core` variant only: one actor, one call.
#include <cstdio>

#include "libs/sched/runtime.h"

namespace {
struct Ping {
  using Reply = int;
};
class Echo : public myr::Actor<Echo, Ping> {
 public:
  int Handle(Ping&) { return 7; }
};
}  // namespace

int main() {
  myr::Runtime rt;
  auto echo = *rt.Spawn<Echo>();
  absl::StatusOr<int> r = rt.Call(echo, Ping{}, absl::Seconds(5));
  std::printf("core: %d\n", r.ok() ? *r : -1);
  return r.ok() && *r == 7 ? 0 : 1;
}
