// Copyright Myrmidon authors.
//
// The runtime's two clocks (see libs/sched/clock.h): RealClock, with its
// timer thread, and VirtualClock, moved by the deterministic driver. Both
// keep their timers in a TimerTable: a timing wheel plus the closures of its
// entries. Private to libs/sched.
#ifndef MYR_SCHED_INTERNAL_CLOCKS_H_
#define MYR_SCHED_INTERNAL_CLOCKS_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "libs/sched/clock.h"
#include "libs/timers/wheel/timing_wheel.h"

namespace myr::sched_internal {

// A timer whose deadline has come, taken out of the table to be fired
// outside its lock.
struct DueTimer {
  Clock::Callback fn;
  Clock::RawCallback raw = nullptr;
  void* ctx = nullptr;
  uint64_t arg = 0;
  uint64_t id = 0;
  void Fire();  // swallows exceptions
};

// The wheel and the closures of its timers, indexed by wheel entry. Not
// thread-safe: the clocks lock around it. Allocation-free in steady state
// (entries are reused; a Callback allocates only if its captures do not fit
// std::function's inline buffer).
class TimerTable {
 public:
  uint64_t Add(int64_t deadline_ns, Clock::Callback fn);
  uint64_t AddRaw(int64_t deadline_ns, Clock::RawCallback fn, void* ctx, uint64_t arg);
  // True if pending; its closure is moved to *dropped (to be destroyed
  // outside the lock: its captures may do anything when they go).
  bool Cancel(uint64_t id, Clock::Callback* dropped);
  // Appends every timer due at `now_ns`, in firing order.
  void TakeDue(int64_t now_ns, std::vector<DueTimer>* due);
  int64_t NextDeadline() const { return wheel_.NextDeadline(); }  // exact
  int64_t NextWakeup() const { return wheel_.NextWakeup(); }      // a cheap lower bound
  size_t size() const { return wheel_.size(); }

 private:
  struct Entry {
    Clock::Callback fn;
    Clock::RawCallback raw = nullptr;
    void* ctx = nullptr;
    uint64_t arg = 0;
  };
  Entry& EntryFor(timers::TimerId id);
  timers::TimingWheel wheel_;
  std::vector<Entry> entries_;
};

// The monotonic clock, with a timer thread that sleeps until the next
// wheel event and fires what is due.
class RealClock final : public Clock {
 public:
  RealClock();
  ~RealClock() override;  // Stop()

  // Starts / joins the timer thread (Stop: pending timers never fire).
  void Start();
  void Stop();

  int64_t NowNanos() const override {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now() - epoch_)
        .count();
  }
  uint64_t Arm(int64_t deadline_ns, Callback fn) override;
  uint64_t ArmRaw(int64_t deadline_ns, RawCallback fn, void* ctx, uint64_t arg) override;
  bool Cancel(uint64_t id) override;
  bool is_virtual() const override { return false; }

 private:
  void Loop();
  void WakeIfEarlier(int64_t deadline_ns);  // mu_ held

  const std::chrono::steady_clock::time_point epoch_;
  std::mutex mu_;
  std::condition_variable cv_;
  TimerTable table_;          // guarded by mu_
  // When the timer thread will look next (INT64_MIN while it is awake): an
  // Arm with an earlier deadline wakes it, any other costs no futex call.
  int64_t wake_at_ = INT64_MIN;  // guarded by mu_
  bool stop_ = false;            // guarded by mu_
  std::thread thread_;
};

// Virtual time for the deterministic mode: it moves only when the driving
// thread calls FireNext / SetNow (Runtime::AdvanceTime, DriveOnce).
class VirtualClock final : public Clock {
 public:
  int64_t NowNanos() const override { return now_.load(std::memory_order_acquire); }
  uint64_t Arm(int64_t deadline_ns, Callback fn) override;
  uint64_t ArmRaw(int64_t deadline_ns, RawCallback fn, void* ctx, uint64_t arg) override;
  bool Cancel(uint64_t id) override;
  bool is_virtual() const override { return true; }

  // Driving thread only.
  // The exact earliest pending deadline (INT64_MAX if none).
  int64_t NextDeadline() const;
  // If the earliest pending deadline is <= `limit`: moves time to it (never
  // backwards), fires every timer due by then, in order, and returns true.
  // Otherwise false, and nothing changes.
  bool FireNext(int64_t limit);
  // Moves time forward to `t` without firing (never backwards).
  void SetNow(int64_t t);

 private:
  std::atomic<int64_t> now_{0};
  mutable std::mutex mu_;
  TimerTable table_;  // guarded by mu_
};

}  // namespace myr::sched_internal

#endif  // MYR_SCHED_INTERNAL_CLOCKS_H_
