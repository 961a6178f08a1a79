// Copyright Myrmidon authors.
//
// The runtime's per-actor record. Private to libs/sched.
#ifndef MYR_SCHED_INTERNAL_CELL_H_
#define MYR_SCHED_INTERNAL_CELL_H_

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"

#include <mutex>

#include "libs/mailbox/mailbox.h"
#include "libs/pid/exit_reason.h"
#include "libs/sched/options.h"

namespace myr {
class ActorBase;
class Executor;
class Runtime;

namespace sched_internal {

// What a suspended handler waits for. Lives in the coroutine frame (it is
// the awaitable); the cell points at it while the handler is suspended.
class PendingReceive {
 public:
  virtual bool MatchUser(const Message&) { return false; }
  virtual bool MatchSystem(const Message&) { return false; }

  Message* result = nullptr;  // owned by the awaitable once set
  bool timed_out = false;
  std::coroutine_handle<> waiter;
  uint64_t timer = 0;  // 0: no deadline

 protected:
  ~PendingReceive() = default;
};

// The Task a handler returned, with the message it was started by (kept
// alive: the handler's parameters refer into it).
class ActiveTask {
 public:
  virtual ~ActiveTask() = default;
  virtual std::coroutine_handle<> handle() = 0;
  virtual bool done() = 0;
  // The message that started the task.
  virtual Message* message() = 0;
  // Delivers the result (reply) or rethrows the task's exception.
  virtual void Finish() = 0;
  PendingReceive* pending = nullptr;
};


// The mutex that guards a cell's CellExt watcher list and child tables (and
// Cell::exited): one of 256, chosen by the cell's address. Lock order: a
// stripe is taken alone, never while holding another stripe.
std::mutex& StripeFor(const void* cell);

// Rarely used parts of a cell, allocated on first use.
struct CellExt {
  // Guarded by the cell's stripe mutex (StripeFor).
  std::vector<std::pair<uint64_t, ExitCallback>> watchers;
  // Owner only: an exit reason with a detail text (plain reasons are kept
  // in Cell::exit_kind without allocating).
  std::unique_ptr<ExitReason> exit_request;
  // Fault injection: crash at this (1-based) user message; 0 = off.
  std::atomic<uint64_t> crash_at{0};

  // The actor tree (runtime.h, "Actor tree"). Set before the pid is
  // published and never changed: the parent (invalid for a top-level actor),
  // the actor's own path segment (empty: unnamed) and full path, and its
  // position among its parent's children.
  Pid parent;
  std::string name;
  std::string path;
  uint64_t child_seq = 0;
  // Guarded by the cell's stripe mutex: live children by spawn order, and
  // the named ones by name. Closed (tree_closed) when the actor exits.
  std::map<uint64_t, Pid> children;
  absl::flat_hash_map<std::string, Pid> named_children;
  uint64_t next_child_seq = 0;
};

// Cell::sched_state values.
enum : uint32_t {
  kIdle = 0,       // in no run queue, not running
  kScheduled = 1,  // in a run queue or running (the queue holds a slab reference)
  kReleasing = 2,  // its runner is checking for new messages before going idle
};

class Cell {
 public:
  Cell(Runtime* rt, const MailboxOptions& mo, uint32_t budget, uint8_t executor)
      : mailbox(mo), rt(rt), budget(budget), executor(executor) {}
  ~Cell() { delete ext.load(std::memory_order_acquire); }

  CellExt* Ext() {
    CellExt* e = ext.load(std::memory_order_acquire);
    if (e != nullptr) return e;
    auto* fresh = new CellExt();
    if (ext.compare_exchange_strong(e, fresh, std::memory_order_acq_rel)) return fresh;
    delete fresh;
    return e;
  }

  Mailbox mailbox;
  // kIdle, kScheduled or kReleasing (see above).
  std::atomic<uint32_t> sched_state{kIdle};
  Pid pid;
  Runtime* rt;
  ActorBase* actor = nullptr;
  ActiveTask* active = nullptr;
  std::atomic<CellExt*> ext{nullptr};
  uint32_t budget;
  uint32_t block_size = 0;  // bytes of the cell+actor allocation
  uint32_t handled = 0;
  uint32_t next_call_id = 0;
  // Where its turns run, fixed at spawn: an index into the runtime's
  // executor table (a byte, not a pointer: idle actors are 224 bytes).
  uint8_t executor;
  bool started = false;
  // OnStart threw: the actor never started, so OnExit is not called (as OTP
  // skips terminate/2 when init/1 fails).
  bool start_failed = false;
  bool stopping = false;
  bool exit_now = false;
  bool trap_exits = false;  // owner only (ActorBase::TrapExits)
  ExitKind exit_kind = ExitKind::kNormal;  // with exit_now
  bool exited = false;  // guarded by the cell's stripe mutex
};

}  // namespace sched_internal
}  // namespace myr

#endif  // MYR_SCHED_INTERNAL_CELL_H_
