// Copyright Myrmidon authors.
#include "libs/pid/pid.h"

#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace myr {

std::string Pid::ToString() const {
  if (!valid()) return "<invalid>";
  return absl::StrCat("<", node(), ".", slot(), ".", generation(), ">");
}

absl::optional<Pid> Pid::Parse(absl::string_view text) {
  if (text.size() < 7 || text.front() != '<' || text.back() != '>') {
    return absl::nullopt;
  }
  std::vector<absl::string_view> parts =
      absl::StrSplit(text.substr(1, text.size() - 2), '.');
  if (parts.size() != 3) return absl::nullopt;
  uint32_t node, slot, gen;
  if (!absl::SimpleAtoi(parts[0], &node) || !absl::SimpleAtoi(parts[1], &slot) ||
      !absl::SimpleAtoi(parts[2], &gen)) {
    return absl::nullopt;
  }
  if (node > kMaxNode || slot >= kMaxSlots || gen == 0 || gen > kMaxGeneration) {
    return absl::nullopt;
  }
  return Make(node, slot, gen);
}

}  // namespace myr
