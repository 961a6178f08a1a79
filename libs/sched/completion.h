// Copyright Myrmidon authors.
//
// completion.h: a one-shot result a thread outside the runtime waits for.
//
// A plain thread that waits on the runtime (Runtime::Call for the reply,
// AwaitExit for an exit, a supervisor's Stop, a task group's Wait) puts the
// thing it waits for in a Completion<T> and calls Runtime::Await, the one
// wait-until-a-deadline loop of the project: in threaded mode it blocks on
// the completion (in slices of at most a second, so that an infinite
// deadline never overflows the condition variable's clock); in
// deterministic mode it drives the runtime (steps actors, moves virtual time
// to the next timer) until the value is there, the deadline passes, or
// nothing can run any more.
//
//   auto done = std::make_shared<myr::Completion<myr::ExitReason>>();
//   rt.Watch(pid, [done](myr::Pid, const myr::ExitReason& r) { done->Set(r); });
//   if (rt.Await(*done, myr::DeadlineAfter(rt.NowNanos(), absl::Seconds(5)))) ...
//
// Thread-safety: every method is @threadsafe. Set may come from any thread
// (an exit watcher, a reply sink, a timer), before or after the wait.
#ifndef MYR_SCHED_COMPLETION_H_
#define MYR_SCHED_COMPLETION_H_

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <utility>

namespace myr {

// The untyped part: a flag with a condition variable.
class CompletionBase {
 public:
  CompletionBase() = default;
  CompletionBase(const CompletionBase&) = delete;
  CompletionBase& operator=(const CompletionBase&) = delete;

  bool ready() const {
    std::lock_guard<std::mutex> lock(mu_);
    return ready_;
  }
  // Waits up to `ns` nanoseconds of real time for the value; true if it is
  // there. May return early (the caller loops on its own deadline).
  bool WaitFor(int64_t ns) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!ready_ && ns > 0) cv_.wait_for(lock, std::chrono::nanoseconds(ns));
    return ready_;
  }

 protected:
  ~CompletionBase() = default;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool ready_ = false;  // guarded by mu_
};

template <typename T>
class Completion : public CompletionBase {
 public:
  // Stores `value` unless one is stored already (the first wins) and wakes
  // the waiter. True if this call stored it.
  bool Set(T value) {
    std::lock_guard<std::mutex> lock(mu_);
    if (ready_) return false;
    value_.emplace(std::move(value));
    ready_ = true;
    cv_.notify_all();
    return true;
  }
  // The stored value (moved out), or nullopt if none is there yet.
  std::optional<T> Take() {
    std::lock_guard<std::mutex> lock(mu_);
    if (!value_.has_value()) return std::nullopt;
    std::optional<T> out = std::move(value_);
    value_.reset();
    return out;
  }

 private:
  std::optional<T> value_;  // guarded by mu_
};

}  // namespace myr

#endif  // MYR_SCHED_COMPLETION_H_
