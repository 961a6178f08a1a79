// Copyright Myrmidon authors.
//
// The wire codecs and dispatch tables actorc generates (for
// schemas/examples/bank.actor), used where messages are bytes:
//   - two runtimes, nodes 1 and 2, wired by LoopbackNodes (everything that
//     crosses is encoded and decoded again, codecs found by wire id): the
//     generated clients on node 1 call, cast to and stream from actors on
//     node 2 as if they were local;
//   - the dispatch tables (method ordinal -> codec) and
//     Runtime::DeliverFromWire, the way a transport delivers a frame;
//   - malformed bytes: every decoder answers InvalidArgument, never crashes
//     (hand-picked corruptions and a seeded loop of random mutations);
//   - a ForeignActor serving Account from (method, bytes), the shape of the
//     generated Python/Node servicers' dispatch.
#include <atomic>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "capnp/message.h"
#include "capnp/serialize.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "libs/pid/pid.h"
#include "libs/sched/foreign_actor.h"
#include "libs/sched/runtime.h"
#include "libs/sched/testing/loopback_nodes.h"
#include "libs/sched/testing/sched_testing.h"
#include "libs/wire/codec.h"
#include "schemas/examples/bank.actor.h"
#include "tests/codegen/bank_test_actors.h"

namespace myr::bank {
namespace {

using ::myr::common::Currency;
using ::myr::common::Money;
using ::myr::sched_testing::Eventually;
using ::myr::sched_testing::LoopbackNodes;
using ::testing::HasSubstr;
using bank_testing::Eur;
using bank_testing::FullTransaction;
using bank_testing::NoteLog;
using bank_testing::ReadHistory;
using bank_testing::Teller;
using bank_testing::TestAccount;
using bank_testing::TestBank;

// Two threaded runtimes, nodes 1 and 2, wired together; accounts live on 2.
class TwoNodes : public ::testing::Test {
 protected:

  // An account spawned on node 2, and a client of it for node 1.
  AccountClient RemoteAccount(int64_t opening, NoteLog* log = nullptr) {
    absl::StatusOr<AccountClient> there = AccountClient::Spawn<TestAccount>(b_, opening, log);
    EXPECT_TRUE(there.ok()) << there.status();
    EXPECT_EQ(there->pid().node(), 2u);
    return AccountClient(a_, there->ref());
  }

  sched_testing::NodePair nodes_{sched_testing::Threaded()};
  Runtime& a_ = nodes_.a;
  Runtime& b_ = nodes_.b;
  LoopbackNodes& net_ = nodes_.net;
};

// --- calls, casts and streams across nodes -------------------------------------------

TEST_F(TwoNodes, AClientOnNode1CallsAnAccountOnNode2ThroughTheGeneratedCodecs) {
  AccountClient account = RemoteAccount(100);
  const uint64_t frames = net_.stats().frames;

  // A reply with several results (DepositResults).
  absl::StatusOr<Account::DepositResults> d = account.Deposit(Eur(50), std::string("salary"));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(d->balance, Eur(150));
  EXPECT_EQ(d->id, 1u);
  // A reply of one result: its own type (Money).
  absl::StatusOr<Money> balance = account.Balance();
  ASSERT_TRUE(balance.ok()) << balance.status();
  EXPECT_EQ(*balance, Eur(150));
  // No reply value.
  EXPECT_EQ(account.Ping(), absl::OkStatus());
  // A handler's Task reply.
  absl::StatusOr<Account::WithdrawResults> w = account.Withdraw(Eur(30));
  ASSERT_TRUE(w.ok()) << w.status();
  EXPECT_EQ(w->balance, Eur(120));

  // Four requests and four replies crossed, as bytes.
  EXPECT_GE(net_.stats().frames, frames + 8);
  EXPECT_GT(net_.stats().bytes, 0u);
  EXPECT_EQ(net_.stats().undecodable, 0u);
}

TEST_F(TwoNodes, AnErrorReplyCrossesWithItsCodeAndMessage) {
  AccountClient account = RemoteAccount(10);
  absl::StatusOr<Account::DepositResults> bad = account.Deposit(Money{Currency::usd, 5}, std::nullopt);
  EXPECT_EQ(bad.status(), absl::InvalidArgumentError("wrong currency"));
  EXPECT_EQ(account.Withdraw(Eur(500)).status(), absl::FailedPreconditionError("insufficient funds"));
  EXPECT_EQ(account.Balance().value(), Eur(10));  // nothing changed
}

TEST_F(TwoNodes, ACastFromNode1IsHandledOnNode2) {
  NoteLog log;
  AccountClient account = RemoteAccount(0, &log);
  EXPECT_EQ(account.Annotate("vip"), SendResult::kOk);
  ASSERT_TRUE(Eventually([&] { return log.notes().size() == 1; }));
  EXPECT_EQ(log.notes()[0].first, "vip");
  EXPECT_FALSE(log.notes()[0].second.valid());  // sent from outside any actor
  // Mailbox order holds across: the note is in the next transaction's tags.
  ASSERT_TRUE(account.Deposit(Eur(1), std::nullopt).ok());
  absl::StatusOr<Teller::Interface> teller = a_.Spawn<Teller>();
  ASSERT_TRUE(teller.ok());
  absl::StatusOr<std::vector<Transaction>> items =
      a_.Call(*teller, ReadHistory{account, absl::UnixEpoch(), 10}, absl::Seconds(10));
  ASSERT_TRUE(items.ok()) << items.status();
  ASSERT_EQ(items->size(), 1u);
  EXPECT_EQ((*items)[0].tags, std::vector<std::string>{"vip"});
}

// A cast sent from inside an actor of node 1: the note arrives with its sender.
struct NoteFrom {
  AccountClient account;
  std::string text;
};
class Annotator : public Actor<Annotator, NoteFrom> {
 public:
  void Handle(NoteFrom& n) { EXPECT_EQ(n.account.Annotate(n.text, this), SendResult::kOk); }
};

TEST_F(TwoNodes, ACastFromAnActorOnNode1ArrivesWithItsSender) {
  NoteLog log;
  AccountClient account = RemoteAccount(0, &log);
  absl::StatusOr<Annotator::Interface> annotator = a_.Spawn<Annotator>();
  ASSERT_TRUE(annotator.ok());
  ASSERT_EQ(a_.Send(*annotator, NoteFrom{account, "from an actor"}), SendResult::kOk);
  ASSERT_TRUE(Eventually([&] { return log.notes().size() == 1; }));
  EXPECT_EQ(log.notes()[0].first, "from an actor");
  EXPECT_EQ(log.notes()[0].second, annotator->pid());  // a pid of node 1
}

TEST_F(TwoNodes, AnActorOnNode1AwaitsADepositOnNode2) {
  AccountClient account = RemoteAccount(10);
  absl::StatusOr<Teller::Interface> teller = a_.Spawn<Teller>();
  ASSERT_TRUE(teller.ok());
  absl::StatusOr<int64_t> b =
      a_.Call(*teller, bank_testing::Forward{account, 5, absl::Seconds(10)}, absl::Seconds(10));
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(*b, 15);
  EXPECT_EQ(account.Balance().value(), Eur(15));
}

TEST_F(TwoNodes, AHistoryStreamOnNode2DeliversItsItemsAndEndToASubscriberOnNode1) {
  AccountClient account = RemoteAccount(0);
  ASSERT_TRUE(account.Deposit(Eur(1), std::string("a")).ok());
  ASSERT_TRUE(account.Deposit(Eur(2), std::nullopt).ok());
  ASSERT_TRUE(account.Deposit(Eur(3), std::string("c")).ok());
  absl::StatusOr<Teller::Interface> teller = a_.Spawn<Teller>();
  ASSERT_TRUE(teller.ok());

  // Since the second transaction: items 2 and 3, then an OK end.
  absl::StatusOr<std::vector<Transaction>> items =
      a_.Call(*teller, ReadHistory{account, absl::FromUnixSeconds(1700000002), 5}, absl::Seconds(10));
  ASSERT_TRUE(items.ok()) << items.status();
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[0].id, 2u);
  EXPECT_EQ((*items)[0].amount, Eur(2));
  EXPECT_EQ((*items)[0].memo, std::nullopt);
  EXPECT_EQ((*items)[1].memo, std::optional<std::string>("c"));
  EXPECT_EQ((*items)[1].at, absl::FromUnixSeconds(1700000003));

  // An error end crosses with its status.
  items = a_.Call(*teller, ReadHistory{account, absl::UnixEpoch(), 0}, absl::Seconds(10));
  EXPECT_EQ(items.status(), absl::InvalidArgumentError("limit must be positive"));
}

TEST_F(TwoNodes, BankLocateAnswersAPidOfNode2ThatNode1CanUse) {
  absl::StatusOr<AccountClient> there = AccountClient::Spawn<TestAccount>(b_, 42);
  ASSERT_TRUE(there.ok());
  absl::StatusOr<BankClient> bank_there =
      BankClient::Spawn<TestBank>(b_, std::map<uint64_t, Pid>{{7, there->pid()}});
  ASSERT_TRUE(bank_there.ok());
  BankClient bank(a_, bank_there->ref());

  absl::StatusOr<Pid> located = bank.Locate(7);
  ASSERT_TRUE(located.ok()) << located.status();
  EXPECT_EQ(*located, there->pid());
  EXPECT_EQ(located->node(), 2u);
  EXPECT_EQ(bank.Locate(8).value(), Pid());  // unknown: the invalid pid
  EXPECT_EQ(bank.Open("Ada", Currency::eur).value(), 1000u);
  EXPECT_EQ(bank.OpenLegacy("Bob"), SendResult::kOk);

  AccountClient account(a_, AccountClient::Interface(*located));
  EXPECT_EQ(account.Balance().value(), Eur(42));
}

// --- codecs and dispatch tables ---------------------------------------------------------

TEST(WireCodecs, EveryTypeOfTheFileIsRegisteredUnderItsOwnDistinctId) {
  const std::vector<const ::myr::wire::Codec*> codecs = {
      &Transaction::WireCodec(),       &Scalars::WireCodec(),          &Pids::WireCodec(),
      &Account::Balance::WireCodec(),  &Account::Deposit::WireCodec(), &Account::Withdraw::WireCodec(),
      &Account::Annotate::WireCodec(), &Account::History::WireCodec(), &Account::HistoryEvent::WireCodec(),
      &Account::Ping::WireCodec(),     &Bank::Open::WireCodec(),       &Bank::OpenLegacy::WireCodec(),
      &Bank::Locate::WireCodec(),      &Money::WireCodec(),
  };
  std::map<uint64_t, std::string> seen;
  for (const ::myr::wire::Codec* c : codecs) {
    EXPECT_NE(c->wire_id, 0u) << c->name;
    EXPECT_EQ(::myr::wire::FindCodec(c->wire_id), c) << c->name;  // registered at start-up
    EXPECT_TRUE(c->is_call()) << c->name;                   // any message may be a request
    EXPECT_TRUE(seen.emplace(c->wire_id, c->name).second) << c->name << " and " << seen[c->wire_id];
  }
  // The ids are the model's: the capnp struct ids (actorc's type_id), the
  // names the IDL's.
  EXPECT_EQ(Transaction::kWireId, 0x9f3d712fcb4251b2ULL);
  EXPECT_STREQ(Transaction::kWireName, "myr.bank.Transaction");
  EXPECT_EQ(Account::Deposit::kWireId, 0xed3faf457c56072cULL);  // DepositParams
  EXPECT_STREQ(Account::Deposit::kWireName, "myr.bank.Account.deposit");
  EXPECT_EQ(Account::History::kWireId, 0xf91c254c3ee392ceULL);  // HistoryOpen
  EXPECT_STREQ(Account::HistoryEvent::kWireName, "myr.bank.Account.HistoryEvent");
  EXPECT_STREQ(Money::kWireName, "myr.common.Money");
}

TEST(WireCodecs, TheDispatchTableMapsEachOrdinalToItsMethodsCodec) {
  const ::myr::wire::DispatchTable* table = ::myr::wire::FindDispatch(Account::kTypeId);
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table, &Account::Dispatch());
  EXPECT_EQ(table->actor_type_id, Account::kTypeId);
  EXPECT_STREQ(table->name, "myr.bank.Account");
  ASSERT_EQ(table->methods.size(), 6u);
  EXPECT_EQ(table->Method(Account::Balance::kOrdinal), &Account::Balance::WireCodec());
  EXPECT_EQ(table->Method(Account::Deposit::kOrdinal), &Account::Deposit::WireCodec());
  EXPECT_EQ(table->Method(Account::Withdraw::kOrdinal), &Account::Withdraw::WireCodec());
  EXPECT_EQ(table->Method(Account::Annotate::kOrdinal), &Account::Annotate::WireCodec());
  EXPECT_EQ(table->Method(Account::History::kOrdinal), &Account::History::WireCodec());
  EXPECT_EQ(table->Method(Account::Ping::kOrdinal), &Account::Ping::WireCodec());
  EXPECT_EQ(table->Method(6), nullptr);
  EXPECT_EQ(table->Method(UINT32_MAX), nullptr);

  const ::myr::wire::DispatchTable* bank = ::myr::wire::FindDispatch(Bank::kTypeId);
  ASSERT_NE(bank, nullptr);
  EXPECT_STREQ(bank->name, "myr.bank.Bank");
  ASSERT_EQ(bank->methods.size(), 3u);
  EXPECT_EQ(bank->Method(Bank::Locate::kOrdinal), &Bank::Locate::WireCodec());
  EXPECT_EQ(::myr::wire::FindDispatch(0x1234), nullptr);
}

// What a transport's reply sink saw: one status and the encoded reply.
struct Delivered {
  std::atomic<int> calls{0};
  absl::Status status;
  std::string bytes;
};
class RecordingReply final : public ::myr::wire::Reply {
 public:
  explicit RecordingReply(Delivered* out) : out_(out) {}
  void Deliver(absl::Status status, std::string bytes) override {
    out_->status = std::move(status);
    out_->bytes = std::move(bytes);
    out_->calls.fetch_add(1);
  }

 private:
  Delivered* out_;
};

TEST(WireCodecs, BytesDeliveredThroughTheDispatchTableReachAnAccountAndTheReplyComesBackEncoded) {
  Runtime rt(RuntimeOptions::Deterministic(/*seed=*/3));
  absl::StatusOr<AccountClient> account = AccountClient::Spawn<TestAccount>(rt, 100);
  ASSERT_TRUE(account.ok());
  const ::myr::wire::Codec* deposit = ::myr::wire::FindDispatch(Account::kTypeId)->Method(Account::Deposit::kOrdinal);
  ASSERT_NE(deposit, nullptr);

  std::string request;
  ASSERT_TRUE(Account::Deposit::EncodeWire(Account::Deposit{Eur(25), std::string("wire")}, &request).ok());
  Delivered got;
  absl::StatusOr<SendResult> sent = rt.DeliverFromWire(account->pid(), Pid(), *deposit, request,
                                                       std::make_unique<RecordingReply>(&got));
  ASSERT_TRUE(sent.ok()) << sent.status();
  EXPECT_EQ(*sent, SendResult::kOk);
  rt.RunUntilIdle();
  ASSERT_EQ(got.calls.load(), 1);
  ASSERT_TRUE(got.status.ok()) << got.status;
  std::string expected;
  ASSERT_TRUE(Account::Deposit::EncodeReplyWire(Account::DepositResults{Eur(125), 1}, &expected).ok());
  EXPECT_EQ(got.bytes, expected);  // the encoded DepositResults
  absl::StatusOr<Account::DepositResults> reply = Account::Deposit::DecodeReplyWire(got.bytes);
  ASSERT_TRUE(reply.ok()) << reply.status();
  EXPECT_EQ(*reply, (Account::DepositResults{Eur(125), 1}));

  // The handler's error: a status and no bytes.
  ASSERT_TRUE(Account::Deposit::EncodeWire(Account::Deposit{Money{Currency::usd, 1}, {}}, &request).ok());
  Delivered err;
  ASSERT_TRUE(rt.DeliverFromWire(account->pid(), Pid(), *deposit, request,
                                 std::make_unique<RecordingReply>(&err))
                  .ok());
  rt.RunUntilIdle();
  ASSERT_EQ(err.calls.load(), 1);
  EXPECT_EQ(err.status, absl::InvalidArgumentError("wrong currency"));
  EXPECT_EQ(err.bytes, "");

  // Bytes that are not a Deposit: InvalidArgument, to the caller and the reply.
  Delivered bad;
  absl::StatusOr<SendResult> not_sent = rt.DeliverFromWire(
      account->pid(), Pid(), *deposit, "not capnp", std::make_unique<RecordingReply>(&bad));
  EXPECT_EQ(not_sent.status().code(), absl::StatusCode::kInvalidArgument) << not_sent.status();
  ASSERT_EQ(bad.calls.load(), 1);
  EXPECT_EQ(bad.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(account->Balance().value(), Eur(125));
}

// --- encodings: round trips and malformed bytes -----------------------------------------

Scalars FullScalars() {
  Scalars s;
  s.b = true;
  s.i8 = -8;
  s.i64 = INT64_MIN;
  s.u64 = UINT64_MAX;
  s.f64 = -2.25;
  s.s = "h\xc3\xa9llo";
  s.data = std::string("\x01\x00\x02", 3);
  s.t = absl::FromUnixNanos(-5);
  s.d = absl::Nanoseconds(7);
  s.nested = {{1, 2}, {}, {3}};
  s.byKey = {{5, FullTransaction()}, {-1, Transaction{}}};
  return s;
}

Pids FullPids() {
  const Pid owner = Pid::Make(/*node=*/1, /*slot=*/42, /*generation=*/7);
  Pids p;
  p.owner = owner;
  p.standby = Pid();
  p.watchers = {owner, Pid::FromBits(UINT64_MAX)};
  p.byRole = {{"primary", owner}, {"audit", Pid()}};
  return p;
}

Account::History FullHistory() {
  Account::History h;
  h.since = absl::FromUnixSeconds(3);
  h.limit = 4;
  h.subscriber = Pid::Make(1, 9, 2);
  h.stream = 77;
  return h;
}

Account::HistoryEvent ItemEvent() {
  Account::HistoryEvent e;
  e.stream = 77;
  e.item = Account::HistoryItem{FullTransaction()};
  return e;
}

Account::HistoryEvent ErrorEnd() {
  Account::HistoryEvent e;
  e.stream = 78;
  e.status = absl::DeadlineExceededError("too slow: r\xc3\xa9sum\xc3\xa9");
  return e;
}

template <typename T>
std::string EncodeOrDie(const T& v) {
  std::string out;
  absl::Status s = T::EncodeWire(v, &out);
  EXPECT_TRUE(s.ok()) << T::kWireName << ": " << s;
  return out;
}

// A value encodes, decodes back equal (also from bytes that are not 8-byte
// aligned), and its bytes are the framed capnp message.
template <typename T>
void ExpectRoundTrip(const T& v) {
  SCOPED_TRACE(T::kWireName);
  const std::string bytes = EncodeOrDie(v);
  ASSERT_EQ(bytes.size() % 8, 0u);
  absl::StatusOr<T> back = T::DecodeWire(bytes);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(*back == v);
  std::string shifted = "x" + bytes;  // the payload starts at an odd address
  absl::StatusOr<T> unaligned = T::DecodeWire(absl::string_view(shifted).substr(1));
  ASSERT_TRUE(unaligned.ok()) << unaligned.status();
  EXPECT_TRUE(*unaligned == v);
  // The registered codec goes the same way.
  absl::StatusOr<std::unique_ptr<Message>> m = T::WireCodec().decode(bytes);
  ASSERT_TRUE(m.ok()) << m.status();
  std::string again;
  ASSERT_TRUE(T::WireCodec().encode(**m, &again).ok());
  EXPECT_EQ(again, bytes);
}

TEST(WireCodecs, EveryTypeRoundTripsThroughItsBytes) {
  ExpectRoundTrip(FullTransaction());
  ExpectRoundTrip(Transaction{});
  ExpectRoundTrip(FullScalars());
  ExpectRoundTrip(FullPids());
  ExpectRoundTrip(Money{Currency::dem, 99});
  ExpectRoundTrip(Account::Balance{});
  ExpectRoundTrip(Account::Deposit{Eur(10), std::string("x")});
  ExpectRoundTrip(Account::Deposit{Eur(10), std::nullopt});
  ExpectRoundTrip(Account::Withdraw{Eur(3)});
  ExpectRoundTrip(Account::Annotate{"note"});
  ExpectRoundTrip(FullHistory());  // with its routing: subscriber and stream
  ExpectRoundTrip(ItemEvent());
  ExpectRoundTrip(ErrorEnd());
  ExpectRoundTrip(Account::HistoryEvent{});  // an OK end
  ExpectRoundTrip(Account::Ping{});
  ExpectRoundTrip(Bank::Open{"Ada", Currency::usd});
  ExpectRoundTrip(Bank::OpenLegacy{"Bob"});
  ExpectRoundTrip(Bank::Locate{UINT64_MAX});
}

TEST(WireCodecs, RepliesRoundTripThroughTheirResultsStructs) {
  std::string bytes;
  ASSERT_TRUE(Account::Balance::EncodeReplyWire(Eur(77), &bytes).ok());
  EXPECT_EQ(Account::Balance::DecodeReplyWire(bytes).value(), Eur(77));
  ASSERT_TRUE(Bank::Open::EncodeReplyWire(uint64_t{12345}, &bytes).ok());
  EXPECT_EQ(Bank::Open::DecodeReplyWire(bytes).value(), 12345u);
  const Pid p = Pid::Make(2, 5, 1);
  ASSERT_TRUE(Bank::Locate::EncodeReplyWire(p, &bytes).ok());
  EXPECT_EQ(Bank::Locate::DecodeReplyWire(bytes).value(), p);
  ASSERT_TRUE(Account::Withdraw::EncodeReplyWire(Account::WithdrawResults{Eur(1), 2}, &bytes).ok());
  EXPECT_EQ(Account::Withdraw::DecodeReplyWire(bytes).value(), (Account::WithdrawResults{Eur(1), 2}));
}

void SetWord(std::string* bytes, size_t word, uint64_t value) {
  ASSERT_GE(bytes->size(), (word + 1) * 8);
  std::memcpy(bytes->data() + word * 8, &value, 8);
}

// Corruptions of a good encoding (a framed message: word 0 the segment
// table, word 1 the root pointer) that no decoder may accept.
std::vector<std::pair<std::string, std::string>> Corruptions(const std::string& good) {
  std::vector<std::pair<std::string, std::string>> out;
  out.emplace_back("empty", "");
  out.emplace_back("one byte", "\x01");
  out.emplace_back("not whole words", good.substr(0, good.size() - 1));
  out.emplace_back("a byte too many", good + "x");
  out.emplace_back("a word short", good.substr(0, good.size() - 8));
  out.emplace_back("a word after the message", good + std::string(8, '\0'));
  out.emplace_back("all ones", std::string(16, '\xff'));
  std::string s = good;
  SetWord(&s, 0, 0x0000000100000001ULL);  // two segments, the second missing
  out.emplace_back("a missing segment", s);
  s = good;
  SetWord(&s, 0, 0xffffffff00000000ULL);  // one segment of 2^32 - 1 words
  out.emplace_back("a segment larger than the message", s);
  s = good;
  SetWord(&s, 1, (uint64_t{0x100000} << 2) | (uint64_t{1} << 32));  // root far outside
  out.emplace_back("a root struct out of bounds", s);
  s = good;
  SetWord(&s, 1, 2 | (uint64_t{5} << 32));  // a far pointer into segment 5
  out.emplace_back("a far pointer to no segment", s);
  return out;
}

template <typename T>
void ExpectCorruptionsRejected(const T& sample) {
  SCOPED_TRACE(T::kWireName);
  for (const auto& [what, bytes] : Corruptions(EncodeOrDie(sample))) {
    absl::StatusOr<T> v = T::DecodeWire(bytes);
    EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument) << what << ": " << v.status();
    EXPECT_EQ(T::WireCodec().decode(bytes).status().code(), absl::StatusCode::kInvalidArgument) << what;
  }
}

TEST(WireCodecs, HandPickedCorruptionsAreInvalidArgumentForEveryType) {
  ExpectCorruptionsRejected(FullTransaction());
  ExpectCorruptionsRejected(FullScalars());
  ExpectCorruptionsRejected(FullPids());
  ExpectCorruptionsRejected(Money{Currency::usd, 1});
  ExpectCorruptionsRejected(Account::Balance{});
  ExpectCorruptionsRejected(Account::Deposit{Eur(10), std::string("x")});
  ExpectCorruptionsRejected(Account::Withdraw{Eur(3)});
  ExpectCorruptionsRejected(Account::Annotate{"note"});
  ExpectCorruptionsRejected(FullHistory());
  ExpectCorruptionsRejected(ItemEvent());
  ExpectCorruptionsRejected(ErrorEnd());
  ExpectCorruptionsRejected(Account::Ping{});
  ExpectCorruptionsRejected(Bank::Open{"Ada", Currency::usd});
  ExpectCorruptionsRejected(Bank::OpenLegacy{"Bob"});
  ExpectCorruptionsRejected(Bank::Locate{1});
}

TEST(WireCodecs, AStreamEventWithAStatusCodeOutsideAbslsIsInvalidArgument) {
  // A well-formed HistoryEvent message whose code (17) is no absl code.
  ::capnp::MallocMessageBuilder m;
  auto b = m.initRoot<wire::Account::HistoryEvent>();
  b.setStream(1);
  b.setCode(17);
  b.setMessage("seventeen");
  kj::Array<capnp::word> words = ::capnp::messageToFlatArray(m);
  auto bytes = words.asBytes();
  absl::StatusOr<Account::HistoryEvent> e = Account::HistoryEvent::DecodeWire(
      absl::string_view(reinterpret_cast<const char*>(bytes.begin()), bytes.size()));
  EXPECT_EQ(e.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(e.status().message()), HasSubstr("status code outside absl's canonical 0..16"));
}

// Random damage to a good encoding: bytes overwritten, words replaced by
// random pointers, truncation, bytes appended.
std::string Mutate(std::string bytes, std::mt19937_64& rng) {
  const int edits = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < edits; ++i) {
    switch (rng() % 5) {
      case 0:
      case 1:
        if (!bytes.empty()) bytes[rng() % bytes.size()] = static_cast<char>(rng());
        break;
      case 2:
        if (bytes.size() >= 8) {
          // A pointer of a random kind with a small offset and sizes.
          uint64_t p = (rng() % 4) | ((rng() % 64) << 2) | ((rng() % 0x20000) << 32);
          if (rng() % 2) p |= uint64_t{0x80000000};  // negative offsets too
          std::memcpy(bytes.data() + 8 * (rng() % (bytes.size() / 8)), &p, 8);
        }
        break;
      case 3:  // truncated, at a word boundary half the time (past the framing check)
        bytes.resize(rng() % 2 ? 8 * (rng() % (bytes.size() / 8 + 1)) : rng() % (bytes.size() + 1));
        break;
      default:  // bytes appended, whole words half the time
        for (int n = static_cast<int>(rng() % 2 ? 8 * (rng() % 3) : rng() % 16); n > 0; --n) {
          bytes.push_back(static_cast<char>(rng()));
        }
        break;
    }
  }
  return bytes;
}

// Decoding damaged bytes is OK (the damage made another valid message) or
// InvalidArgument; nothing else, never a crash. Counts the rejections.
template <typename T>
int FuzzDecode(const T& sample, uint64_t seed, int rounds) {
  SCOPED_TRACE(T::kWireName);
  std::mt19937_64 rng(seed);
  const std::string good = EncodeOrDie(sample);
  int rejected = 0;
  for (int i = 0; i < rounds; ++i) {
    const std::string bytes = Mutate(good, rng);
    absl::StatusOr<T> v = T::DecodeWire(bytes);
    if (!v.ok()) {
      ++rejected;
      EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument) << v.status();
    }
    absl::StatusOr<std::unique_ptr<Message>> m = T::WireCodec().decode(bytes);
    EXPECT_EQ(m.ok(), v.ok());
  }
  return rejected;
}

template <typename T>
int FuzzDecodeReply(const typename T::Reply& sample, uint64_t seed, int rounds) {
  SCOPED_TRACE(T::kWireName);
  std::mt19937_64 rng(seed);
  std::string good;
  EXPECT_TRUE(T::EncodeReplyWire(sample, &good).ok());
  int rejected = 0;
  for (int i = 0; i < rounds; ++i) {
    absl::StatusOr<typename T::Reply> v = T::DecodeReplyWire(Mutate(good, rng));
    if (!v.ok()) {
      ++rejected;
      EXPECT_EQ(v.status().code(), absl::StatusCode::kInvalidArgument) << v.status();
    }
  }
  return rejected;
}

TEST(WireCodecs, RandomlyDamagedBytesAreOkOrInvalidArgumentNeverACrash) {
  constexpr int kRounds = 400;
  int rejected = 0;
  uint64_t seed = 20240601;
  rejected += FuzzDecode(FullTransaction(), seed++, kRounds);
  rejected += FuzzDecode(FullScalars(), seed++, kRounds);
  rejected += FuzzDecode(FullPids(), seed++, kRounds);
  rejected += FuzzDecode(Money{Currency::usd, 1}, seed++, kRounds);
  rejected += FuzzDecode(Account::Balance{}, seed++, kRounds);
  rejected += FuzzDecode(Account::Deposit{Eur(10), std::string("x")}, seed++, kRounds);
  rejected += FuzzDecode(Account::Withdraw{Eur(3)}, seed++, kRounds);
  rejected += FuzzDecode(Account::Annotate{"note"}, seed++, kRounds);
  rejected += FuzzDecode(FullHistory(), seed++, kRounds);
  rejected += FuzzDecode(ItemEvent(), seed++, kRounds);
  rejected += FuzzDecode(ErrorEnd(), seed++, kRounds);
  rejected += FuzzDecode(Account::Ping{}, seed++, kRounds);
  rejected += FuzzDecode(Bank::Open{"Ada", Currency::usd}, seed++, kRounds);
  rejected += FuzzDecode(Bank::OpenLegacy{"Bob"}, seed++, kRounds);
  rejected += FuzzDecode(Bank::Locate{1}, seed++, kRounds);
  rejected += FuzzDecodeReply<Account::Balance>(Eur(5), seed++, kRounds);
  rejected += FuzzDecodeReply<Account::Deposit>(Account::DepositResults{Eur(5), 6}, seed++, kRounds);
  rejected += FuzzDecodeReply<Account::Withdraw>(Account::WithdrawResults{Eur(5), 6}, seed++, kRounds);
  rejected += FuzzDecodeReply<Bank::Open>(uint64_t{9}, seed++, kRounds);
  rejected += FuzzDecodeReply<Bank::Locate>(Pid::Make(1, 2, 3), seed++, kRounds);
  // Most damage is caught (the rest happens to form another valid message).
  EXPECT_GT(rejected, 20 * kRounds / 2);
}

// --- a foreign actor serving Account from bytes -----------------------------------------

// An Account servicer written against (method, bytes), as a guest
// language's servicer is: it decodes requests with the generated decoders
// and answers with the generated reply encoders.
class BytesAccount : public ForeignHandler {
 public:
  explicit BytesAccount(std::atomic<int>* notes) : notes_(notes) {}

  void Handle(ForeignActor&, ForeignMessage& msg) override {
    if (msg.kind != ForeignMessage::Kind::kBytes) return;
    if (msg.method == Account::Deposit::kWireId) {
      absl::StatusOr<Account::Deposit> d = Account::Deposit::DecodeWire(msg.payload.view());
      if (!d.ok()) return msg.reply.Fail(d.status());
      balance_ += d->amount.minorUnits;
      Answer<Account::Deposit>(msg, Account::DepositResults{Eur(balance_), ++ids_});
    } else if (msg.method == Account::Balance::kWireId) {
      Answer<Account::Balance>(msg, Eur(balance_));
    } else if (msg.method == Account::Ping::kWireId) {
      msg.reply.Bytes("");  // no reply value
    } else if (msg.method == Account::Annotate::kWireId) {
      if (Account::Annotate::DecodeWire(msg.payload.view()).ok()) notes_->fetch_add(1);
    } else if (msg.reply.pending()) {
      msg.reply.Fail(absl::UnimplementedError(absl::StrCat("method 0x", absl::Hex(msg.method))));
    }
  }

 private:
  template <typename M>
  static void Answer(ForeignMessage& msg, const typename M::Reply& reply) {
    std::string bytes;
    if (absl::Status s = M::EncodeReplyWire(reply, &bytes); !s.ok()) return msg.reply.Fail(s);
    msg.reply.Bytes(bytes);
  }

  std::atomic<int>* notes_;
  int64_t balance_ = 0;
  uint64_t ids_ = 0;
};

// The client's calls get typed results from the foreign servicer.
void ExpectServedFromBytes(AccountClient account, std::atomic<int>& notes) {
  absl::StatusOr<Account::DepositResults> d = account.Deposit(Eur(40), std::string("cash"));
  ASSERT_TRUE(d.ok()) << d.status();
  EXPECT_EQ(*d, (Account::DepositResults{Eur(40), 1}));
  EXPECT_EQ(account.Balance().value(), Eur(40));
  EXPECT_EQ(account.Ping(), absl::OkStatus());
  EXPECT_EQ(account.Annotate("seen"), SendResult::kOk);
  EXPECT_TRUE(Eventually([&] { return notes.load() == 1; }));
  absl::StatusOr<Account::WithdrawResults> w = account.Withdraw(Eur(1));
  EXPECT_EQ(w.status().code(), absl::StatusCode::kUnimplemented) << w.status();
}

TEST(ForeignServicer, AForeignActorAnswersAnAccountClientFromBytes) {
  Runtime rt(sched_testing::Threaded());
  std::atomic<int> notes{0};
  absl::StatusOr<Pid> pid = SpawnForeign(rt, std::make_unique<BytesAccount>(&notes));
  ASSERT_TRUE(pid.ok()) << pid.status();
  ExpectServedFromBytes(AccountClient(rt, AccountClient::Interface(*pid)), notes);
}

TEST_F(TwoNodes, AForeignActorOnNode2AnswersAnAccountClientOnNode1) {
  std::atomic<int> notes{0};
  absl::StatusOr<Pid> pid = SpawnForeign(b_, std::make_unique<BytesAccount>(&notes));
  ASSERT_TRUE(pid.ok()) << pid.status();
  ExpectServedFromBytes(AccountClient(a_, AccountClient::Interface(*pid)), notes);
}

}  // namespace
}  // namespace myr::bank
