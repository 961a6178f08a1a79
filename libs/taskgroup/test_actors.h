// Copyright Myrmidon authors.
//
// test_actors.h: actors and task bodies shared by the taskgroup tests.
#ifndef MYR_TASKGROUP_TEST_ACTORS_H_
#define MYR_TASKGROUP_TEST_ACTORS_H_

#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/sched/runtime.h"
#include "libs/sched/task.h"
#include "libs/taskgroup/task_context.h"

namespace myr::taskgroup::testing {

// A request: the reply is `value`.
struct Ask {
  int value = 0;
  using Reply = int;
};

// Replies to Ask after `delay` (virtual time in deterministic mode; zero:
// at once) and counts the requests it got.
class Echo : public Actor<Echo, Ask> {
 public:
  explicit Echo(std::atomic<int>* asked = nullptr, absl::Duration delay = absl::ZeroDuration())
      : asked_(asked), delay_(delay) {}
  Task<int> Handle(Ask& a) {
    if (asked_ != nullptr) asked_->fetch_add(1, std::memory_order_relaxed);
    if (delay_ > absl::ZeroDuration()) co_await Sleep(delay_);
    co_return a.value;
  }

 private:
  std::atomic<int>* asked_;
  absl::Duration delay_;
};

inline absl::Duration Now(const Runtime& rt) { return absl::Nanoseconds(rt.NowNanos()); }

// A task body: sleeps `d`, then returns `result`. If the sleep is cut short
// (cancellation, deadline), returns that status instead.
inline auto After(absl::Duration d, absl::StatusOr<int> result) {
  return [d, result](TaskContext& ctx) -> Task<absl::StatusOr<int>> {
    absl::Status s = co_await ctx.Sleep(d);
    if (!s.ok()) co_return s;
    co_return result;
  };
}

}  // namespace myr::taskgroup::testing

#endif  // MYR_TASKGROUP_TEST_ACTORS_H_
