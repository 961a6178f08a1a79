// Copyright Myrmidon authors.
//
// The Myrmidon demo: spawns 100,000 account actors, lets client actors drive
// random transfers through them, audits every balance (money is moved, never
// created or lost) and prints a short report.
//
//   bazel run --config=opt //services/demo -- [--accounts=N] [--transfers=N]
//       [--clients=N] [--workers=N]
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/demo/bank.h"
#include "services/demo/tellers.h"

namespace {

size_t RssBytes() {
  std::ifstream statm("/proc/self/statm");
  size_t total = 0, rss = 0;
  statm >> total >> rss;
  return rss * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

std::string Grouped(int64_t v) {
  std::string s = std::to_string(v < 0 ? -v : v);
  for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(i, ",");
  return v < 0 ? "-" + s : s;
}

bool Flag(const char* arg, const char* name, int64_t* out) {
  size_t n = std::strlen(name);
  if (std::strncmp(arg, name, n) != 0 || arg[n] != '=') return false;
  *out = std::atoll(arg + n + 1);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  myr::demo::BankConfig config;
  int64_t workers = 0, clients = config.clients;
  for (int i = 1; i < argc; ++i) {
    if (Flag(argv[i], "--accounts", &config.accounts) ||
        Flag(argv[i], "--transfers", &config.transfers) || Flag(argv[i], "--clients", &clients) ||
        Flag(argv[i], "--workers", &workers)) {
      continue;
    }
    std::fprintf(stderr,
                 "usage: %s [--accounts=N] [--transfers=N] [--clients=N] [--workers=N]\n", argv[0]);
    return 2;
  }
  config.clients = static_cast<int>(clients);
  myr::RuntimeOptions options;
  options.workers = static_cast<int>(workers);
  myr::Runtime rt(options);

  std::printf("Myrmidon demo: %s account actors, %d client actors, %s transfers, %d workers\n",
              Grouped(config.accounts).c_str(), config.clients,
              Grouped(config.transfers).c_str(), rt.workers());
  const size_t rss_before = RssBytes();
  size_t rss_idle = 0;
  config.after_spawn = [&] { rss_idle = RssBytes(); };
  absl::StatusOr<myr::demo::BankReport> report = myr::demo::RunBank(rt, config);
  const size_t rss_after = RssBytes();
  if (!report.ok()) {
    std::fprintf(stderr, "demo failed: %s\n", report.status().ToString().c_str());
    return 1;
  }
  const auto& a = report->audit;
  const int64_t expected_total = config.accounts * config.opening_balance;
  const int64_t ticks = (config.transfers + config.batch - 1) / config.batch + config.clients;
  const int64_t messages = a.messages_handled + ticks + 4 * config.accounts;
  const int64_t applied = a.messages_handled - config.transfers;  // one credit per applied transfer
  myr::Runtime::Stats st = rt.stats();

  std::printf("  actors     %s spawned (%s accounts in %.3f s, %.0f ns each)\n",
              Grouped(static_cast<int64_t>(st.spawned)).c_str(), Grouped(config.accounts).c_str(),
              report->spawn_seconds, report->spawn_seconds * 1e9 / config.accounts);
  std::printf("  transfers  %s applied, %s refused (insufficient funds or self)\n",
              Grouped(applied).c_str(), Grouped(a.refused).c_str());
  std::printf("  messages   %s handled in %.3f s = %.1f M msgs/s\n", Grouped(messages).c_str(),
              report->run_seconds, messages / report->run_seconds / 1e6);
  std::printf("  memory     %.0f bytes per idle account actor (RSS %.1f -> %.1f MiB); %.1f MiB at the end\n",
              (static_cast<double>(rss_idle) - rss_before) / config.accounts,
              rss_before / 1048576.0, rss_idle / 1048576.0, rss_after / 1048576.0);
  std::printf("  audit      %s accounts, total balance %s (expected %s): %s\n",
              Grouped(a.accounts).c_str(), Grouped(a.total_balance).c_str(),
              Grouped(expected_total).c_str(),
              a.total_balance == expected_total && a.accounts == config.accounts ? "OK" : "MISMATCH");
  std::printf("  runtime    dead letters %s, crashes %s\n",
              Grouped(static_cast<int64_t>(st.dead_letters)).c_str(),
              Grouped(static_cast<int64_t>(st.crashed)).c_str());
  const bool bank_ok =
      a.total_balance == expected_total && a.accounts == config.accounts && st.crashed == 0;

  // Let it crash: tellers under supervisors, a chaos monkey, clients retrying.
  myr::demo::TellerConfig tc;
  std::printf("Let it crash: %d tellers in %d branches (/bank/branch-B/teller-T), %d clients, "
              "%s deposits, a teller crashed every %s deposits\n",
              tc.branches * tc.tellers_per_branch, tc.branches, tc.clients,
              Grouped(tc.requests).c_str(), Grouped(tc.crash_every).c_str());
  absl::StatusOr<myr::demo::TellerReport> tellers = myr::demo::RunTellers(rt, tc);
  if (!tellers.ok()) {
    std::fprintf(stderr, "tellers failed: %s\n", tellers.status().ToString().c_str());
    return 1;
  }
  const auto& t = *tellers;
  const bool once = t.handled == tc.requests;
  std::printf("  deposits   %s handled in %.3f s (%s retried after a crash): exactly once %s\n",
              Grouped(t.handled).c_str(), t.seconds, Grouped(t.retried).c_str(),
              once ? "OK" : "MISMATCH");
  std::printf("  crashes    %s tellers crashed, %s restarted by their supervisors; tree whole: %s\n",
              Grouped(t.crashes).c_str(), Grouped(t.restarts).c_str(), t.whole ? "OK" : "BROKEN");
  return bank_ok && once && t.whole && t.restarts == t.crashes ? 0 : 1;
}
