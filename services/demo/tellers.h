// Copyright Myrmidon authors.
//
// tellers.h: the demo's "let it crash" part.
//
// A supervision tree of bank tellers:
//
//   /bank                      one_for_one supervisor
//   ├── branch-0               one_for_one supervisor
//   │   ├── teller-0 ... teller-(T-1)
//   ...
//   └── branch-(B-1)
//
// Client actors serve `requests` deposits by request/reply, each to a teller
// they find by its path (Runtime::Resolve), while a chaos monkey crashes
// random tellers. A request whose teller crashed before answering fails
// (Aborted, or NotFound while the teller restarts) and the client retries it
// at another teller. The invariant: every request is handled exactly once
// (the tellers' handled count equals `requests`), every crash is followed by
// a restart, and afterwards the tree is whole (every path resolves).
#ifndef MYR_SERVICES_DEMO_TELLERS_H_
#define MYR_SERVICES_DEMO_TELLERS_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "libs/sched/runtime.h"

namespace myr::demo {

struct TellerConfig {
  int branches = 4;
  int tellers_per_branch = 25;
  int clients = 8;
  int64_t requests = 200'000;
  // The chaos monkey crashes one random teller every `crash_every` requests
  // handled (roughly).
  int64_t crash_every = 100;
};

struct TellerReport {
  int64_t handled = 0;    // deposits handled by tellers (all incarnations)
  int64_t retried = 0;    // requests a client had to send again after a crash
  int64_t crashes = 0;    // tellers crashed by the monkey
  int64_t restarts = 0;   // tellers restarted by their branch supervisor
  bool whole = false;     // every path resolves to a live teller afterwards
  double seconds = 0;     // from the first request to the last reply
};

// Runs the tree on `rt` (threaded or deterministic) and stops it afterwards.
absl::StatusOr<TellerReport> RunTellers(Runtime& rt, const TellerConfig& config);

}  // namespace myr::demo

#endif  // MYR_SERVICES_DEMO_TELLERS_H_
