// Copyright Myrmidon authors.
#include "libs/base/status_macros.h"

#include "gtest/gtest.h"

namespace {

absl::Status FailIf(bool fail) { return fail ? absl::InternalError("boom") : absl::OkStatus(); }

absl::Status Chain(bool fail, int* reached) {
  MYR_RETURN_IF_ERROR(FailIf(fail));
  *reached = 1;
  return absl::OkStatus();
}

absl::StatusOr<int> Half(int n) {
  if (n % 2 != 0) return absl::InvalidArgumentError("odd");
  return n / 2;
}

absl::StatusOr<int> Quarter(int n) {
  MYR_ASSIGN_OR_RETURN(int h, Half(n));
  MYR_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

TEST(StatusMacros, ReturnIfErrorStopsAtTheFirstError) {
  int reached = 0;
  EXPECT_EQ(Chain(true, &reached).code(), absl::StatusCode::kInternal);
  EXPECT_EQ(reached, 0);
  EXPECT_TRUE(Chain(false, &reached).ok());
  EXPECT_EQ(reached, 1);
}

TEST(StatusMacros, AssignOrReturnUnwrapsValuesAndPassesErrorsOn) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Quarter(3).status().message(), "odd");
}

}  // namespace
