// Copyright Myrmidon authors.
#include "libs/supervise/monitor.h"

#include <mutex>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace myr::supervise {
namespace {

struct MonitorEntry {
  Runtime* rt;
  Pid watcher;
  Pid target;
  uint64_t target_watch;   // Runtime::Watch id on target (sends the Down)
  uint64_t watcher_watch;  // Runtime::Watch id on watcher (drops the monitor)
};

// Every monitor of every runtime, by reference. std::mutex (TSAN cannot see
// Debian's Abseil). Lock order: this mutex, then the runtime's
// (Watch/Unwatch); exit callbacks take it with no runtime lock held.
struct MonitorTable {
  std::mutex mu;
  absl::flat_hash_map<uint64_t, MonitorEntry> monitors;  // guarded by mu
  uint64_t next_ref = 1;                                  // guarded by mu
};

MonitorTable& Table() {
  static auto* table = new MonitorTable();  // never destroyed: callbacks may run late
  return *table;
}

// Removes `ref` from the table; false if it was not there.
bool Take(uint64_t ref, MonitorEntry* out) {
  MonitorTable& t = Table();
  std::lock_guard<std::mutex> lock(t.mu);
  auto it = t.monitors.find(ref);
  if (it == t.monitors.end()) return false;
  *out = it->second;
  t.monitors.erase(it);
  return true;
}

// The target exited: send the Down (once; a Demonitor first wins).
void OnTargetExit(uint64_t ref, const ExitReason& reason) {
  MonitorEntry e;
  if (!Take(ref, &e)) return;
  e.rt->Unwatch(e.watcher, e.watcher_watch);
  e.rt->TrySend(e.watcher, Down{MonitorRef{ref}, e.target, reason});
}

// The watcher exited: nobody to tell any more.
void OnWatcherExit(uint64_t ref) {
  MonitorEntry e;
  if (!Take(ref, &e)) return;
  e.rt->Unwatch(e.target, e.target_watch);
}

}  // namespace

absl::StatusOr<MonitorRef> Monitor(Runtime& rt, Pid watcher, Pid target) {
  if (!watcher.valid()) return absl::InvalidArgumentError("monitor: invalid watcher pid");
  MonitorTable& t = Table();
  uint64_t ref;
  {
    // Held across the watches: an exit that fires one of them before the
    // entry is in the table waits here, then finds it.
    std::lock_guard<std::mutex> lock(t.mu);
    ref = t.next_ref++;
    const uint64_t watcher_watch =
        rt.Watch(watcher, [ref](Pid, const ExitReason&) { OnWatcherExit(ref); });
    if (watcher_watch == 0) {
      return absl::NotFoundError(absl::StrCat("monitor: watcher ", watcher.ToString(),
                                              " is not alive"));
    }
    const uint64_t target_watch =
        target.valid()
            ? rt.Watch(target, [ref](Pid, const ExitReason& r) { OnTargetExit(ref, r); })
            : 0;
    if (target_watch != 0) {
      t.monitors.emplace(ref, MonitorEntry{&rt, watcher, target, target_watch, watcher_watch});
      return MonitorRef{ref};
    }
    rt.Unwatch(watcher, watcher_watch);
  }
  // Not alive: an immediate Down, as Erlang does.
  rt.TrySend(watcher, Down{MonitorRef{ref}, target, ExitReason::NoProc()});
  return MonitorRef{ref};
}

bool Demonitor(Runtime& rt, MonitorRef ref) {
  MonitorEntry e;
  {
    MonitorTable& t = Table();
    std::lock_guard<std::mutex> lock(t.mu);
    auto it = t.monitors.find(ref.id);
    if (it == t.monitors.end() || it->second.rt != &rt) return false;
    e = it->second;
    t.monitors.erase(it);
  }
  rt.Unwatch(e.target, e.target_watch);
  rt.Unwatch(e.watcher, e.watcher_watch);
  return true;
}

}  // namespace myr::supervise
