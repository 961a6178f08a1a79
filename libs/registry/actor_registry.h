// Copyright Myrmidon authors.
//
// actor_registry.h: the registry wired to the actor runtime.
//
// ActorRegistry owns a Registry whose liveness predicate is Runtime::IsAlive
// and adds what needs the runtime:
//
//   auto-unregister  the first time a pid gets a name or path, ActorRegistry
//                    installs ONE Runtime::Watch on it; when the actor exits
//                    the callback calls UnregisterAllOf(pid), so its names and
//                    paths are freed (path watchers see kUnregistered).
//                    Registering a pid that is not alive fails with NotFound
//                    ("noproc: ...") and leaves no entry behind.
//   send-by-name     SendByName / SendByPath look the holder up and
//                    Runtime::Send to it, mapping a failed send to a status.
//
// Closing the exit race: Register adds the entry, then makes sure a watch is
// armed for the pid and that the pid is still alive. The runtime marks a pid
// dead before it runs the exit callbacks, so either the exit callback runs
// after the entry exists (and frees it) or Register sees the pid dead and
// frees it itself. No entry of a dead actor outlives its exit callback.
//
// Thread-safety: every public method is @threadsafe (Register may be called
// from actors' handlers as well as from other threads). The per-pid watch
// ids are kept in a std::mutex-guarded map (std::mutex, not absl::Mutex:
// TSAN cannot see Debian's uninstrumented Abseil); no lock of this class is
// held while the registry or a user callback runs. The runtime's exit
// callbacks hold only a weak reference to this object's state, so a callback
// already under way when the ActorRegistry is destroyed is harmless.
//
// Lifetime: the Runtime must outlive the ActorRegistry (the destructor
// unwatches every pid it watches; the runtime may go on running).
#ifndef MYR_REGISTRY_ACTOR_REGISTRY_H_
#define MYR_REGISTRY_ACTOR_REGISTRY_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "libs/pid/pid.h"
#include "libs/registry/registry.h"
#include "libs/sched/runtime.h"

namespace myr::registry {

class ActorRegistry {
 public:
  explicit ActorRegistry(Runtime& rt);
  // Unwatches every pid it watches. Entries are dropped with the registry.
  ~ActorRegistry();
  ActorRegistry(const ActorRegistry&) = delete;
  ActorRegistry& operator=(const ActorRegistry&) = delete;

  // ---- names --------------------------------------------------------------

  // Registry::Register, plus: NotFound ("noproc: ...") if `pid` is not a live
  // actor (nothing is registered then); otherwise the name is freed
  // automatically when `pid` exits. @threadsafe
  absl::Status Register(absl::string_view name, Pid pid);
  // @threadsafe
  bool Unregister(absl::string_view name) { return state_->reg.Unregister(name); }
  // @threadsafe
  std::optional<Pid> WhereIs(absl::string_view name) const { return state_->reg.WhereIs(name); }

  // ---- paths --------------------------------------------------------------

  // Registry::RegisterPath with the same additions as Register. @threadsafe
  absl::Status RegisterPath(absl::string_view path, Pid pid);
  // @threadsafe
  bool UnregisterPath(absl::string_view path) { return state_->reg.UnregisterPath(path); }
  // @threadsafe
  std::optional<Pid> Lookup(absl::string_view path) const { return state_->reg.Lookup(path); }
  // @threadsafe
  Registry::Entries Children(absl::string_view prefix) const {
    return state_->reg.Children(prefix);
  }
  // @threadsafe
  Registry::Entries Descendants(absl::string_view prefix) const {
    return state_->reg.Descendants(prefix);
  }
  // Prefix watches (Registry::Watch / Unwatch). @threadsafe
  uint64_t Watch(absl::string_view prefix, Registry::WatchCallback cb) {
    return state_->reg.Watch(prefix, std::move(cb));
  }
  bool Unwatch(uint64_t id) { return state_->reg.Unwatch(id); }

  // ---- send by name -------------------------------------------------------

  // Sends `msg` to the live holder of `name`. NotFound
  // ("no actor registered as \"name\"") if there is none; otherwise the
  // SendResult mapped by SendStatus. @threadsafe
  template <typename T>
  absl::Status SendByName(absl::string_view name, T&& msg) {
    std::optional<Pid> pid = state_->reg.WhereIs(name);
    if (!pid.has_value()) {
      return absl::NotFoundError(absl::StrCat("no actor registered as \"", name, "\""));
    }
    return SendStatus(rt_.Send(*pid, std::forward<T>(msg)), *pid, "as \"", name);
  }
  // The same for the holder of `path`. @threadsafe
  template <typename T>
  absl::Status SendByPath(absl::string_view path, T&& msg) {
    std::optional<Pid> pid = state_->reg.Lookup(path);
    if (!pid.has_value()) {
      return absl::NotFoundError(absl::StrCat("no actor registered at \"", path, "\""));
    }
    return SendStatus(rt_.Send(*pid, std::forward<T>(msg)), *pid, "at \"", path);
  }

  // OK for a delivered result; kNoProc -> NotFound ("noproc: ..."), kDropped
  // -> ResourceExhausted, kBackpressure -> Unavailable. `how` and `key` name
  // the target in the message ("as \"" + name, or "at \"" + path).
  static absl::Status SendStatus(SendResult r, Pid pid, absl::string_view how,
                                 absl::string_view key);

  // ---- introspection ------------------------------------------------------

  // The underlying registry (for counts and listings). @threadsafe
  Registry& registry() { return state_->reg; }
  const Registry& registry() const { return state_->reg; }
  // Number of pids with an exit watch installed (they drop out as they
  // exit). @threadsafe
  size_t watched_pids() const;

 private:
  // Shared with the runtime's exit callbacks (through weak_ptr), so that a
  // callback running while the ActorRegistry is destroyed stays safe.
  struct State {
    explicit State(Runtime& rt) : reg([&rt](Pid p) { return rt.IsAlive(p); }) {}
    Registry reg;
    mutable std::mutex mu;
    absl::flat_hash_map<Pid, uint64_t> watches;  // guarded by mu
  };

  // After `pid` got an entry: arms its exit watch if it has none and checks
  // it is still alive. On NotFound it has removed every entry of `pid`.
  absl::Status EnsureWatched(Pid pid);
  static void OnExit(const std::weak_ptr<State>& weak, Pid pid);

  Runtime& rt_;
  std::shared_ptr<State> state_;
};

}  // namespace myr::registry

#endif  // MYR_REGISTRY_ACTOR_REGISTRY_H_
