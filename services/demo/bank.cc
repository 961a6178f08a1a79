// Copyright Myrmidon authors.
#include "services/demo/bank.h"

#include <algorithm>
#include <chrono>
#include <thread>

namespace myr::demo {

void Account::Handle(Transfer& t) {
  ++handled_;
  if (t.amount <= 0 || t.amount > balance_ || t.to == self()) {
    ++refused_;
    return;
  }
  balance_ -= t.amount;
  Send(t.to, Credit{t.amount});
}

void Account::Handle(Credit& c) {
  ++handled_;
  balance_ += c.amount;
}

void Account::Handle(AuditRequest& a) {
  Send(a.auditor, Balance{a.round, balance_, handled_, refused_});
}

Client::Client(const std::vector<Pid>* accounts, int64_t transfers, int64_t batch, uint64_t seed)
    : accounts_(accounts),
      left_(transfers),
      batch_(std::max<int64_t>(1, batch)),
      state_(seed * 0x9E3779B97F4A7C15ull + 1) {}

uint64_t Client::Next() {  // xorshift64*
  state_ ^= state_ >> 12;
  state_ ^= state_ << 25;
  state_ ^= state_ >> 27;
  return state_ * 0x2545F4914F6CDD1Dull;
}

void Client::Handle(Tick&) {
  const size_t n = accounts_->size();
  int64_t k = std::min(batch_, left_);
  for (int64_t i = 0; i < k; ++i) {
    Pid from = (*accounts_)[Next() % n];
    Pid to = (*accounts_)[Next() % n];
    Send(from, Transfer{to, static_cast<int64_t>(1 + Next() % 100)});
  }
  left_ -= k;
  if (left_ > 0) {
    Send(self(), Tick{});  // yield between batches: other actors run meanwhile
  } else {
    Stop();
  }
}

Auditor::Auditor(int64_t expect, AuditResult* out, std::atomic<uint32_t>* round_done)
    : expect_(expect), out_(out), round_done_(round_done) {}

void Auditor::Handle(Balance& b) {
  if (b.round < 1 || b.round > 2) return;
  if (b.round == 2) {
    out_->accounts++;
    out_->total_balance += b.balance;
    out_->messages_handled += b.handled;
    out_->refused += b.refused;
  }
  if (++answers_[b.round] == expect_) {
    round_done_->store(static_cast<uint32_t>(b.round), std::memory_order_release);
    round_done_->notify_all();
  }
}

namespace {
double Since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}
void WaitRound(std::atomic<uint32_t>& done, uint32_t round) {
  for (uint32_t v; (v = done.load(std::memory_order_acquire)) < round;) {
    done.wait(v, std::memory_order_acquire);
  }
}
}  // namespace

absl::StatusOr<BankReport> RunBank(Runtime& rt, const BankConfig& config) {
  BankReport report;
  auto t0 = std::chrono::steady_clock::now();
  std::vector<Pid> accounts;
  accounts.reserve(config.accounts);
  for (int64_t i = 0; i < config.accounts; ++i) {
    absl::StatusOr<Account::Interface> a = rt.Spawn<Account>(config.opening_balance);
    if (!a.ok()) return a.status();
    accounts.push_back(*a);
  }
  report.spawn_seconds = Since(t0);
  if (config.after_spawn) {
    // Let every account run its first turn (it is scheduled at spawn).
    for (int i = 0; i < 3; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    config.after_spawn();
  }
  AuditResult audit;
  std::atomic<uint32_t> round_done{0};
  absl::StatusOr<Auditor::Interface> auditor =
      rt.SpawnWith<Auditor>(SpawnOptions().WithMailbox(MailboxOptions::Unbounded()),
                            config.accounts, &audit, &round_done);
  if (!auditor.ok()) return auditor.status();
  std::vector<Pid> clients;
  const int64_t per_client = config.transfers / std::max(1, config.clients);
  auto t1 = std::chrono::steady_clock::now();
  for (int i = 0; i < config.clients; ++i) {
    int64_t n = per_client + (i == 0 ? config.transfers - per_client * config.clients : 0);
    absl::StatusOr<Client::Interface> c =
        rt.Spawn<Client>(&accounts, n, config.batch, static_cast<uint64_t>(i + 1));
    if (!c.ok()) return c.status();
    clients.push_back(*c);
    rt.Send(*c, Tick{});
  }
  report.actors = static_cast<int64_t>(accounts.size() + clients.size() + 1);
  for (Pid c : clients) {
    absl::StatusOr<ExitReason> r = rt.AwaitExit(c, absl::Minutes(5));
    if (!r.ok() && !absl::IsNotFound(r.status())) return r.status();  // NotFound: already gone
  }
  for (int round = 1; round <= 2; ++round) {
    for (Pid a : accounts) rt.Send(a, AuditRequest{*auditor, round});
    WaitRound(round_done, static_cast<uint32_t>(round));
  }
  report.run_seconds = Since(t1);
  report.audit = audit;
  for (Pid a : accounts) rt.Stop(a);
  rt.Stop(*auditor);
  return report;
}

}  // namespace myr::demo
