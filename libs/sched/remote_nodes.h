// Copyright Myrmidon authors.
//
// remote_nodes.h: the seam where sends to other nodes' pids leave the
// process.
//
// A Pid names its node (pid.h). A Runtime hosts the actors of one node
// (RuntimeOptions::node); everything addressed to a pid of another node —
// a send or a call, a stop, kill or exit signal, a watch (and so a link or a
// monitor), an is-alive question — goes to the RemoteNodes installed with
// Runtime::SetRemoteNodes. libs/mesh implements it over TCP; the tests wire
// two runtimes of one process to each other (libs/sched/testing/
// loopback_nodes.h). sched never knows who implements it.
//
// Without one installed (and for a node the installed one does not know):
//   - a send returns SendResult::kNoRoute (a request gets Unavailable, "no
//     route to node N"); a dead letter is counted;
//   - Stop / Kill / Exit return false;
//   - Watch returns an id and calls its callback soon after with reason
//     noconnection (a link then delivers an exit signal noconnection, a
//     monitor a Down with noconnection, as in Erlang); Unwatch cancels it;
//   - IsAlive is false.
// The runtime checks before calling Send that the message's type has a wire
// codec (libs/wire/codec.h): one without gets kNotSerializable at the send
// (a request gets InvalidArgument), never a crash or a silent drop.
//
// What arrives from another node comes back in through the Runtime's public
// API: DeliverFromWire for a message that came as bytes (it is decoded with
// its codec and delivered through the target's mailbox, policies and
// budgets included; a dead or stale target answers like a local one:
// kNoProc and a dead letter, a request gets NotFound), and Stop / Kill /
// Exit / Watch / Unwatch for the rest.
//
// Thread-safety: every method is called from any thread (the sender's,
// often a worker in the middle of a turn): it must not block and must not
// call back into the sending actor. Exit callbacks given to Watch may run on
// any thread, at most once, never inside Watch itself.
#ifndef MYR_SCHED_REMOTE_NODES_H_
#define MYR_SCHED_REMOTE_NODES_H_

#include <cstdint>

#include "libs/mailbox/message.h"
#include "libs/pid/exit_reason.h"
#include "libs/pid/pid.h"
#include "libs/sched/options.h"

namespace myr {

// A system signal for an actor on another node.
struct RemoteSignal {
  enum class Kind : uint8_t {
    kStop,  // graceful stop (Runtime::Stop)
    kKill,  // untrappable kill (Runtime::Kill)
    kExit,  // an exit signal with `reason` from `from` (Runtime::Exit)
  };
  Kind kind = Kind::kExit;
  ExitReason reason;
  Pid from;  // invalid: from outside any actor
};

class RemoteNodes {
 public:
  virtual ~RemoteNodes() = default;

  // A user message for `to` on another node; takes ownership of `m`, whose
  // type has a codec (m->type()->codec() != nullptr). If `m` is a request
  // (m->is_request()) the implementation keeps it until the reply comes
  // back, then answers it with codec->complete(*m, status, bytes) and
  // deletes it; if it cannot send, it fails it (myr::FailAndDelete) and
  // returns kNoRoute. Returns kOk once the message is on its way.
  virtual SendResult Send(Pid to, Message* m) = 0;

  // A stop, kill or exit signal for `to`. False if there is no route.
  virtual bool Signal(Pid to, const RemoteSignal& signal) = 0;

  // Calls cb(pid, reason) once when `pid` exits, or with reason
  // noconnection when its node becomes unreachable. Returns a watch id
  // (unique per implementation, never 0), or 0 if `pid` is known not to be
  // alive (noproc).
  virtual uint64_t Watch(Pid pid, ExitCallback cb) = 0;
  // True if the watch was still armed (its callback will not run).
  virtual bool Unwatch(Pid pid, uint64_t id) = 0;

  // The implementation's best knowledge: false when in doubt.
  virtual bool IsAlive(Pid pid) = 0;
};

}  // namespace myr

#endif  // MYR_SCHED_REMOTE_NODES_H_
