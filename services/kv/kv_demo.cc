// Copyright Myrmidon authors.
//
// kv_demo: the key-value store of kv.actor through its generated C++
// client: spawns the store with the schema's spawn options, times puts and
// gets from a plain thread, then scans a prefix and prints a short report.
//
//   bazel run --config=opt //services/kv:kv_demo [-- N]
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "libs/sched/runtime.h"
#include "services/kv/store.h"

namespace {

int Fail(const absl::Status& s, const char* what) {
  std::fprintf(stderr, "kv_demo: %s: %s\n", what, s.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace myr;
  using namespace myr::kv;
  const int n = argc > 1 ? std::atoi(argv[1]) : 100000;
  if (n <= 0) {
    std::fprintf(stderr, "usage: kv_demo [N > 0]\n");
    return 2;
  }
  Runtime rt(RuntimeOptions{});
  // Spawn with the schema's [mailbox = bounded(4096, block)].
  absl::StatusOr<StoreClient> store = StoreClient::Spawn<KvStore>(rt);
  if (!store.ok()) return Fail(store.status(), "spawn");
  absl::StatusOr<Scanner::Interface> scanner = rt.Spawn<Scanner>();
  if (!scanner.ok()) return Fail(scanner.status(), "spawn scanner");
  const SpawnOptions spawn = KvStore::DefaultSpawnOptions();
  std::printf("kv_demo: store %s of myr.kv.Store (type id 0x%016llx), mailbox bounded(%zu, block), call timeout %s\n",
              store->pid().ToString().c_str(), static_cast<unsigned long long>(Store::kTypeId),
              static_cast<size_t>(spawn.mailbox.capacity), absl::FormatDuration(StoreClient::kPutTimeout).c_str());

  // Puts: N keys "user/000000".. with a 32-byte value; each waits for its reply.
  const std::string value(32, 'v');
  absl::Time t0 = absl::Now();
  uint64_t last_version = 0;
  for (int i = 0; i < n; ++i) {
    absl::StatusOr<uint64_t> v = store->Put(absl::StrFormat("user/%06d", i), value);
    if (!v.ok()) return Fail(v.status(), "put");
    last_version = *v;
  }
  const absl::Duration put_time = absl::Now() - t0;

  // Gets: every key, plus one that is not stored.
  t0 = absl::Now();
  int found = 0;
  for (int i = 0; i < n; ++i) {
    absl::StatusOr<std::optional<std::string>> v = store->Get(absl::StrFormat("user/%06d", i));
    if (!v.ok()) return Fail(v.status(), "get");
    found += v->has_value() ? 1 : 0;
  }
  const absl::Duration get_time = absl::Now() - t0;
  absl::StatusOr<std::optional<std::string>> missing = store->Get("nobody");
  if (!missing.ok()) return Fail(missing.status(), "get");

  auto rate = [](int ops, absl::Duration d) { return ops / absl::ToDoubleSeconds(d); };
  std::printf("puts: %d in %s: %.0f/s (%.2f us per blocking call), last version %llu\n", n,
              absl::FormatDuration(absl::Trunc(put_time, absl::Microseconds(1))).c_str(), rate(n, put_time),
              absl::ToDoubleMicroseconds(put_time) / n, static_cast<unsigned long long>(last_version));
  std::printf("gets: %d in %s: %.0f/s (%.2f us per blocking call), %d found; get(\"nobody\") -> %s\n", n,
              absl::FormatDuration(absl::Trunc(get_time, absl::Microseconds(1))).c_str(), rate(n, get_time),
              absl::ToDoubleMicroseconds(get_time) / n, found, missing->has_value() ? "a value" : "absent");

  // A cast, a remove and a scan of a narrow prefix (a stream, in key order).
  store->Touch("user/000010");
  absl::StatusOr<bool> removed = store->Remove("user/000011");
  if (!removed.ok()) return Fail(removed.status(), "remove");
  t0 = absl::Now();
  absl::StatusOr<std::vector<Entry>> entries = ScanAll(rt, *scanner, *store, "user/00001");
  if (!entries.ok()) return Fail(entries.status(), "scan");
  std::printf("scan(\"user/00001\") in %s: %zu entries (user/000011 removed: %s)\n",
              absl::FormatDuration(absl::Trunc(absl::Now() - t0, absl::Microseconds(1))).c_str(), entries->size(),
              *removed ? "yes" : "no");
  for (const Entry& e : *entries) {
    std::printf("  %s  version %llu  %zu bytes  updated %s\n", e.key.c_str(),
                static_cast<unsigned long long>(e.version), e.value.size(),
                absl::FormatTime("%H:%M:%E6S", e.updatedAt, absl::UTCTimeZone()).c_str());
  }
  absl::StatusOr<std::vector<Entry>> all = ScanAll(rt, *scanner, *store, "", absl::Seconds(60));
  if (!all.ok()) return Fail(all.status(), "scan");
  std::printf("scan(\"\"): %zu entries, first %s, last %s\n", all->size(), all->front().key.c_str(),
              all->back().key.c_str());
  return 0;
}
