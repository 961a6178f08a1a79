// Copyright Myrmidon authors.
//
// timing_wheel.h: a hierarchical timing wheel.
//
// A TimingWheel holds pending timers, each a (deadline, 64-bit payload) pair,
// and fires them when the caller advances time past their deadline. It knows
// nothing about actors or clocks: time is an int64 count of nanoseconds that
// the caller supplies, so the same wheel runs on the monotonic clock (the
// runtime's timer thread) or on virtual time (the deterministic scheduler).
//
// Structure: 6 levels of 64 slots. Time is cut into ticks of `tick_ns`
// (default 1 ms). Level 0 holds the timers due in the next 64 ticks, one slot
// per tick; level k holds 64 slots of 64^k ticks each. When the current tick
// enters a slot of level k >= 1, that slot's timers are cascaded into the
// levels below. The six levels span 2^36 ticks (about 795 days at 1 ms);
// timers beyond that wait in an overflow list that is redistributed when time
// gets close. A 64-bit occupancy mask per level lets Advance skip empty
// stretches of time in O(levels), so a long jump costs no more than the
// cascades and firings it has to do.
//
// Main operations:
//   Schedule(deadline, payload) -> TimerId      O(1)
//   Cancel(id) -> bool                          O(1), true iff still pending
//   Advance(now, fire) -> count                 fires what is due, in order
//   NextDeadline()                              exact earliest deadline
//
// Ordering: Advance fires timers in tick order; timers whose deadlines fall
// into the same tick fire in the order they were scheduled (the wheel does
// not sort deadlines within a tick). A timer never fires before its
// deadline: Advance(now) fires exactly the pending timers with
// deadline <= now. A deadline in the past fires at the next Advance, in the
// tick that is current when it was scheduled.
//
// Handles: a TimerId carries the index of its entry and the entry's
// generation, bumped whenever the entry is freed (fired or cancelled). An old
// id therefore never cancels a later timer that reuses the entry.
//
// Memory: entries live in one vector with a free list, linked intrusively by
// 32-bit indices; in steady state Schedule and Cancel do not allocate (the
// vector grows only when more timers are pending than ever before; Reserve
// pre-sizes it).
//
// Thread-safety: none. A TimingWheel is owned by one thread at a time; its
// owner (the runtime's timer thread, or the deterministic test driver)
// serializes every call. Every method below is "owner only".
#ifndef MYR_TIMERS_WHEEL_TIMING_WHEEL_H_
#define MYR_TIMERS_WHEEL_TIMING_WHEEL_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"

namespace myr::timers {

// The handle of one scheduled timer: entry index (low 32 bits) and entry
// generation (high 32 bits, never 0). The default value names no timer.
class TimerId {
 public:
  constexpr TimerId() = default;
  static constexpr TimerId FromBits(uint64_t bits) { return TimerId(bits); }

  constexpr uint64_t bits() const { return bits_; }
  constexpr uint32_t index() const { return static_cast<uint32_t>(bits_); }
  constexpr uint32_t generation() const {
    return static_cast<uint32_t>(bits_ >> 32);
  }
  constexpr bool valid() const { return generation() != 0; }
  explicit constexpr operator bool() const { return valid(); }

  friend constexpr bool operator==(TimerId a, TimerId b) {
    return a.bits_ == b.bits_;
  }
  friend constexpr bool operator!=(TimerId a, TimerId b) {
    return a.bits_ != b.bits_;
  }
  template <typename H>
  friend H AbslHashValue(H h, TimerId id) {
    return H::combine(std::move(h), id.bits_);
  }

 private:
  explicit constexpr TimerId(uint64_t bits) : bits_(bits) {}
  uint64_t bits_ = 0;
};

class TimingWheel {
 public:
  static constexpr int kLevels = 6;
  static constexpr int kSlotBits = 6;
  static constexpr int kSlots = 1 << kSlotBits;  // per level
  // NextDeadline() of an empty wheel.
  static constexpr int64_t kNoDeadline = std::numeric_limits<int64_t>::max();

  struct Options {
    // Length of one tick in nanoseconds (> 0). Timers in one tick fire in
    // scheduling order; a coarser tick makes the wheel span further.
    int64_t tick_ns = 1'000'000;
    // The wheel's time before the first Advance (>= 0).
    int64_t start_ns = 0;
  };

  TimingWheel() : TimingWheel(Options{}) {}
  explicit TimingWheel(Options options);
  TimingWheel(const TimingWheel&) = delete;
  TimingWheel& operator=(const TimingWheel&) = delete;

  // Schedules a timer that fires once time reaches `deadline_ns`, carrying
  // `payload`. A deadline at or before the current time fires at the next
  // Advance. O(1); allocates only when the entry pool must grow.
  TimerId Schedule(int64_t deadline_ns, uint64_t payload);

  // Cancels a pending timer. Returns true iff `id` named a timer that was
  // still pending (it will not fire); false for a timer that has fired or
  // was cancelled, for an id whose entry has since been reused, and for
  // TimerId(). O(1).
  bool Cancel(TimerId id);

  // Fires, in order (see the overview), every pending timer whose deadline
  // is <= `now_ns`, calling `fire(id, payload)` for each; the timer is no
  // longer pending when `fire` runs. Returns the number fired. `fire` may
  // call Schedule and Cancel on this wheel (not Advance): a timer scheduled
  // from `fire` never fires in the tick being fired; if due it fires at the
  // next tick this call processes, or at the next Advance. Time going
  // backwards is allowed and fires only what is due at `now_ns`. Cost:
  // O(timers fired + timers cascaded + levels per non-empty stretch skipped),
  // plus a scan of the current tick's timers.
  size_t Advance(int64_t now_ns,
                 absl::FunctionRef<void(TimerId, uint64_t payload)> fire);

  // The exact earliest deadline among pending timers (possibly already
  // past), or kNoDeadline if none. Costs a scan of the one slot that holds
  // the earliest timers (O(levels) to find it).
  int64_t NextDeadline() const;

  // When the owner should call Advance next, at the latest: never after the
  // earliest pending deadline, and equal to it when the earliest timers lie
  // within the next 64 ticks (level 0); otherwise the start of the tick at
  // which the earliest higher-level slot is cascaded (an Advance there fires
  // nothing early and makes the next NextWakeup exact or finer). Unlike
  // NextDeadline it never scans a higher-level slot, which may hold most of
  // the pending timers (every call made in the last few seconds with a
  // timeout of a few seconds): O(levels + the timers of one level-0 tick).
  // kNoDeadline if the wheel is empty.
  int64_t NextWakeup() const;

  // Pending timers.
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

  // Pre-sizes the entry pool for `n` pending timers.
  void Reserve(size_t n) { entries_.reserve(n); }

  int64_t tick_ns() const { return tick_ns_; }

 private:
  static constexpr uint32_t kNil = 0xFFFFFFFFu;
  static constexpr uint16_t kOverflowList = kLevels * kSlots;
  static constexpr uint16_t kFiringList = kOverflowList + 1;
  static constexpr uint16_t kNumLists = kFiringList + 1;
  static constexpr uint16_t kFreeList = 0xFFFF;  // entry not pending
  static constexpr int kSpanBits = kLevels * kSlotBits;  // 36
  static constexpr uint64_t kNoTick = std::numeric_limits<uint64_t>::max();

  struct Entry {
    int64_t deadline_ns;
    uint64_t payload;
    uint64_t tick;  // effective tick (never before the tick current when set)
    uint32_t next;
    uint32_t prev;
    uint32_t generation;
    uint16_t list;
  };
  struct List {
    uint32_t head = kNil;
    uint32_t tail = kNil;
  };

  uint64_t TickOf(int64_t ns) const;
  void Place(uint32_t index);  // into the list its tick calls for
  void PushBack(uint16_t list, uint32_t index);
  void Unlink(uint32_t index);
  void FreeEntry(uint32_t index);
  // Moves time to `tick` (> cur_tick_, <= the next event) and cascades.
  void StepTo(uint64_t tick);
  // The smallest tick >= cur_tick_ at which a timer fires or a slot must be
  // cascaded; kNoTick if nothing is pending.
  // The first occupied (level, slot) at or after the current tick.
  bool FirstOccupied(int* level, int* slot) const;
  uint64_t NextEventTick() const;
  // The list holding the earliest pending timers (or kNumLists).
  uint16_t EarliestList() const;
  size_t FireFiringList(absl::FunctionRef<void(TimerId, uint64_t)> fire);

  int64_t tick_ns_;
  uint64_t cur_tick_;        // every tick before it has been fully fired
  uint64_t overflow_min_tick_ = kNoTick;  // lower bound of overflow ticks
  size_t size_ = 0;
  uint32_t free_head_ = kNil;
  uint64_t occupied_[kLevels] = {};
  List lists_[kNumLists];
  std::vector<Entry> entries_;
};

}  // namespace myr::timers

#endif  // MYR_TIMERS_WHEEL_TIMING_WHEEL_H_
