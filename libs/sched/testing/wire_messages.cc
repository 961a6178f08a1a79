// Copyright Myrmidon authors.
#include "libs/sched/testing/wire_messages.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace myr::sched_testing {

absl::Status EncodeInt(int64_t n, std::string* out) {
  *out = absl::StrCat(n);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> DecodeInt(absl::string_view bytes) {
  int64_t n;
  if (!absl::SimpleAtoi(bytes, &n)) return absl::InvalidArgumentError("not a number");
  return n;
}

[[maybe_unused]] static const bool kRegistered =
    wire::RegisterTypes<AddOne, Note, Explode, Slow>();

}  // namespace myr::sched_testing
