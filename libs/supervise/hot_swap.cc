// Copyright Myrmidon authors.
//
// hot_swap.cc: the non-template parts of hot_swap.h (names and statuses).
#include "libs/supervise/hot_swap.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace myr::supervise {

const char* OriginName(BehaviourRecord::Origin origin) {
  switch (origin) {
    case BehaviourRecord::Origin::kInitial:
      return "initial";
    case BehaviourRecord::Origin::kSwap:
      return "swap";
    case BehaviourRecord::Origin::kRollback:
      return "rollback";
  }
  return "unknown";
}

std::string BehaviourRecord::ToString() const {
  std::string s = absl::StrCat("v", version, " '", name, "' (", OriginName(origin));
  if (origin == Origin::kRollback) absl::StrAppend(&s, ", restored v", restored_from);
  absl::StrAppend(&s, ")");
  return s;
}

namespace hot_swap_internal {
namespace {

std::string Describe(Pid actor, const InstallInfo& info, const std::string& name) {
  const char* what = info.origin == BehaviourRecord::Origin::kRollback ? "rollback" : "hot swap";
  std::string s = absl::StrCat(what, " of ", actor.ToString(), " to v", info.to_version, " '",
                               name, "'");
  if (info.origin == BehaviourRecord::Origin::kRollback) {
    absl::StrAppend(&s, " (the behaviour of v", info.restored_from, ")");
  }
  absl::StrAppend(&s, " rejected by its OnInstall");
  if (info.from_version != 0) absl::StrAppend(&s, ", v", info.from_version, " stays in place");
  absl::StrAppend(&s, ": ");
  return s;
}

}  // namespace

absl::Status NullBehaviourError(Pid actor) {
  return absl::InvalidArgumentError(
      absl::StrCat("hot swap of ", actor.ToString(), ": the behaviour is null"));
}

absl::Status RejectedError(Pid actor, const InstallInfo& info, const std::string& name,
                           const absl::Status& cause) {
  return absl::FailedPreconditionError(absl::StrCat(
      Describe(actor, info, name), absl::StatusCodeToString(cause.code()), ": ", cause.message()));
}

absl::Status ThrewError(Pid actor, const InstallInfo& info, const std::string& name,
                        const std::string& what) {
  return absl::FailedPreconditionError(
      absl::StrCat(Describe(actor, info, name), "it threw ", what));
}

absl::Status ZeroStepsError(Pid actor) {
  return absl::InvalidArgumentError(
      absl::StrCat("rollback of ", actor.ToString(), " by 0 versions: steps must be at least 1"));
}

absl::Status HistoryTooShortError(Pid actor, uint32_t steps, size_t available, size_t limit) {
  return absl::OutOfRangeError(absl::StrCat("rollback of ", actor.ToString(), " by ", steps,
                                            " versions, but its history holds ", available,
                                            " earlier version(s) (limit ", limit, ")"));
}

ExitReason InitialRejected(const absl::Status& why) {
  return ExitReason::Crash(
      absl::StrCat("hot swap: the initial behaviour was not installed: ", why.message()));
}

}  // namespace hot_swap_internal
}  // namespace myr::supervise
