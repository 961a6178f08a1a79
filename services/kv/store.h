// Copyright Myrmidon authors.
//
// The key-value store of services/kv: an implementation of the actor
// interface actorc generates from kv.actor (StoreActor<KvStore>), and a
// small helper actor that reads a whole scan stream for plain threads.
#ifndef MYR_SERVICES_KV_STORE_H_
#define MYR_SERVICES_KV_STORE_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/sched/runtime.h"
#include "services/kv/kv.actor.h"

namespace myr::kv {

struct StoreOptions {
  // How long a put waits before it acknowledges: a stand-in for a durable
  // write (zero: none). The store handles nothing else meanwhile.
  absl::Duration commit_delay = absl::ZeroDuration();
  // The clock for Entry::updatedAt; empty: absl::Now.
  std::function<absl::Time()> clock;
};

// An in-memory ordered map. Versions come from one counter, so every put
// gets a version greater than any before it, across all keys.
class KvStore : public StoreActor<KvStore> {
 public:
  explicit KvStore(StoreOptions options = {}) : options_(std::move(options)) {}

  std::optional<std::string> Handle(Store::Get& m) const;       // [readonly]: const
  Task<absl::StatusOr<uint64_t>> Handle(Store::Put& m);
  bool Handle(Store::Remove& m);
  void Handle(Store::Touch& m);                                  // a cast
  void Handle(Store::Scan& m) const;                             // a stream, [readonly]

 private:
  absl::Time Now() const { return options_.clock ? options_.clock() : absl::Now(); }

  StoreOptions options_;
  std::map<std::string, Entry, std::less<>> entries_;
  uint64_t last_version_ = 0;
};

// Reads a scan stream to its end from inside an actor (co_await
// StoreClient::NextScan), so that plain threads can Call for a whole scan.
struct CollectScan {
  StoreClient store;
  std::string prefix;
  using Reply = std::vector<Entry>;
};

class Scanner : public Actor<Scanner, CollectScan, Store::ScanEvent> {
 public:
  Task<absl::StatusOr<std::vector<Entry>>> Handle(CollectScan& r);
  // Events of a stream nobody waits for any more (after a timeout).
  void Handle(Store::ScanEvent&) {}

 private:
  uint64_t next_stream_ = 1;
};

// Every entry of `store` whose key starts with `prefix`, in key order,
// through `scanner` (blocking: call from plain threads).
absl::StatusOr<std::vector<Entry>> ScanAll(Runtime& rt, Scanner::Interface scanner, const StoreClient& store,
                                           const std::string& prefix, absl::Duration timeout = absl::Seconds(10));

}  // namespace myr::kv

#endif  // MYR_SERVICES_KV_STORE_H_
