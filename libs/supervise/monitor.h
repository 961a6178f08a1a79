// Copyright Myrmidon authors.
//
// monitor.h: monitors (Erlang's monitor(process, Pid) and demonitor/1).
//
// A monitor is one-way: `watcher` learns of `target`'s exit, and nothing
// happens to either because of it. Each Monitor call makes its own
// reference; when the target exits, the watcher gets one Down user message
// per reference, with the target and its exit reason (the crash text
// intact). The watcher lists Down among its Actor<...> message types.
//
//   class Watcher : public myr::Actor<Watcher, myr::supervise::Down, Watch> {
//     void Handle(Watch& m) {
//       ref_ = *myr::supervise::Monitor(runtime(), self(), m.target);
//     }
//     void Handle(myr::supervise::Down& d) {
//       // d.ref == ref_; d.target exited with d.reason
//     }
//     myr::supervise::MonitorRef ref_;
//   };
//
// Monitoring an actor that is not alive gives an immediate Down with reason
// noproc (queued before Monitor returns), as in Erlang. Demonitor removes a
// monitor: once it returns true, no Down for that reference is sent. A
// monitor also goes away when its watcher exits (as in Erlang).
//
// Down is an ordinary user message sent with Runtime::TrySend (from the
// thread that ran the target's exit): it is subject to the watcher's mailbox
// policy, so a full bounded mailbox can drop it (Erlang has no bounded
// mailboxes). Watchers that must not miss a Down should have room for it.
//
// Thread-safety: every function here is @threadsafe.
#ifndef MYR_SUPERVISE_MONITOR_H_
#define MYR_SUPERVISE_MONITOR_H_

#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "libs/pid/pid.h"
#include "libs/pid/exit_reason.h"
#include "libs/sched/runtime.h"

namespace myr::supervise {

// The reference of one monitor. Unique in the process; 0 is no monitor.
struct MonitorRef {
  uint64_t id = 0;

  bool valid() const { return id != 0; }
  friend bool operator==(MonitorRef a, MonitorRef b) { return a.id == b.id; }
  friend bool operator!=(MonitorRef a, MonitorRef b) { return a.id != b.id; }
  template <typename H>
  friend H AbslHashValue(H h, MonitorRef r) {
    return H::combine(std::move(h), r.id);
  }
};

// What a watcher receives when a monitored actor exits.
struct Down {
  MonitorRef ref;
  Pid target;
  ExitReason reason;
};

// Makes `watcher` monitor `target`: one Down{ref, target, reason} when the
// target exits. If the target is not alive, a Down with reason noproc is
// queued at once and the ref is returned all the same. NotFound if the
// watcher is not alive; InvalidArgument for an invalid pid.
absl::StatusOr<MonitorRef> Monitor(Runtime& rt, Pid watcher, Pid target);

// Removes the monitor `ref`. True if it was active: then no Down for it is
// sent, now or later. False if there was none (already delivered, already
// removed, or of another runtime).
bool Demonitor(Runtime& rt, MonitorRef ref);

}  // namespace myr::supervise

#endif  // MYR_SUPERVISE_MONITOR_H_
