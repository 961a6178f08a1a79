// Copyright Myrmidon authors.
//
// pid.h: process identifiers.
//
// A Pid names one incarnation of an actor, anywhere in a cluster, in 64 bits:
//
//   63            48 47                27 26                           0
//   +---------------+--------------------+------------------------------+
//   |  node (16)    |  generation (21)   |          slot (27)           |
//   +---------------+--------------------+------------------------------+
//
//   node        the node that hosts the actor (1..65535; 0 means "no node").
//   slot        index into that node's slab of actor slots (134,217,728
//               slots: room for well over 50 million live actors).
//   generation  bumped every time a slot is reused (1..2,097,151, wrapping
//               back to 1). A Pid whose generation differs from the slot's
//               current one is stale: it names an actor that has exited,
//               and nothing sent to it reaches the slot's new occupant.
//               A slot is reused at most 2^21-1 times before a generation
//               repeats; the slab hands out fresh slots before reusing freed
//               ones and reuses freed ones round-robin, so a repeat needs
//               two million exits through the same slot while a stale Pid is
//               still held.
//
// The all-zero value is the invalid Pid (`Pid()`); a valid Pid always has a
// non-zero generation. Pids are plain values: trivially copyable, hashable,
// ordered, and safe to share between threads.
#ifndef MYR_PID_PID_H_
#define MYR_PID_PID_H_

#include <cstdint>
#include <ostream>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/types/optional.h"

namespace myr {

class Pid {
 public:
  static constexpr int kSlotBits = 27;
  static constexpr int kGenerationBits = 21;
  static constexpr int kNodeBits = 16;
  static constexpr uint32_t kMaxSlots = 1u << kSlotBits;
  static constexpr uint32_t kMaxGeneration = (1u << kGenerationBits) - 1;
  static constexpr uint32_t kMaxNode = (1u << kNodeBits) - 1;

  constexpr Pid() = default;

  // Builds a Pid from its parts. Out-of-range parts are masked off.
  static constexpr Pid Make(uint32_t node, uint32_t slot, uint32_t generation) {
    return Pid((uint64_t{node & kMaxNode} << (kSlotBits + kGenerationBits)) |
               (uint64_t{generation & kMaxGeneration} << kSlotBits) |
               uint64_t{slot & (kMaxSlots - 1)});
  }
  static constexpr Pid FromBits(uint64_t bits) { return Pid(bits); }

  constexpr uint64_t bits() const { return bits_; }
  constexpr uint32_t node() const {
    return static_cast<uint32_t>(bits_ >> (kSlotBits + kGenerationBits));
  }
  constexpr uint32_t slot() const {
    return static_cast<uint32_t>(bits_ & (kMaxSlots - 1));
  }
  constexpr uint32_t generation() const {
    return static_cast<uint32_t>((bits_ >> kSlotBits) & kMaxGeneration);
  }
  constexpr bool valid() const { return generation() != 0; }
  explicit constexpr operator bool() const { return valid(); }

  // The next generation after `g` (skips 0, which marks "never used").
  static constexpr uint32_t NextGeneration(uint32_t g) {
    return g >= kMaxGeneration ? 1 : g + 1;
  }

  // "<node.slot.generation>", as Erlang prints pids; "<invalid>" for Pid().
  std::string ToString() const;
  // Parses the ToString form. Returns nullopt on malformed input.
  static absl::optional<Pid> Parse(absl::string_view text);

  friend constexpr bool operator==(Pid a, Pid b) { return a.bits_ == b.bits_; }
  friend constexpr bool operator!=(Pid a, Pid b) { return a.bits_ != b.bits_; }
  friend constexpr bool operator<(Pid a, Pid b) { return a.bits_ < b.bits_; }
  template <typename H>
  friend H AbslHashValue(H h, Pid p) {
    return H::combine(std::move(h), p.bits_);
  }
  friend std::ostream& operator<<(std::ostream& os, Pid p) {
    return os << p.ToString();
  }

 private:
  explicit constexpr Pid(uint64_t bits) : bits_(bits) {}
  uint64_t bits_ = 0;
};

static_assert(sizeof(Pid) == 8);
static_assert(Pid::kNodeBits + Pid::kGenerationBits + Pid::kSlotBits == 64);

}  // namespace myr

#endif  // MYR_PID_PID_H_
