// Copyright Myrmidon authors.
//
// The C++ that actorc generates from schemas/examples/bank.actor, compiled
// and run: an Account implementation (bank_test_actors.h) on the core
// runtime (call, error reply, cast, stream, timeout, calls from inside
// actors) and the Cap'n Proto glue (round trips through real capnp
// messages, exact bytes). Across nodes and as bytes: remote_account_test.
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "capnp/message.h"
#include "capnp/serialize.h"
#include "gtest/gtest.h"
#include "libs/sched/runtime.h"
#include "schemas/examples/bank.actor.h"
#include "tests/codegen/bank_test_actors.h"

namespace myr::bank {
namespace {

using ::myr::common::Currency;
using ::myr::common::Money;
using bank_testing::Eur;
using bank_testing::Forward;
using bank_testing::FullTransaction;
using bank_testing::ReadHistory;
using bank_testing::Teller;
using bank_testing::TestAccount;

class BankActorTest : public ::testing::Test {
 protected:
  BankActorTest() : rt_(Options()) {}
  static RuntimeOptions Options() {
    RuntimeOptions o;
    o.workers = 2;
    return o;
  }
  Runtime rt_;
};

TEST_F(BankActorTest, SchemaAnnotationsBecomeConstants) {
  SpawnOptions o = AccountActor<TestAccount>::DefaultSpawnOptions();
  EXPECT_EQ(o.mailbox.capacity, 1024u);
  EXPECT_EQ(o.mailbox.overflow, OverflowPolicy::kDropNew);
  EXPECT_EQ(AccountClient::kBalanceTimeout, absl::Seconds(5));
  EXPECT_EQ(AccountClient::kWithdrawTimeout, absl::Seconds(30));
  EXPECT_EQ(AccountClient::kHistoryTimeout, absl::Milliseconds(250));
  EXPECT_TRUE(AccountActor<TestAccount>::kBalanceReadOnly);
  EXPECT_FALSE(AccountActor<TestAccount>::kDepositReadOnly);
  EXPECT_TRUE(AccountActor<TestAccount>::kWithdrawReentrant);
  EXPECT_EQ(Account::kTypeId, 0xe00844359dbde9b4ULL);
  EXPECT_EQ(Account::Deposit::kOrdinal, 1);
  EXPECT_STREQ(KindName(Kind::withdrawal), "withdrawal");
  static_assert(std::is_same_v<ReplyOf<Account::Balance>, Money>);
  static_assert(std::is_same_v<ReplyOf<Account::Deposit>, Account::DepositResults>);
  static_assert(std::is_void_v<ReplyOf<Account::Ping>>);
  static_assert(std::is_void_v<ReplyOf<Account::Annotate>>);
}

TEST_F(BankActorTest, CallCastAndErrorReply) {
  absl::StatusOr<AccountClient> acct = AccountClient::Spawn<TestAccount>(rt_, 100);
  ASSERT_TRUE(acct.ok()) << acct.status();
  EXPECT_EQ(acct->Ping(), absl::OkStatus());
  EXPECT_EQ(acct->Balance().value(), Eur(100));

  absl::StatusOr<Account::DepositResults> d = acct->Deposit(Eur(50), std::string("salary"));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->balance, Eur(150));
  EXPECT_EQ(d->id, 1u);

  // An error reply: the handler returned a status.
  absl::StatusOr<Account::DepositResults> bad = acct->Deposit(Money{Currency::usd, 5}, std::nullopt);
  EXPECT_EQ(bad.status(), absl::InvalidArgumentError("wrong currency"));

  // A cast returns at once; its effect shows in later replies (mailbox order).
  EXPECT_EQ(acct->Annotate("vip"), SendResult::kOk);
  absl::StatusOr<Account::WithdrawResults> w = acct->Withdraw(Eur(30));
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(w->balance, Eur(120));
  EXPECT_EQ(w->id, 2u);
  EXPECT_EQ(acct->Withdraw(Eur(500)).status(), absl::FailedPreconditionError("insufficient funds"));
}

TEST_F(BankActorTest, CallTimesOut) {
  absl::StatusOr<AccountClient> acct = AccountClient::Spawn<TestAccount>(rt_, 5000);
  ASSERT_TRUE(acct.ok());
  // The fraud check takes 300 ms: a 20 ms timeout expires first.
  absl::StatusOr<Account::WithdrawResults> w = acct->Withdraw(Eur(2000), absl::Milliseconds(20));
  EXPECT_EQ(w.status().code(), absl::StatusCode::kDeadlineExceeded) << w.status();
  // The withdrawal still happens; the late reply is discarded.
  EXPECT_EQ(acct->Balance().value(), Eur(3000));
}

TEST_F(BankActorTest, StreamDeliversItemsThenEnd) {
  absl::StatusOr<AccountClient> acct = AccountClient::Spawn<TestAccount>(rt_, 0);
  ASSERT_TRUE(acct.ok());
  ASSERT_TRUE(acct->Deposit(Eur(1), std::string("a")).ok());
  acct->Annotate("n1");
  ASSERT_TRUE(acct->Deposit(Eur(2), std::nullopt).ok());
  ASSERT_TRUE(acct->Deposit(Eur(3), std::string("c")).ok());
  absl::StatusOr<Teller::Interface> teller = rt_.Spawn<Teller>();
  ASSERT_TRUE(teller.ok());

  // Since the second transaction, at most 5: items 2 and 3, then an OK end.
  absl::StatusOr<std::vector<Transaction>> items =
      rt_.Call(*teller, ReadHistory{*acct, absl::FromUnixSeconds(1700000002), 5}, absl::Seconds(5));
  ASSERT_TRUE(items.ok()) << items.status();
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[0].id, 2u);
  EXPECT_EQ((*items)[0].amount, Eur(2));
  EXPECT_EQ((*items)[0].memo, std::nullopt);
  EXPECT_EQ((*items)[0].tags, std::vector<std::string>{"n1"});
  EXPECT_EQ((*items)[1].memo, std::optional<std::string>("c"));

  // limit 1: one item; limit 0: an error end.
  items = rt_.Call(*teller, ReadHistory{*acct, absl::UnixEpoch(), 1}, absl::Seconds(5));
  ASSERT_TRUE(items.ok()) << items.status();
  EXPECT_EQ(items->size(), 1u);
  items = rt_.Call(*teller, ReadHistory{*acct, absl::UnixEpoch(), 0}, absl::Seconds(5));
  EXPECT_EQ(items.status(), absl::InvalidArgumentError("limit must be positive"));
}

TEST_F(BankActorTest, AwaitableCallFromAnActor) {
  absl::StatusOr<AccountClient> acct = AccountClient::Spawn<TestAccount>(rt_, 10);
  ASSERT_TRUE(acct.ok());
  absl::StatusOr<Teller::Interface> teller = rt_.Spawn<Teller>();
  ASSERT_TRUE(teller.ok());
  absl::StatusOr<int64_t> b = rt_.Call(*teller, Forward{*acct, 5, absl::Seconds(5)}, absl::Seconds(5));
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(*b, 15);
  // A call to an account that has exited: NotFound (noproc).
  // (Watch before Stop: no window in which the exit could be missed.)
  absl::Notification exited;
  ASSERT_NE(rt_.Watch(acct->pid(), [&](Pid, const ExitReason&) { exited.Notify(); }), 0u);
  ASSERT_TRUE(rt_.Stop(acct->pid()));
  ASSERT_TRUE(exited.WaitForNotificationWithTimeout(absl::Seconds(5)));
  b = rt_.Call(*teller, Forward{*acct, 5, absl::Seconds(5)}, absl::Seconds(5));
  EXPECT_EQ(b.status().code(), absl::StatusCode::kNotFound) << b.status();
}

TEST(BankDeterministicTest, GeneratedClientOnVirtualTime) {
  Runtime rt(RuntimeOptions::Deterministic(/*seed=*/7));
  absl::StatusOr<AccountClient> acct = AccountClient::Spawn<TestAccount>(rt, 5000);
  ASSERT_TRUE(acct.ok());
  ASSERT_TRUE(acct->Deposit(Eur(1), std::nullopt).ok());
  // The 300 ms fraud check runs on virtual time: the 20 ms call times out
  // without sleeping, and the default (30 s) one gets its reply.
  EXPECT_EQ(acct->Withdraw(Eur(2000), absl::Milliseconds(20)).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  absl::StatusOr<Account::WithdrawResults> w = acct->Withdraw(Eur(2000));
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(w->balance, Eur(1001));
  absl::StatusOr<Teller::Interface> teller = rt.Spawn<Teller>();
  ASSERT_TRUE(teller.ok());
  absl::StatusOr<std::vector<Transaction>> items =
      rt.Call(*teller, ReadHistory{*acct, absl::UnixEpoch(), 10}, absl::Seconds(5));
  ASSERT_TRUE(items.ok()) << items.status();
  ASSERT_EQ(items->size(), 3u);
  EXPECT_EQ((*items)[2].kind, Kind::withdrawal);
}

// --- Cap'n Proto glue ---------------------------------------------------------

template <typename W, typename T>
void ExpectRoundTrip(const T& value) {
  kj::Array<capnp::word> words = actorc_support::Encode<W>(value);
  auto back = actorc_support::Decode<W>(words.asPtr());
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(*back == value);
}

std::string Hex(kj::ArrayPtr<const capnp::word> words) {
  auto bytes = words.asBytes();
  std::string out;
  for (size_t i = 0; i < bytes.size(); ++i) {
    absl::StrAppend(&out, i % 8 == 0 && i > 0 ? " " : "", absl::Hex(bytes[i], absl::kZeroPad2));
  }
  return out;
}

TEST(BankWireTest, StructsRoundTrip) {
  ExpectRoundTrip<wire::Transaction>(FullTransaction());
  ExpectRoundTrip<wire::Transaction>(Transaction{});
  Scalars s;
  s.b = true;
  s.i8 = -8;
  s.i16 = -16;
  s.i32 = -32;
  s.i64 = INT64_MIN;
  s.u8 = 255;
  s.u16 = 65535;
  s.u32 = 4000000000u;
  s.u64 = UINT64_MAX;
  s.f32 = 1.5f;
  s.f64 = -2.25;
  s.s = "héllo";
  s.data = std::string("\x01\x00\x02", 3);
  s.t = absl::FromUnixNanos(-5);
  s.d = absl::Nanoseconds(7);
  s.nested = {{1, 2}, {}, {3}};
  s.byKey = {{5, FullTransaction()}, {-1, Transaction{}}};
  ExpectRoundTrip<wire::Scalars>(s);
  ExpectRoundTrip<::myr::common::wire::Money>(Money{Currency::dem, 99});
}

TEST(BankWireTest, MessagesRoundTrip) {
  Account::Deposit d{Eur(10), std::string("x")};
  ExpectRoundTrip<wire::Account::DepositParams>(d);
  ExpectRoundTrip<wire::Account::DepositParams>(Account::Deposit{Eur(10), std::nullopt});
  ExpectRoundTrip<wire::Account::DepositResults>(Account::DepositResults{Eur(3), 9});
  ExpectRoundTrip<wire::Account::BalanceResults>(Eur(77));  // a single result: its own type
  ExpectRoundTrip<wire::Account::HistoryItem>(Account::HistoryItem{FullTransaction()});
  ExpectRoundTrip<wire::Account::AnnotateParams>(Account::Annotate{"note"});
  ExpectRoundTrip<wire::Bank::OpenResults>(uint64_t{12345});
  // The stream's routing (subscriber, stream id) is not on the wire.
  Account::History h;
  h.since = absl::FromUnixSeconds(3);
  h.limit = 4;
  ExpectRoundTrip<wire::Account::HistoryParams>(h);
}

TEST(BankWireTest, PidsTravelAsTheirBits) {
  const Pid owner = Pid::Make(/*node=*/1, /*slot=*/42, /*generation=*/7);
  Pids p;
  p.owner = owner;
  p.standby = Pid();  // present, the invalid pid
  p.watchers = {owner, Pid::FromBits(UINT64_MAX), Pid()};
  p.byRole = {{"primary", owner}, {"audit", Pid()}};
  ExpectRoundTrip<wire::Pids>(p);
  ExpectRoundTrip<wire::Pids>(Pids{});
  EXPECT_EQ(Pids{}.owner, Pid());
  capnp::MallocMessageBuilder m;
  wire::ToWire(p, m.initRoot<wire::Pids>());
  auto r = m.getRoot<wire::Pids>().asReader();
  EXPECT_EQ(r.getOwner(), owner.bits());
  EXPECT_TRUE(r.hasStandby());
  EXPECT_EQ(r.getWatchers()[1], UINT64_MAX);
  ExpectRoundTrip<wire::Bank::LocateResults>(owner);  // a single result: ::myr::Pid itself
}

TEST(BankWireTest, OptionalPresenceIsKept) {
  Account::Deposit empty_memo{Eur(1), std::string()};
  auto back = actorc_support::Decode<wire::Account::DepositParams>(
      actorc_support::Encode<wire::Account::DepositParams>(empty_memo).asPtr());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->memo, std::optional<std::string>(""));  // present and empty, not absent
}

TEST(BankWireTest, ExactBytes) {
  // Money{usd, 1234}: segment table (1 segment of 3 words), root struct
  // pointer (2 data words, 0 pointers), currency at bits 0..15 of word 0,
  // minorUnits in word 1.
  EXPECT_EQ(Hex(actorc_support::Encode<::myr::common::wire::Money>(Money{Currency::usd, 1234})),
            "0000000003000000 0000000002000000 0100000000000000 d204000000000000");
  // map entries are written sorted by key, whatever the insertion order.
  Transaction a;
  a.attributes = {{"b", "2"}, {"a", "1"}};
  capnp::MallocMessageBuilder m;
  wire::ToWire(a, m.initRoot<wire::Transaction>());
  auto entries = m.getRoot<wire::Transaction>().asReader().getAttributes();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(std::string(entries[0].getKey().cStr()), "a");
  EXPECT_EQ(std::string(entries[1].getKey().cStr()), "b");
}

TEST(BankWireTest, MalformedBytesAreAnError) {
  kj::Array<capnp::word> words = kj::heapArray<capnp::word>(2);
  memset(static_cast<void*>(words.begin()), 0xff, words.asBytes().size());
  auto r = actorc_support::Decode<wire::Transaction>(words.asPtr());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
}

}  // namespace
}  // namespace myr::bank
