// Copyright Myrmidon authors.
#include "services/demo/bank.h"

#include "gtest/gtest.h"

namespace myr::demo {
namespace {

TEST(Bank, MoneyIsNeverCreatedOrLostOnRealWorkers) {
  Runtime rt;
  BankConfig config;
  config.accounts = 2'000;
  config.transfers = 100'000;
  config.clients = 4;
  config.batch = 100;
  absl::StatusOr<BankReport> r = RunBank(rt, config);
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->audit.accounts, config.accounts);
  EXPECT_EQ(r->audit.total_balance, config.accounts * config.opening_balance);
  // Every transfer was handled once; applied ones caused one credit each.
  EXPECT_GE(r->audit.messages_handled, config.transfers);
  EXPECT_EQ(rt.stats().crashed, 0u);
}

}  // namespace
}  // namespace myr::demo
