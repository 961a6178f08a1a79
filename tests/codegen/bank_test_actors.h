// Copyright Myrmidon authors.
//
// bank_test_actors.h: implementations of the actors actorc generates from
// schemas/examples/bank.actor, for the tests of the generated code
// (bank_actor_test: one runtime; remote_account_test: across nodes, through
// the wire codecs). testonly.
//
// TestAccount implements AccountActor: deposits and withdrawals in euros
// (another currency is an error reply), a fraud check that delays
// withdrawals above 1,000, notes (Annotate, also reported to a NoteLog),
// and the history stream. TestBank implements BankActor over a fixed set of
// accounts. Teller is a client actor: it reads a history stream (co_await
// NextHistory) and deposits through an account (co_await AsyncDeposit).
// FullTransaction is a sample value with every field set.
#ifndef MYR_TESTS_CODEGEN_BANK_TEST_ACTORS_H_
#define MYR_TESTS_CODEGEN_BANK_TEST_ACTORS_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/pid/pid.h"
#include "libs/sched/runtime.h"
#include "schemas/examples/bank.actor.h"

namespace myr::bank::bank_testing {

inline ::myr::common::Money Eur(int64_t cents) {
  return ::myr::common::Money{::myr::common::Currency::eur, cents};
}

// A transaction with every field set (an optional, lists and a map with
// empty and binary entries, negative amounts, sub-second times).
inline Transaction FullTransaction() {
  Transaction t;
  t.id = 42;
  t.kind = Kind::transfer;
  t.amount = ::myr::common::Money{::myr::common::Currency::usd, -1234};
  t.at = absl::FromUnixNanos(1700000000123456789);
  t.memo = "rent";
  t.tags = {"home", "", "monthly"};
  t.attributes = {{"z", std::string("\x00\xff", 2)}, {"a", "1"}};
  t.settlementDelay = absl::Milliseconds(1500);
  t.ratio = 0.25;
  t.flagged = true;
  t.legacyCode = -7;
  return t;
}

// The notes an account received, with their senders. Thread-safe: the
// account adds from its worker, the test reads from its own thread.
class NoteLog {
 public:
  void Add(std::string text, Pid sender) {
    std::lock_guard<std::mutex> lock(mu_);
    notes_.emplace_back(std::move(text), sender);
  }
  std::vector<std::pair<std::string, Pid>> notes() {
    std::lock_guard<std::mutex> lock(mu_);
    return notes_;
  }

 private:
  std::mutex mu_;
  std::vector<std::pair<std::string, Pid>> notes_;  // guarded by mu_
};

// An account: deposits and withdrawals in one currency; a withdrawal above
// 1,000 waits on a (slow) fraud check.
class TestAccount : public AccountActor<TestAccount> {
 public:
  explicit TestAccount(int64_t opening, NoteLog* log = nullptr)
      : balance_(Eur(opening)), log_(log) {}

  ::myr::common::Money Handle(Account::Balance&) const { return balance_; }

  absl::StatusOr<Account::DepositResults> Handle(Account::Deposit& d) {
    if (d.amount.currency != balance_.currency) {
      return absl::InvalidArgumentError("wrong currency");
    }
    balance_.minorUnits += d.amount.minorUnits;
    Record(Kind::deposit, d.amount, d.memo);
    return Account::DepositResults{balance_, next_id_ - 1};
  }

  Task<absl::StatusOr<Account::WithdrawResults>> Handle(Account::Withdraw& w) {
    if (w.amount.minorUnits > 1000) co_await Sleep(absl::Milliseconds(300));  // the fraud check
    if (w.amount.minorUnits > balance_.minorUnits) {
      co_return absl::FailedPreconditionError("insufficient funds");
    }
    balance_.minorUnits -= w.amount.minorUnits;
    Record(Kind::withdrawal, w.amount, std::nullopt);
    co_return Account::WithdrawResults{balance_, next_id_ - 1};
  }

  void Handle(Account::Annotate& a) {
    notes_.push_back(a.text);
    if (log_ != nullptr) log_->Add(a.text, sender());
  }

  void Handle(Account::History& h) const {
    uint32_t sent = 0;
    for (const Transaction& t : history_) {
      if (sent == h.limit) break;
      if (t.at < h.since) continue;
      SendHistoryItem(h, t);
      ++sent;
    }
    if (h.limit == 0) {
      EndHistory(h, absl::InvalidArgumentError("limit must be positive"));
    } else {
      EndHistory(h);
    }
  }

  void Handle(Account::Ping&) {}

 private:
  void Record(Kind kind, const ::myr::common::Money& amount, const std::optional<std::string>& memo) {
    Transaction t;
    t.id = next_id_++;
    t.kind = kind;
    t.amount = amount;
    t.at = absl::FromUnixSeconds(1700000000 + static_cast<int64_t>(t.id));
    t.memo = memo;
    t.tags = notes_;
    history_.push_back(std::move(t));
  }

  ::myr::common::Money balance_;
  NoteLog* log_;
  uint64_t next_id_ = 1;
  std::vector<std::string> notes_;
  std::vector<Transaction> history_;
};

// A bank over a fixed set of accounts (account id -> pid): Locate answers
// the pid (the invalid pid for an unknown id), Open hands out new ids.
class TestBank : public BankActor<TestBank> {
 public:
  explicit TestBank(std::map<uint64_t, Pid> accounts) : accounts_(std::move(accounts)) {}

  uint64_t Handle(Bank::Open&) { return next_id_++; }
  void Handle(Bank::OpenLegacy&) {}
  Pid Handle(Bank::Locate& l) {
    auto it = accounts_.find(l.accountId);
    return it == accounts_.end() ? Pid() : it->second;
  }

 private:
  std::map<uint64_t, Pid> accounts_;
  uint64_t next_id_ = 1000;
};

// Reads a whole history stream from inside an actor (co_await NextHistory).
struct ReadHistory {
  AccountClient account;
  absl::Time since;
  uint32_t limit = 0;
  using Reply = std::vector<Transaction>;
};

// Deposits through an account from inside an actor (co_await AsyncDeposit).
struct Forward {
  AccountClient account;
  int64_t cents = 0;
  absl::Duration timeout;
  using Reply = int64_t;  // the new balance
};

class Teller : public Actor<Teller, ReadHistory, Forward, Account::HistoryEvent> {
 public:
  Task<absl::StatusOr<std::vector<Transaction>>> Handle(ReadHistory& r) {
    const uint64_t stream = next_stream_++;
    const SendResult sent = r.account.History(self(), stream, r.since, r.limit, this);
    if (sent != SendResult::kOk) {
      co_return absl::UnavailableError(absl::StrCat("History: ", SendResultName(sent)));
    }
    std::vector<Transaction> out;
    for (;;) {
      absl::StatusOr<Account::HistoryEvent> ev = co_await AccountClient::NextHistory(*this, stream);
      if (!ev.ok()) co_return ev.status();
      if (ev->end()) {
        if (!ev->status.ok()) co_return ev->status;
        co_return out;
      }
      out.push_back(std::move(ev->item->value));
    }
  }

  Task<absl::StatusOr<int64_t>> Handle(Forward& f) {
    ::myr::common::Money amount = Eur(f.cents);
    std::optional<std::string> memo = "forwarded";
    absl::StatusOr<Account::DepositResults> r =
        co_await f.account.AsyncDeposit(*this, amount, memo, f.timeout);
    if (!r.ok()) co_return r.status();
    co_return r->balance.minorUnits;
  }

  // Events of streams nobody waits for any more.
  void Handle(Account::HistoryEvent&) {}

 private:
  uint64_t next_stream_ = 1;
};

}  // namespace myr::bank::bank_testing

#endif  // MYR_TESTS_CODEGEN_BANK_TEST_ACTORS_H_
