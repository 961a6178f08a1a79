// Copyright Myrmidon authors.
#include "libs/sched/internal/clocks.h"

#include <algorithm>
#include <utility>

#if defined(__linux__)
#include <sys/prctl.h>
#endif

namespace myr::sched_internal {

void DueTimer::Fire() {
  try {
    if (raw != nullptr) {
      raw(ctx, arg, id);
    } else if (fn) {
      fn();
    }
  } catch (...) {
    // A timer callback must not throw; one that does loses only itself.
  }
}

// --- TimerTable -----------------------------------------------------------------

TimerTable::Entry& TimerTable::EntryFor(timers::TimerId id) {
  if (id.index() >= entries_.size()) entries_.resize(id.index() + 1);
  return entries_[id.index()];
}

uint64_t TimerTable::Add(int64_t deadline_ns, Clock::Callback fn) {
  timers::TimerId id = wheel_.Schedule(deadline_ns, 0);
  Entry& e = EntryFor(id);
  e.fn = std::move(fn);
  e.raw = nullptr;
  return id.bits();
}

uint64_t TimerTable::AddRaw(int64_t deadline_ns, Clock::RawCallback fn, void* ctx, uint64_t arg) {
  timers::TimerId id = wheel_.Schedule(deadline_ns, 0);
  Entry& e = EntryFor(id);
  e.raw = fn;
  e.ctx = ctx;
  e.arg = arg;
  return id.bits();
}

bool TimerTable::Cancel(uint64_t id, Clock::Callback* dropped) {
  timers::TimerId tid = timers::TimerId::FromBits(id);
  if (!wheel_.Cancel(tid)) return false;
  Entry& e = entries_[tid.index()];
  *dropped = std::move(e.fn);
  e.fn = nullptr;
  e.raw = nullptr;
  return true;
}

void TimerTable::TakeDue(int64_t now_ns, std::vector<DueTimer>* due) {
  wheel_.Advance(now_ns, [&](timers::TimerId id, uint64_t) {
    Entry& e = entries_[id.index()];
    due->push_back(DueTimer{std::move(e.fn), e.raw, e.ctx, e.arg, id.bits()});
    e.fn = nullptr;
    e.raw = nullptr;
  });
}

// --- RealClock --------------------------------------------------------------------

RealClock::RealClock() : epoch_(std::chrono::steady_clock::now()) {}

RealClock::~RealClock() { Stop(); }

void RealClock::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable() || stop_) return;
  thread_ = std::thread([this] { Loop(); });
}

void RealClock::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void RealClock::WakeIfEarlier(int64_t deadline_ns) {
  if (deadline_ns < wake_at_) {
    wake_at_ = deadline_ns;
    cv_.notify_one();
  }
}

uint64_t RealClock::Arm(int64_t deadline_ns, Callback fn) {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t id = table_.Add(deadline_ns, std::move(fn));
  WakeIfEarlier(deadline_ns);
  return id;
}

uint64_t RealClock::ArmRaw(int64_t deadline_ns, RawCallback fn, void* ctx, uint64_t arg) {
  std::lock_guard<std::mutex> lock(mu_);
  uint64_t id = table_.AddRaw(deadline_ns, fn, ctx, arg);
  WakeIfEarlier(deadline_ns);
  return id;
}

bool RealClock::Cancel(uint64_t id) {
  Callback dropped;
  std::lock_guard<std::mutex> lock(mu_);
  return table_.Cancel(id, &dropped);
  // `dropped` is destroyed after the lock is released (declared first).
}

void RealClock::Loop() {
#if defined(__linux__)
  // Linux lets a sleeping thread wake up to 50 us late by default (timer
  // slack); the timer thread asks for 1 us, so that timers fire on time.
  prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
#endif
  std::vector<DueTimer> due;
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    table_.TakeDue(NowNanos(), &due);
    if (!due.empty()) {
      lock.unlock();
      for (DueTimer& t : due) t.Fire();
      due.clear();
      lock.lock();
      continue;
    }
    const int64_t now = NowNanos();
    const int64_t next = table_.NextWakeup();
    if (next <= now) continue;  // became due meanwhile
    wake_at_ = next;
    // In slices of at most a second: the condition variable's clock
    // arithmetic would overflow on "never".
    cv_.wait_for(lock, std::chrono::nanoseconds(std::min<int64_t>(next - now, 1'000'000'000)));
    wake_at_ = INT64_MIN;
  }
}

// --- VirtualClock -------------------------------------------------------------------

uint64_t VirtualClock::Arm(int64_t deadline_ns, Callback fn) {
  std::lock_guard<std::mutex> lock(mu_);
  return table_.Add(deadline_ns, std::move(fn));
}

uint64_t VirtualClock::ArmRaw(int64_t deadline_ns, RawCallback fn, void* ctx, uint64_t arg) {
  std::lock_guard<std::mutex> lock(mu_);
  return table_.AddRaw(deadline_ns, fn, ctx, arg);
}

bool VirtualClock::Cancel(uint64_t id) {
  Callback dropped;
  std::lock_guard<std::mutex> lock(mu_);
  return table_.Cancel(id, &dropped);
}

int64_t VirtualClock::NextDeadline() const {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t next = table_.NextDeadline();
  return next == timers::TimingWheel::kNoDeadline ? INT64_MAX : next;
}

bool VirtualClock::FireNext(int64_t limit) {
  std::vector<DueTimer> due;
  {
    std::lock_guard<std::mutex> lock(mu_);
    int64_t next = table_.NextDeadline();
    if (next == timers::TimingWheel::kNoDeadline || next > limit) return false;
    if (now_.load(std::memory_order_relaxed) < next) now_.store(next, std::memory_order_release);
    table_.TakeDue(next, &due);
  }
  for (DueTimer& t : due) t.Fire();
  return true;
}

void VirtualClock::SetNow(int64_t t) {
  if (now_.load(std::memory_order_relaxed) < t) now_.store(t, std::memory_order_release);
}

}  // namespace myr::sched_internal
