// Copyright Myrmidon authors.
//
// bank.h: the demo workload. Account actors hold balances; Client actors
// issue random transfers between them; an Auditor sums every balance. Money
// is only moved, never created: the audit total must equal the opening total.
#ifndef MYR_SERVICES_DEMO_BANK_H_
#define MYR_SERVICES_DEMO_BANK_H_

#include <atomic>
#include <functional>
#include <cstdint>
#include <vector>

#include "libs/sched/runtime.h"

namespace myr::demo {

struct Transfer {  // to the source account
  Pid to;
  int64_t amount;
};
struct Credit {  // to the target account
  int64_t amount;
};
// The audit runs in two rounds. Round 1 is a barrier: once every account has
// answered it, every transfer has been handled and every credit it caused is
// queued (a mailbox is FIFO in push order, and a worker flushes its sends
// before a later message leaves it). Round 2 then reads final balances.
struct AuditRequest {  // to every account
  Pid auditor;
  int round;
};
struct Balance {  // account -> auditor
  int round;
  int64_t balance;
  int64_t handled;
  int64_t refused;
};
struct Tick {};  // a client's next batch

class Account : public Actor<Account, Transfer, Credit, AuditRequest> {
 public:
  explicit Account(int64_t opening) : balance_(opening) {}
  void Handle(Transfer& t);
  void Handle(Credit& c);
  void Handle(AuditRequest& a);

 private:
  int64_t balance_;
  int64_t handled_ = 0;
  int64_t refused_ = 0;
};

// Sends `transfers` random transfers, `batch` per turn, then stops.
class Client : public Actor<Client, Tick> {
 public:
  Client(const std::vector<Pid>* accounts, int64_t transfers, int64_t batch, uint64_t seed);
  void Handle(Tick&);

 private:
  uint64_t Next();
  const std::vector<Pid>* accounts_;
  int64_t left_;
  int64_t batch_;
  uint64_t state_;
};

struct AuditResult {
  int64_t accounts = 0;
  int64_t total_balance = 0;
  int64_t messages_handled = 0;  // by accounts
  int64_t refused = 0;
};

// Counts answers per round; `round_done` becomes the round number once all
// `expect` accounts answered it. Round 2's answers fill `out`.
class Auditor : public Actor<Auditor, Balance> {
 public:
  Auditor(int64_t expect, AuditResult* out, std::atomic<uint32_t>* round_done);
  void Handle(Balance& b);

 private:
  int64_t expect_;
  int64_t answers_[3] = {0, 0, 0};
  AuditResult* out_;
  std::atomic<uint32_t>* round_done_;
};

// Runs a whole bank workload on `rt` and returns the round-2 audit.
struct BankConfig {
  int64_t accounts = 100'000;
  int64_t opening_balance = 1'000;
  int clients = 8;
  int64_t transfers = 2'000'000;  // in total
  int64_t batch = 1'000;          // transfers per client turn
  // Called once all accounts are spawned and idle, before any transfer.
  std::function<void()> after_spawn;
};
struct BankReport {
  AuditResult audit;
  double spawn_seconds = 0;
  double run_seconds = 0;    // first transfer to the end of the audit
  int64_t actors = 0;
};
absl::StatusOr<BankReport> RunBank(Runtime& rt, const BankConfig& config);

}  // namespace myr::demo

#endif  // MYR_SERVICES_DEMO_BANK_H_
