// Copyright Myrmidon authors.
#include "libs/sched/runtime.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <set>

#if defined(__linux__)
#include <sys/prctl.h>
#endif

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "libs/base/status_macros.h"
#include "absl/time/clock.h"

namespace myr {
namespace sched_internal {

thread_local Cell* tls_constructing_cell = nullptr;
namespace {
thread_local Message* tls_current_message = nullptr;
thread_local Worker* tls_worker = nullptr;
thread_local DropContext* tls_drop_context = nullptr;

// A turn that sends this many messages is "long": the worker's LIFO slot
// becomes stealable and an idle worker is woken to share the load.
constexpr uint32_t kLongTurnSends = 64;
// Sends batched in a worker's outbox before it is flushed.
constexpr uint32_t kOutboxBatch = 64;
// Consecutive LIFO-slot runs before the FIFO queue gets a turn.
constexpr uint32_t kMaxLifoStreak = 32;
// Every this many turns a worker looks at the global queue first.
constexpr uint64_t kGlobalCheckInterval = 61;

inline void CpuRelax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

// Test-and-test-and-set lock for the per-worker run queues (tiny critical
// sections; std::atomic so ThreadSanitizer sees the ordering).
class SpinLock {
 public:
  void lock() {
    while (flag_.exchange(true, std::memory_order_acquire)) {
      while (flag_.load(std::memory_order_relaxed)) CpuRelax();
    }
  }
  bool try_lock() {
    return !flag_.load(std::memory_order_relaxed) &&
           !flag_.exchange(true, std::memory_order_acquire);
  }
  void unlock() { flag_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> flag_{false};
};

// Mutexes guarding CellExt watcher lists, striped by cell address.
std::mutex& StripeFor(const void* p) {
  static std::mutex stripes[256];
  return stripes[(reinterpret_cast<uintptr_t>(p) >> 6) % 256];
}

ExitReason CrashFromCurrentException() {
  try {
    throw;
  } catch (const std::exception& e) {
    return ExitReason::Crash(e.what());
  } catch (...) {
    return ExitReason::Crash("unknown exception");
  }
}

class SignalMessage final : public Message {
 public:
  explicit SignalMessage(uint16_t kind) : Message(MessageTypeOf<SignalMessage>(), kSystem, kind) {}
};

class ExitSignal final : public Message {
 public:
  ExitSignal(ExitReason r, Pid f)
      : Message(MessageTypeOf<ExitSignal>(), kSystem, kSysExit), reason(std::move(r)), from(f) {}
  ExitReason reason;
  Pid from;  // invalid: from outside any actor
};

class TimeoutMessage final : public Message {
 public:
  explicit TimeoutMessage(uint64_t id)
      : Message(MessageTypeOf<TimeoutMessage>(), kSystem, kSysTimeout), timer_id(id) {}
  uint64_t timer_id;
};

}  // namespace

DropContext::DropContext(absl::Status status)
    : status_(std::move(status)), outer_(tls_drop_context) {
  tls_drop_context = this;
}
DropContext::DropContext(Pid exiting, const ExitReason* reason)
    : exiting_(exiting), reason_(reason), outer_(tls_drop_context) {
  tls_drop_context = this;
}
DropContext::~DropContext() { tls_drop_context = outer_; }

absl::Status UnansweredStatus() {
  const DropContext* d = tls_drop_context;
  if (d == nullptr) return absl::AbortedError("request destroyed unanswered");
  if (d->reason_ != nullptr) {
    return absl::AbortedError(absl::StrCat("actor ", d->exiting_.ToString(),
                                           " exited before replying: ", d->reason_->ToString()));
  }
  // A fresh status, not a copy sharing d->status_'s reference-counted message
  // (it goes to another thread while this one still holds the original).
  return absl::Status(d->status_.code(), d->status_.message());
}

// A FIFO of cells on a growable ring buffer (never shrinks, so a busy queue
// does not allocate).
class CellRing {
 public:
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  void push_back(Cell* c) {
    if (size_ == buf_.size()) Grow();
    buf_[(head_ + size_) & (buf_.size() - 1)] = c;
    ++size_;
  }
  Cell* front() const { return buf_[head_]; }
  void pop_front() {
    head_ = (head_ + 1) & (buf_.size() - 1);
    --size_;
  }

 private:
  void Grow() {
    std::vector<Cell*> bigger(buf_.empty() ? 256 : buf_.size() * 2);
    for (size_t i = 0; i < size_; ++i) bigger[i] = buf_[(head_ + i) & (buf_.size() - 1)];
    buf_.swap(bigger);
    head_ = 0;
  }
  std::vector<Cell*> buf_;
  size_t head_ = 0;
  size_t size_ = 0;
};

void CountUnhandled(Cell* cell) { cell->rt->CountDeadLetter(); }

// --- worker -------------------------------------------------------------------

struct Worker {
  Worker(Runtime* r, int i) : rt(r), index(i) {}

  void PushBack(Cell* c) {
    std::lock_guard<SpinLock> lock(mu);
    fifo.push_back(c);
    fifo_size.store(fifo.size(), std::memory_order_seq_cst);
  }
  Cell* PopFront() {
    if (fifo_size.load(std::memory_order_relaxed) == 0) return nullptr;
    std::lock_guard<SpinLock> lock(mu);
    if (fifo.empty()) return nullptr;
    Cell* c = fifo.front();
    fifo.pop_front();
    fifo_size.store(fifo.size(), std::memory_order_seq_cst);
    return c;
  }
  // Moves half of this worker's FIFO queue (at most kMaxSteal cells) to
  // `thief`; returns one cell to run. No allocation: a steal from a queue of
  // a million cells must not map and unmap megabytes.
  static constexpr size_t kMaxSteal = 256;
  Cell* StealInto(Worker* thief) {
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

  Runtime* const rt;
  const int index;
  std::thread thread;
  SpinLock mu;
  CellRing fifo;  // guarded by mu
  std::atomic<size_t> fifo_size{0};
  std::atomic<Cell*> lifo{nullptr};
  std::atomic<bool> lifo_stealable{false};
  std::atomic<uint32_t> wake{0};
  std::atomic<uint64_t> turns{0};
  std::atomic<bool> busy{false};
  // Owner-thread state.
  // Sends to one unbounded mailbox, linked locally and spliced into it with a
  // single exchange (holds a slab reference on `cell` while count > 0).
  struct Outbox {
    Cell* cell = nullptr;
    Pid to;
    Message* first = nullptr;
    Message* last = nullptr;
    uint32_t count = 0;
  } outbox;
  uint32_t sends_in_turn = 0;
  uint32_t lifo_streak = 0;
  uint64_t tick = 0;
  bool searching = false;
  // Monitor-thread state.
  uint64_t seen_turns = 0;
};

// --- blocking lane --------------------------------------------------------------

class BlockingPool {
 public:
  BlockingPool(Runtime* rt, int max_threads) : rt_(rt), max_threads_(std::max(1, max_threads)) {}
  ~BlockingPool() { Stop(); }

  void Push(Cell* c) {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back(c);
    // Each idle thread takes one queued cell once it wakes (and stays counted
    // as idle until then): start a thread when there are more cells queued
    // than idle threads, or two blocking actors woken together would run one
    // after the other on one thread.
    if (static_cast<int>(queue_.size()) > idle_ &&
        static_cast<int>(threads_.size()) < max_threads_ && !stop_) {
      threads_.emplace_back([this] { Loop(); });
    } else {
      cv_.notify_one();
    }
  }
  void Stop() {
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mu_);
      stop_ = true;
      cv_.notify_all();
      threads.swap(threads_);
    }
    for (auto& t : threads) t.join();
  }
  // Cells still queued (for shutdown).
  std::deque<Cell*> TakeQueued() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(queue_, {});
  }

 private:
  void Loop() {
    for (;;) {
      Cell* c;
      {
        std::unique_lock<std::mutex> lock(mu_);
        ++idle_;
        cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
        --idle_;
        if (queue_.empty()) return;  // stopping
        c = queue_.front();
        queue_.pop_front();
      }
      rt_->RunCell(c);
    }
  }

  Runtime* const rt_;
  const int max_threads_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Cell*> queue_;
  std::vector<std::thread> threads_;
  int idle_ = 0;
  bool stop_ = false;
};

// --- timers -----------------------------------------------------------------------

class TimerQueue {
 public:
  struct Entry {
    int64_t deadline;
    uint64_t id;
    Pid target;                // a kSysTimeout goes to it, unless...
    std::function<void()> fn;  // ...this is set: then it is called instead
  };
  // `earliest` tells whether the new timer is now the first due.
  uint64_t Add(int64_t deadline, Pid target, std::function<void()> fn, bool* earliest) {
    std::lock_guard<std::mutex> lock(mu_);
    *earliest = order_.empty() || deadline < order_.begin()->first;
    uint64_t id = ++next_id_;
    order_.insert({deadline, id});
    entries_[id] = Entry{deadline, id, target, std::move(fn)};
    return id;
  }
  bool Cancel(uint64_t id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(id);
    if (it == entries_.end()) return false;
    order_.erase({it->second.deadline, id});
    entries_.erase(it);
    return true;
  }
  std::vector<Entry> PopDue(int64_t now) {
    std::vector<Entry> due;
    std::lock_guard<std::mutex> lock(mu_);
    while (!order_.empty() && order_.begin()->first <= now) {
      uint64_t id = order_.begin()->second;
      order_.erase(order_.begin());
      auto it = entries_.find(id);
      due.push_back(std::move(it->second));
      entries_.erase(it);
    }
    return due;
  }
  int64_t NextDeadline() {
    std::lock_guard<std::mutex> lock(mu_);
    return order_.empty() ? INT64_MAX : order_.begin()->first;
  }

 private:
  std::mutex mu_;
  std::set<std::pair<int64_t, uint64_t>> order_;
  absl::flat_hash_map<uint64_t, Entry> entries_;
  uint64_t next_id_ = 0;
};

void Suspend(Cell* cell, PendingReceive* p, std::coroutine_handle<> h, absl::Duration timeout) {
  if (cell->active == nullptr) {
    std::fprintf(stderr,
                 "myrmidon: co_await Receive/Call/Sleep outside a Task handler of actor %s\n",
                 cell->pid.ToString().c_str());
    std::abort();
  }
  p->waiter = h;
  cell->active->pending = p;
  if (timeout != absl::InfiniteDuration()) {
    p->timer = cell->rt->ArmTimer(cell->pid, DeadlineAfter(cell->rt->NowNanos(), timeout));
  }
}

void StartTask(Cell* cell, ActiveTask* task) {
  cell->active = task;
  task->handle().resume();
  cell->rt->AfterTaskStep(cell);
}

}  // namespace sched_internal

using sched_internal::Cell;
using sched_internal::tls_current_message;
using sched_internal::tls_worker;
using sched_internal::Worker;

void FailAndDelete(Message* m, absl::Status status) {
  if (m == nullptr) return;
  if (m->is_request()) {
    if (auto* rb = dynamic_cast<sched_internal::RequestBase*>(m)) rb->Fail(std::move(status));
  }
  delete m;
}

const char* SendResultName(SendResult r) {
  switch (r) {
    case SendResult::kOk: return "ok";
    case SendResult::kNoProc: return "noproc";
    case SendResult::kDropped: return "dropped";
    case SendResult::kBackpressure: return "backpressure";
    case SendResult::kRedirected: return "redirected";
    case SendResult::kSpilled: return "spilled";
  }
  return "unknown";
}

Pid ActorBase::sender() const {
  return tls_current_message != nullptr ? tls_current_message->sender() : Pid();
}

void ActorBase::Stop() { cell_->rt->Stop(cell_->pid); }

void ActorBase::Exit(ExitReason reason) { cell_->rt->RequestExit(cell_, std::move(reason)); }

void ActorBase::TrapExits(bool on) { cell_->trap_exits = on; }

bool ActorBase::trapping_exits() const { return cell_->trap_exits; }

// --- construction -------------------------------------------------------------

Runtime::Runtime(RuntimeOptions options)
    : options_(options),
      slab_(pid::Slab::Options{options.node, options.max_actors, &Runtime::FinalizeCell, this}),
      timers_(std::make_unique<sched_internal::TimerQueue>()),
      rng_(options.seed),
      epoch_(std::chrono::steady_clock::now()) {
  blocking_ = std::make_unique<sched_internal::BlockingPool>(this, options_.max_blocking_threads);
  if (deterministic()) return;
  int n = options_.workers > 0 ? options_.workers
                               : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  for (int i = 0; i < n; ++i) workers_.push_back(std::make_unique<Worker>(this, i));
  for (auto& w : workers_) {
    Worker* wp = w.get();
    w->thread = std::thread([this, wp] { WorkerLoop(wp); });
  }
  monitor_ = std::thread([this] { MonitorLoop(); });
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
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      if (now >= next_sweep) {
        kill_all();
        next_sweep = now + std::chrono::milliseconds(5);
      }
    }
  }
  shut_down_.store(true, std::memory_order_seq_cst);
  for (auto& w : workers_) {
    w->wake.store(1, std::memory_order_release);
    w->wake.notify_one();
  }
  for (auto& w : workers_) w->thread.join();
  {
    std::lock_guard<std::mutex> lock(monitor_mu_);
    monitor_stop_ = true;
  }
  monitor_cv_.notify_all();
  if (monitor_.joinable()) monitor_.join();
  blocking_->Stop();
  // Drop the queue references of cells still queued (all have exited unless
  // a blocking-lane handler never returned).
  std::vector<Cell*> queued;
  for (auto& w : workers_) {
    if (Cell* c = w->lifo.exchange(nullptr)) queued.push_back(c);
    while (Cell* c = w->PopFront()) queued.push_back(c);
  }
  queued.insert(queued.end(), global_.begin(), global_.end());
  global_.clear();
  queued.insert(queued.end(), ready_.begin(), ready_.end());
  ready_.clear();
  for (Cell* c : blocking_->TakeQueued()) queued.push_back(c);
  for (Cell* c : queued) slab_.Release(c->pid);
}

namespace {

// A path segment a user may give (SpawnOptions::name).
absl::Status ValidateName(const std::string& name) {
  if (name.size() > 255) return absl::InvalidArgumentError("actor name longer than 255 bytes");
  if (name == "." || name == "..") {
    return absl::InvalidArgumentError(absl::StrCat("actor name \"", name, "\" is reserved"));
  }
  if (name[0] == '$') {
    return absl::InvalidArgumentError(absl::StrCat(
        "actor name \"", name, "\": names starting with '$' are reserved for unnamed actors"));
  }
  for (unsigned char ch : name) {
    if (ch == '/' || ch < 0x21 || ch == 0x7f) {
      return absl::InvalidArgumentError(absl::StrCat(
          "actor name \"", absl::CEscape(name), "\" contains '/', a space or a control character"));
    }
  }
  return absl::OkStatus();
}

// The path segment of an unnamed actor.
std::string UnnamedSegment(Pid pid) { return absl::StrCat("$", pid.slot(), ".", pid.generation()); }

}  // namespace

absl::StatusOr<Pid> Runtime::SpawnInTree(Cell* cell, const SpawnOptions& options) {
  if (!options.name.empty()) MYR_RETURN_IF_ERROR(ValidateName(options.name));
  sched_internal::CellExt* e = cell->Ext();
  e->parent = options.parent;
  e->name = options.name;
  if (!options.parent.valid()) {
    // A named top-level actor: unique under the root.
    std::lock_guard<std::mutex> lock(root_mu_);
    if (auto it = root_named_.find(options.name); it != root_named_.end() && IsAlive(it->second)) {
      return absl::AlreadyExistsError(absl::StrCat("/", options.name, " is taken by ",
                                                   it->second.ToString()));
    }
    e->path = absl::StrCat("/", options.name);
    absl::StatusOr<Pid> pid = slab_.Insert(cell);
    if (pid.ok()) root_named_[options.name] = *pid;
    return pid;
  }
  auto* parent = static_cast<Cell*>(slab_.Acquire(options.parent));
  if (parent == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot spawn under ", options.parent.ToString(), ": parent is not alive"));
  }
  absl::StatusOr<Pid> pid;
  {
    sched_internal::CellExt* pe = parent->Ext();
    // The parent's path is fixed before its pid is published; unnamed
    // top-level parents have none stored.
    std::string parent_path = pe->path.empty() ? absl::StrCat("/", UnnamedSegment(options.parent))
                                               : pe->path;
    std::lock_guard<std::mutex> lock(sched_internal::StripeFor(parent));
    if (parent->exited) {
      pid = absl::FailedPreconditionError(
          absl::StrCat("cannot spawn under ", options.parent.ToString(), ": parent has exited"));
    } else if (auto it = pe->named_children.find(options.name);
               !options.name.empty() && it != pe->named_children.end()) {
      pid = absl::AlreadyExistsError(absl::StrCat(parent_path, "/", options.name, " is taken by ",
                                                  it->second.ToString()));
    } else {
      pid = slab_.Insert(cell);
      if (pid.ok()) {
        e->path = absl::StrCat(parent_path == "/" ? "" : parent_path, "/",
                               options.name.empty() ? UnnamedSegment(*pid) : options.name);
        e->child_seq = ++pe->next_child_seq;
        pe->children.emplace(e->child_seq, *pid);
        if (!options.name.empty()) pe->named_children.emplace(options.name, *pid);
      }
    }
  }
  slab_.Release(options.parent);
  return pid;
}

void Runtime::LeaveTree(Cell* c, sched_internal::CellExt* e, std::map<uint64_t, Pid> children) {
  if (e->parent.valid()) {
    if (auto* parent = static_cast<Cell*>(slab_.Acquire(e->parent))) {
      sched_internal::CellExt* pe = parent->Ext();
      {
        std::lock_guard<std::mutex> lock(sched_internal::StripeFor(parent));
        pe->children.erase(e->child_seq);
        if (!e->name.empty()) {
          auto it = pe->named_children.find(e->name);
          if (it != pe->named_children.end() && it->second == c->pid) pe->named_children.erase(it);
        }
      }
      slab_.Release(e->parent);
    }
  } else if (!e->name.empty()) {
    std::lock_guard<std::mutex> lock(root_mu_);
    auto it = root_named_.find(e->name);
    if (it != root_named_.end() && it->second == c->pid) root_named_.erase(it);
  }
  if (children.empty()) return;
  // Youngest first, as a supervisor shuts down in reverse start order.
  auto kids = std::make_shared<std::vector<Pid>>();
  kids->reserve(children.size());
  for (auto it = children.rbegin(); it != children.rend(); ++it) {
    kids->push_back(it->second);
    Exit(it->second, ExitReason::Shutdown(), c->pid);
  }
  if (!stopping_.load(std::memory_order_relaxed)) {
    // A child that traps exits has child_grace to end by itself.
    ArmCallback(sched_internal::DeadlineAfter(NowNanos(), options_.child_grace), [this, kids] {
      for (Pid kid : *kids) Kill(kid);
    });
  }
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
                                ? SpawnInTree(cell, options)
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
  Submit(cell);
  return *pid;
}

// --- sending ------------------------------------------------------------------

SendResult Runtime::SendMessage(Pid to, Message* m, bool may_block) {
  Worker* w = tls_worker;
  if (w == nullptr || w->rt != this) return Deliver(to, m, may_block, 0);
  if (++w->sends_in_turn == sched_internal::kLongTurnSends) {
    w->lifo_stealable.store(true, std::memory_order_relaxed);
    NotifyIdle();
  }
  // Batch consecutive sends to the same unbounded mailbox (flushed when the
  // batch is full and when the sender's turn ends).
  Worker::Outbox& ob = w->outbox;
  if (ob.count != 0 && ob.to == to) {
    ob.last->next.store(m, std::memory_order_relaxed);
    ob.last = m;
    if (++ob.count >= sched_internal::kOutboxBatch) FlushOutbox(w);
    return SendResult::kOk;
  }
  if (ob.count != 0) FlushOutbox(w);
  auto* c = static_cast<Cell*>(slab_.Acquire(to));
  if (c != nullptr && !c->mailbox.bounded()) {
    ob.cell = c;
    ob.to = to;
    ob.first = ob.last = m;
    ob.count = 1;
    return SendResult::kOk;
  }
  return DeliverTo(to, c, m, may_block, 0);
}

void Runtime::FlushOutbox(Worker* w) {
  Worker::Outbox ob = w->outbox;
  w->outbox.count = 0;
  if (ob.count == 0) return;
  if (ob.cell->mailbox.EnqueueChain(ob.first, ob.last, ob.count)) {
    ScheduleOrRelease(ob.to, ob.cell);
    return;
  }
  slab_.Release(ob.to);  // the target is exiting: dead letters
  Message* m = ob.first;
  for (uint32_t i = 0; i < ob.count; ++i) {
    Message* next = static_cast<Message*>(m->next.load(std::memory_order_relaxed));
    CountDeadLetter();
    FailAndDelete(m, absl::NotFoundError(absl::StrCat("noproc: ", ob.to.ToString(), " is exiting")));
    m = next;
  }
}

SendResult Runtime::Deliver(Pid to, Message* m, bool may_block, int depth) {
  return DeliverTo(to, static_cast<Cell*>(slab_.Acquire(to)), m, may_block, depth);
}

SendResult Runtime::DeliverTo(Pid to, Cell* c, Message* m, bool may_block, int depth) {
  if (c == nullptr) {
    CountDeadLetter();
    FailAndDelete(m, absl::NotFoundError(absl::StrCat("noproc: no live actor at ", to.ToString())));
    return SendResult::kNoProc;
  }
  for (;;) {
    switch (c->mailbox.Enqueue(m)) {
      case EnqueueResult::kAccepted:
        ScheduleOrRelease(to, c);
        return SendResult::kOk;
      case EnqueueResult::kSpill: {
        Pid fallback = c->mailbox.fallback();
        Message* copy = m->Clone();
        ScheduleOrRelease(to, c);
        if (copy != nullptr && depth < 8) Deliver(fallback, copy, false, depth + 1);
        else delete copy;
        return SendResult::kSpilled;
      }
      case EnqueueResult::kRedirect: {
        Pid fallback = c->mailbox.fallback();
        c->mailbox.CountRedirected();
        slab_.Release(to);
        if (depth >= 8 || fallback == to) {
          CountDeadLetter();
          FailAndDelete(m, absl::ResourceExhaustedError(
                               absl::StrCat("mailbox of ", to.ToString(), " is full (redirect loop)")));
          return SendResult::kDropped;
        }
        SendResult r = Deliver(fallback, m, may_block, depth + 1);
        return Delivered(r) ? SendResult::kRedirected : r;
      }
      case EnqueueResult::kFull: {
        bool can_wait = may_block && tls_worker == nullptr && !deterministic();
        if (can_wait &&
            (c->mailbox.WaitForRoom(absl::Now() + options_.block_timeout) ||
             c->mailbox.closed())) {
          continue;  // retry (a target that exited meanwhile gives noproc)
        }
        slab_.Release(to);
        FailAndDelete(m, absl::UnavailableError(absl::StrCat(
                             "backpressure: mailbox of ", to.ToString(), " is full")));
        return SendResult::kBackpressure;
      }
      case EnqueueResult::kDropped:
        slab_.Release(to);
        FailAndDelete(m, absl::ResourceExhaustedError(absl::StrCat(
                             "mailbox of ", to.ToString(), " is full (drop_new)")));
        return SendResult::kDropped;
      case EnqueueResult::kClosed:
        slab_.Release(to);
        CountDeadLetter();
        FailAndDelete(m, absl::NotFoundError(absl::StrCat("noproc: ", to.ToString(), " is exiting")));
        return SendResult::kNoProc;
    }
  }
}

bool Runtime::SendSystem(Pid to, Message* m) {
  // User messages this worker batched go first (a stop after work must not
  // overtake the work).
  if (Worker* w = tls_worker; w != nullptr && w->rt == this && w->outbox.count != 0) {
    FlushOutbox(w);
  }
  auto* c = static_cast<Cell*>(slab_.Acquire(to));
  if (c == nullptr) {
    delete m;
    return false;
  }
  if (!c->mailbox.EnqueueSystem(m)) {
    slab_.Release(to);
    delete m;
    return false;
  }
  ScheduleOrRelease(to, c);
  return true;
}

void Runtime::ScheduleOrRelease(Pid to, Cell* c) {
  // Pairs with the owner's store(kReleasing) + HasNew() in RunCell (all
  // seq_cst): either the owner sees our message, or we see kReleasing and
  // tell it to keep running (kReleasing -> kScheduled), or we see kIdle and
  // schedule the cell ourselves.
  uint32_t s = c->sched_state.load(std::memory_order_seq_cst);
  for (;;) {
    if (s == sched_internal::kIdle) {
      if (c->sched_state.compare_exchange_weak(s, sched_internal::kScheduled,
                                               std::memory_order_seq_cst)) {
        Submit(c);  // our reference now belongs to the run queue
        return;
      }
    } else if (s == sched_internal::kReleasing) {
      if (c->sched_state.compare_exchange_weak(s, sched_internal::kScheduled,
                                               std::memory_order_seq_cst)) {
        break;  // the owner keeps running and finds our message
      }
    } else {
      break;  // queued or running: the owner finds our message
    }
  }
  // `to`, the pid the reference was taken with, not c->pid: a cell that is
  // still being spawned has not had its pid stored yet.
  slab_.Release(to);
}

void Runtime::Enqueue(Cell* c, bool lifo) {
  if (deterministic()) {
    std::lock_guard<std::mutex> lock(det_mu_);
    ready_.push_back(c);
    return;
  }
  if (c->lane == Lane::kBlocking) {
    blocking_->Push(c);
    return;
  }
  Worker* w = tls_worker;
  if (w != nullptr && w->rt == this) {
    if (lifo) {
      // The LIFO slot is not stolen from, so nobody needs waking unless a
      // displaced cell lands in the FIFO queue.
      c = w->lifo.exchange(c, std::memory_order_acq_rel);
      if (c == nullptr) return;
    }
    w->PushBack(c);
  } else {
    std::lock_guard<std::mutex> lock(global_mu_);
    global_.push_back(c);
    global_size_.store(global_.size(), std::memory_order_seq_cst);
  }
  NotifyIdle();
}

// --- running --------------------------------------------------------------------

void Runtime::RunCell(Cell* c) {
  Worker* w = tls_worker;
  if (w != nullptr && w->rt != this) w = nullptr;
  if (w != nullptr) {
    w->turns.fetch_add(1, std::memory_order_relaxed);
    w->lifo_stealable.store(false, std::memory_order_relaxed);
    w->sends_in_turn = 0;
  }
  if (!c->started) {
    c->started = true;
    try {
      c->actor->OnStart();
    } catch (...) {
      RequestExit(c, sched_internal::CrashFromCurrentException());
    }
  }
  uint32_t budget = c->budget;
  for (;;) {
    if (!c->exit_now) {
      while (Message* s = c->mailbox.PopSystem()) {
        HandleSystem(c, s);
        if (c->exit_now) break;
      }
    }
    if (c->exit_now) {
      // Acquire: the extension may have been created by another thread
      // (Watch, InjectCrash), and its fields are read below.
      sched_internal::CellExt* e = c->ext.load(std::memory_order_acquire);
      ExitCell(c, e != nullptr && e->exit_request != nullptr ? *e->exit_request
                                                             : ExitReason(c->exit_kind, ""));
      if (w != nullptr) FlushOutbox(w);
      slab_.Release(c->pid);
      return;
    }
    if (budget == 0) {
      if (w != nullptr) FlushOutbox(w);
      c->mailbox.PublishConsumed();
      Requeue(c);
      return;
    }
    Message* m;
    if (c->active != nullptr) {
      sched_internal::PendingReceive* p = c->active->pending;
      m = p == nullptr ? nullptr
                       : c->mailbox.TakeFirst([p](const Message& x) { return p->MatchUser(x); });
    } else {
      m = c->mailbox.Pop();
    }
    if (m == nullptr) {
      if (c->stopping && c->active == nullptr && !c->mailbox.HasSaved() && !c->mailbox.HasNew()) {
        RequestExit(c, ExitReason::Normal());
        continue;
      }
      if (w != nullptr && w->outbox.count != 0) {
        FlushOutbox(w);  // may be to ourselves: look again before going idle
        continue;
      }
      c->mailbox.PublishConsumed();
      // Going idle. While kReleasing, no sender schedules the cell (so this
      // thread may still read the owner-side state below, which another
      // worker running the cell would be writing); a sender that sees
      // kReleasing sets kScheduled instead, and then we keep running.
      c->sched_state.store(sched_internal::kReleasing, std::memory_order_seq_cst);
      bool more = c->mailbox.HasNew() || (c->active == nullptr && c->mailbox.HasSaved());
      if (!more) {
        uint32_t releasing = sched_internal::kReleasing;
        if (c->sched_state.compare_exchange_strong(releasing, sched_internal::kIdle,
                                                   std::memory_order_seq_cst)) {
          slab_.Release(c->pid);  // idle
          return;
        }
      }
      c->sched_state.store(sched_internal::kScheduled, std::memory_order_relaxed);
      continue;
    }
    --budget;
    ++c->handled;
    if (sched_internal::CellExt* e = c->ext.load(std::memory_order_acquire);
        e != nullptr && e->crash_at.load(std::memory_order_relaxed) == c->handled) {
      FailAndDelete(m, absl::AbortedError("injected fault"));
      RequestExit(c, ExitReason::Crash(absl::StrCat("injected fault at message ", c->handled)));
      continue;
    }
    if (c->active != nullptr) {
      c->active->pending->result = m;
      ResumePending(c);
      continue;
    }
    tls_current_message = m;
    bool kept = false;
    try {
      kept = c->actor->Dispatch(m);
    } catch (...) {
      ExitReason reason = sched_internal::CrashFromCurrentException();
      if (!kept) {
        // A request whose handler threw is answered with the crash, not with
        // a generic "destroyed unanswered".
        sched_internal::DropContext drop(c->pid, &reason);
        delete m;
        kept = true;
      }
      RequestExit(c, std::move(reason));
    }
    tls_current_message = nullptr;
    if (!kept) delete m;
  }
}

void Runtime::HandleSystem(Cell* c, Message* m) {
  switch (m->kind()) {
    case sched_internal::kSysStop:
      c->stopping = true;
      delete m;
      return;
    case sched_internal::kSysKill:
      delete m;
      RequestExit(c, ExitReason::Killed());
      return;
    case sched_internal::kSysExit: {
      auto* sig = static_cast<sched_internal::ExitSignal*>(m);
      if (c->trap_exits) {
        // Into the user channel past its capacity: a trapped exit is not
        // dropped. (Our own mailbox, while we run: no scheduling needed.)
        Message* env = MakeEnvelope(ExitMsg{sig->from, std::move(sig->reason)});
        env->set_sender(sig->from);
        if (!c->mailbox.EnqueueForced(env)) delete env;
      } else if (!sig->reason.normal() || (sig->from.valid() && sig->from == c->pid)) {
        RequestExit(c, std::move(sig->reason));
      }
      delete m;
      return;
    }
    case sched_internal::kSysReply: {
      sched_internal::PendingReceive* p = c->active != nullptr ? c->active->pending : nullptr;
      if (p != nullptr && p->MatchSystem(*m)) {
        p->result = m;
        ResumePending(c);
      } else {
        delete m;  // a late reply (its call timed out)
      }
      return;
    }
    case sched_internal::kSysTimeout: {
      uint64_t id = static_cast<sched_internal::TimeoutMessage*>(m)->timer_id;
      delete m;
      sched_internal::PendingReceive* p = c->active != nullptr ? c->active->pending : nullptr;
      if (p != nullptr && p->timer == id) {
        p->timer = 0;
        p->timed_out = true;
        ResumePending(c);
      }
      return;
    }
    default:
      delete m;  // unknown kind
  }
}

void Runtime::ResumePending(Cell* c) {
  sched_internal::PendingReceive* p = c->active->pending;
  c->active->pending = nullptr;
  if (p->timer != 0) {
    CancelTimer(p->timer);
    p->timer = 0;
  }
  // The handler runs again: sender() is the sender of the message that
  // started it, as before its co_await.
  Message* outer = tls_current_message;
  tls_current_message = c->active->message();
  p->waiter.resume();  // exceptions are captured by the task's promise
  tls_current_message = outer;
  AfterTaskStep(c);
}

void Runtime::AfterTaskStep(Cell* c) {
  if (c->active == nullptr || !c->active->done()) return;
  std::unique_ptr<sched_internal::ActiveTask> task(c->active);
  c->active = nullptr;
  try {
    task->Finish();
  } catch (...) {
    ExitReason reason = sched_internal::CrashFromCurrentException();
    {
      // The request that started the task is answered with the crash.
      sched_internal::DropContext drop(c->pid, &reason);
      task.reset();
    }
    RequestExit(c, std::move(reason));
  }
}

void Runtime::RequestExit(Cell* c, ExitReason reason) {
  if (c->exit_now) return;  // the first reason wins
  c->exit_kind = reason.kind();
  if (!reason.detail().empty()) {
    c->Ext()->exit_request = std::make_unique<ExitReason>(std::move(reason));
  }
  c->exit_now = true;
}

void Runtime::ExitCell(Cell* c, ExitReason reason) {
  c->mailbox.Close();
  {
    sched_internal::DropContext drop(c->pid, &reason);
    delete c->active;  // destroys a suspended handler's frames
    c->active = nullptr;
    try {
      c->actor->OnExit(reason);
    } catch (...) {
    }
    c->mailbox.Drain();
    c->actor->~ActorBase();
    c->actor = nullptr;
  }
  std::vector<std::pair<uint64_t, ExitCallback>> watchers;
  std::map<uint64_t, Pid> children;
  sched_internal::CellExt* e;
  {
    std::lock_guard<std::mutex> lock(sched_internal::StripeFor(c));
    c->exited = true;  // closes the watcher list and the child table
    // Loaded under the lock: a Watch that ran just before may have created
    // the extension (loading it before the lock lost that watcher).
    e = c->ext.load(std::memory_order_acquire);
    if (e != nullptr) {
      watchers.swap(e->watchers);
      children.swap(e->children);
      e->named_children.clear();
    }
  }
  if (reason.kind() == ExitKind::kCrash) crashed_.fetch_add(1, std::memory_order_relaxed);
  exited_.fetch_add(1, std::memory_order_relaxed);
  slab_.Retire(c->pid);
  if (e != nullptr && (!children.empty() || !e->path.empty())) LeaveTree(c, e, std::move(children));
  for (auto& [id, cb] : watchers) {
    try {
      cb(c->pid, reason);
    } catch (...) {
    }
  }
}

// --- lifecycle API -------------------------------------------------------------

bool Runtime::Stop(Pid pid) {
  return SendSystem(pid, new sched_internal::SignalMessage(sched_internal::kSysStop));
}

bool Runtime::Kill(Pid pid) {
  return SendSystem(pid, new sched_internal::SignalMessage(sched_internal::kSysKill));
}

bool Runtime::Exit(Pid pid, ExitReason reason) {
  if (reason.kind() == ExitKind::kKilled) return Kill(pid);
  return SendSystem(pid, new sched_internal::ExitSignal(std::move(reason), Pid()));
}

bool Runtime::Exit(Pid pid, ExitReason reason, Pid from) {
  if (!from.valid()) return Exit(pid, std::move(reason));
  return SendSystem(pid, new sched_internal::ExitSignal(std::move(reason), from));
}

uint64_t Runtime::Watch(Pid pid, ExitCallback cb) {
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
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    std::optional<ExitReason> reason;
  };
  auto state = std::make_shared<State>();
  uint64_t id = Watch(pid, [state](Pid, const ExitReason& r) {
    std::lock_guard<std::mutex> lock(state->mu);
    state->reason = r;
    state->cv.notify_all();
  });
  if (id == 0) return absl::NotFoundError(absl::StrCat("noproc: ", pid.ToString()));
  int64_t deadline = sched_internal::DeadlineAfter(NowNanos(), timeout);
  if (deterministic()) {
    for (;;) {
      {
        std::lock_guard<std::mutex> lock(state->mu);
        if (state->reason.has_value()) return *state->reason;
      }
      if (!DriveOnce(deadline)) break;
    }
  } else {
    std::unique_lock<std::mutex> lock(state->mu);
    while (!state->reason.has_value()) {
      int64_t left = deadline - NowNanos();
      if (left <= 0) break;
      state->cv.wait_for(lock, std::chrono::nanoseconds(std::min<int64_t>(left, 1'000'000'000)));
    }
  }
  std::lock_guard<std::mutex> lock(state->mu);
  if (state->reason.has_value()) return *state->reason;
  Unwatch(pid, id);
  return absl::DeadlineExceededError(absl::StrCat(pid.ToString(), " did not exit within ",
                                                  absl::FormatDuration(timeout)));
}

// --- the actor tree -------------------------------------------------------------

absl::StatusOr<std::string> Runtime::PathOf(Pid pid) {
  auto* c = static_cast<Cell*>(slab_.Acquire(pid));
  if (c == nullptr) return absl::NotFoundError(absl::StrCat("noproc: ", pid.ToString()));
  sched_internal::CellExt* e = c->ext.load(std::memory_order_acquire);
  std::string path = e != nullptr && !e->path.empty() ? e->path : absl::StrCat("/", UnnamedSegment(pid));
  slab_.Release(pid);
  return path;
}

absl::StatusOr<Pid> Runtime::ParentOf(Pid pid) {
  auto* c = static_cast<Cell*>(slab_.Acquire(pid));
  if (c == nullptr) return absl::NotFoundError(absl::StrCat("noproc: ", pid.ToString()));
  sched_internal::CellExt* e = c->ext.load(std::memory_order_acquire);
  Pid parent = e != nullptr ? e->parent : Pid();
  slab_.Release(pid);
  return parent;
}

std::vector<Pid> Runtime::ChildrenOf(Pid pid) {
  std::vector<Pid> out;
  auto* c = static_cast<Cell*>(slab_.Acquire(pid));
  if (c == nullptr) return out;
  if (sched_internal::CellExt* e = c->ext.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> lock(sched_internal::StripeFor(c));
    out.reserve(e->children.size());
    for (const auto& [seq, kid] : e->children) out.push_back(kid);
  }
  slab_.Release(pid);
  return out;
}

absl::StatusOr<Pid> Runtime::Resolve(absl::string_view path) {
  if (path.empty() || path[0] != '/' || path == "/") {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", absl::CEscape(path), "\" is not an actor path (\"/name/name...\")"));
  }
  auto not_found = [&] { return absl::NotFoundError(absl::StrCat("no live actor at ", path)); };
  Pid at;  // invalid: the root
  for (absl::string_view rest = path.substr(1); !rest.empty();) {
    size_t slash = rest.find('/');
    absl::string_view seg = rest.substr(0, slash);
    rest = slash == absl::string_view::npos ? absl::string_view() : rest.substr(slash + 1);
    if (seg.empty() || (slash != absl::string_view::npos && rest.empty())) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", absl::CEscape(path), "\" has an empty segment"));
    }
    Pid next;
    if (seg[0] == '$') {
      // An unnamed actor: its segment is its slot and generation.
      uint32_t slot = 0, gen = 0;
      size_t dot = seg.find('.');
      if (dot == absl::string_view::npos || !absl::SimpleAtoi(seg.substr(1, dot - 1), &slot) ||
          !absl::SimpleAtoi(seg.substr(dot + 1), &gen) || slot >= Pid::kMaxSlots ||
          gen == 0 || gen > Pid::kMaxGeneration) {
        return absl::InvalidArgumentError(absl::StrCat(
            "\"", absl::CEscape(seg), "\" in ", path, " is not an unnamed segment ($slot.generation)"));
      }
      next = Pid::Make(node(), slot, gen);
      absl::StatusOr<Pid> parent = ParentOf(next);
      if (!parent.ok() || *parent != at) return not_found();
    } else if (!at.valid()) {
      std::lock_guard<std::mutex> lock(root_mu_);
      auto it = root_named_.find(seg);
      if (it == root_named_.end()) return not_found();
      next = it->second;
    } else {
      auto* c = static_cast<Cell*>(slab_.Acquire(at));
      if (c == nullptr) return not_found();
      if (sched_internal::CellExt* e = c->ext.load(std::memory_order_acquire)) {
        std::lock_guard<std::mutex> lock(sched_internal::StripeFor(c));
        if (auto it = e->named_children.find(seg); it != e->named_children.end()) next = it->second;
      }
      slab_.Release(at);
      if (!next.valid()) return not_found();
    }
    at = next;
  }
  if (!IsAlive(at)) return not_found();
  return at;
}

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

int64_t Runtime::NowNanos() const {
  if (deterministic()) return virtual_now_.load(std::memory_order_acquire);
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() -
                                                              epoch_)
      .count();
}

// --- timers -----------------------------------------------------------------------

uint64_t Runtime::ArmTimer(Pid pid, int64_t deadline_ns) {
  return AddTimer(deadline_ns, pid, nullptr);
}

uint64_t Runtime::ArmCallback(int64_t deadline_ns, std::function<void()> fn) {
  return AddTimer(deadline_ns, Pid(), std::move(fn));
}

uint64_t Runtime::AddTimer(int64_t deadline_ns, Pid pid, std::function<void()> fn) {
  bool earliest = false;
  uint64_t id = timers_->Add(deadline_ns, pid, std::move(fn), &earliest);  // one lock per timer
  // The monitor wakes at least every millisecond; wake it early only for a
  // deadline that is both the earliest and due before its next tick (a
  // notify costs a futex call, which a call with a long timeout should not pay).
  if (earliest && !deterministic() && deadline_ns < NowNanos() + 1'000'000) {
    monitor_cv_.notify_one();
  }
  return id;
}

bool Runtime::CancelTimer(uint64_t id) { return timers_->Cancel(id); }

void Runtime::FireTimers(int64_t now) {
  for (auto& e : timers_->PopDue(now)) {
    if (e.fn) {
      try {
        e.fn();
      } catch (...) {
        // A callback must not throw; one that does loses only itself.
      }
    } else {
      SendSystem(e.target, new sched_internal::TimeoutMessage(e.id));
    }
  }
}

void Runtime::MonitorLoop() {
#if defined(__linux__)
  // Linux lets a sleeping thread wake up to 50 us late by default (timer
  // slack); the timer thread asks for 1 us, so that timers fire on time.
  prctl(PR_SET_TIMERSLACK, 1000UL, 0, 0, 0);
#endif
  std::unique_lock<std::mutex> lock(monitor_mu_);
  while (!monitor_stop_) {
    int64_t now = NowNanos();
    int64_t next = timers_->NextDeadline();
    int64_t wait = std::min<int64_t>(next - now, 1'000'000);  // at most 1 ms
    if (wait > 0) monitor_cv_.wait_for(lock, std::chrono::nanoseconds(wait));
    if (monitor_stop_) break;
    lock.unlock();
    FireTimers(NowNanos());
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
    lock.lock();
  }
}

// --- workers ---------------------------------------------------------------------

void Runtime::NotifyIdle() {
  if (num_searching_.load(std::memory_order_seq_cst) == 0 &&
      num_parked_.load(std::memory_order_seq_cst) > 0) {
    WakeOne();
  }
}

void Runtime::WakeOne() {
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

bool Runtime::AnyWork() const {
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

void Runtime::WorkerLoop(Worker* w) {
  tls_worker = w;
  const size_t n = workers_.size();
  auto pop_global = [this]() -> Cell* {
    if (global_size_.load(std::memory_order_relaxed) == 0) return nullptr;
    std::lock_guard<std::mutex> lock(global_mu_);
    if (global_.empty()) return nullptr;
    Cell* c = global_.front();
    global_.pop_front();
    global_size_.store(global_.size(), std::memory_order_seq_cst);
    return c;
  };
  while (!shut_down_.load(std::memory_order_acquire)) {
    Cell* c = nullptr;
    // 1. Local work: the LIFO slot (bounded streak), the FIFO queue, and now
    //    and then the global queue first (so it is never starved).
    if (++w->tick % sched_internal::kGlobalCheckInterval == 0) c = pop_global();
    if (c == nullptr && w->lifo.load(std::memory_order_relaxed) != nullptr) {
      c = w->lifo.exchange(nullptr, std::memory_order_acq_rel);
      if (c != nullptr && ++w->lifo_streak > sched_internal::kMaxLifoStreak) {
        w->lifo_streak = 0;
        w->PushBack(c);
        c = nullptr;
      }
    } else if (c == nullptr) {
      w->lifo_streak = 0;
    }
    if (c == nullptr) c = w->PopFront();
    if (c == nullptr) c = pop_global();
    // 2. Search: steal from the others, spinning briefly before parking.
    if (c == nullptr) {
      if (!w->searching) {
        w->searching = true;
        num_searching_.fetch_add(1, std::memory_order_seq_cst);
      }
      auto until = std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(options_.spin);
      do {
        for (size_t i = 1; i < n && c == nullptr; ++i) {
          Worker* victim = workers_[(w->index + i) % n].get();
          c = victim->StealInto(w);
          if (c == nullptr && victim->lifo_stealable.load(std::memory_order_relaxed) &&
              victim->lifo.load(std::memory_order_relaxed) != nullptr) {
            c = victim->lifo.exchange(nullptr, std::memory_order_acq_rel);
          }
        }
        if (c == nullptr) c = pop_global();
        if (c == nullptr) {
          for (int k = 0; k < 32; ++k) sched_internal::CpuRelax();
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
    RunCell(c);
    w->busy.store(false, std::memory_order_relaxed);
  }
  if (w->searching) num_searching_.fetch_sub(1, std::memory_order_seq_cst);
}

// --- deterministic mode -------------------------------------------------------

bool Runtime::Step() {
  Cell* c;
  {
    std::lock_guard<std::mutex> lock(det_mu_);
    if (ready_.empty()) return false;
    size_t i = static_cast<size_t>(rng_() % ready_.size());
    c = ready_[i];
    ready_[i] = ready_.back();
    ready_.pop_back();
  }
  RunCell(c);
  return true;
}

size_t Runtime::RunUntilIdle(size_t max_steps) {
  size_t steps = 0;
  while (steps < max_steps && Step()) ++steps;
  return steps;
}

bool Runtime::DriveOnce(int64_t deadline_ns) {
  if (Step()) return true;
  int64_t next = timers_->NextDeadline();
  if (next == INT64_MAX || next > deadline_ns) {
    if (deadline_ns != INT64_MAX && virtual_now_.load() < deadline_ns) virtual_now_.store(deadline_ns);
    return false;
  }
  if (virtual_now_.load() < next) virtual_now_.store(next);
  FireTimers(next);
  return true;
}

void Runtime::AdvanceTime(absl::Duration d) {
  int64_t target = sched_internal::DeadlineAfter(NowNanos(), d);
  for (;;) {
    RunUntilIdle();
    int64_t next = timers_->NextDeadline();
    if (next > target) break;
    if (virtual_now_.load() < next) virtual_now_.store(next);
    FireTimers(next);
  }
  virtual_now_.store(target);
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
