// Copyright Myrmidon authors.
//
// The blocking pool: the executor of Lane::kBlocking. A separate, growing
// pool of threads (up to RuntimeOptions::max_blocking_threads) for actors
// whose handlers block (file or socket I/O, foreign libraries), so that
// they never stall the worker pool. Handlers here may block: a send from
// them to a full kBlock mailbox waits for room. Private to libs/sched.
#ifndef MYR_SCHED_INTERNAL_BLOCKING_POOL_H_
#define MYR_SCHED_INTERNAL_BLOCKING_POOL_H_

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "libs/sched/executor.h"

namespace myr {
class Runtime;

namespace sched_internal {

class BlockingPool final : public Executor {
 public:
  BlockingPool(Runtime* rt, int max_threads);
  ~BlockingPool() override;

  void Submit(Turn turn, Placement where) override;
  bool turns_may_block() const override { return true; }
  void Shutdown(std::vector<Turn>& leftover) override;
  const char* name() const override { return "blocking"; }

 private:
  void Loop();

  Runtime* const rt_;
  const int max_threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Turn> queue_;            // guarded by mu_
  std::vector<std::thread> threads_;  // guarded by mu_
  int idle_ = 0;                      // guarded by mu_
  bool stop_ = false;                 // guarded by mu_
};

}  // namespace sched_internal
}  // namespace myr

#endif  // MYR_SCHED_INTERNAL_BLOCKING_POOL_H_
