// Copyright Myrmidon authors.
#include "libs/timers/timer_service.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "libs/timers/wheel/timing_wheel.h"

namespace myr::timers {
namespace {

constexpr uint32_t kNil = 0xFFFFFFFFu;
constexpr uint32_t kMaxSlots = kNil - 1;  // handle indices 0 .. 2^32 - 2 (all shards)
constexpr int kChunkBits = 12;           // 4096 slots (224 KiB) per chunk
constexpr uint32_t kChunk = 1u << kChunkBits;
constexpr uint32_t kMaxShards = 256;
constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

enum class Kind : uint8_t {
  kFree,
  kOneShot,
  kInterval,
  kOwner,  // the sentinel of an owner's ring of timers
};

// One slot: a pending timer, or the sentinel of an owner's circular list of
// timers (so that unlinking a timer needs no lookup of its owner).
//
// Where a pending timer waits: in the wheel, or -- once the wheel has been
// advanced through its tick -- in the staging heap, a small min-heap of the
// timers of the current tick ordered by exact deadline. The wheel does not
// sort within a tick (finding its earliest deadline scans the tick's slot),
// so the service advances the wheel once per tick, to the tick's last
// nanosecond, and hands out the staged timers from the heap at their exact
// deadlines: firing stays exact, and N timers with distinct deadlines in one
// tick cost O(N log N), not N scans of the tick.
struct Slot {
  Message* msg;         // timer: its message (an interval's prototype)
  int64_t deadline_ns;  // timer: the (next) deadline
  int64_t period_ns;    // interval: > 0; one-shot: 0; owner: its watch id
  Pid to;               // timer: the target; owner: the owner's pid
  TimerId wheel_id;     // timer: its wheel entry
  uint32_t prev;        // owner's ring (timers and sentinel)
  uint32_t next;        // owner's ring; free list when free
  uint32_t generation;  // bumped when the slot is freed; never 0
  Kind kind;
  bool staged;  // timer: in the staging heap (true) or in the wheel (false)
};
static_assert(sizeof(Slot) == 56, "a slot is 56 bytes");

int64_t AddSaturating(int64_t a, int64_t b) {
  if (b > 0 && a > kNever - b) return kNever;
  return a + b;
}

// The first instant of the tick after the one holding `t` (t >= 0).
int64_t TickEnd(int64_t tick_ns, int64_t t) { return AddSaturating(t - t % tick_ns, tick_ns); }

absl::Status Full(size_t max_pending) {
  return absl::ResourceExhaustedError(absl::StrCat(
      "timer service is full (", max_pending, " timers and owners per shard)"));
}

absl::Status NoProc(Pid pid) {
  return absl::NotFoundError(
      absl::StrCat("noproc: timer owner ", pid.ToString(), " is not a live actor"));
}

}  // namespace

struct TimerService::Shard {
  Shard(Runtime& r, const Options& o, uint32_t shard_id, uint32_t shard_count)
      : rt(r),
        id(shard_id),
        nshards(shard_count),
        max_slots(kMaxSlots / shard_count),
        slack_ns(std::max<int64_t>(o.slack_ns, 0)),
        max_pending(o.max_pending == 0
                        ? max_slots
                        : std::min<size_t>((o.max_pending + shard_count - 1) / shard_count,
                                           max_slots)),
        wheel(TimingWheel::Options{.tick_ns = o.tick_ns > 0 ? o.tick_ns : 1,
                                   .start_ns = std::max<int64_t>(r.NowNanos(), 0)}) {
    staged_until = TickEnd(wheel.tick_ns(), std::max<int64_t>(r.NowNanos(), 0)) - wheel.tick_ns();
    if (o.reserve > 0) {
      const size_t n = o.reserve / shard_count + 1;
      wheel.Reserve(n);
      chunks.reserve((n + kChunk - 1) / kChunk);
    }
  }

  Runtime& rt;
  const uint32_t id;        // this shard's number
  const uint32_t nshards;   // shards of the service
  const uint32_t max_slots;  // slot indices 0 .. max_slots - 1
  const int64_t slack_ns;
  const size_t max_pending;

  mutable std::mutex mu;
  std::condition_variable idle_cv;  // in_flight dropped to 0 (destructor)
  bool closed = false;              // guarded by mu
  int in_flight = 0;                // Fire callbacks sending; guarded by mu
  TimingWheel wheel;                // guarded by mu
  // Staging heap (see Slot). The wheel holds no timer due at or before
  // staged_until; the heap holds the pending timers that are (plus stale
  // entries of staged timers that ended, skipped lazily).
  struct Staged {
    int64_t deadline_ns;
    uint64_t seq;  // staging order: equal deadlines fire in arming order
    uint32_t index;
    uint32_t generation;
  };
  static bool Later(const Staged& a, const Staged& b) {
    return a.deadline_ns != b.deadline_ns ? a.deadline_ns > b.deadline_ns : a.seq > b.seq;
  }
  std::vector<Staged> heap;          // min-heap under Later; guarded by mu
  size_t heap_stale = 0;             // entries of ended timers; guarded by mu
  uint64_t stage_seq = 0;            // guarded by mu
  int64_t staged_until;              // guarded by mu
  size_t pending = 0;                // pending timers; guarded by mu
  std::vector<std::unique_ptr<Slot[]>> chunks;  // guarded by mu
  uint32_t slot_count = 0;                      // slots ever used; guarded by mu
  uint32_t free_head = kNil;                    // guarded by mu
  size_t live_slots = 0;                        // timers + owners; guarded by mu
  absl::flat_hash_map<Pid, uint32_t> owners;    // owner -> sentinel; guarded by mu
  // The one runtime callback: its id, deadline and sequence number (a
  // callback whose sequence is not armed_seq has been superseded).
  uint64_t armed_id = 0;     // guarded by mu
  int64_t armed_at = kNever;  // guarded by mu
  uint64_t armed_seq = 0;    // guarded by mu

  std::atomic<uint64_t> armed{0}, fired{0}, ticks{0}, cancelled{0}, by_death{0}, ended{0},
      dropped{0}, skipped{0};

  Slot& At(uint32_t i) { return chunks[i >> kChunkBits][i & (kChunk - 1)]; }
  const Slot& At(uint32_t i) const { return chunks[i >> kChunkBits][i & (kChunk - 1)]; }

  // A slot off the free list (or a new one); kNil at the limit. Lock held.
  uint32_t AllocLocked() {
    if (live_slots >= max_pending) return kNil;
    uint32_t i;
    if (free_head != kNil) {
      i = free_head;
      free_head = At(i).next;
    } else {
      if (slot_count >= max_slots) return kNil;
      i = slot_count++;
      if ((i & (kChunk - 1)) == 0) {
        chunks.emplace_back(new Slot[kChunk]());  // zeroed: kind kFree
        for (uint32_t k = 0; k < kChunk; ++k) chunks.back()[k].generation = 1;
      }
    }
    ++live_slots;
    Slot& s = At(i);
    s.msg = nullptr;
    s.prev = s.next = i;
    return i;
  }

  // Back to the free list; bumps the generation. Lock held.
  void FreeLocked(uint32_t i) {
    Slot& s = At(i);
    s.kind = Kind::kFree;
    s.msg = nullptr;
    s.generation = s.generation == 0xFFFFFFFFu ? 1 : s.generation + 1;
    s.next = free_head;
    free_head = i;
    --live_slots;
  }

  // Inserts timer `i` into the ring whose sentinel is `head`. Lock held.
  void LinkLocked(uint32_t head, uint32_t i) {
    Slot& h = At(head);
    Slot& s = At(i);
    s.next = head;
    s.prev = h.prev;
    At(h.prev).next = i;
    h.prev = i;
  }
  void UnlinkLocked(uint32_t i) {
    Slot& s = At(i);
    At(s.prev).next = s.next;
    At(s.next).prev = s.prev;
  }

  // Puts timer `i` (deadline set) in the wheel, or in the heap if the wheel
  // has already been advanced through its deadline. Lock held.
  void PlaceLocked(uint32_t i) {
    Slot& s = At(i);
    if (s.deadline_ns <= staged_until) {
      s.staged = true;
      heap.push_back({s.deadline_ns, stage_seq++, i, s.generation});
      std::push_heap(heap.begin(), heap.end(), Later);
    } else {
      s.staged = false;
      s.wheel_id = wheel.Schedule(s.deadline_ns, i);
    }
  }

  // Takes timer `i` out of the wheel or (lazily) out of the heap. Lock held.
  void UnplaceLocked(uint32_t i) {
    Slot& s = At(i);
    if (!s.staged) {
      wheel.Cancel(s.wheel_id);
      return;
    }
    // Its heap entry goes stale; drop stale entries once they are the bulk
    // (a loop arming and cancelling within the staged tick cannot grow the
    // heap without bound).
    if (++heap_stale > 64 && heap_stale * 2 > heap.size()) {
      heap.erase(std::remove_if(heap.begin(), heap.end(),
                                [&](const Staged& e) { return !LiveLocked(e) || e.index == i; }),
                 heap.end());
      std::make_heap(heap.begin(), heap.end(), Later);
      heap_stale = 0;
    }
  }

  // True if heap entry `e` still names a staged, pending timer. Lock held.
  bool LiveLocked(const Staged& e) const {
    const Slot& s = At(e.index);
    return s.generation == e.generation && s.staged &&
           (s.kind == Kind::kOneShot || s.kind == Kind::kInterval) &&
           s.deadline_ns == e.deadline_ns;
  }

  // Pops stale entries off the top of the heap. Lock held.
  void TrimHeapLocked() {
    while (!heap.empty() && !LiveLocked(heap.front())) {
      std::pop_heap(heap.begin(), heap.end(), Later);
      heap.pop_back();
      if (heap_stale > 0) --heap_stale;
    }
  }

  // Ends timer `i` (not fired): out of the wheel or heap, its ring and its
  // slot; returns its message for the caller to destroy after unlocking.
  Message* EndLocked(uint32_t i) {
    UnplaceLocked(i);
    UnlinkLocked(i);
    Message* m = At(i).msg;
    FreeLocked(i);
    --pending;
    return m;
  }

  // The handle of timer slot `i`.
  TimerRef RefOf(uint32_t i) const {
    return TimerRef::FromBits(uint64_t{At(i).generation} << 32 |
                              (uint64_t{i} * nshards + id));
  }

  // Slot `i` if it holds a pending timer of generation `gen`; kNil otherwise.
  // Lock held.
  uint32_t FindLocked(uint32_t i, uint32_t gen) const {
    if (gen == 0 || i >= slot_count) return kNil;
    const Slot& s = At(i);
    if (s.generation != gen) return kNil;
    if (s.kind != Kind::kOneShot && s.kind != Kind::kInterval) return kNil;
    return i;
  }

  // Makes sure the runtime callback fires by `deadline`. Lock held.
  static void ArmLocked(const std::shared_ptr<Shard>& self, int64_t deadline);
  // The runtime callback.
  static void Fire(const std::weak_ptr<Shard>& weak, uint64_t seq);
  // The owner's exit callback.
  static void OnOwnerExit(const std::weak_ptr<Shard>& weak, Pid owner);
};

void TimerService::Shard::ArmLocked(const std::shared_ptr<Shard>& self, int64_t deadline) {
  if (deadline == kNever) return;
  if (self->slack_ns > 0 && deadline > 0 && deadline % self->slack_ns != 0) {
    deadline = AddSaturating(deadline - deadline % self->slack_ns, self->slack_ns);
  }
  if (deadline == kNever || deadline >= self->armed_at) return;
  if (self->armed_id != 0) {
    // If it is firing right now the cancel fails; that callback then sees a
    // newer armed_seq and does nothing.
    self->rt.CancelTimer(self->armed_id);
  }
  uint64_t seq = ++self->armed_seq;
  std::weak_ptr<Shard> weak = self;
  // ArmCallback only queues the callback (it never runs it here), and the
  // runtime calls it with none of its locks held, so arming under `mu` is safe.
  self->armed_id = self->rt.ArmCallback(deadline, [weak, seq] { Fire(weak, seq); });
  self->armed_at = deadline;
}

void TimerService::Shard::Fire(const std::weak_ptr<Shard>& weak, uint64_t seq) {
  std::shared_ptr<Shard> self = weak.lock();
  if (self == nullptr) return;
  struct Due {
    Pid to;
    Message* msg;
    uint32_t interval;  // the interval's slot, or kNil for a one-shot
    uint32_t generation;
  };
  std::vector<Due> due;
  {
    std::lock_guard<std::mutex> lock(self->mu);
    if (self->closed || seq != self->armed_seq) return;
    self->armed_id = 0;
    self->armed_at = kNever;
    const int64_t now = self->rt.NowNanos();
    // Stage the current tick: the wheel hands over every timer due by its
    // last nanosecond (once per tick), the heap orders them exactly.
    const int64_t tick_last = TickEnd(self->wheel.tick_ns(), std::max<int64_t>(now, 0)) - 1;
    if (tick_last > self->staged_until) {
      self->wheel.Advance(tick_last, [&](TimerId, uint64_t payload) {
        const uint32_t i = static_cast<uint32_t>(payload);
        Slot& s = self->At(i);
        s.staged = true;
        self->heap.push_back({s.deadline_ns, self->stage_seq++, i, s.generation});
        std::push_heap(self->heap.begin(), self->heap.end(), Later);
      });
      self->staged_until = tick_last;
    }
    uint64_t skipped = 0;
    for (;;) {
      self->TrimHeapLocked();
      if (self->heap.empty() || self->heap.front().deadline_ns > now) break;
      const uint32_t i = self->heap.front().index;
      std::pop_heap(self->heap.begin(), self->heap.end(), Later);
      self->heap.pop_back();
      Slot& s = self->At(i);
      s.staged = false;
      if (s.kind == Kind::kOneShot) {
        due.push_back({s.to, s.msg, kNil, 0});
        self->UnlinkLocked(i);
        self->FreeLocked(i);
        --self->pending;
        continue;
      }
      // An interval: send a copy; the next deadline stays on the grid
      // deadline + k * period, skipping the ticks already missed.
      due.push_back({s.to, s.msg->Clone(), i, s.generation});
      int64_t next = AddSaturating(s.deadline_ns, s.period_ns);
      if (next <= now) {
        const int64_t behind = now - s.deadline_ns;  // >= period
        skipped += static_cast<uint64_t>(behind / s.period_ns);
        next = AddSaturating(now - behind % s.period_ns, s.period_ns);
      }
      s.deadline_ns = next;
      self->PlaceLocked(i);
    }
    if (skipped != 0) self->skipped.fetch_add(skipped, std::memory_order_relaxed);
    // Every heap entry is due before anything in the wheel.
    ArmLocked(self, self->heap.empty() ? self->wheel.NextDeadline()
                                       : self->heap.front().deadline_ns);
    if (due.empty()) return;
    ++self->in_flight;
  }

  // Send outside the lock. A timer whose owner has died meanwhile is not
  // sent: its exit callback cancels (or has cancelled) the rest.
  std::vector<std::pair<uint32_t, uint32_t>> gone;  // intervals whose target is gone
  uint64_t fired = 0, ticks = 0, dropped = 0, by_death = 0;
  for (Due& d : due) {
    if (!self->rt.IsAlive(d.msg->sender())) {
      delete d.msg;
      if (d.interval == kNil) ++by_death;
      continue;
    }
    SendResult r = self->rt.SendMessage(d.to, d.msg, /*may_block=*/false);
    if (d.interval == kNil) {
      ++fired;
    } else {
      ++ticks;
      if (r == SendResult::kNoProc) gone.emplace_back(d.interval, d.generation);
    }
    if (!Delivered(r)) ++dropped;
  }
  if (fired != 0) self->fired.fetch_add(fired, std::memory_order_relaxed);
  if (ticks != 0) self->ticks.fetch_add(ticks, std::memory_order_relaxed);
  if (dropped != 0) self->dropped.fetch_add(dropped, std::memory_order_relaxed);
  if (by_death != 0) self->by_death.fetch_add(by_death, std::memory_order_relaxed);

  std::vector<Message*> garbage;
  {
    std::lock_guard<std::mutex> lock(self->mu);
    if (!self->closed) {
      for (auto [i, gen] : gone) {
        if (self->FindLocked(i, gen) == kNil) continue;
        garbage.push_back(self->EndLocked(i));
        self->ended.fetch_add(1, std::memory_order_relaxed);
      }
    }
    if (--self->in_flight == 0 && self->closed) self->idle_cv.notify_all();
  }
  for (Message* m : garbage) delete m;
}

void TimerService::Shard::OnOwnerExit(const std::weak_ptr<Shard>& weak, Pid owner) {
  std::shared_ptr<Shard> self = weak.lock();
  if (self == nullptr) return;
  std::vector<Message*> garbage;
  {
    std::lock_guard<std::mutex> lock(self->mu);
    if (self->closed) return;
    auto it = self->owners.find(owner);
    if (it == self->owners.end()) return;
    const uint32_t head = it->second;
    self->owners.erase(it);
    for (uint32_t i = self->At(head).next; i != head;) {
      const uint32_t next = self->At(i).next;
      self->UnplaceLocked(i);
      garbage.push_back(self->At(i).msg);
      self->FreeLocked(i);
      --self->pending;
      i = next;
    }
    self->FreeLocked(head);
    self->by_death.fetch_add(garbage.size(), std::memory_order_relaxed);
  }
  for (Message* m : garbage) delete m;
}

TimerService::TimerService(Runtime& rt, Options options) : rt_(rt) {
  const uint32_t n = std::clamp<uint32_t>(options.shards, 1, kMaxShards);
  shards_.reserve(n);
  for (uint32_t k = 0; k < n; ++k) shards_.push_back(std::make_shared<Shard>(rt, options, k, n));
}

TimerService::~TimerService() {
  for (const std::shared_ptr<Shard>& shard : shards_) {
    Shard& sh = *shard;
    std::vector<Message*> garbage;
    std::vector<std::pair<Pid, uint64_t>> watches;
    uint64_t armed_id = 0;
    {
      std::unique_lock<std::mutex> lock(sh.mu);
      sh.closed = true;
      // A callback sending right now finishes first (its sends never block).
      sh.idle_cv.wait(lock, [&] { return sh.in_flight == 0; });
      for (const auto& [pid, head] : sh.owners) {
        watches.emplace_back(pid, static_cast<uint64_t>(sh.At(head).period_ns));
      }
      sh.owners.clear();
      for (uint32_t i = 0; i < sh.slot_count; ++i) {
        Slot& s = sh.At(i);
        if (s.kind == Kind::kOneShot || s.kind == Kind::kInterval) garbage.push_back(s.msg);
        if (s.kind != Kind::kFree) sh.FreeLocked(i);
      }
      sh.heap.clear();
      sh.pending = 0;
      armed_id = std::exchange(sh.armed_id, 0);
      sh.armed_at = kNever;
    }
    if (armed_id != 0) rt_.CancelTimer(armed_id);
    // An exit callback already taken out by an exiting owner may still run;
    // it finds the shard closed.
    for (const auto& [pid, id] : watches) rt_.Unwatch(pid, id);
    for (Message* m : garbage) delete m;
  }
}

TimerService::Shard* TimerService::ShardOf(TimerRef ref, uint32_t* index) const {
  const uint32_t n = static_cast<uint32_t>(shards_.size());
  *index = ref.index() / n;
  return shards_[ref.index() % n].get();
}

absl::StatusOr<TimerRef> TimerService::Arm(Pid owner, Pid to, absl::Duration d, bool interval,
                                           Message* m) {
  std::unique_ptr<Message> msg(m);
  if (!owner.valid()) return absl::InvalidArgumentError("timer owner is not a valid pid");
  if (!to.valid()) return absl::InvalidArgumentError("timer target is not a valid pid");
  if (interval && d <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("interval period must be positive, got ", absl::FormatDuration(d)));
  }
  if (!rt_.IsAlive(owner)) return NoProc(owner);
  // All the timers of one owner live in one shard, with its one watch.
  const std::shared_ptr<Shard>& shard =
      shards_.size() == 1 ? shards_[0] : shards_[absl::Hash<Pid>()(owner) % shards_.size()];
  Shard& st = *shard;
  int64_t period = 0;
  int64_t deadline;
  {
    const int64_t now = rt_.NowNanos();
    if (d == absl::InfiniteDuration()) {
      deadline = kNever;
    } else {
      const int64_t ns = absl::ToInt64Nanoseconds(d);  // saturates
      deadline = ns < 0 ? now : AddSaturating(now, ns);
    }
    if (interval) period = std::max<int64_t>(absl::ToInt64Nanoseconds(d), 1);
  }

  std::lock_guard<std::mutex> lock(st.mu);
  if (st.closed) return absl::FailedPreconditionError("timer service is being destroyed");
  uint32_t head;
  auto it = st.owners.find(owner);
  if (it != st.owners.end()) {
    head = it->second;
  } else {
    head = st.AllocLocked();
    if (head == kNil) return Full(st.max_pending);
    // Under `mu`: an exit callback of `owner` (which takes `mu`) therefore
    // runs after this timer exists and cancels it; if the owner is already
    // exiting, Watch returns 0 and the arm fails. Runtime::Watch never runs
    // the callback itself, and the runtime runs it with none of its locks
    // held, so calling it under `mu` cannot deadlock.
    std::weak_ptr<Shard> weak = shard;
    uint64_t watch =
        rt_.Watch(owner, [weak](Pid p, const ExitReason&) { Shard::OnOwnerExit(weak, p); });
    if (watch == 0) {
      st.FreeLocked(head);
      return NoProc(owner);
    }
    Slot& h = st.At(head);
    h.kind = Kind::kOwner;
    h.to = owner;
    h.period_ns = static_cast<int64_t>(watch);
    h.prev = h.next = head;
    st.owners.emplace(owner, head);
  }
  uint32_t i = st.AllocLocked();
  if (i == kNil) return Full(st.max_pending);
  Slot& s = st.At(i);
  s.kind = interval ? Kind::kInterval : Kind::kOneShot;
  s.msg = msg.release();
  s.deadline_ns = deadline;
  s.period_ns = period;
  s.to = to;
  st.PlaceLocked(i);
  ++st.pending;
  st.LinkLocked(head, i);
  st.armed.fetch_add(1, std::memory_order_relaxed);
  Shard::ArmLocked(shard, deadline);
  return st.RefOf(i);
}

bool TimerService::Cancel(TimerRef ref) {
  if (!ref.valid()) return false;
  uint32_t index;
  Shard* sh = ShardOf(ref, &index);
  Message* m;
  {
    std::lock_guard<std::mutex> lock(sh->mu);
    if (sh->closed) return false;
    uint32_t i = sh->FindLocked(index, ref.generation());
    if (i == kNil) return false;
    m = sh->EndLocked(i);
    sh->cancelled.fetch_add(1, std::memory_order_relaxed);
  }
  delete m;
  return true;
}

std::optional<absl::Duration> TimerService::TimeLeft(TimerRef ref) const {
  if (!ref.valid()) return std::nullopt;
  uint32_t index;
  Shard* sh = ShardOf(ref, &index);
  int64_t deadline;
  {
    std::lock_guard<std::mutex> lock(sh->mu);
    uint32_t i = sh->FindLocked(index, ref.generation());
    if (i == kNil) return std::nullopt;
    deadline = sh->At(i).deadline_ns;
  }
  if (deadline == kNever) return absl::InfiniteDuration();
  return absl::Nanoseconds(std::max<int64_t>(deadline - rt_.NowNanos(), 0));
}

TimerService::Stats TimerService::stats() const {
  Stats s;
  for (const std::shared_ptr<Shard>& sh : shards_) {
    {
      std::lock_guard<std::mutex> lock(sh->mu);
      s.pending += sh->pending;
      s.owners += sh->owners.size();
    }
    s.armed += sh->armed.load(std::memory_order_relaxed);
    s.fired += sh->fired.load(std::memory_order_relaxed);
    s.ticks += sh->ticks.load(std::memory_order_relaxed);
    s.cancelled += sh->cancelled.load(std::memory_order_relaxed);
    s.cancelled_by_death += sh->by_death.load(std::memory_order_relaxed);
    s.ended += sh->ended.load(std::memory_order_relaxed);
    s.dropped += sh->dropped.load(std::memory_order_relaxed);
    s.skipped += sh->skipped.load(std::memory_order_relaxed);
  }
  return s;
}

size_t TimerService::pending() const {
  size_t n = 0;
  for (const std::shared_ptr<Shard>& sh : shards_) {
    std::lock_guard<std::mutex> lock(sh->mu);
    n += sh->pending;
  }
  return n;
}

}  // namespace myr::timers
