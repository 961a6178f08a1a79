// Copyright Myrmidon authors.
//
// clock.h: the runtime's time, and the timers on it.
//
// A Runtime keeps time through one Clock: a real one (the monotonic clock,
// and a timer thread that fires what is due) in threaded mode, a virtual one
// (time moves only when the test driving a deterministic runtime says so) in
// deterministic mode. Both keep their timers in one hierarchical timing
// wheel (libs/timers/wheel): receive and call timeouts, Sleep,
// Runtime::ArmCallback, the actor tree's grace kills, the worker pool's
// stuck-work check. There is no other timer queue in sched.
//
// A timer is a closure fired once at its deadline: on the timer thread (real
// clock; fired in deadline order, with 1 us timer slack asked of Linux), or
// on the driving thread in virtual-time order (virtual clock: Runtime::
// AdvanceTime, and blocking waits that drive the runtime). A closure must be
// short and must not block; it may arm and cancel timers. An exception
// escaping it is swallowed (it loses only itself). The clock knows nothing
// of actors: the runtime arms closures that put a timeout message on an
// actor's system channel.
//
// Thread-safety: every method is @threadsafe.
#ifndef MYR_SCHED_CLOCK_H_
#define MYR_SCHED_CLOCK_H_

#include <cstdint>
#include <functional>

namespace myr {

class Clock {
 public:
  using Callback = std::function<void()>;
  // An allocation-free callback for hot paths (a receive timeout per call):
  // fn(ctx, arg, id) with the values given to ArmRaw and the timer's id.
  using RawCallback = void (*)(void* ctx, uint64_t arg, uint64_t id);

  virtual ~Clock() = default;

  // Monotonic nanoseconds since the runtime started (virtual: since 0).
  virtual int64_t NowNanos() const = 0;

  // Arms a one-shot timer that runs fn at `deadline_ns` (a deadline in the
  // past fires at once, that is at the timer thread's next look or the next
  // virtual-time step). Returns its id, never 0.
  virtual uint64_t Arm(int64_t deadline_ns, Callback fn) = 0;
  virtual uint64_t ArmRaw(int64_t deadline_ns, RawCallback fn, void* ctx, uint64_t arg) = 0;

  // True if the timer was still pending: it will not fire. False if it has
  // fired (or is firing), was cancelled, or `id` names no timer.
  virtual bool Cancel(uint64_t id) = 0;

  // True for the virtual clock: waiting on real time means nothing there (a
  // blocking wait drives the runtime instead, and a blocking send does not
  // wait for room).
  virtual bool is_virtual() const = 0;
};

}  // namespace myr

#endif  // MYR_SCHED_CLOCK_H_
