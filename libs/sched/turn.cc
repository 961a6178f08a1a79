// Copyright Myrmidon authors.
//
// The turn: what happens between a cell leaving its executor's queue and
// going idle again. RunCell starts the actor (OnStart) on its first turn,
// drains the system channel first (stop, kill, exit signals, replies,
// timeouts), then hands up to `budget` user messages to the actor's
// Dispatch (its Handle overloads) or to the suspended Task handler waiting
// for one, and finally either goes idle, requeues the cell behind the
// others, or runs its exit: OnExit, the mailbox drained (unanswered
// requests answered with the exit reason), the exit watchers, the children
// ended. The first half of a message's path, from Send to the mailbox, is
// delivery.cc.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libs/sched/internal/system_messages.h"
#include "libs/sched/internal/turn_context.h"
#include "libs/sched/runtime.h"

namespace myr {
namespace sched_internal {

constinit thread_local TurnContext* tls_turn = nullptr;
constinit thread_local Cell* tls_constructing_cell = nullptr;
constinit thread_local Message* tls_current_message = nullptr;

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

void CountUnhandled(Cell* cell) { cell->rt->CountDeadLetter(); }

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

void RunTurn(Cell* c, TurnContext* ctx) { c->rt->RunCell(c, ctx); }

void StartTask(Cell* cell, ActiveTask* task) {
  cell->active = task;
  task->handle().resume();
  cell->rt->AfterTaskStep(cell);
}

}  // namespace sched_internal

using sched_internal::Cell;
using sched_internal::TurnContext;
using sched_internal::tls_current_message;
using sched_internal::tls_turn;

void Turn::Run() const {
  Cell* c = cell_;
  Runtime* rt = c->rt;
  TurnContext* ctx = tls_turn;
  if (ctx != nullptr && ctx->rt == rt) {
    rt->RunCell(c, ctx);  // a thread of one of the runtime's own executors
    return;
  }
  // A thread of an executor the runtime does not own (or of another
  // runtime): a context for this turn only.
  TurnContext local;
  local.rt = rt;
  local.executor = rt->ExecutorAt(c->executor);
  local.may_block = local.executor->turns_may_block();
  tls_turn = &local;
  rt->RunCell(c, &local);
  tls_turn = ctx;
}

void Runtime::RunCell(Cell* c, TurnContext* ctx) {
  ctx->sends_in_turn = 0;
  if (!c->started) {
    c->started = true;
    try {
      c->actor->OnStart();
    } catch (...) {
      c->start_failed = true;  // never started: no OnExit
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
      FlushOutbox(ctx);
      slab_.Release(c->pid);
      return;
    }
    if (budget == 0) {
      FlushOutbox(ctx);
      c->mailbox.PublishConsumed();
      Enqueue(c, Placement::kLater);
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
      if (ctx->outbox.count != 0) {
        FlushOutbox(ctx);  // may be to ourselves: look again before going idle
        continue;
      }
      c->mailbox.PublishConsumed();
      // Going idle. While kReleasing, no sender schedules the cell (so this
      // thread may still read the owner-side state below, which another
      // thread running the cell would be writing); a sender that sees
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
    if (!c->start_failed) {
      try {
        c->actor->OnExit(reason);
      } catch (...) {
      }
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
  if (e != nullptr && (!children.empty() || !e->path.empty())) {
    auto kids = std::make_shared<std::vector<Pid>>(tree_.Leave(c, e, children));
    for (Pid kid : *kids) Exit(kid, ExitReason::Shutdown(), c->pid);
    if (!kids->empty() && !stopping_.load(std::memory_order_relaxed)) {
      // A child that traps exits has child_grace to end by itself.
      ArmCallback(DeadlineAfter(NowNanos(), options_.child_grace), [this, kids] {
        for (Pid kid : *kids) Kill(kid);
      });
    }
  }
  for (auto& [id, cb] : watchers) {
    try {
      cb(c->pid, reason);
    } catch (...) {
    }
  }
}

}  // namespace myr
