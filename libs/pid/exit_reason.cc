// Copyright Myrmidon authors.
#include "libs/pid/exit_reason.h"

namespace myr {

const char* ExitKindName(ExitKind kind) {
  switch (kind) {
    case ExitKind::kNormal: return "normal";
    case ExitKind::kShutdown: return "shutdown";
    case ExitKind::kKilled: return "killed";
    case ExitKind::kCrash: return "crash";
    case ExitKind::kTimeout: return "timeout";
    case ExitKind::kOverflow: return "overflow";
    case ExitKind::kNoProc: return "noproc";
    case ExitKind::kNoConnection: return "noconnection";
    case ExitKind::kMaxIntensity: return "max_intensity";
  }
  return "unknown";
}

std::string ExitReason::ToString() const {
  std::string s = ExitKindName(kind_);
  if (!detail_.empty()) {
    s += ": ";
    s += detail_;
  }
  return s;
}

}  // namespace myr
