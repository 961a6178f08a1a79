// Copyright Myrmidon authors.
#include "libs/sched/internal/actor_tree.h"

#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace myr::sched_internal {
namespace {

// The path segment of an unnamed actor.
std::string UnnamedSegment(Pid pid) { return absl::StrCat("$", pid.slot(), ".", pid.generation()); }

// Parses an unnamed segment ("$slot.generation"); false if malformed.
bool ParseUnnamed(absl::string_view seg, uint32_t* slot, uint32_t* gen) {
  if (seg.size() < 4 || seg[0] != '$') return false;
  size_t dot = seg.find('.');
  return dot != absl::string_view::npos && absl::SimpleAtoi(seg.substr(1, dot - 1), slot) &&
         absl::SimpleAtoi(seg.substr(dot + 1), gen) && *slot < Pid::kMaxSlots && *gen != 0 &&
         *gen <= Pid::kMaxGeneration;
}

}  // namespace

absl::Status ActorTree::ValidateName(absl::string_view name) {
  if (name.empty()) return absl::InvalidArgumentError("empty actor name");
  if (name.size() > 255) return absl::InvalidArgumentError("actor name longer than 255 bytes");
  if (name == "." || name == "..") {
    return absl::InvalidArgumentError(absl::StrCat("actor name \"", name, "\" is reserved"));
  }
  if (name[0] == '$') {
    return absl::InvalidArgumentError(absl::StrCat(
        "actor name \"", name, "\": names starting with '$' are reserved for unnamed actors"));
  }
  for (unsigned char ch : name) {
    if (ch == '/' || ch < 0x21 || ch == 0x7f) {
      return absl::InvalidArgumentError(absl::StrCat(
          "actor name \"", absl::CEscape(name), "\" contains '/', a space or a control character"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Pid> ActorTree::Insert(Cell* cell, const SpawnOptions& options) {
  if (!options.name.empty()) {
    if (absl::Status s = ValidateName(options.name); !s.ok()) return s;
  }
  CellExt* e = cell->Ext();
  e->parent = options.parent;
  e->name = options.name;
  if (!options.parent.valid()) {
    // A named top-level actor: unique under the root.
    std::lock_guard<std::mutex> lock(root_mu_);
    if (auto it = root_named_.find(options.name);
        it != root_named_.end() && slab_->IsLive(it->second)) {
      return absl::AlreadyExistsError(
          absl::StrCat("/", options.name, " is taken by ", it->second.ToString()));
    }
    e->path = absl::StrCat("/", options.name);
    absl::StatusOr<Pid> pid = slab_->Insert(cell);
    if (pid.ok()) root_named_[options.name] = *pid;
    return pid;
  }
  auto* parent = static_cast<Cell*>(slab_->Acquire(options.parent));
  if (parent == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot spawn under ", options.parent.ToString(), ": parent is not alive"));
  }
  absl::StatusOr<Pid> pid;
  {
    CellExt* pe = parent->Ext();
    // The parent's path is fixed before its pid is published; unnamed
    // top-level parents have none stored.
    std::string parent_path =
        pe->path.empty() ? absl::StrCat("/", UnnamedSegment(options.parent)) : pe->path;
    std::lock_guard<std::mutex> lock(StripeFor(parent));
    if (parent->exited) {
      pid = absl::FailedPreconditionError(
          absl::StrCat("cannot spawn under ", options.parent.ToString(), ": parent has exited"));
    } else if (auto it = pe->named_children.find(options.name);
               !options.name.empty() && it != pe->named_children.end()) {
      pid = absl::AlreadyExistsError(
          absl::StrCat(parent_path, "/", options.name, " is taken by ", it->second.ToString()));
    } else {
      pid = slab_->Insert(cell);
      if (pid.ok()) {
        e->path = absl::StrCat(parent_path == "/" ? "" : parent_path, "/",
                               options.name.empty() ? UnnamedSegment(*pid) : options.name);
        e->child_seq = ++pe->next_child_seq;
        pe->children.emplace(e->child_seq, *pid);
        if (!options.name.empty()) pe->named_children.emplace(options.name, *pid);
      }
    }
  }
  slab_->Release(options.parent);
  return pid;
}

std::vector<Pid> ActorTree::Leave(Cell* c, CellExt* e, const std::map<uint64_t, Pid>& children) {
  if (e->parent.valid()) {
    if (auto* parent = static_cast<Cell*>(slab_->Acquire(e->parent))) {
      CellExt* pe = parent->Ext();
      {
        std::lock_guard<std::mutex> lock(StripeFor(parent));
        pe->children.erase(e->child_seq);
        if (!e->name.empty()) {
          auto it = pe->named_children.find(e->name);
          if (it != pe->named_children.end() && it->second == c->pid) pe->named_children.erase(it);
        }
      }
      slab_->Release(e->parent);
    }
  } else if (!e->name.empty()) {
    std::lock_guard<std::mutex> lock(root_mu_);
    auto it = root_named_.find(e->name);
    if (it != root_named_.end() && it->second == c->pid) root_named_.erase(it);
  }
  // Youngest first, as a supervisor shuts down in reverse start order.
  std::vector<Pid> kids;
  kids.reserve(children.size());
  for (auto it = children.rbegin(); it != children.rend(); ++it) kids.push_back(it->second);
  return kids;
}

absl::StatusOr<std::string> ActorTree::PathOf(Pid pid) {
  auto* c = static_cast<Cell*>(slab_->Acquire(pid));
  if (c == nullptr) return absl::NotFoundError(absl::StrCat("noproc: ", pid.ToString()));
  CellExt* e = c->ext.load(std::memory_order_acquire);
  std::string path =
      e != nullptr && !e->path.empty() ? e->path : absl::StrCat("/", UnnamedSegment(pid));
  slab_->Release(pid);
  return path;
}

absl::StatusOr<Pid> ActorTree::ParentOf(Pid pid) {
  auto* c = static_cast<Cell*>(slab_->Acquire(pid));
  if (c == nullptr) return absl::NotFoundError(absl::StrCat("noproc: ", pid.ToString()));
  CellExt* e = c->ext.load(std::memory_order_acquire);
  Pid parent = e != nullptr ? e->parent : Pid();
  slab_->Release(pid);
  return parent;
}

std::vector<Pid> ActorTree::ChildrenOf(Pid pid) {
  std::vector<Pid> out;
  auto* c = static_cast<Cell*>(slab_->Acquire(pid));
  if (c == nullptr) return out;
  if (CellExt* e = c->ext.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> lock(StripeFor(c));
    out.reserve(e->children.size());
    for (const auto& [seq, kid] : e->children) out.push_back(kid);
  }
  slab_->Release(pid);
  return out;
}

absl::StatusOr<Pid> ActorTree::Resolve(absl::string_view path) {
  if (path.empty() || path[0] != '/' || path == "/") {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", absl::CEscape(path), "\" is not an actor path (\"/name/name...\")"));
  }
  // The whole path is checked before any lookup: a malformed path is
  // InvalidArgument whatever actors exist.
  std::vector<absl::string_view> segments = absl::StrSplit(path.substr(1), '/');
  for (absl::string_view seg : segments) {
    if (seg.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "\"", absl::CEscape(path), "\" has an empty segment (\"//\" or a trailing '/')"));
    }
    uint32_t slot = 0, gen = 0;
    if (seg[0] == '$') {
      if (!ParseUnnamed(seg, &slot, &gen)) {
        return absl::InvalidArgumentError(absl::StrCat("\"", absl::CEscape(seg), "\" in \"",
                                                       absl::CEscape(path),
                                                       "\" is not an unnamed segment ($slot.generation)"));
      }
    } else if (absl::Status s = ValidateName(seg); !s.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", absl::CEscape(path), "\" is not an actor path: ", s.message()));
    }
  }
  auto not_found = [&] { return absl::NotFoundError(absl::StrCat("no live actor at ", path)); };
  Pid at;  // invalid: the root
  for (absl::string_view seg : segments) {
    Pid next;
    uint32_t slot = 0, gen = 0;
    if (ParseUnnamed(seg, &slot, &gen)) {
      // An unnamed actor: its segment is its slot and generation.
      next = Pid::Make(slab_->node(), slot, gen);
      absl::StatusOr<Pid> parent = ParentOf(next);
      if (!parent.ok() || *parent != at) return not_found();
    } else if (!at.valid()) {
      std::lock_guard<std::mutex> lock(root_mu_);
      auto it = root_named_.find(seg);
      if (it == root_named_.end()) return not_found();
      next = it->second;
    } else {
      auto* c = static_cast<Cell*>(slab_->Acquire(at));
      if (c == nullptr) return not_found();
      if (CellExt* e = c->ext.load(std::memory_order_acquire)) {
        std::lock_guard<std::mutex> lock(StripeFor(c));
        if (auto it = e->named_children.find(seg); it != e->named_children.end()) next = it->second;
      }
      slab_->Release(at);
      if (!next.valid()) return not_found();
    }
    at = next;
  }
  if (!slab_->IsLive(at)) return not_found();
  return at;
}

}  // namespace myr::sched_internal
