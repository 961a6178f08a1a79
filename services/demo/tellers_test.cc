// Copyright Myrmidon authors.
//
// The tellers' invariants at a small scale: every request handled exactly
// once despite the crashes, every crash restarted, the tree whole after.
#include "services/demo/tellers.h"

#include "gtest/gtest.h"

namespace myr::demo {
namespace {

TellerConfig Small() {
  TellerConfig c;
  c.branches = 2;
  c.tellers_per_branch = 5;
  c.clients = 3;
  c.requests = 3'000;
  c.crash_every = 50;
  return c;
}

void ExpectInvariants(Runtime& rt, const TellerConfig& c) {
  absl::StatusOr<TellerReport> r = RunTellers(rt, c);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->handled, c.requests);  // exactly once, retries included
  EXPECT_GT(r->crashes, 0);
  EXPECT_EQ(r->restarts, r->crashes);
  EXPECT_TRUE(r->whole);
  EXPECT_EQ(rt.stats().live_actors, 0u);
}

TEST(Tellers, DeterministicRunsKeepTheInvariants) {
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    Runtime rt(RuntimeOptions::Deterministic(seed));
    ExpectInvariants(rt, Small());
  }
}

TEST(Tellers, ThreadedRunKeepsTheInvariants) {
  RuntimeOptions o;
  o.workers = 2;
  Runtime rt(o);
  ExpectInvariants(rt, Small());
}

TEST(Tellers, BadConfigIsRefused) {
  Runtime rt(RuntimeOptions::Deterministic(1));
  TellerConfig c = Small();
  c.crash_every = 0;
  EXPECT_EQ(RunTellers(rt, c).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace myr::demo
