// Copyright Myrmidon authors.
//
// The Runtime facade: construction and shutdown of its parts, spawning, the
// lifecycle API (stop, kill, exit, watch), time, the deterministic driver
// and the other-node routing of the lifecycle calls. The send path is in
// delivery.cc, the turn in turn.cc, the executors, clocks and tree in
// internal/.
#include "libs/sched/runtime.h"

#include <algorithm>
#include <chrono>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/sched/internal/blocking_pool.h"
#include "libs/sched/internal/clocks.h"
#include "libs/sched/internal/deterministic_executor.h"
#include "libs/sched/internal/system_messages.h"
#include "libs/sched/internal/turn_context.h"
#include "libs/sched/internal/worker_pool.h"

namespace myr {

using sched_internal::Cell;

namespace {

// A pid this runtime does not host: one of another node.
bool OnOtherNode(Pid pid, uint32_t node) { return pid.valid() && pid.node() != node; }

}  // namespace

// --- construction and shutdown ---------------------------------------------------

Runtime::Runtime(RuntimeOptions options)
    : options_(options),
      slab_(pid::Slab::Options{options.node, options.max_actors, &Runtime::FinalizeCell, this}),
      tree_(&slab_) {
  if (deterministic()) {
    virtual_clock_ = std::make_unique<sched_internal::VirtualClock>();
    clock_ = virtual_clock_.get();
    ready_list_ = std::make_unique<sched_internal::DeterministicExecutor>(options_.seed);
    executors_[kWorkerIndex].store(ready_list_.get());
    executors_[kBlockingIndex].store(ready_list_.get());
    max_budget_[kWorkerIndex] = max_budget_[kBlockingIndex] = ready_list_->max_budget();
    return;
  }
  real_clock_ = std::make_unique<sched_internal::RealClock>();
  clock_ = real_clock_.get();
  int n = options_.workers > 0 ? options_.workers
                               : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  pool_ = std::make_unique<sched_internal::WorkerPool>(this, n, options_.spin);
  blocking_ = std::make_unique<sched_internal::BlockingPool>(this, options_.max_blocking_threads);
  executors_[kWorkerIndex].store(pool_.get());
  executors_[kBlockingIndex].store(blocking_.get());
  max_budget_[kWorkerIndex] = pool_->max_budget();
  max_budget_[kBlockingIndex] = blocking_->max_budget();
  real_clock_->Start();
  pool_->Start(clock_);
}

Runtime::~Runtime() {
  // Kill every actor and wait (bounded) for them to finish exiting.
  stopping_.store(true, std::memory_order_seq_cst);
  auto kill_all = [this] { slab_.ForEachLive([this](Pid p, void*) { Kill(p); }); };
  kill_all();
  if (deterministic()) {
    RunUntilIdle();
  } else {
    // Sweep again now and then: a handler whose Spawn passed the stopping_
    // check just before it was set inserts its child after the first sweep.
    // (The spawning actor is still alive then, so live() > 0 until it is.)
    // Closing this race inside SpawnCell instead needs a full fence per
    // spawn (measured: about 15 ns of a 180-220 ns spawn); a periodic sweep
    // costs nothing outside shutdown.
    auto now = std::chrono::steady_clock::now();
    auto deadline = now + std::chrono::seconds(10);
    auto next_sweep = now + std::chrono::milliseconds(5);
    while (slab_.live() > 0 && (now = std::chrono::steady_clock::now()) < deadline) {
      bool ran = false;
      {
        std::lock_guard<std::mutex> lock(executors_mu_);
        for (auto& e : added_executors_) ran = e->DrainHere() || ran;
      }
      if (!ran) std::this_thread::sleep_for(std::chrono::microseconds(200));
      if (now >= next_sweep) {
        kill_all();
        next_sweep = now + std::chrono::milliseconds(5);
      }
    }
  }
  // No timer fires from here on (the worker pool's monitor is one).
  if (real_clock_ != nullptr) real_clock_->Stop();
  // Stop every executor, then drop the queue references of the cells still
  // queued (all have exited unless a blocking handler never returned).
  std::vector<Turn> leftover;
  if (pool_ != nullptr) pool_->Shutdown(leftover);
  if (blocking_ != nullptr) blocking_->Shutdown(leftover);
  if (ready_list_ != nullptr) ready_list_->Shutdown(leftover);
  {
    std::lock_guard<std::mutex> lock(executors_mu_);
    for (auto& e : added_executors_) e->Shutdown(leftover);
  }
  for (Turn t : leftover) slab_.Release(sched_internal::TurnAccess::CellOf(t)->pid);
}

Executor* Runtime::AddExecutor(std::unique_ptr<Executor> executor) {
  std::lock_guard<std::mutex> lock(executors_mu_);
  const size_t index = kBlockingIndex + 1 + added_executors_.size();
  if (index >= kMaxExecutors || executor == nullptr) return nullptr;
  max_budget_[index] = executor->max_budget();
  added_executors_.push_back(std::move(executor));
  executors_[index].store(added_executors_.back().get(), std::memory_order_release);
  return added_executors_.back().get();
}

int Runtime::workers() const { return pool_ != nullptr ? pool_->size() : 0; }

// --- spawning ---------------------------------------------------------------------

absl::StatusOr<uint8_t> Runtime::AddedExecutorIndex(const Executor* executor) {
  std::lock_guard<std::mutex> lock(executors_mu_);
  for (size_t i = 0; i < added_executors_.size(); ++i) {
    if (added_executors_[i].get() == executor) {
      // Deterministic: every actor runs on the driving thread.
      if (ready_list_ != nullptr) return kWorkerIndex;
      return static_cast<uint8_t>(kBlockingIndex + 1 + i);
    }
  }
  return absl::InvalidArgumentError(
      "SpawnOptions::executor was not added to this runtime (Runtime::AddExecutor)");
}

void Runtime::FinalizeCell(void* cell, void* /*runtime*/) {
  auto* c = static_cast<Cell*>(cell);
  uint32_t size = c->block_size;
  c->~Cell();
  base::SmallPool::Free(c, size);
}

void Runtime::DiscardCell(Cell* cell) {
  uint32_t size = cell->block_size;
  cell->actor->~ActorBase();
  cell->~Cell();
  base::SmallPool::Free(cell, size);
}

absl::StatusOr<Pid> Runtime::SpawnCell(Cell* cell, const SpawnOptions& options) {
  // Scheduled from birth: once inserted, the pid is visible to the shutdown
  // sweep (ForEachLive), whose Kill must find the cell already scheduled and
  // leave the submitting to us, or the cell would be queued twice.
  cell->sched_state.store(sched_internal::kScheduled, std::memory_order_relaxed);
  absl::StatusOr<Pid> pid = (options.parent.valid() || !options.name.empty())
                                ? tree_.Insert(cell, options)
                                : slab_.Insert(cell);
  if (!pid.ok()) {
    DiscardCell(cell);
    return pid.status();
  }
  cell->pid = *pid;
  spawned_.fetch_add(1, std::memory_order_relaxed);
  // The new actor runs once (OnStart) right away; the life reference is the
  // slab's, so take one for the run queue.
  slab_.Acquire(*pid);
  Enqueue(cell, Placement::kNext);
  return *pid;
}

// --- lifecycle API ------------------------------------------------------------------

bool Runtime::Stop(Pid pid) {
  if (OnOtherNode(pid, node())) return SignalRemote(pid, {RemoteSignal::Kind::kStop, {}, Pid()});
  return SendSystem(pid, new sched_internal::SignalMessage(sched_internal::kSysStop));
}

bool Runtime::Kill(Pid pid) {
  if (OnOtherNode(pid, node())) {
    return SignalRemote(pid, {RemoteSignal::Kind::kKill, ExitReason::Killed(), Pid()});
  }
  return SendSystem(pid, new sched_internal::SignalMessage(sched_internal::kSysKill));
}

bool Runtime::Exit(Pid pid, ExitReason reason) {
  if (reason.kind() == ExitKind::kKilled) return Kill(pid);
  return Exit(pid, std::move(reason), Pid());
}

bool Runtime::Exit(Pid pid, ExitReason reason, Pid from) {
  if (!from.valid() && reason.kind() == ExitKind::kKilled) return Kill(pid);
  if (OnOtherNode(pid, node())) {
    return SignalRemote(pid, {RemoteSignal::Kind::kExit, std::move(reason), from});
  }
  return SendSystem(pid, new sched_internal::ExitSignal(std::move(reason), from));
}

bool Runtime::IsAliveRemote(Pid pid) const {
  RemoteNodes* remote = remote_nodes();
  return remote != nullptr && remote->IsAlive(pid);
}

uint64_t Runtime::Watch(Pid pid, ExitCallback cb) {
  if (OnOtherNode(pid, node())) {
    if (RemoteNodes* remote = remote_nodes()) return remote->Watch(pid, std::move(cb));
    // No route: the watcher learns at once (but not inside Watch, whose
    // caller may hold a lock its callback takes) that the node is out of
    // reach, as Erlang's link/monitor to an unreachable node does.
    std::string why = absl::StrCat("no route to node ", pid.node());
    return clock_->Arm(NowNanos(), [cb = std::move(cb), pid, why = std::move(why)] {
      cb(pid, ExitReason::NoConnection(why));
    });
  }
  auto* c = static_cast<Cell*>(slab_.Acquire(pid));
  if (c == nullptr) return 0;
  uint64_t id = 0;
  {
    std::lock_guard<std::mutex> lock(sched_internal::StripeFor(c));
    if (!c->exited) {
      id = next_watch_id_.fetch_add(1, std::memory_order_relaxed);
      c->Ext()->watchers.emplace_back(id, std::move(cb));
    }
  }
  slab_.Release(pid);
  return id;
}

bool Runtime::Unwatch(Pid pid, uint64_t id) {
  if (OnOtherNode(pid, node())) {
    if (RemoteNodes* remote = remote_nodes()) return remote->Unwatch(pid, id);
    return clock_->Cancel(id);
  }
  auto* c = static_cast<Cell*>(slab_.Acquire(pid));
  if (c == nullptr) return false;
  bool found = false;
  if (sched_internal::CellExt* e = c->ext.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> lock(sched_internal::StripeFor(c));
    auto it = std::find_if(e->watchers.begin(), e->watchers.end(),
                           [id](const auto& w) { return w.first == id; });
    if (it != e->watchers.end()) {
      e->watchers.erase(it);
      found = true;
    }
  }
  slab_.Release(pid);
  return found;
}

absl::StatusOr<ExitReason> Runtime::AwaitExit(Pid pid, absl::Duration timeout) {
  return WatchAndAwait(pid, timeout, [] {});
}

absl::StatusOr<ExitReason> Runtime::ExitAndAwait(Pid pid, ExitReason reason,
                                                 absl::Duration timeout) {
  return WatchAndAwait(pid, timeout, [&] { Exit(pid, std::move(reason)); });
}

absl::StatusOr<ExitReason> Runtime::WatchAndAwait(Pid pid, absl::Duration timeout,
                                                  absl::FunctionRef<void()> then) {
  auto done = std::make_shared<Completion<ExitReason>>();
  uint64_t id = Watch(pid, [done](Pid, const ExitReason& r) { done->Set(r); });
  if (id == 0) return absl::NotFoundError(absl::StrCat("noproc: ", pid.ToString()));
  then();
  // Unwatch failing after the wait gave up means the watcher ran (or is
  // running) meanwhile: its reason is the answer.
  if (Await(*done, DeadlineAfter(NowNanos(), timeout)) || !Unwatch(pid, id)) {
    if (Await(*done, INT64_MAX)) return *done->Take();
  }
  return absl::DeadlineExceededError(
      absl::StrCat(pid.ToString(), " did not exit within ", absl::FormatDuration(timeout)));
}

// --- introspection -----------------------------------------------------------------

std::optional<Runtime::MailboxStats> Runtime::MailboxInfo(Pid pid) {
  auto* c = static_cast<Cell*>(slab_.Acquire(pid));
  if (c == nullptr) return std::nullopt;
  const Mailbox& mb = c->mailbox;
  MailboxStats s{mb.size(), mb.capacity(), mb.overflow(), mb.dropped(), mb.redirected(), mb.spilled()};
  slab_.Release(pid);
  return s;
}

Runtime::Stats Runtime::stats() const {
  // Exited first: spawned only grows and is never behind exited, so the
  // difference is never negative. (Not slab_.live(): that also counts an
  // exited actor whose cell a worker has not let go of yet.)
  uint64_t exited = exited_.load(std::memory_order_acquire);
  uint64_t spawned = spawned_.load(std::memory_order_acquire);
  return Stats{spawned - exited, spawned, exited, crashed_.load(std::memory_order_relaxed),
               dead_letters_.load(std::memory_order_relaxed)};
}

// --- time --------------------------------------------------------------------------

namespace {
void FireTimeout(void* rt, uint64_t pid_bits, uint64_t id) {
  static_cast<Runtime*>(rt)->SendSystem(Pid::FromBits(pid_bits),
                                        new sched_internal::TimeoutMessage(id));
}
}  // namespace

uint64_t Runtime::ArmTimer(Pid pid, int64_t deadline_ns) {
  return clock_->ArmRaw(deadline_ns, &FireTimeout, this, pid.bits());
}

bool Runtime::Await(CompletionBase& c, int64_t deadline_ns) {
  if (virtual_clock_ != nullptr) {
    while (!c.ready()) {
      if (!DriveOnce(deadline_ns)) break;
    }
    return c.ready();
  }
  while (!c.ready()) {
    const int64_t left = deadline_ns - NowNanos();
    if (left <= 0) break;
    // In slices of at most a second: `deadline_ns` may be "never".
    c.WaitFor(std::min<int64_t>(left, 1'000'000'000));
  }
  return c.ready();
}

// --- deterministic mode ---------------------------------------------------------------

bool Runtime::Step() { return ready_list_ != nullptr && ready_list_->Step(); }

size_t Runtime::RunUntilIdle(size_t max_steps) {
  size_t steps = 0;
  while (steps < max_steps && Step()) ++steps;
  return steps;
}

bool Runtime::DriveOnce(int64_t deadline_ns) {
  if (Step()) return true;
  if (virtual_clock_->FireNext(deadline_ns)) return true;
  if (deadline_ns != INT64_MAX) virtual_clock_->SetNow(deadline_ns);
  return false;
}

void Runtime::AdvanceTime(absl::Duration d) {
  if (virtual_clock_ == nullptr) return;  // threaded: time is real
  const int64_t target = DeadlineAfter(NowNanos(), d);
  do {
    RunUntilIdle();
  } while (virtual_clock_->FireNext(target));
  virtual_clock_->SetNow(target);
  RunUntilIdle();
}

bool Runtime::InjectCrash(Pid pid, uint64_t nth_message) {
  auto* c = static_cast<Cell*>(slab_.Acquire(pid));
  if (c == nullptr) return false;
  c->Ext()->crash_at.store(nth_message, std::memory_order_relaxed);
  slab_.Release(pid);
  return true;
}

}  // namespace myr
