// Copyright Myrmidon authors.
//
// The state of a thread while it runs actors' turns, and the seam between
// the executors and the runtime's send path. Private to libs/sched.
//
// Each executor thread that runs turns installs one TurnContext for its
// lifetime (tls_turn): the worker pool one per worker (with send batching
// and the long-turn hook), the blocking pool one per thread (handlers may
// block). A thread of an executor added by a user has none; Turn::Run gives
// it one for the turn. The send path reads it to batch sends, to decide
// whether a sender may wait for room in a full mailbox, and to hand a woken
// actor to the current thread's executor.
#ifndef MYR_SCHED_INTERNAL_TURN_CONTEXT_H_
#define MYR_SCHED_INTERNAL_TURN_CONTEXT_H_

#include <cstdint>

#include "libs/mailbox/message.h"
#include "libs/pid/pid.h"
#include "libs/sched/executor.h"

namespace myr {
class Runtime;

namespace sched_internal {

class Cell;

// Turn <-> Cell, for the executors inside libs/sched.
struct TurnAccess {
  static Turn Make(Cell* c) { return Turn(c); }
  static Cell* CellOf(Turn t) { return t.cell_; }
};

// Sends to one unbounded mailbox, linked locally and spliced into it with a
// single exchange (holds a slab reference on `cell` while count > 0).
struct Outbox {
  Cell* cell = nullptr;
  Pid to;
  Message* first = nullptr;
  Message* last = nullptr;
  uint32_t count = 0;
};

struct TurnContext {
  Runtime* rt = nullptr;       // the runtime whose turns run on this thread
  Executor* executor = nullptr;  // the executor owning this thread
  bool may_block = false;      // handlers may block (Executor::turns_may_block)
  // Set to `rt` where sends to unbounded mailboxes are batched in `outbox`
  // (the worker pool; then long_turn is set too), null elsewhere: one
  // compare on every send tells both "this runtime" and "batching".
  Runtime* batching_for = nullptr;
  uint32_t sends_in_turn = 0;  // reset per turn
  // Called (batching contexts: never null there) when a turn reaches
  // kLongTurnSends sends.
  void (*long_turn)(TurnContext*) = nullptr;
  Outbox outbox;
};

// The current thread's context, or null on a thread that runs no turns.
// constinit: other translation units read these on every send and every
// wake-up; constant initialization means no TLS wrapper call is ever needed
// to reach them.
extern constinit thread_local TurnContext* tls_turn;
// The message whose handler runs on this thread (ActorBase::sender()).
extern constinit thread_local Message* tls_current_message;

// Runs `c`'s turn on this thread, whose context is `ctx` (ctx->rt is c's
// runtime): the callback the built-in executors call for each turn they
// run; Turn::Run is its public face for executors added by users (turn.cc).
void RunTurn(Cell* c, TurnContext* ctx);

// A turn that sends this many messages is "long": the worker pool lets its
// LIFO slot be stolen and wakes an idle worker to share the load.
inline constexpr uint32_t kLongTurnSends = 64;
// Sends batched in an outbox before it is flushed.
inline constexpr uint32_t kOutboxBatch = 64;

}  // namespace sched_internal
}  // namespace myr

#endif  // MYR_SCHED_INTERNAL_TURN_CONTEXT_H_
