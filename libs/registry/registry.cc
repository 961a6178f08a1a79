// Copyright Myrmidon authors.
#include "libs/registry/registry.h"

#include <utility>

#include "absl/hash/hash.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace myr::registry {
namespace {

// Whether a watch on `prefix` covers `path` (the prefix itself or below it).
bool Covers(absl::string_view prefix, absl::string_view path) {
  if (prefix == "/") return true;
  if (!absl::StartsWith(path, prefix)) return false;
  return path.size() == prefix.size() || path[prefix.size()] == '/';
}

// "/a" -> "/a/", "/" -> "/": every path strictly below `prefix` starts with it.
std::string BelowPrefix(absl::string_view prefix) {
  return prefix == "/" ? std::string("/") : absl::StrCat(prefix, "/");
}

}  // namespace

Registry::Registry(IsAlive is_alive) : is_alive_(std::move(is_alive)) {}

Registry::~Registry() = default;

size_t Registry::ShardIndex(absl::string_view key) {
  return absl::Hash<absl::string_view>{}(key) % kShards;
}

std::optional<Pid> Registry::Find(const Table& t, absl::string_view key) const {
  Pid holder;
  {
    const Shard& shard = t[ShardIndex(key)];
    std::shared_lock<std::shared_mutex> lock(shard.mu);
    auto it = shard.map.find(key);
    if (it == shard.map.end()) return std::nullopt;
    holder = it->second;
  }
  if (!Alive(holder)) return std::nullopt;
  return holder;
}

Registry::HeldShard& Registry::HeldFor(Pid pid) {
  return held_[absl::Hash<Pid>{}(pid) % kShards];
}

void Registry::AddHeld(Pid pid, absl::string_view key, bool is_path) {
  HeldShard& hs = HeldFor(pid);
  std::lock_guard<std::mutex> lock(hs.mu);
  Held& h = hs.by_pid[pid];
  (is_path ? h.paths : h.names).emplace(key);
}

void Registry::RemoveHeld(Pid pid, absl::string_view key, bool is_path) {
  HeldShard& hs = HeldFor(pid);
  std::lock_guard<std::mutex> lock(hs.mu);
  auto it = hs.by_pid.find(pid);
  if (it == hs.by_pid.end()) return;
  auto& set = is_path ? it->second.paths : it->second.names;
  set.erase(key);
  if (it->second.names.empty() && it->second.paths.empty()) hs.by_pid.erase(it);
}

// ---- names ------------------------------------------------------------------

absl::Status Registry::Register(absl::string_view name, Pid pid) {
  if (name.empty()) return absl::InvalidArgumentError("name is empty");
  if (!pid.valid()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot register name \"", name, "\" to the invalid pid"));
  }
  Shard& shard = names_[ShardIndex(name)];
  std::unique_lock<std::shared_mutex> lock(shard.mu);
  auto it = shard.map.find(name);
  if (it != shard.map.end()) {
    const Pid holder = it->second;
    if (holder == pid) return absl::OkStatus();
    if (Alive(holder)) {
      return absl::AlreadyExistsError(
          absl::StrCat("name \"", name, "\" is already registered to ", holder.ToString()));
    }
    it->second = pid;  // take over the dead holder's name
    RemoveHeld(holder, name, /*is_path=*/false);
  } else {
    shard.map.emplace(name, pid);
  }
  AddHeld(pid, name, /*is_path=*/false);
  return absl::OkStatus();
}

bool Registry::Unregister(absl::string_view name) {
  Shard& shard = names_[ShardIndex(name)];
  std::unique_lock<std::shared_mutex> lock(shard.mu);
  auto it = shard.map.find(name);
  if (it == shard.map.end()) return false;
  const Pid holder = it->second;
  shard.map.erase(it);
  RemoveHeld(holder, name, /*is_path=*/false);
  return true;
}

std::optional<Pid> Registry::WhereIs(absl::string_view name) const { return Find(names_, name); }

size_t Registry::name_count() const {
  size_t n = 0;
  for (const Shard& shard : names_) {
    std::shared_lock<std::shared_mutex> lock(shard.mu);
    n += shard.map.size();
  }
  return n;
}

// ---- paths ------------------------------------------------------------------

absl::Status Registry::ValidatePath(absl::string_view path, bool allow_root) {
  if (path.empty()) return absl::InvalidArgumentError("path is empty");
  if (path[0] != '/') {
    return absl::InvalidArgumentError(absl::StrCat("path \"", path, "\" must start with '/'"));
  }
  if (path == "/") {
    if (allow_root) return absl::OkStatus();
    return absl::InvalidArgumentError("path \"/\" is the root, which cannot be registered");
  }
  if (absl::StrContains(path, "//")) {
    return absl::InvalidArgumentError(absl::StrCat("path \"", path, "\" has an empty segment"));
  }
  if (path.back() == '/') {
    return absl::InvalidArgumentError(absl::StrCat("path \"", path, "\" must not end with '/'"));
  }
  return absl::OkStatus();
}

absl::Status Registry::RegisterPath(absl::string_view path, Pid pid) {
  if (absl::Status s = ValidatePath(path); !s.ok()) return s;
  if (!pid.valid()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot register path \"", path, "\" to the invalid pid"));
  }
  {
    std::unique_lock<std::shared_mutex> lock(path_mu_);
    auto it = path_index_.find(path);
    if (it != path_index_.end()) {
      const Pid holder = it->second;
      if (holder == pid) return absl::OkStatus();
      if (Alive(holder)) {
        return absl::AlreadyExistsError(
            absl::StrCat("path \"", path, "\" is already registered to ", holder.ToString()));
      }
      RemovePathLocked(path, holder);  // take over: kUnregistered for the dead holder
    }
    path_index_.emplace(std::string(path), pid);
    {
      Shard& shard = paths_[ShardIndex(path)];
      std::unique_lock<std::shared_mutex> shard_lock(shard.mu);
      shard.map.insert_or_assign(std::string(path), pid);
    }
    AddHeld(pid, path, /*is_path=*/true);
    QueueEventLocked(Event{Event::kRegistered, std::string(path), pid});
  }
  Deliver();
  return absl::OkStatus();
}

bool Registry::RemovePathLocked(absl::string_view path, Pid only_if) {
  auto it = path_index_.find(path);
  if (it == path_index_.end()) return false;
  const Pid holder = it->second;
  if (only_if.valid() && holder != only_if) return false;
  Event event{Event::kUnregistered, it->first, holder};
  path_index_.erase(it);
  {
    Shard& shard = paths_[ShardIndex(path)];
    std::unique_lock<std::shared_mutex> shard_lock(shard.mu);
    shard.map.erase(path);
  }
  RemoveHeld(holder, event.path, /*is_path=*/true);
  QueueEventLocked(std::move(event));
  return true;
}

bool Registry::UnregisterPath(absl::string_view path) {
  bool removed;
  {
    std::unique_lock<std::shared_mutex> lock(path_mu_);
    removed = RemovePathLocked(path, Pid());
  }
  if (removed) Deliver();
  return removed;
}

std::optional<Pid> Registry::Lookup(absl::string_view path) const { return Find(paths_, path); }

Registry::Entries Registry::Children(absl::string_view prefix) const {
  Entries out;
  if (!ValidatePath(prefix, /*allow_root=*/true).ok()) return out;
  const std::string base = BelowPrefix(prefix);
  std::shared_lock<std::shared_mutex> lock(path_mu_);
  auto it = path_index_.lower_bound(base);
  while (it != path_index_.end() && absl::StartsWith(it->first, base)) {
    absl::string_view rest = absl::string_view(it->first).substr(base.size());
    const size_t slash = rest.find('/');
    if (slash == absl::string_view::npos) {
      if (Alive(it->second)) out.emplace_back(it->first, it->second);
      ++it;
    } else {
      // Everything from here to "<base><segment>0" ('0' follows '/') lies
      // below the child <segment>: skip it in one step.
      it = path_index_.lower_bound(absl::StrCat(base, rest.substr(0, slash), "0"));
    }
  }
  return out;
}

Registry::Entries Registry::Descendants(absl::string_view prefix) const {
  Entries out;
  if (!ValidatePath(prefix, /*allow_root=*/true).ok()) return out;
  const std::string base = BelowPrefix(prefix);
  std::shared_lock<std::shared_mutex> lock(path_mu_);
  for (auto it = path_index_.lower_bound(base);
       it != path_index_.end() && absl::StartsWith(it->first, base); ++it) {
    if (Alive(it->second)) out.emplace_back(it->first, it->second);
  }
  return out;
}

size_t Registry::path_count() const {
  std::shared_lock<std::shared_mutex> lock(path_mu_);
  return path_index_.size();
}

// ---- watches ----------------------------------------------------------------

uint64_t Registry::Watch(absl::string_view prefix, WatchCallback cb) {
  if (!ValidatePath(prefix, /*allow_root=*/true).ok() || !cb) return 0;
  std::unique_lock<std::shared_mutex> lock(path_mu_);
  const uint64_t id = next_watch_id_++;
  auto w = std::make_shared<Watcher>();
  w->id = id;
  w->prefix = std::string(prefix);
  w->cb = std::move(cb);
  watchers_.emplace(id, std::move(w));
  return id;
}

bool Registry::Unwatch(uint64_t id) {
  std::shared_ptr<Watcher> w;
  {
    std::unique_lock<std::shared_mutex> lock(path_mu_);
    auto it = watchers_.find(id);
    if (it == watchers_.end()) return false;
    w = std::move(it->second);
    watchers_.erase(it);
  }
  std::unique_lock<std::mutex> lock(events_mu_);
  w->active = false;  // queued events for it are dropped
  const std::thread::id self = std::this_thread::get_id();
  events_cv_.wait(lock, [&] { return running_watch_ != id || deliverer_ == self; });
  return true;
}

void Registry::QueueEventLocked(Event event) {
  std::vector<std::shared_ptr<Watcher>> matching;
  for (const auto& [id, w] : watchers_) {
    if (Covers(w->prefix, event.path)) matching.push_back(w);
  }
  if (matching.empty()) return;
  std::lock_guard<std::mutex> lock(events_mu_);
  for (size_t i = 0; i + 1 < matching.size(); ++i) {
    pending_.push_back(Pending{std::move(matching[i]), event});
  }
  pending_.push_back(Pending{std::move(matching.back()), std::move(event)});
}

void Registry::Deliver() {
  std::unique_lock<std::mutex> lock(events_mu_);
  if (delivering_) return;  // the current deliverer will deliver ours too
  delivering_ = true;
  deliverer_ = std::this_thread::get_id();
  while (!pending_.empty()) {
    Pending p = std::move(pending_.front());
    pending_.pop_front();
    if (!p.watcher->active) continue;
    running_watch_ = p.watcher->id;
    lock.unlock();
    p.watcher->cb(p.event);  // no registry lock held
    lock.lock();
    running_watch_ = 0;
    events_cv_.notify_all();
  }
  delivering_ = false;
  deliverer_ = std::thread::id();
}

// ---- the exit hook ----------------------------------------------------------

size_t Registry::UnregisterAllOf(Pid pid) {
  Held held;
  {
    HeldShard& hs = HeldFor(pid);
    std::lock_guard<std::mutex> lock(hs.mu);
    auto it = hs.by_pid.find(pid);
    if (it == hs.by_pid.end()) return 0;
    held = std::move(it->second);
    hs.by_pid.erase(it);
  }
  size_t freed = 0;
  for (const std::string& name : held.names) {
    Shard& shard = names_[ShardIndex(name)];
    std::unique_lock<std::shared_mutex> lock(shard.mu);
    auto it = shard.map.find(name);
    if (it != shard.map.end() && it->second == pid) {
      shard.map.erase(it);
      ++freed;
    }
  }
  if (!held.paths.empty()) {
    {
      std::unique_lock<std::shared_mutex> lock(path_mu_);
      for (const std::string& path : held.paths) {
        if (RemovePathLocked(path, pid)) ++freed;
      }
    }
    Deliver();
  }
  return freed;
}

}  // namespace myr::registry
