// Copyright Myrmidon authors.
//
// A program built on the `local` variant: uses links, monitors, the actor
// registry and the timing wheel, so their code is linked.
#include <cstdio>

#include "libs/registry/actor_registry.h"
#include "libs/sched/runtime.h"
#include "libs/supervise/link.h"
#include "libs/supervise/monitor.h"
#include "libs/timers/timing_wheel.h"

namespace {
struct Ping {
  using Reply = int;
};
class Echo : public myr::Actor<Echo, Ping, myr::supervise::Down> {
 public:
  int Handle(Ping&) { return 7; }
  void Handle(myr::supervise::Down&) {}
};
}  // namespace

int main() {
  myr::Runtime rt;
  auto a = *rt.Spawn<Echo>();
  auto b = *rt.Spawn<Echo>();
  bool ok = myr::supervise::Link(rt, a, b).ok();
  ok = ok && myr::supervise::Monitor(rt, a, b).ok();
  myr::registry::ActorRegistry names(rt);
  ok = ok && names.Register("echo", a).ok();
  myr::timers::TimingWheel wheel;
  wheel.Schedule(1'000'000, 42);
  int fired = 0;
  wheel.Advance(2'000'000, [&](myr::timers::TimerId, uint64_t) { ++fired; });
  ok = ok && fired == 1;
  std::printf("local: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
