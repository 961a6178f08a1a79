// Copyright Myrmidon authors.
#include "libs/timers/wheel/timing_wheel.h"

#include <algorithm>
#include <cassert>

#include "absl/numeric/bits.h"

namespace myr::timers {

TimingWheel::TimingWheel(Options options)
    : tick_ns_(options.tick_ns > 0 ? options.tick_ns : 1),
      cur_tick_(0) {
  cur_tick_ = TickOf(options.start_ns);
}

uint64_t TimingWheel::TickOf(int64_t ns) const {
  return ns <= 0 ? 0 : static_cast<uint64_t>(ns / tick_ns_);
}

void TimingWheel::PushBack(uint16_t list, uint32_t index) {
  Entry& e = entries_[index];
  List& l = lists_[list];
  e.list = list;
  e.next = kNil;
  e.prev = l.tail;
  if (l.tail == kNil) {
    l.head = index;
  } else {
    entries_[l.tail].next = index;
  }
  l.tail = index;
  if (list < kOverflowList) {
    occupied_[list / kSlots] |= uint64_t{1} << (list % kSlots);
  }
}

void TimingWheel::Unlink(uint32_t index) {
  Entry& e = entries_[index];
  List& l = lists_[e.list];
  if (e.prev == kNil) {
    l.head = e.next;
  } else {
    entries_[e.prev].next = e.next;
  }
  if (e.next == kNil) {
    l.tail = e.prev;
  } else {
    entries_[e.next].prev = e.prev;
  }
  if (l.head == kNil && e.list < kOverflowList) {
    occupied_[e.list / kSlots] &= ~(uint64_t{1} << (e.list % kSlots));
  }
  e.next = e.prev = kNil;
}

void TimingWheel::Place(uint32_t index) {
  const uint64_t tick = entries_[index].tick;
  const uint64_t diff = tick ^ cur_tick_;
  if ((diff >> kSpanBits) != 0) {
    overflow_min_tick_ = std::min(overflow_min_tick_, tick);
    PushBack(kOverflowList, index);
    return;
  }
  const int level =
      diff == 0 ? 0 : (63 - absl::countl_zero(diff)) / kSlotBits;
  const int slot = static_cast<int>((tick >> (level * kSlotBits)) & (kSlots - 1));
  PushBack(static_cast<uint16_t>(level * kSlots + slot), index);
}

void TimingWheel::FreeEntry(uint32_t index) {
  Entry& e = entries_[index];
  e.generation = e.generation == 0xFFFFFFFFu ? 1 : e.generation + 1;
  e.list = kFreeList;
  e.next = free_head_;
  free_head_ = index;
}

TimerId TimingWheel::Schedule(int64_t deadline_ns, uint64_t payload) {
  uint32_t index;
  if (free_head_ != kNil) {
    index = free_head_;
    free_head_ = entries_[index].next;
  } else {
    assert(entries_.size() < kNil);
    index = static_cast<uint32_t>(entries_.size());
    entries_.push_back(Entry{0, 0, 0, kNil, kNil, 1, kFreeList});
  }
  Entry& e = entries_[index];
  e.deadline_ns = deadline_ns;
  e.payload = payload;
  e.tick = std::max(TickOf(deadline_ns), cur_tick_);
  Place(index);
  ++size_;
  return TimerId::FromBits((uint64_t{e.generation} << 32) | index);
}

bool TimingWheel::Cancel(TimerId id) {
  const uint32_t index = id.index();
  if (!id.valid() || index >= entries_.size()) return false;
  Entry& e = entries_[index];
  if (e.generation != id.generation() || e.list == kFreeList) return false;
  Unlink(index);
  FreeEntry(index);
  --size_;
  return true;
}

void TimingWheel::StepTo(uint64_t tick) {
  assert(tick > cur_tick_);
  cur_tick_ = tick;
  // Overflow first: its timers may belong anywhere below.
  if (lists_[kOverflowList].head != kNil &&
      tick >= ((overflow_min_tick_ >> kSpanBits) << kSpanBits)) {
    uint32_t i = lists_[kOverflowList].head;
    lists_[kOverflowList] = List{};
    overflow_min_tick_ = kNoTick;
    while (i != kNil) {
      const uint32_t next = entries_[i].next;
      Place(i);
      i = next;
    }
  }
  // Then every level whose slot starts at `tick`, top down, so that a timer
  // cascaded from level k can cascade again from level k-1 at once.
  for (int k = kLevels - 1; k >= 1; --k) {
    const int shift = k * kSlotBits;
    if ((tick & ((uint64_t{1} << shift) - 1)) != 0) continue;
    const int slot = static_cast<int>((tick >> shift) & (kSlots - 1));
    if ((occupied_[k] & (uint64_t{1} << slot)) == 0) continue;
    const uint16_t list = static_cast<uint16_t>(k * kSlots + slot);
    uint32_t i = lists_[list].head;
    lists_[list] = List{};
    occupied_[k] &= ~(uint64_t{1} << slot);
    while (i != kNil) {
      const uint32_t next = entries_[i].next;
      Place(i);  // always to a lower level: same digits from k upwards
      i = next;
    }
  }
}

bool TimingWheel::FirstOccupied(int* level, int* slot) const {
  const uint64_t cur = cur_tick_;
  for (int k = 0; k < kLevels; ++k) {
    const int shift = k * kSlotBits;
    const int digit = static_cast<int>((cur >> shift) & (kSlots - 1));
    // Level 0 holds ticks >= the current one; level k >= 1 only slots after
    // the current digit (the current slot was cascaded on entry).
    uint64_t mask = k == 0 ? ~uint64_t{0} << digit
                           : (digit == kSlots - 1 ? 0 : ~uint64_t{0} << (digit + 1));
    const uint64_t m = occupied_[k] & mask;
    if (m != 0) {
      *level = k;
      *slot = absl::countr_zero(m);
      return true;
    }
  }
  return false;
}

uint64_t TimingWheel::NextEventTick() const {
  int k, slot;
  if (FirstOccupied(&k, &slot)) {
    const int shift = k * kSlotBits;
    const int upper = shift + kSlotBits;
    const uint64_t base = (cur_tick_ >> upper) << upper;
    return base | (static_cast<uint64_t>(slot) << shift);
  }
  if (lists_[kOverflowList].head != kNil) {
    return (overflow_min_tick_ >> kSpanBits) << kSpanBits;
  }
  return kNoTick;
}

uint16_t TimingWheel::EarliestList() const {
  int k, slot;
  if (FirstOccupied(&k, &slot)) return static_cast<uint16_t>(k * kSlots + slot);
  if (lists_[kOverflowList].head != kNil) return kOverflowList;
  return kNumLists;
}

int64_t TimingWheel::NextDeadline() const {
  // Timers scheduled from inside `fire` may sit in the firing list briefly;
  // they are pending too.
  int64_t best = kNoDeadline;
  for (uint32_t i = lists_[kFiringList].head; i != kNil; i = entries_[i].next) {
    best = std::min(best, entries_[i].deadline_ns);
  }
  const uint16_t list = EarliestList();
  if (list == kNumLists) return best;
  for (uint32_t i = lists_[list].head; i != kNil; i = entries_[i].next) {
    best = std::min(best, entries_[i].deadline_ns);
  }
  return best;
}

int64_t TimingWheel::NextWakeup() const {
  int64_t best = kNoDeadline;
  for (uint32_t i = lists_[kFiringList].head; i != kNil; i = entries_[i].next) {
    best = std::min(best, entries_[i].deadline_ns);
  }
  int k, slot;
  if (FirstOccupied(&k, &slot) && k == 0) {
    for (uint32_t i = lists_[slot].head; i != kNil; i = entries_[i].next) {
      best = std::min(best, entries_[i].deadline_ns);
    }
    return best;
  }
  const uint64_t tick = NextEventTick();
  if (tick == kNoTick) return best;
  // tick <= the earliest timer's tick, so tick * tick_ns_ <= its deadline
  // and does not overflow.
  return std::min(best, static_cast<int64_t>(tick) * tick_ns_);
}

size_t TimingWheel::FireFiringList(
    absl::FunctionRef<void(TimerId, uint64_t)> fire) {
  size_t fired = 0;
  while (lists_[kFiringList].head != kNil) {
    const uint32_t index = lists_[kFiringList].head;
    Unlink(index);
    const Entry& e = entries_[index];
    const TimerId id = TimerId::FromBits((uint64_t{e.generation} << 32) | index);
    const uint64_t payload = e.payload;
    FreeEntry(index);
    --size_;
    ++fired;
    fire(id, payload);  // may Schedule (growing entries_) or Cancel
  }
  return fired;
}

size_t TimingWheel::Advance(int64_t now_ns,
                            absl::FunctionRef<void(TimerId, uint64_t)> fire) {
  const uint64_t target = TickOf(now_ns);
  size_t fired = 0;
  while (cur_tick_ < target) {
    const uint16_t slot0 = static_cast<uint16_t>(cur_tick_ & (kSlots - 1));
    if (lists_[slot0].head != kNil) {
      // The whole tick is due. Move it aside, step time on by one tick (so
      // that timers scheduled from `fire` land after it), then fire it.
      uint32_t i = lists_[slot0].head;
      while (i != kNil) {
        const uint32_t next = entries_[i].next;
        Unlink(i);
        PushBack(kFiringList, i);
        i = next;
      }
      StepTo(cur_tick_ + 1);
      fired += FireFiringList(fire);
      continue;
    }
    // Nothing in this tick: skip to the next tick where something happens.
    const uint64_t next = NextEventTick();
    StepTo(std::max(cur_tick_ + 1, std::min(next, target)));
  }
  // The current tick: fire only what is due by now_ns, keeping the rest.
  const uint16_t slot0 = static_cast<uint16_t>(cur_tick_ & (kSlots - 1));
  uint32_t i = lists_[slot0].head;
  while (i != kNil) {
    const uint32_t next = entries_[i].next;
    if (entries_[i].deadline_ns <= now_ns) {
      Unlink(i);
      PushBack(kFiringList, i);
    }
    i = next;
  }
  fired += FireFiringList(fire);
  return fired;
}

}  // namespace myr::timers
