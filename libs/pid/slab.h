// Copyright Myrmidon authors.
//
// slab.h: the table of actor slots behind Pids.
//
// A Slab maps a Pid's slot to an object pointer (for the runtime, an actor
// cell) and decides whether a Pid is still current. Each slot is 16 bytes:
// an object pointer and one 64-bit state word
//
//   63          43 42 41 40 39                                 0
//   +-------------+-----+--+------------------------------------+
//   | generation  |state|  |       reference count (40 bits)    |
//   +-------------+-----+--+------------------------------------+
//
// with state FREE, ALIVE or DYING. Slots live in 1 MiB chunks (65,536 slots)
// allocated on first use, so an idle slab costs 16 KiB of chunk table and a
// full one (134M slots) 2 GiB.
//
// Lifetime protocol (all operations are lock-free except the free lists):
//   Insert(obj)  takes a free slot, bumps its generation, marks it ALIVE with
//                one reference (the object's "life" reference), returns the Pid.
//   Acquire(pid) adds a reference if the slot is ALIVE at pid's generation and
//                returns the object; otherwise nullptr (stale or unknown pid).
//                While a caller holds a reference the object is not finalized
//                and the slot is not reused.
//   Retire(pid)  ALIVE -> DYING (no new Acquire succeeds) and drops the life
//                reference.
//   Release(pid) drops a reference; whoever drops the last reference of a
//                DYING slot runs the finalizer and frees the slot.
// So a message to a dead actor's Pid can never reach the actor that later
// reuses its slot: Acquire compares generations atomically with taking the
// reference, and reuse waits for the last reference.
//
// Allocation is O(1): per-thread-sharded free lists (one spinlock each, no global
// lock) plus an atomic bump pointer for never-used slots. Freed slots are
// reused first-in first-out, and only once a shard holds at least
// kReuseThreshold of them, so one slot goes through 2^21 generations only
// after billions of spawns.
#ifndef MYR_PID_SLAB_H_
#define MYR_PID_SLAB_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "libs/pid/pid.h"

namespace myr::pid {

class Slab {
 public:
  // Called once per object, by whichever thread drops its last reference.
  using Finalizer = void (*)(void* object, void* context);

  struct Options {
    uint32_t node = 1;                     // node id stamped into Pids
    uint32_t max_slots = Pid::kMaxSlots;   // capacity (<= Pid::kMaxSlots)
    Finalizer finalizer = nullptr;
    void* context = nullptr;               // passed to the finalizer
  };

  static constexpr uint32_t kChunkBits = 16;
  static constexpr uint32_t kChunkSlots = 1u << kChunkBits;
  static constexpr uint32_t kShards = 16;
  static constexpr size_t kReuseThreshold = 1024;

  explicit Slab(const Options& options);
  // Frees the chunks. Objects still alive are not finalized: the owner retires
  // them first (see ForEachLive).
  ~Slab();
  Slab(const Slab&) = delete;
  Slab& operator=(const Slab&) = delete;

  // Stores `object` in a free slot; the Pid holds the life reference.
  // ResourceExhausted when all max_slots are in use. Thread-safe.
  absl::StatusOr<Pid> Insert(void* object);

  // Adds a reference and returns the object, or nullptr if `pid` is not the
  // current ALIVE incarnation of its slot. Thread-safe, lock-free.
  void* Acquire(Pid pid);

  // Drops a reference taken by Acquire (or the life reference, via Retire).
  // Thread-safe; may run the finalizer.
  void Release(Pid pid);

  // Marks `pid` DYING and drops its life reference. Returns false if `pid`
  // was not ALIVE at its generation (already retired or stale). Thread-safe.
  bool Retire(Pid pid);

  // True if `pid` is the current ALIVE incarnation. Thread-safe; the answer
  // may be outdated by the time the caller looks at it.
  bool IsLive(Pid pid) const;

  // The object of `pid` without taking a reference: only for a caller that
  // already holds one. Returns nullptr for a stale pid.
  void* Peek(Pid pid) const;

  // Calls fn(pid, object) for every ALIVE slot, holding a reference around
  // each call. Thread-safe.
  void ForEachLive(absl::FunctionRef<void(Pid, void*)> fn);

  uint64_t live() const { return live_.load(std::memory_order_relaxed); }
  // Slots ever handed out (the bump pointer).
  uint32_t high_water() const;
  uint32_t node() const { return node_; }
  uint32_t max_slots() const { return max_slots_; }

 private:
  struct Slot {
    std::atomic<uint64_t> word{0};
    std::atomic<void*> object{nullptr};
  };
  static_assert(sizeof(Slot) == 16);

  // A FIFO of free slot indices on a growable ring (never shrinks, so
  // spawn/exit churn does not allocate).
  class SlotRing {
   public:
    size_t size() const { return size_; }
    bool empty() const { return size_ == 0; }
    void push_back(uint32_t v);
    uint32_t pop_front();

   private:
    std::vector<uint32_t> buf_;
    size_t head_ = 0;
    size_t size_ = 0;
  };

  // Test-and-test-and-set lock (tiny critical sections).
  class SpinLock {
   public:
    void lock();
    void unlock() { flag_.store(false, std::memory_order_release); }

   private:
    std::atomic<bool> flag_{false};
  };

  struct alignas(64) Shard {
    SpinLock mu;
    SlotRing free;  // guarded by mu
  };

  Slot* SlotAt(uint32_t slot) const;  // nullptr if its chunk is not allocated
  Slot* EnsureSlot(uint32_t slot);
  void FreeSlot(uint32_t slot);
  static uint32_t MyShard();

  const uint32_t node_;
  const uint32_t max_slots_;
  const Finalizer finalizer_;
  void* const context_;
  std::atomic<Slot*>* chunks_;  // max_slots / kChunkSlots entries
  uint32_t num_chunks_;
  std::atomic<uint32_t> next_fresh_{0};
  std::atomic<uint64_t> live_{0};
  Shard shards_[kShards];
};

}  // namespace myr::pid

#endif  // MYR_PID_SLAB_H_
