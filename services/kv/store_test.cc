// Copyright Myrmidon authors.
//
// The key-value store on the actor interface generated from kv.actor:
// calls, the cast, the scan stream, a call that times out, several client
// threads, and the generated Cap'n Proto glue (bytes shared with the Python
// and Node tests).
#include "services/kv/store.h"

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "libs/sched/runtime.h"

namespace myr::kv {
namespace {

// A clock that advances one second per reading, from 1,700,000,000 s.
std::function<absl::Time()> TickingClock() {
  auto ticks = std::make_shared<std::atomic<int64_t>>(0);
  return [ticks] { return absl::FromUnixSeconds(1700000000 + ticks->fetch_add(1) + 1); };
}

class KvStoreTest : public ::testing::Test {
 protected:
  KvStoreTest() : rt_(Options()) {}
  static RuntimeOptions Options() {
    RuntimeOptions o;
    o.workers = 4;
    return o;
  }
  StoreClient SpawnStore(StoreOptions options = {}) {
    absl::StatusOr<StoreClient> store = StoreClient::Spawn<KvStore>(rt_, std::move(options));
    EXPECT_TRUE(store.ok()) << store.status();
    return *store;
  }
  std::vector<Entry> Scan(const StoreClient& store, const std::string& prefix) {
    if (!scanner_.valid()) {
      absl::StatusOr<Scanner::Interface> s = rt_.Spawn<Scanner>();
      EXPECT_TRUE(s.ok()) << s.status();
      scanner_ = *s;
    }
    absl::StatusOr<std::vector<Entry>> entries = ScanAll(rt_, scanner_, store, prefix);
    EXPECT_TRUE(entries.ok()) << entries.status();
    return entries.ok() ? *entries : std::vector<Entry>{};
  }
  static std::vector<std::string> Keys(const std::vector<Entry>& entries) {
    std::vector<std::string> keys;
    for (const Entry& e : entries) keys.push_back(e.key);
    return keys;
  }

  Runtime rt_;
  Scanner::Interface scanner_;
};

TEST_F(KvStoreTest, SchemaAnnotationsBecomeConstants) {
  SpawnOptions o = KvStore::DefaultSpawnOptions();
  EXPECT_EQ(o.mailbox.capacity, 4096u);
  EXPECT_EQ(o.mailbox.overflow, OverflowPolicy::kBlock);
  EXPECT_EQ(StoreClient::kGetTimeout, absl::Seconds(2));
  EXPECT_EQ(StoreClient::kPutTimeout, absl::Seconds(2));
  EXPECT_EQ(StoreClient::kRemoveTimeout, absl::Seconds(2));
  EXPECT_EQ(StoreClient::kScanTimeout, absl::Milliseconds(500));
  EXPECT_TRUE(KvStore::kGetReadOnly);
  EXPECT_TRUE(KvStore::kScanReadOnly);
  EXPECT_FALSE(KvStore::kPutReadOnly);
  EXPECT_FALSE(KvStore::kReentrant);
  EXPECT_EQ(Store::Remove::kOrdinal, 2);
  static_assert(std::is_same_v<ReplyOf<Store::Get>, std::optional<std::string>>);
  static_assert(std::is_same_v<ReplyOf<Store::Put>, uint64_t>);
  static_assert(std::is_same_v<ReplyOf<Store::Remove>, bool>);
}

TEST_F(KvStoreTest, PutGetRemove) {
  StoreClient store = SpawnStore();
  // A missing key: an absent value, not an error.
  absl::StatusOr<std::optional<std::string>> v = store.Get("nope");
  ASSERT_TRUE(v.ok()) << v.status();
  EXPECT_EQ(*v, std::nullopt);

  EXPECT_EQ(store.Put("a", "1").value(), 1u);
  EXPECT_EQ(store.Put("b", std::string("\x00\xff", 2)).value(), 2u);
  EXPECT_EQ(store.Get("a").value(), std::optional<std::string>("1"));
  EXPECT_EQ(store.Get("b").value(), std::optional<std::string>(std::string("\x00\xff", 2)));  // bytes, not text

  // An empty value is present (distinct from absent).
  EXPECT_EQ(store.Put("empty", "").value(), 3u);
  EXPECT_EQ(store.Get("empty").value(), std::optional<std::string>(""));

  // Overwriting: a new value and a higher version.
  EXPECT_EQ(store.Put("a", "2").value(), 4u);
  EXPECT_EQ(store.Get("a").value(), std::optional<std::string>("2"));

  EXPECT_EQ(store.Remove("a").value(), true);
  EXPECT_EQ(store.Remove("a").value(), false);
  EXPECT_EQ(store.Get("a").value(), std::nullopt);
  // Versions keep increasing after a remove (no reuse).
  EXPECT_EQ(store.Put("a", "3").value(), 5u);
}

TEST_F(KvStoreTest, ScanStreamsEntriesInKeyOrder) {
  StoreClient store = SpawnStore(StoreOptions{absl::ZeroDuration(), TickingClock()});
  for (const char* k : {"user/carol", "order/7", "user/alice", "user/bob", "users", "user0", "user/"}) {
    ASSERT_TRUE(store.Put(k, absl::StrCat("v:", k)).ok());
  }
  EXPECT_EQ(Keys(Scan(store, "user/")), (std::vector<std::string>{"user/", "user/alice", "user/bob", "user/carol"}));
  EXPECT_EQ(Keys(Scan(store, "")), (std::vector<std::string>{"order/7", "user/", "user/alice", "user/bob",
                                                             "user/carol", "user0", "users"}));
  EXPECT_TRUE(Scan(store, "zzz").empty());  // no match: just the end

  std::vector<Entry> alice = Scan(store, "user/alice");
  ASSERT_EQ(alice.size(), 1u);
  EXPECT_EQ(alice[0].value, "v:user/alice");
  EXPECT_EQ(alice[0].version, 3u);                                  // the third put
  EXPECT_EQ(alice[0].updatedAt, absl::FromUnixSeconds(1700000003));  // the third clock reading
}

TEST_F(KvStoreTest, TouchIsOneWay) {
  StoreClient store = SpawnStore(StoreOptions{absl::ZeroDuration(), TickingClock()});
  ASSERT_EQ(store.Put("k", "v").value(), 1u);  // updatedAt = tick 1
  // A cast returns at once; its effect shows in later replies (mailbox order).
  EXPECT_EQ(store.Touch("k"), SendResult::kOk);        // tick 2
  EXPECT_EQ(store.Touch("missing"), SendResult::kOk);  // ignored: no clock reading, no entry
  std::vector<Entry> e = Scan(store, "");
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].key, "k");
  EXPECT_EQ(e[0].version, 1u);  // touch does not change the version
  EXPECT_EQ(e[0].updatedAt, absl::FromUnixSeconds(1700000002));
  EXPECT_EQ(store.Get("missing").value(), std::nullopt);
}

TEST_F(KvStoreTest, CallTimesOut) {
  // Puts wait 300 ms for their (simulated) durable write; the store handles
  // nothing else meanwhile.
  StoreClient store = SpawnStore(StoreOptions{absl::Milliseconds(300), {}});
  absl::StatusOr<uint64_t> put = store.Put("slow", "x", absl::Milliseconds(20));
  EXPECT_EQ(put.status().code(), absl::StatusCode::kDeadlineExceeded) << put.status();
  // The store is still writing: a get with a short timeout also expires...
  absl::StatusOr<std::optional<std::string>> got = store.Get("slow", absl::Milliseconds(20));
  EXPECT_EQ(got.status().code(), absl::StatusCode::kDeadlineExceeded) << got.status();
  // ... and with the schema's 2 s it gets the value: the put happened, only
  // its late reply was dropped.
  EXPECT_EQ(store.Get("slow").value(), std::optional<std::string>("x"));
}

TEST_F(KvStoreTest, ManyClientThreads) {
  StoreClient store = SpawnStore();
  constexpr int kThreads = 8;
  constexpr int kOps = 300;
  std::vector<std::vector<uint64_t>> versions(kThreads);
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kOps; ++i) {
        const std::string key = absl::StrCat("t", t, "/", i % 10);
        absl::StatusOr<uint64_t> v = store.Put(key, absl::StrCat(i));
        if (!v.ok()) {
          ++errors;
          continue;
        }
        versions[t].push_back(*v);
        absl::StatusOr<std::optional<std::string>> got = store.Get(key);
        if (!got.ok() || *got != std::optional<std::string>(absl::StrCat(i))) ++errors;  // own key: own write
        store.Touch(key);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(errors.load(), 0);

  // Each client saw its versions increase; all versions together are
  // exactly 1..kThreads*kOps (one counter, no duplicates, no gaps).
  std::vector<uint64_t> all;
  for (const std::vector<uint64_t>& v : versions) {
    EXPECT_TRUE(std::is_sorted(v.begin(), v.end()));
    EXPECT_EQ(std::adjacent_find(v.begin(), v.end()), v.end());
    all.insert(all.end(), v.begin(), v.end());
  }
  std::sort(all.begin(), all.end());
  ASSERT_EQ(all.size(), static_cast<size_t>(kThreads * kOps));
  for (size_t i = 0; i < all.size(); ++i) ASSERT_EQ(all[i], i + 1);

  // 10 keys per thread, in key order, each holding its last value.
  std::vector<Entry> entries = Scan(store, "");
  ASSERT_EQ(entries.size(), static_cast<size_t>(kThreads * 10));
  EXPECT_TRUE(std::is_sorted(entries.begin(), entries.end(),
                             [](const Entry& a, const Entry& b) { return a.key < b.key; }));
  EXPECT_EQ(store.Get("t3/7").value(), std::optional<std::string>(absl::StrCat(kOps - 3)));
}

TEST(KvDeterministicTest, TimeoutOnVirtualTime) {
  Runtime rt(RuntimeOptions::Deterministic(/*seed=*/11));
  absl::StatusOr<StoreClient> store = StoreClient::Spawn<KvStore>(rt, StoreOptions{absl::Seconds(10), {}});
  ASSERT_TRUE(store.ok());
  // A 10 s write on virtual time: the schema's 2 s timeout expires without
  // sleeping; a 1 min timeout gets the reply.
  EXPECT_EQ(store->Put("k", "v").status().code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(store->Put("k", "w", absl::Minutes(1)).value(), 2u);
  EXPECT_EQ(store->Get("k", absl::Minutes(1)).value(), std::optional<std::string>("w"));
}

// --- the generated Cap'n Proto glue -------------------------------------------

std::string Hex(kj::ArrayPtr<const capnp::word> words) {
  auto bytes = words.asBytes();
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) absl::StrAppend(&out, absl::Hex(bytes[i], absl::kZeroPad2));
  return out;
}

// The same entry and bytes are asserted by kv_py_test.py and kv_node_test.js.
Entry SampleEntry() {
  Entry e;
  e.key = "user/alice";
  e.value = std::string("\x00\x01\xff", 3);
  e.version = 42;
  e.updatedAt = absl::FromUnixNanos(1700000000123456789);
  return e;
}
constexpr char kSampleEntryHex[] =
    "0000000008000000"  // segment table: one segment of 8 words
    "0000000002000200"  // root pointer: a struct of 2 data words, 2 pointers
    "2a00000000000000"  // version = 42
    "15cd853dfe9c9717"  // updatedAt = 1700000000123456789 ns
    "050000005a000000"  // key: a byte list of 11 (the text and its NUL), 1 word ahead
    "090000001a000000"  // value: a byte list of 3, 2 words ahead
    "757365722f616c69"  // "user/ali"
    "6365000000000000"  // "ce", NUL, padding
    "0001ff0000000000";  // 00 01 ff, padding

TEST(KvWireTest, EntryRoundTripAndBytes) {
  kj::Array<capnp::word> words = actorc_support::Encode<wire::Entry>(SampleEntry());
  absl::StatusOr<Entry> back = actorc_support::Decode<wire::Entry>(words.asPtr());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, SampleEntry());
  EXPECT_EQ(Hex(words.asPtr()), kSampleEntryHex);
  // A get reply: the optional value absent vs. present and empty.
  for (const std::optional<std::string>& value : {std::optional<std::string>(), std::optional<std::string>("")}) {
    auto got = actorc_support::Decode<wire::Store::GetResults>(
        actorc_support::Encode<wire::Store::GetResults>(value).asPtr());
    ASSERT_TRUE(got.ok());
    EXPECT_EQ(*got, value);
  }
}

}  // namespace
}  // namespace myr::kv
