// Copyright Myrmidon authors.
#include "libs/sched/internal/worker_pool.h"

#include <algorithm>
#include <chrono>
#include <utility>

namespace myr::sched_internal {
namespace {

// Consecutive LIFO-slot runs before the FIFO queue gets a turn.
constexpr uint32_t kMaxLifoStreak = 32;
// Every this many turns a worker looks at the global queue first.
constexpr uint64_t kGlobalCheckInterval = 61;
// How often the monitor looks for work stuck behind a long handler.
constexpr int64_t kMonitorPeriodNs = 1'000'000;

}  // namespace

void CellRing::Grow() {
  std::vector<Cell*> bigger(buf_.empty() ? 256 : buf_.size() * 2);
  for (size_t i = 0; i < size_; ++i) bigger[i] = buf_[(head_ + i) & (buf_.size() - 1)];
  buf_.swap(bigger);
  head_ = 0;
}

Cell* Worker::PopFront() {
  if (fifo_size.load(std::memory_order_relaxed) == 0) return nullptr;
  std::lock_guard<SpinLock> lock(mu);
  if (fifo.empty()) return nullptr;
  Cell* c = fifo.front();
  fifo.pop_front();
  fifo_size.store(fifo.size(), std::memory_order_seq_cst);
  return c;
}

Cell* Worker::StealInto(Worker* thief) {
  if (fifo_size.load(std::memory_order_seq_cst) == 0) return nullptr;
  Cell* taken[kMaxSteal];
  size_t n = 0;
  {
    if (!mu.try_lock()) return nullptr;
    std::lock_guard<SpinLock> lock(mu, std::adopt_lock);
    n = std::min(kMaxSteal, (fifo.size() + 1) / 2);
    for (size_t i = 0; i < n; ++i) {
      taken[i] = fifo.front();
      fifo.pop_front();
    }
    fifo_size.store(fifo.size(), std::memory_order_seq_cst);
  }
  if (n == 0) return nullptr;
  if (n > 1) {
    std::lock_guard<SpinLock> lock(thief->mu);
    for (size_t i = 1; i < n; ++i) thief->fifo.push_back(taken[i]);
    thief->fifo_size.store(thief->fifo.size(), std::memory_order_seq_cst);
  }
  return taken[0];
}

WorkerPool::WorkerPool(Runtime* rt, int workers, absl::Duration spin)
    : rt_(rt), spin_(spin) {
  for (int i = 0; i < std::max(1, workers); ++i) {
    auto w = std::make_unique<Worker>(this, i);
    w->rt = rt_;
    w->executor = this;
    w->batching_for = rt_;
    w->long_turn = &WorkerPool::OnLongTurn;
    workers_.push_back(std::move(w));
  }
}

WorkerPool::~WorkerPool() {
  std::vector<Turn> ignored;
  Shutdown(ignored);
}

void WorkerPool::Start(Clock* clock) {
  clock_ = clock;
  for (auto& w : workers_) {
    Worker* wp = w.get();
    w->thread = std::thread([this, wp] { Loop(wp); });
  }
  ArmMonitor();
}

void WorkerPool::Shutdown(std::vector<Turn>& leftover) {
  if (shut_down_.exchange(true, std::memory_order_seq_cst)) return;
  for (auto& w : workers_) {
    w->wake.store(1, std::memory_order_release);
    w->wake.notify_one();
  }
  for (auto& w : workers_) {
    if (w->thread.joinable()) w->thread.join();
  }
  for (auto& w : workers_) {
    if (Cell* c = w->lifo.exchange(nullptr)) leftover.push_back(TurnAccess::Make(c));
    while (Cell* c = w->PopFront()) leftover.push_back(TurnAccess::Make(c));
  }
  std::lock_guard<std::mutex> lock(global_mu_);
  for (Cell* c : global_) leftover.push_back(TurnAccess::Make(c));
  global_.clear();
}

void WorkerPool::OnLongTurn(TurnContext* t) {
  auto* w = static_cast<Worker*>(t);
  w->lifo_stealable.store(true, std::memory_order_relaxed);
  w->pool->NotifyIdle();
}

void WorkerPool::ArmMonitor() {
  if (shut_down_.load(std::memory_order_acquire)) return;
  clock_->Arm(clock_->NowNanos() + kMonitorPeriodNs, [this] {
    CheckStuck();
    ArmMonitor();
  });
}

void WorkerPool::CheckStuck() {
  // Work stuck behind a long handler: let an idle worker take it.
  for (auto& w : workers_) {
    uint64_t t = w->turns.load(std::memory_order_relaxed);
    if (w->busy.load(std::memory_order_relaxed) && t == w->seen_turns &&
        (w->lifo.load(std::memory_order_relaxed) != nullptr ||
         w->fifo_size.load(std::memory_order_relaxed) != 0)) {
      w->lifo_stealable.store(true, std::memory_order_relaxed);
      NotifyIdle();
    }
    w->seen_turns = t;
  }
}

void WorkerPool::NotifyIdle() {
  if (num_searching_.load(std::memory_order_seq_cst) == 0 &&
      num_parked_.load(std::memory_order_seq_cst) > 0) {
    WakeOne();
  }
}

void WorkerPool::WakeOne() {
  Worker* w;
  {
    std::lock_guard<std::mutex> lock(idle_mu_);
    if (parked_.empty()) return;
    w = parked_.back();
    parked_.pop_back();
    num_parked_.fetch_sub(1, std::memory_order_seq_cst);
    num_searching_.fetch_add(1, std::memory_order_seq_cst);  // it wakes up searching
  }
  w->wake.store(1, std::memory_order_release);
  w->wake.notify_one();
}

bool WorkerPool::AnyWork() const {
  if (global_size_.load(std::memory_order_seq_cst) != 0) return true;
  for (const auto& w : workers_) {
    if (w->fifo_size.load(std::memory_order_seq_cst) != 0) return true;
    if (w->lifo_stealable.load(std::memory_order_seq_cst) &&
        w->lifo.load(std::memory_order_seq_cst) != nullptr) {
      return true;
    }
  }
  return false;
}

Cell* WorkerPool::PopGlobal() {
  if (global_size_.load(std::memory_order_relaxed) == 0) return nullptr;
  std::lock_guard<std::mutex> lock(global_mu_);
  if (global_.empty()) return nullptr;
  Cell* c = global_.front();
  global_.pop_front();
  global_size_.store(global_.size(), std::memory_order_seq_cst);
  return c;
}

void WorkerPool::Loop(Worker* w) {
  tls_turn = w;
  const size_t n = workers_.size();
  while (!shut_down_.load(std::memory_order_acquire)) {
    Cell* c = nullptr;
    // 1. Local work: the LIFO slot (bounded streak), the FIFO queue, and now
    //    and then the global queue first (so it is never starved).
    if (++w->tick % kGlobalCheckInterval == 0) c = PopGlobal();
    if (c == nullptr && w->lifo.load(std::memory_order_relaxed) != nullptr) {
      c = w->lifo.exchange(nullptr, std::memory_order_acq_rel);
      if (c != nullptr && ++w->lifo_streak > kMaxLifoStreak) {
        w->lifo_streak = 0;
        w->PushBack(c);
        c = nullptr;
      }
    } else if (c == nullptr) {
      w->lifo_streak = 0;
    }
    if (c == nullptr) c = w->PopFront();
    if (c == nullptr) c = PopGlobal();
    // 2. Search: steal from the others, spinning briefly before parking.
    if (c == nullptr) {
      if (!w->searching) {
        w->searching = true;
        num_searching_.fetch_add(1, std::memory_order_seq_cst);
      }
      auto until = std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(spin_);
      do {
        for (size_t i = 1; i < n && c == nullptr; ++i) {
          Worker* victim = workers_[(w->index + i) % n].get();
          c = victim->StealInto(w);
          if (c == nullptr && victim->lifo_stealable.load(std::memory_order_relaxed) &&
              victim->lifo.load(std::memory_order_relaxed) != nullptr) {
            c = victim->lifo.exchange(nullptr, std::memory_order_acq_rel);
          }
        }
        if (c == nullptr) c = PopGlobal();
        if (c == nullptr) {
          for (int k = 0; k < 32; ++k) CpuRelax();
        }
      } while (c == nullptr && !shut_down_.load(std::memory_order_relaxed) &&
               std::chrono::steady_clock::now() < until);
    }
    if (c == nullptr) {
      // 3. Park. Announce first, then look once more (a submitter pushes
      //    first, then looks for parked workers).
      {
        std::lock_guard<std::mutex> lock(idle_mu_);
        parked_.push_back(w);
        num_parked_.fetch_add(1, std::memory_order_seq_cst);
      }
      if (w->searching) {
        w->searching = false;
        num_searching_.fetch_sub(1, std::memory_order_seq_cst);
      }
      if (AnyWork() || shut_down_.load(std::memory_order_seq_cst)) {
        std::lock_guard<std::mutex> lock(idle_mu_);
        auto it = std::find(parked_.begin(), parked_.end(), w);
        if (it != parked_.end()) {
          parked_.erase(it);
          num_parked_.fetch_sub(1, std::memory_order_seq_cst);
          continue;
        }
        // Already taken by a waker: consume its wake-up below.
      }
      while (w->wake.load(std::memory_order_acquire) == 0) {
        w->wake.wait(0, std::memory_order_acquire);
      }
      w->wake.store(0, std::memory_order_relaxed);
      w->searching = true;  // the waker counted us as searching
      continue;
    }
    if (w->searching) {
      w->searching = false;
      // The last searcher found work: wake another to keep looking.
      if (num_searching_.fetch_sub(1, std::memory_order_seq_cst) == 1) NotifyIdle();
    }
    w->busy.store(true, std::memory_order_relaxed);
    w->turns.fetch_add(1, std::memory_order_relaxed);
    w->lifo_stealable.store(false, std::memory_order_relaxed);
    RunTurn(c, w);
    w->busy.store(false, std::memory_order_relaxed);
  }
  if (w->searching) num_searching_.fetch_sub(1, std::memory_order_seq_cst);
  tls_turn = nullptr;
}

}  // namespace myr::sched_internal
