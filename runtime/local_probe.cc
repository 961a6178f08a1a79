// Copyright Myrmidon authors.
//
// A program built on the `local` variant: uses links, monitors, a
// supervisor, hot swap, the actor registry, the timer service and a task
// group, so their code is linked (variant_test counts the symbols).
#include <cstdio>
#include <memory>

#include "libs/registry/actor_registry.h"
#include "libs/sched/runtime.h"
#include "libs/supervise/hot_swap.h"
#include "libs/supervise/link.h"
#include "libs/supervise/monitor.h"
#include "libs/supervise/supervisor.h"
#include "libs/taskgroup/task_group.h"
#include "libs/timers/timer_service.h"

namespace {
struct Ping {
  using Reply = int;
};
class Echo : public myr::Actor<Echo, Ping, myr::supervise::Down> {
 public:
  int Handle(Ping&) { return 7; }
  void Handle(myr::supervise::Down&) {}
};

struct Count {
  int n = 0;
};
class Plain : public myr::supervise::Behaviour<Count, Ping> {
 public:
  absl::StatusOr<int> Handle(Count& c, Ping&) override { return ++c.n; }
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

  auto sup = myr::supervise::StartSupervisor(
      rt, myr::supervise::SupervisorOptions(), {myr::supervise::ChildSpec::For<Echo>("echo")});
  ok = ok && sup.ok() && sup->Stop().ok();

  auto swappable = rt.Spawn<myr::supervise::Swappable<Count, Ping>>(
      std::make_unique<Plain>(), Count{}, myr::supervise::SwapOptions());
  ok = ok && swappable.ok() &&
       myr::supervise::Swap(rt, *swappable, std::make_unique<Plain>()).value_or(0) == 2;

  myr::timers::TimerService timers(rt);
  ok = ok && timers.SendAfter(a.pid(), b, absl::Milliseconds(1), Ping{}).ok();

  myr::taskgroup::TaskGroup group(rt, myr::taskgroup::AllCompleted<int>());
  ok = ok && group
                 .Spawn([](myr::taskgroup::TaskContext&) -> myr::Task<absl::StatusOr<int>> {
                   co_return 1;
                 })
                 .ok();
  ok = ok && group.Join().ok();

  std::printf("local: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}
