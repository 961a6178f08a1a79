// Copyright Myrmidon authors.
//
// The actor tree: parents, children, names and paths (runtime.h, "Actor
// tree"). Private to libs/sched.
//
// The tree's data lives in the cells (CellExt: parent, name, path, the live
// children by spawn order and by name, under the cell's stripe mutex) and,
// for the named top-level actors, in a table of the root "/". ActorTree
// inserts spawned actors into it, takes exited ones out, and answers
// PathOf / ParentOf / ChildrenOf / Resolve. It never signals anyone: Leave
// returns the children the runtime must end.
//
// Thread-safety: every method is @threadsafe.
#ifndef MYR_SCHED_INTERNAL_ACTOR_TREE_H_
#define MYR_SCHED_INTERNAL_ACTOR_TREE_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/pid/pid.h"
#include "libs/pid/slab.h"
#include "libs/sched/internal/cell.h"
#include "libs/sched/options.h"

namespace myr::sched_internal {

class ActorTree {
 public:
  explicit ActorTree(pid::Slab* slab) : slab_(slab) {}

  // Inserts `cell` into the slab as a child of options.parent (invalid: the
  // root) with path segment options.name ("": unnamed). InvalidArgument for
  // a bad name, AlreadyExists for a name taken among the parent's live
  // children, FailedPrecondition for a parent that is not alive, or the
  // slab's error. On success the pid is published.
  absl::StatusOr<Pid> Insert(Cell* cell, const SpawnOptions& options);

  // At the exit of `c` (whose tree data is `e` and whose live children were
  // `children`, taken under its stripe mutex): leaves its parent's tables
  // (or the root's). Returns the children, youngest first: the runtime ends
  // them.
  std::vector<Pid> Leave(Cell* c, CellExt* e, const std::map<uint64_t, Pid>& children);

  absl::StatusOr<std::string> PathOf(Pid pid);
  absl::StatusOr<Pid> ParentOf(Pid pid);
  std::vector<Pid> ChildrenOf(Pid pid);
  // The live actor at exactly `path`. InvalidArgument for a malformed path
  // (checked as a whole before any lookup), NotFound if no live actor has
  // it.
  absl::StatusOr<Pid> Resolve(absl::string_view path);

  // A path segment a user may give (SpawnOptions::name).
  static absl::Status ValidateName(absl::string_view name);

 private:
  pid::Slab* const slab_;
  std::mutex root_mu_;
  absl::flat_hash_map<std::string, Pid> root_named_;  // guarded by root_mu_
};

}  // namespace myr::sched_internal

#endif  // MYR_SCHED_INTERNAL_ACTOR_TREE_H_
