// Copyright Myrmidon authors.
//
// The supervisor actor behind supervisor.h, as far as the public API needs
// it: its configuration and how to spawn one. Private to libs/supervise.
#ifndef MYR_SUPERVISE_INTERNAL_SUPERVISOR_ACTOR_H_
#define MYR_SUPERVISE_INTERNAL_SUPERVISOR_ACTOR_H_

#include <vector>

#include "absl/status/statusor.h"
#include "libs/sched/runtime.h"
#include "libs/supervise/supervisor.h"

namespace myr::supervise::supervise_internal {

// What a supervisor actor is started with.
struct Config {
  SupervisorOptions options;
  bool dynamic = false;
  int max_children = 0;
  std::vector<ChildSpec> children;
  Pid parent;
};

Config MakeConfig(SupervisorOptions options, std::vector<ChildSpec> children);
Config MakeDynamicConfig(DynamicSupervisorOptions options);

// Validates `config` and spawns the supervisor actor (unbounded mailbox); it
// starts its children when it gets its first StartProbe.
absl::StatusOr<SupervisorRef> SpawnActor(Runtime& rt, Config config, SpawnOptions spawn);

}  // namespace myr::supervise::supervise_internal

#endif  // MYR_SUPERVISE_INTERNAL_SUPERVISOR_ACTOR_H_
