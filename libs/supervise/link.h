// Copyright Myrmidon authors.
//
// link.h: links between actors (Erlang's link/1 and unlink/1).
//
// A link joins two live actors both ways: when either exits with reason R,
// the other receives an exit signal {from: the one that exited, reason: R}
// (Runtime::Exit with a sender). What that signal does is the receiver's
// business, as in Erlang:
//
//   - a receiver that traps exits (ActorBase::TrapExits(true)) gets it as an
//     ExitMsg{from, reason} user message, whatever R is;
//   - otherwise R normal is ignored (a normal exit never kills a peer) and
//     any other R (killed included) ends the receiver with R, which in turn
//     travels over the receiver's own links: a chain of non-trapping actors
//     dies together with the first one's reason.
//
//   class Worker : public myr::Actor<Worker, Job> { ... };
//   class Owner : public myr::Actor<Owner, myr::ExitMsg, Start> {
//     void OnStart() override { TrapExits(true); }
//     void Handle(Start&) {
//       auto w = *runtime().Spawn<Worker>();
//       (void)myr::supervise::Link(runtime(), self(), w.pid());
//     }
//     void Handle(myr::ExitMsg& m) { /* m.from ended with m.reason */ }
//   };
//
// Each link is two Runtime::Watch registrations (one per side), kept in a
// small process-wide table; a link disappears when either side exits or on
// Unlink. Linking is idempotent: a second Link of the same pair is a no-op,
// and one exit gives one signal.
//
// Deviation from Erlang: linking to an actor that is not alive returns
// NotFound and sends no signal (Erlang raises noproc in the caller, or with
// trap_exit delivers {'EXIT', Pid, noproc}). The caller decides.
//
// Thread-safety: every function here is @threadsafe; call them from any
// thread, including an actor's handlers (Link(runtime(), self(), other)).
#ifndef MYR_SUPERVISE_LINK_H_
#define MYR_SUPERVISE_LINK_H_

#include "absl/status/status.h"
#include "libs/pid/pid.h"
#include "libs/sched/runtime.h"

namespace myr::supervise {

// Links `a` and `b` (both ways). OK if they are now linked (also if they
// already were, and for a == b alive, a no-op as in Erlang); NotFound if
// either is not alive (no link, no signal); InvalidArgument for an invalid
// pid.
absl::Status Link(Runtime& rt, Pid a, Pid b);

// Removes the link between `a` and `b`, both directions: after it returns,
// neither one's exit sends the other a signal through this link. OK whether
// or not they were linked (Erlang's unlink/1 is idempotent too).
absl::Status Unlink(Runtime& rt, Pid a, Pid b);

// True if `a` and `b` are linked now (for tests and introspection; the
// answer may be stale by the time the caller looks at it).
bool Linked(Runtime& rt, Pid a, Pid b);

}  // namespace myr::supervise

#endif  // MYR_SUPERVISE_LINK_H_
