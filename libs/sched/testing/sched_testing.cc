// Copyright Myrmidon authors.
#include "libs/sched/testing/sched_testing.h"

#include <chrono>
#include <utility>

namespace myr {
namespace sched_testing {

RuntimeOptions Threaded(int workers) {
  RuntimeOptions o;
  o.workers = workers;
  return o;
}

RuntimeOptions OnNode(uint32_t node, RuntimeOptions base) {
  base.node = node;
  return base;
}

void Gate::Open() {
  std::lock_guard<std::mutex> lock(mu_);
  open_ = true;
  cv_.notify_all();
}

void Gate::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, std::chrono::seconds(30), [this] { return open_; });
}

void Log::Add(std::string e) {
  std::lock_guard<std::mutex> lock(mu_);
  events_.push_back(std::move(e));
}

std::vector<std::string> Log::events() {
  std::lock_guard<std::mutex> lock(mu_);
  return events_;
}

size_t Log::size() {
  std::lock_guard<std::mutex> lock(mu_);
  return events_.size();
}

ExitWatch::ExitWatch(Runtime& rt, Pid pid) : state_(std::make_shared<State>()) {
  auto state = state_;
  id_ = rt.Watch(pid, [state](Pid, const ExitReason& r) {
    std::lock_guard<std::mutex> lock(state->mu);
    state->reasons.push_back(r);
    state->cv.notify_all();
  });
}

std::optional<ExitReason> ExitWatch::Wait(absl::Duration timeout) {
  std::unique_lock<std::mutex> lock(state_->mu);
  state_->cv.wait_for(lock, absl::ToChronoNanoseconds(timeout),
                      [this] { return !state_->reasons.empty(); });
  if (state_->reasons.empty()) return std::nullopt;
  return state_->reasons.front();
}

bool StopAndWait(Runtime& rt, Pid pid, absl::Duration timeout) {
  ExitWatch exit(rt, pid);
  if (!exit.watching()) return false;
  rt.Stop(pid);
  return exit.Wait(timeout).has_value();
}

}  // namespace sched_testing
}  // namespace myr
