// Copyright Myrmidon authors.
//
// joiner.h: the policies that decide when a TaskGroup is done and what it
// returns (the "joiners" of JDK's StructuredTaskScope).
//
// A TaskGroup<T, R> runs tasks that each end with an absl::StatusOr<T> (the
// task's outcome) and has one Joiner<T, R>. The group reports every outcome
// to the joiner as it arrives (in completion order) until the joiner
// decides:
//
//   Decision::Continue()     keep going
//   Decision::Succeed()      done: cancel the tasks still running; the group's
//                            result is Result(outcomes) once they have ended
//   Decision::Fail(error)    done: cancel the tasks still running; the
//                            group's result is `error`
//
// A joiner that never decides gets Result(outcomes) once every task has
// ended ("natural completion"). What each built-in joiner does:
//
//   AllCompleted    R = std::vector<T>. Never decides. Natural completion:
//                   the values in task order, or the first failure in task order.
//   FirstSuccess    R = T. Succeeds at the first OK. Natural completion: the
//                   first failure in task order.
//   FailFast        R = std::vector<T>. Fails at the first failure. Natural
//                   completion: the values in task order.
//   Quorum(n)       R = std::vector<T>. Succeeds at the n-th OK; fails once n
//                   is unreachable (so it always decides).
//   Custom(hook)    R = std::vector<StatusOr<T>>. The hook decides. After
//                   Succeed or natural completion: every outcome in task order.
//
// A failure reported in task order keeps the task's status code and
// prefixes the message with "task <i>: ". A task that ended without an
// outcome (it threw, it was killed) counts as a failure: Aborted with the
// exit reason, or Cancelled if the group killed it after the grace period.
//
// "Unreachable" needs the number of tasks, which is only final once the
// group is sealed (Join has started; see task_group.h): Quorum(n) fails when
// the group is sealed and fewer than n tasks can still succeed.
//
// Thread-safety: a joiner belongs to its group, which calls it under the
// group's lock, one call at a time, from whichever thread reported the
// outcome (a task's worker, the thread that runs an exit). Its hooks must be
// quick, must not block and must not call back into the group. An exception
// from a hook fails the group with Internal.
#ifndef MYR_TASKGROUP_JOINER_H_
#define MYR_TASKGROUP_JOINER_H_

#include <algorithm>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace myr::taskgroup {

// Where a group stands when its joiner is consulted.
struct Progress {
  size_t spawned = 0;    // tasks spawned so far
  size_t completed = 0;  // of them, with an outcome (including the one being reported)
  size_t succeeded = 0;  // of the completed, those with an OK outcome
  size_t failed = 0;     // of the completed, those with an error
  bool sealed = false;   // Join has started: `spawned` is final
};

// What a joiner decides after an outcome (see the file comment).
class Decision {
 public:
  enum class Kind : uint8_t { kContinue, kSucceed, kFail };

  static Decision Continue() { return Decision(Kind::kContinue, absl::OkStatus()); }
  static Decision Succeed() { return Decision(Kind::kSucceed, absl::OkStatus()); }
  // `error` becomes the group's result; an OK status is turned into Unknown.
  static Decision Fail(absl::Status error) {
    if (error.ok()) error = absl::UnknownError("joiner failed the group with an OK status");
    return Decision(Kind::kFail, std::move(error));
  }

  Kind kind() const { return kind_; }
  const absl::Status& error() const { return error_; }
  absl::Status&& take_error() { return std::move(error_); }

 private:
  Decision(Kind k, absl::Status e) : kind_(k), error_(std::move(e)) {}
  Kind kind_;
  absl::Status error_;
};

// The policy of a TaskGroup<T, R>. Subclass it for a policy of your own (or
// use Custom below for a hook).
template <typename T, typename R>
class Joiner {
 public:
  using value_type = T;
  using result_type = R;
  virtual ~Joiner() = default;

  // Task `index` (spawn order, from 0) has completed with `outcome`. Called
  // once per task, in completion order, until the joiner decides (not after).
  virtual Decision OnComplete(size_t index, const absl::StatusOr<T>& outcome,
                              const Progress& progress) = 0;
  // The group has been sealed (Join started); `progress.spawned` is final.
  // Called once, unless the joiner has already decided.
  virtual Decision OnSealed(const Progress& progress) { return Decision::Continue(); }
  // The group's result after Succeed, or after natural completion. Called
  // once, after every task has ended; `outcomes` holds every task's outcome
  // in task order (move from it freely).
  virtual absl::StatusOr<R> Result(std::vector<absl::StatusOr<T>> outcomes) = 0;
};

namespace taskgroup_internal {

// `s` with "task <index>: " in front of its message (same code).
inline absl::Status Prefixed(size_t index, const absl::Status& s) {
  return absl::Status(s.code(), absl::StrCat("task ", index, ": ", s.message()));
}

// The first failure in task order, prefixed; OK if there is none.
template <typename T>
absl::Status FirstFailure(const std::vector<absl::StatusOr<T>>& outcomes) {
  for (size_t i = 0; i < outcomes.size(); ++i) {
    if (!outcomes[i].ok()) return Prefixed(i, outcomes[i].status());
  }
  return absl::OkStatus();
}

template <typename T>
absl::StatusOr<std::vector<T>> ValuesInOrder(std::vector<absl::StatusOr<T>>& outcomes) {
  absl::Status failure = FirstFailure(outcomes);
  if (!failure.ok()) return failure;
  std::vector<T> values;
  values.reserve(outcomes.size());
  for (auto& o : outcomes) values.push_back(std::move(*o));
  return values;
}

template <typename T>
class AllCompletedJoiner final : public Joiner<T, std::vector<T>> {
 public:
  Decision OnComplete(size_t, const absl::StatusOr<T>&, const Progress&) override {
    return Decision::Continue();
  }
  absl::StatusOr<std::vector<T>> Result(std::vector<absl::StatusOr<T>> outcomes) override {
    return ValuesInOrder(outcomes);
  }
};

template <typename T>
class FirstSuccessJoiner final : public Joiner<T, T> {
 public:
  Decision OnComplete(size_t index, const absl::StatusOr<T>& outcome, const Progress&) override {
    if (!outcome.ok()) return Decision::Continue();
    winner_ = index;
    return Decision::Succeed();
  }
  absl::StatusOr<T> Result(std::vector<absl::StatusOr<T>> outcomes) override {
    if (winner_.has_value()) return std::move(*outcomes[*winner_]);
    if (outcomes.empty()) {
      return absl::FailedPreconditionError("FirstSuccess: the group had no tasks");
    }
    absl::Status first = FirstFailure(outcomes);
    return absl::Status(first.code(), absl::StrCat("no task succeeded; ", first.message()));
  }

 private:
  std::optional<size_t> winner_;
};

template <typename T>
class FailFastJoiner final : public Joiner<T, std::vector<T>> {
 public:
  Decision OnComplete(size_t index, const absl::StatusOr<T>& outcome, const Progress&) override {
    if (outcome.ok()) return Decision::Continue();
    return Decision::Fail(Prefixed(index, outcome.status()));
  }
  absl::StatusOr<std::vector<T>> Result(std::vector<absl::StatusOr<T>> outcomes) override {
    return ValuesInOrder(outcomes);
  }
};

template <typename T>
class QuorumJoiner final : public Joiner<T, std::vector<T>> {
 public:
  explicit QuorumJoiner(size_t n) : n_(n) {}
  Decision OnComplete(size_t index, const absl::StatusOr<T>& outcome,
                      const Progress& progress) override {
    if (outcome.ok()) {
      winners_.push_back(index);
      if (winners_.size() >= n_) return Decision::Succeed();
      return Decision::Continue();
    }
    if (!first_failure_.has_value()) first_failure_ = Prefixed(index, outcome.status());
    return Check(progress);
  }
  Decision OnSealed(const Progress& progress) override {
    if (n_ == 0) return Decision::Succeed();
    return Check(progress);
  }
  absl::StatusOr<std::vector<T>> Result(std::vector<absl::StatusOr<T>> outcomes) override {
    std::sort(winners_.begin(), winners_.end());
    std::vector<T> values;
    values.reserve(winners_.size());
    for (size_t i : winners_) values.push_back(std::move(*outcomes[i]));
    return values;
  }

 private:
  // Unreachable once sealed and fewer than n tasks can still succeed.
  Decision Check(const Progress& p) {
    if (!p.sealed || p.spawned - p.failed >= n_) return Decision::Continue();
    std::string why = absl::StrCat("quorum of ", n_, " unreachable: ", p.failed, " of ", p.spawned,
                                   " tasks failed");
    if (first_failure_.has_value()) {
      absl::StrAppend(&why, "; first failure: ", first_failure_->ToString());
    }
    return Decision::Fail(absl::UnavailableError(why));
  }

  size_t n_;
  std::vector<size_t> winners_;
  std::optional<absl::Status> first_failure_;
};

}  // namespace taskgroup_internal

// Waits for every task. Result: the values in task order, or the first
// failure in task order. Never cancels a task by itself.
template <typename T>
std::unique_ptr<Joiner<T, std::vector<T>>> AllCompleted() {
  return std::make_unique<taskgroup_internal::AllCompletedJoiner<T>>();
}

// The first task to succeed wins: its value is the result and the others are
// cancelled. If none succeeds: the first failure in task order ("no task
// succeeded; task <i>: ..."); with no tasks at all, FailedPrecondition.
template <typename T>
std::unique_ptr<Joiner<T, T>> FirstSuccess() {
  return std::make_unique<taskgroup_internal::FirstSuccessJoiner<T>>();
}

// The first task to fail fails the group with its status ("task <i>: ...")
// and the others are cancelled. If none fails: the values in task order.
template <typename T>
std::unique_ptr<Joiner<T, std::vector<T>>> FailFast() {
  return std::make_unique<taskgroup_internal::FailFastJoiner<T>>();
}

// Succeeds as soon as n tasks have succeeded (the rest are cancelled); the
// result is those n values in task order. Fails with Unavailable as soon as
// n is unreachable (the group is sealed and more than spawned - n tasks have
// failed; the rest are cancelled). Quorum(0) succeeds when sealed.
template <typename T>
std::unique_ptr<Joiner<T, std::vector<T>>> Quorum(size_t n) {
  return std::make_unique<taskgroup_internal::QuorumJoiner<T>>(n);
}

// A hook called on each completion (under the group's lock: quick, no calls
// into the group) that decides continue / succeed / fail.
template <typename T>
using CompletionHook = std::function<Decision(size_t index, const absl::StatusOr<T>& outcome,
                                             const Progress& progress)>;

template <typename T>
class CustomJoiner final : public Joiner<T, std::vector<absl::StatusOr<T>>> {
 public:
  explicit CustomJoiner(CompletionHook<T> hook) : hook_(std::move(hook)) {}
  Decision OnComplete(size_t index, const absl::StatusOr<T>& outcome,
                      const Progress& progress) override {
    return hook_(index, outcome, progress);
  }
  absl::StatusOr<std::vector<absl::StatusOr<T>>> Result(
      std::vector<absl::StatusOr<T>> outcomes) override {
    return outcomes;
  }

 private:
  CompletionHook<T> hook_;
};

// The hook decides; the result (after Succeed or natural completion) is
// every task's outcome in task order (tasks cancelled by the decision show
// what they returned, typically Cancelled). After Fail(error): `error`.
template <typename T>
std::unique_ptr<Joiner<T, std::vector<absl::StatusOr<T>>>> Custom(CompletionHook<T> hook) {
  return std::make_unique<CustomJoiner<T>>(std::move(hook));
}

}  // namespace myr::taskgroup

#endif  // MYR_TASKGROUP_JOINER_H_
