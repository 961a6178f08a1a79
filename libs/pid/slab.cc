// Copyright Myrmidon authors.
#include "libs/pid/slab.h"

#include <cstdlib>
#include <new>

#include "absl/strings/str_cat.h"

namespace myr::pid {
namespace {

constexpr int kGenShift = 43;
constexpr int kStateShift = 40;
constexpr uint64_t kRefMask = (uint64_t{1} << kStateShift) - 1;
constexpr uint64_t kFree = 0;
constexpr uint64_t kAlive = 1;
constexpr uint64_t kDying = 2;

constexpr uint32_t GenOf(uint64_t w) { return static_cast<uint32_t>(w >> kGenShift); }
constexpr uint64_t StateOf(uint64_t w) { return (w >> kStateShift) & 3; }
constexpr uint64_t RefsOf(uint64_t w) { return w & kRefMask; }
constexpr uint64_t MakeWord(uint32_t gen, uint64_t state, uint64_t refs) {
  return (uint64_t{gen} << kGenShift) | (state << kStateShift) | refs;
}
static_assert(Pid::kGenerationBits + kGenShift == 64);

}  // namespace

Slab::Slab(const Options& options)
    : node_(options.node),
      max_slots_(options.max_slots == 0 || options.max_slots > Pid::kMaxSlots
                     ? Pid::kMaxSlots
                     : options.max_slots),
      finalizer_(options.finalizer),
      context_(options.context) {
  num_chunks_ = (max_slots_ + kChunkSlots - 1) / kChunkSlots;
  chunks_ = new std::atomic<Slot*>[num_chunks_];
  for (uint32_t i = 0; i < num_chunks_; ++i) chunks_[i].store(nullptr, std::memory_order_relaxed);
}

Slab::~Slab() {
  for (uint32_t i = 0; i < num_chunks_; ++i) {
    Slot* chunk = chunks_[i].load(std::memory_order_acquire);
    if (chunk != nullptr) {
      for (uint32_t j = 0; j < kChunkSlots; ++j) chunk[j].~Slot();
      std::free(chunk);
    }
  }
  delete[] chunks_;
}

void Slab::SlotRing::push_back(uint32_t v) {
  if (size_ == buf_.size()) {
    std::vector<uint32_t> bigger(buf_.empty() ? 1024 : buf_.size() * 2);
    for (size_t i = 0; i < size_; ++i) bigger[i] = buf_[(head_ + i) & (buf_.size() - 1)];
    buf_.swap(bigger);
    head_ = 0;
  }
  buf_[(head_ + size_) & (buf_.size() - 1)] = v;
  ++size_;
}

uint32_t Slab::SlotRing::pop_front() {
  uint32_t v = buf_[head_];
  head_ = (head_ + 1) & (buf_.size() - 1);
  --size_;
  return v;
}

void Slab::SpinLock::lock() {
  while (flag_.exchange(true, std::memory_order_acquire)) {
    while (flag_.load(std::memory_order_relaxed)) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
  }
}

uint32_t Slab::MyShard() {
  static std::atomic<uint32_t> next{0};
  thread_local uint32_t shard = next.fetch_add(1, std::memory_order_relaxed) % kShards;
  return shard;
}

uint32_t Slab::high_water() const {
  uint32_t n = next_fresh_.load(std::memory_order_relaxed);
  return n > max_slots_ ? max_slots_ : n;
}

Slab::Slot* Slab::SlotAt(uint32_t slot) const {
  if (slot >= max_slots_) return nullptr;
  Slot* chunk = chunks_[slot >> kChunkBits].load(std::memory_order_acquire);
  if (chunk == nullptr) return nullptr;
  return &chunk[slot & (kChunkSlots - 1)];
}

Slab::Slot* Slab::EnsureSlot(uint32_t slot) {
  std::atomic<Slot*>& entry = chunks_[slot >> kChunkBits];
  Slot* chunk = entry.load(std::memory_order_acquire);
  if (chunk == nullptr) {
    // calloc: zeroed memory is a valid FREE slot at generation 0, and large
    // callocs come straight from mmap, so untouched slots cost no RSS.
    void* mem = std::calloc(kChunkSlots, sizeof(Slot));
    if (mem == nullptr) throw std::bad_alloc();
    Slot* fresh = static_cast<Slot*>(mem);
    if (entry.compare_exchange_strong(chunk, fresh, std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
      chunk = fresh;
    } else {
      std::free(fresh);  // another thread installed it first
    }
  }
  return &chunk[slot & (kChunkSlots - 1)];
}

absl::StatusOr<Pid> Slab::Insert(void* object) {
  uint32_t slot = UINT32_MAX;
  Shard& own = shards_[MyShard()];
  {
    std::lock_guard<SpinLock> lock(own.mu);
    if (own.free.size() >= kReuseThreshold) {
      slot = own.free.pop_front();
    }
  }
  if (slot == UINT32_MAX) {
    uint32_t fresh = next_fresh_.load(std::memory_order_relaxed);
    while (fresh < max_slots_ &&
           !next_fresh_.compare_exchange_weak(fresh, fresh + 1, std::memory_order_relaxed)) {
    }
    if (fresh < max_slots_) slot = fresh;
  }
  if (slot == UINT32_MAX) {
    // No fresh slots left: take any freed slot, from any shard.
    for (uint32_t i = 0; i < kShards && slot == UINT32_MAX; ++i) {
      Shard& s = shards_[(MyShard() + i) % kShards];
      std::lock_guard<SpinLock> lock(s.mu);
      if (!s.free.empty()) {
        slot = s.free.pop_front();
      }
    }
  }
  if (slot == UINT32_MAX) {
    return absl::ResourceExhaustedError(
        absl::StrCat("actor slab is full: ", max_slots_, " slots in use on node ", node_));
  }
  Slot* s = EnsureSlot(slot);
  uint32_t gen = Pid::NextGeneration(GenOf(s->word.load(std::memory_order_relaxed)));
  s->object.store(object, std::memory_order_relaxed);
  s->word.store(MakeWord(gen, kAlive, 1), std::memory_order_release);
  live_.fetch_add(1, std::memory_order_relaxed);
  return Pid::Make(node_, slot, gen);
}

void* Slab::Acquire(Pid pid) {
  if (pid.node() != node_) return nullptr;
  Slot* s = SlotAt(pid.slot());
  if (s == nullptr) return nullptr;
  uint64_t w = s->word.load(std::memory_order_acquire);
  for (;;) {
    if (GenOf(w) != pid.generation() || StateOf(w) != kAlive) return nullptr;
    if (s->word.compare_exchange_weak(w, w + 1, std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
      return s->object.load(std::memory_order_relaxed);
    }
  }
}

void Slab::Release(Pid pid) {
  Slot* s = SlotAt(pid.slot());
  uint64_t w = s->word.fetch_sub(1, std::memory_order_acq_rel) - 1;
  if (RefsOf(w) != 0) return;
  // Last reference of a DYING slot (an ALIVE slot always keeps its life
  // reference): nobody else can reach it any more.
  void* object = s->object.load(std::memory_order_relaxed);
  if (finalizer_ != nullptr) finalizer_(object, context_);
  s->object.store(nullptr, std::memory_order_relaxed);
  s->word.store(MakeWord(GenOf(w), kFree, 0), std::memory_order_release);
  live_.fetch_sub(1, std::memory_order_relaxed);
  FreeSlot(pid.slot());
}

void Slab::FreeSlot(uint32_t slot) {
  Shard& own = shards_[MyShard()];
  std::lock_guard<SpinLock> lock(own.mu);
  own.free.push_back(slot);
}

bool Slab::Retire(Pid pid) {
  if (pid.node() != node_) return false;
  Slot* s = SlotAt(pid.slot());
  if (s == nullptr) return false;
  uint64_t w = s->word.load(std::memory_order_acquire);
  for (;;) {
    if (GenOf(w) != pid.generation() || StateOf(w) != kAlive) return false;
    uint64_t dying = MakeWord(GenOf(w), kDying, RefsOf(w));
    if (s->word.compare_exchange_weak(w, dying, std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
      break;
    }
  }
  Release(pid);
  return true;
}

bool Slab::IsLive(Pid pid) const {
  if (pid.node() != node_) return false;
  const Slot* s = SlotAt(pid.slot());
  if (s == nullptr) return false;
  uint64_t w = s->word.load(std::memory_order_acquire);
  return GenOf(w) == pid.generation() && StateOf(w) == kAlive;
}

void* Slab::Peek(Pid pid) const {
  if (pid.node() != node_) return nullptr;
  const Slot* s = SlotAt(pid.slot());
  if (s == nullptr) return nullptr;
  uint64_t w = s->word.load(std::memory_order_acquire);
  if (GenOf(w) != pid.generation() || StateOf(w) == kFree) return nullptr;
  return s->object.load(std::memory_order_relaxed);
}

void Slab::ForEachLive(absl::FunctionRef<void(Pid, void*)> fn) {
  uint32_t n = high_water();
  for (uint32_t i = 0; i < n; ++i) {
    Slot* s = SlotAt(i);
    if (s == nullptr) {
      i = ((i >> kChunkBits) + 1) * kChunkSlots - 1;  // skip the empty chunk
      continue;
    }
    uint64_t w = s->word.load(std::memory_order_acquire);
    if (StateOf(w) != kAlive) continue;
    Pid pid = Pid::Make(node_, i, GenOf(w));
    void* obj = Acquire(pid);
    if (obj == nullptr) continue;
    fn(pid, obj);
    Release(pid);
  }
}

}  // namespace myr::pid
