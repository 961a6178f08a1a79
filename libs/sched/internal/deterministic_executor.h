// Copyright Myrmidon authors.
//
// The deterministic ready list: the one executor of a runtime in
// deterministic mode. No threads: the test's thread calls Step, which runs
// one message of one runnable actor, picked in a seeded pseudo-random order
// (the same seed gives the same schedule). Every actor runs here, whatever
// its lane or executor. Private to libs/sched.
#ifndef MYR_SCHED_INTERNAL_DETERMINISTIC_EXECUTOR_H_
#define MYR_SCHED_INTERNAL_DETERMINISTIC_EXECUTOR_H_

#include <cstdint>
#include <mutex>
#include <random>
#include <vector>

#include "libs/sched/executor.h"

namespace myr::sched_internal {

class DeterministicExecutor final : public Executor {
 public:
  explicit DeterministicExecutor(uint64_t seed) : rng_(seed) {}

  void Submit(Turn turn, Placement) override {
    std::lock_guard<std::mutex> lock(mu_);
    ready_.push_back(turn);
  }
  uint32_t max_budget() const override { return 1; }  // one message per step
  void Shutdown(std::vector<Turn>& leftover) override {
    std::lock_guard<std::mutex> lock(mu_);
    leftover.insert(leftover.end(), ready_.begin(), ready_.end());
    ready_.clear();
  }
  const char* name() const override { return "deterministic"; }

  // Runs one ready turn (driving thread); false if none is ready.
  bool Step() {
    Turn t;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (ready_.empty()) return false;
      size_t i = static_cast<size_t>(rng_() % ready_.size());
      t = ready_[i];
      ready_[i] = ready_.back();
      ready_.pop_back();
    }
    t.Run();
    return true;
  }

 private:
  std::mutex mu_;
  std::vector<Turn> ready_;  // guarded by mu_
  std::mt19937_64 rng_;      // driving thread (Step)
};

}  // namespace myr::sched_internal

#endif  // MYR_SCHED_INTERNAL_DETERMINISTIC_EXECUTOR_H_
