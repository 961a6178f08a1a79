// Copyright Myrmidon authors.
#include "libs/wire/codec.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <shared_mutex>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace myr::wire {
namespace {

// std::shared_mutex, not absl::Mutex: TSAN cannot see Debian's Abseil.
struct Registry {
  std::shared_mutex mu;
  absl::flat_hash_map<uint64_t, const Codec*> codecs;            // guarded by mu
  absl::flat_hash_map<uint64_t, const DispatchTable*> dispatch;  // guarded by mu
};

Registry& Global() {
  static auto* r = new Registry();  // never destroyed: lookups may come late
  return *r;
}

}  // namespace

absl::Status RegisterCodec(const Codec& codec) {
  if (codec.wire_id == 0) {
    return absl::InvalidArgumentError(absl::StrCat("codec ", codec.name, " has wire id 0"));
  }
  Registry& r = Global();
  std::unique_lock<std::shared_mutex> lock(r.mu);
  auto [it, inserted] = r.codecs.emplace(codec.wire_id, &codec);
  if (!inserted && it->second != &codec) {
    return absl::AlreadyExistsError(absl::StrCat("wire id 0x", absl::Hex(codec.wire_id), " of ",
                                                 codec.name, " is taken by ", it->second->name));
  }
  return absl::OkStatus();
}

const Codec* FindCodec(uint64_t wire_id) {
  Registry& r = Global();
  std::shared_lock<std::shared_mutex> lock(r.mu);
  auto it = r.codecs.find(wire_id);
  return it == r.codecs.end() ? nullptr : it->second;
}

absl::Status RegisterDispatch(const DispatchTable& table) {
  Registry& r = Global();
  std::unique_lock<std::shared_mutex> lock(r.mu);
  auto [it, inserted] = r.dispatch.emplace(table.actor_type_id, &table);
  if (!inserted && it->second != &table) {
    return absl::AlreadyExistsError(absl::StrCat("actor type id 0x", absl::Hex(table.actor_type_id),
                                                 " of ", table.name, " is taken by ",
                                                 it->second->name));
  }
  return absl::OkStatus();
}

const DispatchTable* FindDispatch(uint64_t actor_type_id) {
  Registry& r = Global();
  std::shared_lock<std::shared_mutex> lock(r.mu);
  auto it = r.dispatch.find(actor_type_id);
  return it == r.dispatch.end() ? nullptr : it->second;
}

namespace {
void AbortIf(const absl::Status& s, const char* what) {
  if (s.ok()) return;
  std::fprintf(stderr, "myrmidon: %s registration failed: %s\n", what,
               std::string(s.message()).c_str());
  std::abort();
}
}  // namespace

bool RegisterAtStartup(std::initializer_list<const Codec*> codecs) {
  for (const Codec* c : codecs) AbortIf(RegisterCodec(*c), "wire codec");
  return true;
}

bool RegisterDispatchAtStartup(const DispatchTable& table) {
  AbortIf(RegisterDispatch(table), "dispatch table");
  return true;
}

}  // namespace myr::wire
