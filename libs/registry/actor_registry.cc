// Copyright Myrmidon authors.
#include "libs/registry/actor_registry.h"

#include <utility>
#include <vector>

namespace myr::registry {
namespace {

absl::Status NoProc(Pid pid) {
  return absl::NotFoundError(absl::StrCat("noproc: ", pid.ToString(), " is not a live actor"));
}

}  // namespace

ActorRegistry::ActorRegistry(Runtime& rt) : rt_(rt), state_(std::make_shared<State>(rt)) {}

ActorRegistry::~ActorRegistry() {
  absl::flat_hash_map<Pid, uint64_t> watches;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    watches.swap(state_->watches);
  }
  // A callback already taken out by an exiting actor may still run; it holds
  // only a weak_ptr and finds the state gone (or keeps it alive until done).
  for (const auto& [pid, id] : watches) rt_.Unwatch(pid, id);
}

absl::Status ActorRegistry::Register(absl::string_view name, Pid pid) {
  if (pid.valid() && !rt_.IsAlive(pid)) return NoProc(pid);
  absl::Status s = state_->reg.Register(name, pid);
  if (!s.ok()) return s;
  return EnsureWatched(pid);
}

absl::Status ActorRegistry::RegisterPath(absl::string_view path, Pid pid) {
  if (pid.valid() && !rt_.IsAlive(pid)) return NoProc(pid);
  absl::Status s = state_->reg.RegisterPath(path, pid);
  if (!s.ok()) return s;
  return EnsureWatched(pid);
}

absl::Status ActorRegistry::EnsureWatched(Pid pid) {
  bool armed = true;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (!state_->watches.contains(pid)) {
      // Runtime::Watch never runs the callback itself (it returns 0 for an
      // exiting pid), and the callback takes `mu` only after the runtime has
      // released its own locks, so calling it under `mu` cannot deadlock.
      std::weak_ptr<State> weak = state_;
      uint64_t id = rt_.Watch(pid, [weak](Pid p, const ExitReason&) { OnExit(weak, p); });
      if (id == 0) {
        armed = false;
      } else {
        state_->watches.emplace(pid, id);
      }
    }
  }
  // The runtime marks a pid dead before it runs its exit callbacks: if it is
  // still alive now, the callback will run after our entry exists and free it.
  if (!armed || !rt_.IsAlive(pid)) {
    state_->reg.UnregisterAllOf(pid);
    return NoProc(pid);
  }
  return absl::OkStatus();
}

void ActorRegistry::OnExit(const std::weak_ptr<State>& weak, Pid pid) {
  std::shared_ptr<State> state = weak.lock();
  if (state == nullptr) return;
  {
    std::lock_guard<std::mutex> lock(state->mu);
    state->watches.erase(pid);
  }
  state->reg.UnregisterAllOf(pid);
}

absl::Status ActorRegistry::SendStatus(SendResult r, Pid pid, absl::string_view how,
                                       absl::string_view key) {
  if (Delivered(r)) return absl::OkStatus();
  switch (r) {
    case SendResult::kNoProc:
      return absl::NotFoundError(absl::StrCat("noproc: the actor registered ", how, key, "\" (",
                                              pid.ToString(), ") is not alive"));
    case SendResult::kDropped:
      return absl::ResourceExhaustedError(absl::StrCat("mailbox of the actor registered ", how,
                                                       key, "\" (", pid.ToString(),
                                                       ") is full: message dropped"));
    case SendResult::kBackpressure:
      return absl::UnavailableError(absl::StrCat("mailbox of the actor registered ", how, key,
                                                 "\" (", pid.ToString(),
                                                 ") is full: backpressure"));
    default:
      return absl::InternalError(
          absl::StrCat("send to the actor registered ", how, key, "\": ", SendResultName(r)));
  }
}

size_t ActorRegistry::watched_pids() const {
  std::lock_guard<std::mutex> lock(state_->mu);
  return state_->watches.size();
}

}  // namespace myr::registry
