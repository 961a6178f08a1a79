// Copyright Myrmidon authors.
#include "services/kv/store.h"

#include <utility>

#include "absl/strings/match.h"

namespace myr::kv {

std::optional<std::string> KvStore::Handle(Store::Get& m) const {
  auto it = entries_.find(m.key);
  if (it == entries_.end()) return std::nullopt;
  return it->second.value;
}

Task<absl::StatusOr<uint64_t>> KvStore::Handle(Store::Put& m) {
  if (options_.commit_delay > absl::ZeroDuration()) co_await Sleep(options_.commit_delay);
  Entry& e = entries_[m.key];
  e.key = m.key;
  e.value = std::move(m.value);
  e.version = ++last_version_;
  e.updatedAt = Now();
  co_return e.version;
}

bool KvStore::Handle(Store::Remove& m) {
  auto it = entries_.find(m.key);
  if (it == entries_.end()) return false;
  entries_.erase(it);
  return true;
}

void KvStore::Handle(Store::Touch& m) {
  auto it = entries_.find(m.key);
  if (it != entries_.end()) it->second.updatedAt = Now();
}

void KvStore::Handle(Store::Scan& m) const {
  for (auto it = entries_.lower_bound(m.prefix); it != entries_.end() && absl::StartsWith(it->first, m.prefix);
       ++it) {
    SendScanItem(m, it->second);
  }
  EndScan(m);
}

Task<absl::StatusOr<std::vector<Entry>>> Scanner::Handle(CollectScan& r) {
  const uint64_t stream = next_stream_++;
  if (r.store.Scan(self(), stream, r.prefix, this) != SendResult::kOk) {
    co_return absl::UnavailableError("the store did not take the scan request");
  }
  std::vector<Entry> out;
  for (;;) {
    absl::StatusOr<Store::ScanEvent> ev = co_await StoreClient::NextScan(*this, stream);
    if (!ev.ok()) co_return ev.status();
    if (ev->end()) {
      if (!ev->status.ok()) co_return ev->status;
      co_return out;
    }
    out.push_back(std::move(ev->item->value));
  }
}

absl::StatusOr<std::vector<Entry>> ScanAll(Runtime& rt, Scanner::Interface scanner, const StoreClient& store,
                                           const std::string& prefix, absl::Duration timeout) {
  return rt.Call(scanner, CollectScan{store, prefix}, timeout);
}

}  // namespace myr::kv
