// Copyright Myrmidon authors.
#include "services/demo/tellers.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/supervise/supervisor.h"

namespace myr::demo {
namespace {

struct Deposit {
  int64_t amount;
  using Reply = int64_t;  // the teller's till after it
};
struct Boom {};  // the chaos monkey's message

// Counts what it handles in a counter that outlives its incarnations.
class Teller : public Actor<Teller, Deposit, Boom> {
 public:
  explicit Teller(std::atomic<int64_t>* handled) : handled_(handled) {}
  int64_t Handle(Deposit& d) {
    handled_->fetch_add(1, std::memory_order_relaxed);
    till_ += d.amount;
    return till_;
  }
  void Handle(Boom&) { throw std::runtime_error("crashed by the chaos monkey"); }

 private:
  std::atomic<int64_t>* handled_;
  int64_t till_ = 0;
};

struct Shared {
  std::vector<std::string> paths;  // every teller's path
  int64_t crash_every = 0;
  std::atomic<int64_t> handled{0};
  std::atomic<int64_t> retried{0};
  std::atomic<int64_t> crashes{0};
  std::atomic<int64_t> restarts{0};
  std::atomic<int> clients_done{0};
};

struct Serve {
  uint64_t seed;
  int64_t count;
};

// Serves its share of the requests, one at a time, each at a random teller
// found by path; retries a request whose teller crashed or is restarting.
// Every `crash_every` requests it crashes a random teller (the monkey).
class Client : public Actor<Client, Serve> {
 public:
  explicit Client(Shared* shared) : shared_(shared) {}

  Task<void> Handle(Serve& s) {
    std::mt19937_64 rng(s.seed);
    const size_t n = shared_->paths.size();
    for (int64_t i = 1; i <= s.count; ++i) {
      for (;;) {
        absl::StatusOr<Pid> teller = runtime().Resolve(shared_->paths[rng() % n]);
        if (teller.ok()) {
          Deposit deposit{1};
          CallResult<int64_t> r = co_await Call(Ref<Deposit>(*teller), deposit, absl::Seconds(10));
          if (r.ok()) break;
        }
        shared_->retried.fetch_add(1, std::memory_order_relaxed);
      }
      if (i % shared_->crash_every == 0) {
        if (absl::StatusOr<Pid> victim = runtime().Resolve(shared_->paths[rng() % n]); victim.ok()) {
          Send(*victim, Boom{});
        }
      }
    }
    shared_->clients_done.fetch_add(1, std::memory_order_release);
  }

 private:
  Shared* shared_;
};

// Runs the runtime (deterministic) or waits (threaded) until done() or 60 s.
template <typename Done>
bool Await(Runtime& rt, Done done) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    if (rt.deterministic()) {
      if (rt.RunUntilIdle() == 0) rt.AdvanceTime(absl::Milliseconds(1));
    } else {
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
  }
  return true;
}

}  // namespace

absl::StatusOr<TellerReport> RunTellers(Runtime& rt, const TellerConfig& config) {
  if (config.branches <= 0 || config.tellers_per_branch <= 0 || config.clients <= 0 ||
      config.requests < 0 || config.crash_every <= 0) {
    return absl::InvalidArgumentError("tellers: every count must be positive");
  }
  auto shared = std::make_shared<Shared>();
  shared->crash_every = config.crash_every;
  auto on_event = [shared](const supervise::SupervisorEvent& e) {
    using Kind = supervise::SupervisorEvent::Kind;
    if (e.kind == Kind::kChildExited && e.reason.kind() == ExitKind::kCrash) {
      shared->crashes.fetch_add(1, std::memory_order_relaxed);
    } else if (e.kind == Kind::kChildStarted && e.restart) {
      shared->restarts.fetch_add(1, std::memory_order_relaxed);
    }
  };
  // The monkey is expected: intensity generous, restarts immediate.
  supervise::SupervisorOptions branch;
  branch.max_restarts = 1'000'000;
  branch.period = absl::Seconds(1);
  branch.backoff = supervise::Backoff::None();
  branch.on_event = on_event;
  std::vector<supervise::ChildSpec> branches;
  for (int b = 0; b < config.branches; ++b) {
    std::vector<supervise::ChildSpec> tellers;
    for (int t = 0; t < config.tellers_per_branch; ++t) {
      std::string id = absl::StrCat("teller-", t);
      shared->paths.push_back(absl::StrCat("/bank/branch-", b, "/", id));
      tellers.push_back(supervise::ChildSpec::For<Teller>(id, &shared->handled));
    }
    branch.name = absl::StrCat("branch-", b);
    branches.push_back(supervise::SupervisorSpec(branch.name, branch, std::move(tellers)));
  }
  supervise::SupervisorOptions top;
  top.name = "bank";
  absl::StatusOr<supervise::Supervisor> bank =
      supervise::StartSupervisor(rt, top, std::move(branches), SpawnOptions().WithName("bank"));
  if (!bank.ok()) return bank.status();

  auto start = std::chrono::steady_clock::now();
  std::vector<Pid> clients;
  for (int c = 0; c < config.clients; ++c) {
    absl::StatusOr<Ref<Serve>> client = rt.Spawn<Client>(shared.get());
    if (!client.ok()) return client.status();
    clients.push_back(client->pid());
    int64_t share = config.requests / config.clients + (c < config.requests % config.clients ? 1 : 0);
    rt.Send(*client, Serve{static_cast<uint64_t>(c + 1), share});
  }
  bool served = Await(rt, [&] {
    return shared->clients_done.load(std::memory_order_acquire) == config.clients;
  });
  TellerReport report;
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // Every crash is followed by a restart; then every path is back.
  bool settled = served && Await(rt, [&] {
    if (shared->restarts.load() != shared->crashes.load()) return false;
    for (const std::string& p : shared->paths) {
      if (!rt.Resolve(p).ok()) return false;
    }
    return true;
  });
  report.handled = shared->handled.load();
  report.retried = shared->retried.load();
  report.crashes = shared->crashes.load();
  report.restarts = shared->restarts.load();
  report.whole = settled;
  for (Pid c : clients) {
    rt.Stop(c);
    (void)rt.AwaitExit(c, absl::Seconds(10));
  }
  absl::StatusOr<ExitReason> stopped = bank->Stop();
  if (!stopped.ok()) return stopped.status();
  if (!served) return absl::DeadlineExceededError("tellers: the clients did not finish in 60 s");
  return report;
}

}  // namespace myr::demo
