// Copyright Myrmidon authors.
//
// Delivery: the send paths. A message goes from Send to the target's
// mailbox (applying its overflow policy) and the target is scheduled on its
// executor if it was idle; a message for another node's pid leaves through
// the RemoteNodes seam. The other half of a message's path, from the
// mailbox to Handle, is the turn (turn.cc).
//
//   SendMessage --(worker, unbounded target)--> outbox --FlushOutbox--+
//        |                                                            v
//        +--> Deliver/DeliverTo --> Mailbox::Enqueue --> ScheduleOrRelease --> Enqueue
//                  |                                                     (executor Submit)
//                  +--(not on this node)--> SendRemote --> RemoteNodes::Send
#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "libs/sched/internal/turn_context.h"
#include "libs/sched/internal/worker_pool.h"
#include "libs/sched/runtime.h"
#include "libs/wire/codec.h"

namespace myr {

using sched_internal::Cell;
using sched_internal::TurnContext;
using sched_internal::tls_turn;

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
    case SendResult::kNoRoute: return "no_route";
    case SendResult::kNotSerializable: return "not_serializable";
  }
  return "unknown";
}

SendResult Runtime::SendMessage(Pid to, Message* m, bool may_block) {
  TurnContext* ctx = tls_turn;
  if (ctx == nullptr || ctx->batching_for != this) return Deliver(to, m, may_block, 0);
  if (++ctx->sends_in_turn == sched_internal::kLongTurnSends) ctx->long_turn(ctx);
  // Batch consecutive sends to the same unbounded mailbox (flushed when the
  // batch is full and when the sender's turn ends).
  sched_internal::Outbox& ob = ctx->outbox;
  if (ob.count != 0 && ob.to == to) {
    ob.last->next.store(m, std::memory_order_relaxed);
    ob.last = m;
    if (++ob.count >= sched_internal::kOutboxBatch) FlushOutbox(ctx);
    return SendResult::kOk;
  }
  if (ob.count != 0) FlushOutbox(ctx);
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

void Runtime::FlushOutbox(TurnContext* ctx) {
  sched_internal::Outbox ob = ctx->outbox;
  ctx->outbox.count = 0;
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
    if (to.valid() && to.node() != node()) return SendRemote(to, m);
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
        // Waiting for room needs real time and a thread whose handlers (if
        // any) may block: not a worker, not the deterministic driver.
        TurnContext* ctx = tls_turn;
        bool can_wait = may_block && (ctx == nullptr || ctx->may_block) && !clock_->is_virtual();
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

SendResult Runtime::SendRemote(Pid to, Message* m) {
  RemoteNodes* remote = remote_nodes();
  if (remote == nullptr) {
    CountDeadLetter();
    FailAndDelete(m, absl::UnavailableError(absl::StrCat(
                         "no route to node ", to.node(), " (no RemoteNodes installed on node ",
                         node(), "): cannot reach ", to.ToString())));
    return SendResult::kNoRoute;
  }
  if (m->type()->codec() == nullptr) {
    FailAndDelete(m, absl::InvalidArgumentError(absl::StrCat(
                         "message type ", m->type()->name,
                         " has no wire codec, so it cannot be sent to ", to.ToString(),
                         " on node ", to.node(), " (see libs/wire/codec.h)")));
    return SendResult::kNotSerializable;
  }
  return remote->Send(to, m);
}

bool Runtime::SignalRemote(Pid to, RemoteSignal signal) {
  RemoteNodes* remote = remote_nodes();
  return remote != nullptr && remote->Signal(to, signal);
}

bool Runtime::SendSystem(Pid to, Message* m) {
  // User messages this thread batched go first (a stop after work must not
  // overtake the work).
  if (TurnContext* ctx = tls_turn; ctx != nullptr && ctx->rt == this && ctx->outbox.count != 0) {
    FlushOutbox(ctx);
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
        Enqueue(c, Placement::kNext);  // our reference now belongs to the run queue
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

void Runtime::Enqueue(Cell* c, Placement where) {
  // The worker pool directly (no virtual call on the hot path).
  if (c->executor == kWorkerIndex && pool_ != nullptr) {
    pool_->Submit(c, where);
  } else {
    ExecutorAt(c->executor)->Submit(sched_internal::TurnAccess::Make(c), where);
  }
}

absl::StatusOr<SendResult> Runtime::DeliverFromWire(Pid to, Pid from, const wire::Codec& codec,
                                                    absl::string_view bytes,
                                                    std::unique_ptr<wire::Reply> reply) {
  absl::StatusOr<std::unique_ptr<Message>> m;
  if (reply != nullptr) {
    if (!codec.is_call()) {
      absl::Status s = absl::InvalidArgumentError(
          absl::StrCat(codec.name, " is a one-way message: it takes no reply"));
      reply->Deliver(s, "");
      return s;
    }
    m = codec.decode_request(bytes, std::move(reply));  // on failure it answers the reply
  } else {
    m = codec.decode(bytes);
  }
  if (!m.ok()) return m.status();
  (*m)->set_sender(from);
  return SendMessage(to, m->release(), /*may_block=*/false);
}

}  // namespace myr
