// Copyright Myrmidon authors.
//
// The worker pool: the executor of Lane::kWorker (one thread per core by
// default). Private to libs/sched.
//
// Each worker has a FIFO run queue and a one-entry LIFO slot. A turn
// submitted from a worker with Placement::kNext goes into that worker's LIFO
// slot and runs next on the same core (a request/reply pair stays on one
// core and never pays a cross-core wake-up); the turn it displaces moves to
// the FIFO queue, where idle workers steal from (half the queue, at most 256
// turns, without allocating). kLater goes to the back of the FIFO queue.
// Submissions from other threads go to a global queue that every worker
// looks at now and then. A worker that finds nothing spins briefly, then
// parks; a submitter wakes a parked worker when nobody is searching.
//
// A monitor check every millisecond (a timer on the runtime's clock) lets
// idle workers take work stuck behind a long-running handler: a worker that
// has not finished a turn since the last check has its LIFO slot made
// stealable. A turn that sends many messages does the same for itself.
//
// Thread-safety: Submit is @threadsafe; Start and Shutdown are called once
// each by the runtime.
#ifndef MYR_SCHED_INTERNAL_WORKER_POOL_H_
#define MYR_SCHED_INTERNAL_WORKER_POOL_H_

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "absl/time/time.h"
#include "libs/sched/clock.h"
#include "libs/sched/executor.h"
#include "libs/sched/internal/turn_context.h"

namespace myr::sched_internal {

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

// Test-and-test-and-set lock for the per-worker run queues (tiny critical
// sections; std::atomic so ThreadSanitizer sees the ordering).
class SpinLock {
 public:
  void lock() {
    while (flag_.exchange(true, std::memory_order_acquire)) {
      while (flag_.load(std::memory_order_relaxed)) CpuRelax();
    }
  }
  bool try_lock() {
    return !flag_.load(std::memory_order_relaxed) &&
           !flag_.exchange(true, std::memory_order_acquire);
  }
  void unlock() { flag_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> flag_{false};
};

// A FIFO of cells on a growable ring buffer (never shrinks, so a busy queue
// does not allocate).
class CellRing {
 public:
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  void push_back(Cell* c) {
    if (size_ == buf_.size()) Grow();
    buf_[(head_ + size_) & (buf_.size() - 1)] = c;
    ++size_;
  }
  Cell* front() const { return buf_[head_]; }
  void pop_front() {
    head_ = (head_ + 1) & (buf_.size() - 1);
    --size_;
  }

 private:
  void Grow();
  std::vector<Cell*> buf_;
  size_t head_ = 0;
  size_t size_ = 0;
};

class WorkerPool;

// One worker thread. Its TurnContext is what the send path sees (tls_turn).
struct Worker : TurnContext {
  Worker(WorkerPool* p, int i) : pool(p), index(i) {}

  void PushBack(Cell* c) {
    std::lock_guard<SpinLock> lock(mu);
    fifo.push_back(c);
    fifo_size.store(fifo.size(), std::memory_order_seq_cst);
  }
  Cell* PopFront();
  // Moves half of this worker's FIFO queue (at most kMaxSteal cells) to
  // `thief`; returns one cell to run. No allocation: a steal from a queue of
  // a million cells must not map and unmap megabytes.
  static constexpr size_t kMaxSteal = 256;
  Cell* StealInto(Worker* thief);

  WorkerPool* const pool;
  const int index;
  std::thread thread;
  SpinLock mu;
  CellRing fifo;  // guarded by mu
  std::atomic<size_t> fifo_size{0};
  std::atomic<Cell*> lifo{nullptr};
  std::atomic<bool> lifo_stealable{false};
  std::atomic<uint32_t> wake{0};
  std::atomic<uint64_t> turns{0};
  std::atomic<bool> busy{false};
  // Owner-thread state.
  uint32_t lifo_streak = 0;
  uint64_t tick = 0;
  bool searching = false;
  // Monitor state (the clock's thread).
  uint64_t seen_turns = 0;
};

class WorkerPool final : public Executor {
 public:
  // `workers` threads (>= 1) for the turns of `rt`; idle workers spin for
  // `spin` before parking.
  WorkerPool(Runtime* rt, int workers, absl::Duration spin);
  ~WorkerPool() override;

  // Starts the threads and the monitor check on `clock`.
  void Start(Clock* clock);

  // The hot path (inline: the send path calls it on every wake-up).
  void Submit(Cell* c, Placement where) {
    TurnContext* t = tls_turn;
    if (t != nullptr && t->executor == this) {
      auto* w = static_cast<Worker*>(t);
      if (where == Placement::kNext) {
        // The LIFO slot is not stolen from, so nobody needs waking unless a
        // displaced cell lands in the FIFO queue.
        c = w->lifo.exchange(c, std::memory_order_acq_rel);
        if (c == nullptr) return;
      }
      w->PushBack(c);
    } else {
      std::lock_guard<std::mutex> lock(global_mu_);
      global_.push_back(c);
      global_size_.store(global_.size(), std::memory_order_seq_cst);
    }
    NotifyIdle();
  }

  void Submit(Turn turn, Placement where) override { Submit(TurnAccess::CellOf(turn), where); }
  void Shutdown(std::vector<Turn>& leftover) override;
  const char* name() const override { return "workers"; }

  int size() const { return static_cast<int>(workers_.size()); }

 private:
  void Loop(Worker* w);
  Cell* PopGlobal();
  void NotifyIdle();
  void WakeOne();
  bool AnyWork() const;
  void ArmMonitor();
  void CheckStuck();
  static void OnLongTurn(TurnContext* t);

  Runtime* const rt_;
  const absl::Duration spin_;
  Clock* clock_ = nullptr;
  std::vector<std::unique_ptr<Worker>> workers_;

  // Global injection queue (submissions from outside the workers).
  mutable std::mutex global_mu_;
  std::deque<Cell*> global_;  // guarded by global_mu_
  std::atomic<size_t> global_size_{0};

  // Idle workers.
  std::mutex idle_mu_;
  std::vector<Worker*> parked_;  // guarded by idle_mu_
  std::atomic<int> num_parked_{0};
  std::atomic<int> num_searching_{0};

  std::atomic<bool> shut_down_{false};
};

}  // namespace myr::sched_internal

#endif  // MYR_SCHED_INTERNAL_WORKER_POOL_H_
