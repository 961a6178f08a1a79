// Copyright Myrmidon authors.
#include "libs/supervise/link.h"

#include <cstdint>
#include <mutex>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace myr::supervise {
namespace {

// A link, keyed by its runtime and its two pids in order.
struct LinkKey {
  const Runtime* rt;
  Pid lo;
  Pid hi;

  friend bool operator==(const LinkKey& x, const LinkKey& y) {
    return x.rt == y.rt && x.lo == y.lo && x.hi == y.hi;
  }
  template <typename H>
  friend H AbslHashValue(H h, const LinkKey& k) {
    return H::combine(std::move(h), k.rt, k.lo, k.hi);
  }
};

struct LinkEntry {
  uint64_t id;        // tells this link from an earlier one of the same pair
  uint64_t watch_lo;  // Runtime::Watch id on key.lo (signals key.hi)
  uint64_t watch_hi;  // Runtime::Watch id on key.hi (signals key.lo)
};

// Every link of every runtime. std::mutex, not absl::Mutex: TSAN cannot see
// Debian's uninstrumented Abseil. Lock order: this mutex, then the runtime's
// (Watch/Unwatch); exit callbacks take it with no runtime lock held.
struct LinkTable {
  std::mutex mu;
  absl::flat_hash_map<LinkKey, LinkEntry> links;  // guarded by mu
  uint64_t next_id = 1;                           // guarded by mu
};

LinkTable& Table() {
  static auto* table = new LinkTable();  // never destroyed: callbacks may run late
  return *table;
}

LinkKey KeyOf(const Runtime& rt, Pid a, Pid b) {
  return a < b ? LinkKey{&rt, a, b} : LinkKey{&rt, b, a};
}

// The watch callback: `exited` (one end of the link `key`) ended with
// `reason`. Runs on the thread that ran the exit.
void OnLinkedExit(Runtime* rt, const LinkKey& key, uint64_t id, Pid exited,
                  const ExitReason& reason) {
  const bool lo_exited = exited == key.lo;
  const Pid peer = lo_exited ? key.hi : key.lo;
  uint64_t peer_watch;
  {
    LinkTable& t = Table();
    std::lock_guard<std::mutex> lock(t.mu);
    auto it = t.links.find(key);
    if (it == t.links.end() || it->second.id != id) return;  // unlinked meanwhile
    peer_watch = lo_exited ? it->second.watch_hi : it->second.watch_lo;
    t.links.erase(it);
  }
  rt->Unwatch(peer, peer_watch);
  rt->Exit(peer, reason, exited);
}

}  // namespace

absl::Status Link(Runtime& rt, Pid a, Pid b) {
  if (!a.valid() || !b.valid()) return absl::InvalidArgumentError("link: invalid pid");
  if (a == b) {
    if (rt.IsAlive(a)) return absl::OkStatus();
    return absl::NotFoundError(absl::StrCat("noproc: ", a.ToString()));
  }
  const LinkKey key = KeyOf(rt, a, b);
  Runtime* rtp = &rt;
  LinkTable& t = Table();
  // Held across the watches: an exit that fires one of them before the
  // entry is in the table waits here, then finds the entry (or none, if the
  // link failed).
  std::lock_guard<std::mutex> lock(t.mu);
  if (t.links.contains(key)) return absl::OkStatus();
  const uint64_t id = t.next_id++;
  auto callback = [rtp, key, id](Pid exited, const ExitReason& reason) {
    OnLinkedExit(rtp, key, id, exited, reason);
  };
  const uint64_t watch_lo = rt.Watch(key.lo, callback);
  if (watch_lo == 0) return absl::NotFoundError(absl::StrCat("noproc: ", key.lo.ToString()));
  const uint64_t watch_hi = rt.Watch(key.hi, callback);
  if (watch_hi == 0) {
    rt.Unwatch(key.lo, watch_lo);
    return absl::NotFoundError(absl::StrCat("noproc: ", key.hi.ToString()));
  }
  t.links.emplace(key, LinkEntry{id, watch_lo, watch_hi});
  return absl::OkStatus();
}

absl::Status Unlink(Runtime& rt, Pid a, Pid b) {
  const LinkKey key = KeyOf(rt, a, b);
  LinkEntry entry;
  {
    LinkTable& t = Table();
    std::lock_guard<std::mutex> lock(t.mu);
    auto it = t.links.find(key);
    if (it == t.links.end()) return absl::OkStatus();
    entry = it->second;
    t.links.erase(it);
  }
  // A callback that fires from here on finds no entry and sends nothing.
  rt.Unwatch(key.lo, entry.watch_lo);
  rt.Unwatch(key.hi, entry.watch_hi);
  return absl::OkStatus();
}

bool Linked(Runtime& rt, Pid a, Pid b) {
  LinkTable& t = Table();
  std::lock_guard<std::mutex> lock(t.mu);
  return t.links.contains(KeyOf(rt, a, b));
}

}  // namespace myr::supervise
