// Copyright Myrmidon authors.
//
// registry.h: the name and path registry (the data structure; the actor
// runtime wires it to actor exits and to send-by-name).
//
// Two independent namespaces map strings to Pids:
//
//   names  flat, Erlang-style: "logger", "db.pool". Register fails while the
//          name is held by a live actor; a name held by a dead one is taken
//          over. Unregister is a no-op for an unknown name.
//   paths  hierarchical: "/svc/db/primary". Exact-match RegisterPath/Lookup,
//          plus listing (Children: one level below a prefix; Descendants:
//          every level below) and prefix watches that receive kRegistered /
//          kUnregistered events.
//
// Liveness. The registry does not know about actors. It is constructed with
// an optional `is_alive(Pid)` predicate (the runtime passes the slab's
// IsLive). A holder for which is_alive is false does not hold its entry:
// Register/RegisterPath take the entry over, and WhereIs/Lookup do not return
// it. Without a predicate every Pid counts as alive. The runtime calls
// UnregisterAllOf(pid) when an actor exits; a reverse index (pid -> its names
// and paths) makes that O(entries of pid), not O(registry).
//
// Concurrency (the choice and why). Lookups take no global lock: each
// namespace is a hash table split into kShards (64) shards, each with its own
// std::shared_mutex. WhereIs/Lookup take one shard's lock in shared mode, so
// lookups never block each other and only contend with a writer of a name in
// the same shard. A read-copy-update snapshot would make reads wait-free but
// costs a table copy per write (or a persistent map) plus deferred
// reclamation; sharding keeps writes O(1) and is simple to check under TSAN.
// std::shared_mutex / std::mutex rather than absl::Mutex: TSAN cannot see
// Debian's uninstrumented Abseil (see .bazelrc).
//
// Writers of paths also take the path index's own mutex (an ordered map for
// Children/Descendants and the watcher list). Lock order, outermost first:
// path index -> shard -> reverse-index shard -> event queue. No lock is held
// while a user callback runs, except that is_alive is called under a writer's
// locks (it must not call back into the registry; the slab's IsLive is one
// atomic load).
//
// Watch events are delivered after every registry lock is released, one at a
// time (never two callbacks concurrently), in the order the changes were
// made, on the thread of some writer: normally the one that made the change,
// but if another thread is already delivering, that thread delivers it too
// (so a callback that registers a path does not recurse; its event follows
// after the callback returns).
//
// Every public method is @threadsafe.
#ifndef MYR_REGISTRY_REGISTRY_H_
#define MYR_REGISTRY_REGISTRY_H_

#include <array>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "libs/pid/pid.h"

namespace myr::registry {

// A change under a watched prefix.
struct Event {
  enum Kind : uint8_t { kRegistered, kUnregistered };
  Kind kind;
  std::string path;
  Pid pid;  // the holder that was registered / unregistered
};

class Registry {
 public:
  using IsAlive = std::function<bool(Pid)>;
  using WatchCallback = std::function<void(const Event&)>;
  using Entries = std::vector<std::pair<std::string, Pid>>;

  static constexpr size_t kShards = 64;

  // `is_alive` may be empty (every Pid counts as alive). It is called with
  // registry locks held and must not call into the registry.
  explicit Registry(IsAlive is_alive = nullptr);
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // ---- names --------------------------------------------------------------

  // Registers `name` for `pid`. InvalidArgument for an empty name or an
  // invalid pid; AlreadyExists (naming the holder) if a live pid holds it.
  // Re-registering a name to its current holder succeeds. A dead holder's
  // name is taken over. @threadsafe
  absl::Status Register(absl::string_view name, Pid pid);

  // Frees `name`. Returns false (and does nothing) if it was not registered.
  // @threadsafe
  bool Unregister(absl::string_view name);

  // The live holder of `name`, or nullopt. Takes one shard lock in shared
  // mode, never a global lock. @threadsafe
  std::optional<Pid> WhereIs(absl::string_view name) const;

  // ---- paths --------------------------------------------------------------

  // Registers an absolute path ("/a/b"): it must start with '/', have no
  // empty segment and no trailing '/'; "/" itself cannot be registered.
  // Holder rules as for Register. Watchers of the path's prefixes receive
  // kRegistered (preceded by kUnregistered for a dead holder taken over).
  // @threadsafe
  absl::Status RegisterPath(absl::string_view path, Pid pid);

  // Frees `path` (exact match); watchers receive kUnregistered. Returns false
  // if it was not registered (or is not a valid path). @threadsafe
  bool UnregisterPath(absl::string_view path);

  // The live holder of exactly `path`, or nullopt. Like WhereIs, one shard
  // lock in shared mode. @threadsafe
  std::optional<Pid> Lookup(absl::string_view path) const;

  // Registered paths exactly one segment below `prefix` ("/" for the top
  // level), sorted. Does not include `prefix` itself. Entries of dead
  // holders are left out. Empty for an invalid prefix. @threadsafe
  Entries Children(absl::string_view prefix) const;

  // Registered paths any number of segments below `prefix`, sorted. Does not
  // include `prefix` itself. @threadsafe
  Entries Descendants(absl::string_view prefix) const;

  // Checks `path` against the path rules; OK or InvalidArgument with the
  // reason. `allow_root` accepts "/" (valid as a prefix, not as a path).
  static absl::Status ValidatePath(absl::string_view path, bool allow_root = false);

  // ---- watches ------------------------------------------------------------

  // Calls `cb` for every later registration / unregistration of `prefix`
  // itself or any path below it ("/a" sees "/a" and "/a/x", not "/ab").
  // "/" watches everything. Returns a non-zero id for Unwatch, or 0 for an
  // invalid prefix. @threadsafe
  uint64_t Watch(absl::string_view prefix, WatchCallback cb);

  // Stops a watch. Once Unwatch returns, the callback does not run again;
  // if it is running on another thread, Unwatch waits for it to finish (from
  // inside the callback itself it does not wait). Returns false for an
  // unknown id. @threadsafe
  bool Unwatch(uint64_t id);

  // ---- the exit hook ------------------------------------------------------

  // Frees every name and path held by `pid` (watchers receive kUnregistered
  // for the paths) and returns how many entries were freed. O(entries of
  // pid). The runtime calls this once an actor has exited. @threadsafe
  size_t UnregisterAllOf(Pid pid);

  // Number of registered names / paths (dead holders included). @threadsafe
  size_t name_count() const;
  size_t path_count() const;

 private:
  // One shard of a string -> Pid table.
  struct Shard {
    mutable std::shared_mutex mu;
    absl::flat_hash_map<std::string, Pid> map;  // guarded by mu
  };
  using Table = std::array<Shard, kShards>;

  // What one pid holds (the reverse index entry).
  struct Held {
    absl::flat_hash_set<std::string> names;
    absl::flat_hash_set<std::string> paths;
  };
  struct HeldShard {
    std::mutex mu;
    absl::flat_hash_map<Pid, Held> by_pid;  // guarded by mu
  };

  struct Watcher {
    uint64_t id;
    std::string prefix;
    WatchCallback cb;
    bool active = true;  // guarded by Registry::events_mu_
  };
  struct Pending {
    std::shared_ptr<Watcher> watcher;
    Event event;
  };

  bool Alive(Pid pid) const { return !is_alive_ || is_alive_(pid); }
  static size_t ShardIndex(absl::string_view key);
  // The live holder of `key` in `t` (WhereIs, Lookup).
  std::optional<Pid> Find(const Table& t, absl::string_view key) const;
  HeldShard& HeldFor(Pid pid);

  // Reverse-index edits (lock the pid's HeldShard).
  void AddHeld(Pid pid, absl::string_view key, bool is_path);
  void RemoveHeld(Pid pid, absl::string_view key, bool is_path);

  // Removes `path` if held by `only_if` (any holder if invalid) while path_mu_
  // is held; queues events. Returns whether it removed it.
  bool RemovePathLocked(absl::string_view path, Pid only_if);
  // Queues `event` for each watcher whose prefix covers it. path_mu_ held.
  void QueueEventLocked(Event event);
  // Delivers queued events unless another thread is already doing so.
  void Deliver();

  IsAlive is_alive_;

  Table names_;
  Table paths_;  // exact-match view of paths, for Lookup

  // The ordered path index and the watcher list. Writers of paths hold it
  // exclusively; Children/Descendants hold it shared.
  mutable std::shared_mutex path_mu_;
  std::map<std::string, Pid, std::less<>> path_index_;  // guarded by path_mu_
  std::map<uint64_t, std::shared_ptr<Watcher>> watchers_;  // guarded by path_mu_
  uint64_t next_watch_id_ = 1;                            // guarded by path_mu_

  std::array<HeldShard, kShards> held_;

  // The event queue and its single deliverer.
  std::mutex events_mu_;
  std::condition_variable events_cv_;
  std::deque<Pending> pending_;             // guarded by events_mu_
  bool delivering_ = false;                 // guarded by events_mu_
  std::thread::id deliverer_;               // guarded by events_mu_
  uint64_t running_watch_ = 0;              // guarded by events_mu_
};

}  // namespace myr::registry

#endif  // MYR_REGISTRY_REGISTRY_H_
