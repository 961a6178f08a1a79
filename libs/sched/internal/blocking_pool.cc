// Copyright Myrmidon authors.
#include "libs/sched/internal/blocking_pool.h"

#include <algorithm>
#include <utility>

#include "libs/sched/internal/turn_context.h"

namespace myr::sched_internal {

BlockingPool::BlockingPool(Runtime* rt, int max_threads)
    : rt_(rt), max_threads_(std::max(1, max_threads)) {}

BlockingPool::~BlockingPool() {
  std::vector<Turn> ignored;
  Shutdown(ignored);
}

void BlockingPool::Submit(Turn turn, Placement) {
  std::lock_guard<std::mutex> lock(mu_);
  queue_.push_back(turn);
  // Each idle thread takes one queued turn once it wakes (and stays counted
  // as idle until then): start a thread when there are more turns queued
  // than idle threads, or two blocking actors woken together would run one
  // after the other on one thread.
  if (static_cast<int>(queue_.size()) > idle_ &&
      static_cast<int>(threads_.size()) < max_threads_ && !stop_) {
    threads_.emplace_back([this] { Loop(); });
  } else {
    cv_.notify_one();
  }
}

void BlockingPool::Shutdown(std::vector<Turn>& leftover) {
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    cv_.notify_all();
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
  std::lock_guard<std::mutex> lock(mu_);
  leftover.insert(leftover.end(), queue_.begin(), queue_.end());
  queue_.clear();
}

void BlockingPool::Loop() {
  TurnContext ctx;
  ctx.rt = rt_;
  ctx.executor = this;
  ctx.may_block = true;
  tls_turn = &ctx;
  for (;;) {
    Turn turn;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ++idle_;
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      --idle_;
      if (queue_.empty()) break;  // stopping
      turn = queue_.front();
      queue_.pop_front();
    }
    turn.Run();
  }
  tls_turn = nullptr;
}

}  // namespace myr::sched_internal
