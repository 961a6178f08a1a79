// Copyright Myrmidon authors.
//
// exit_reason.h: why an actor ended.
//
// Every actor ends with an ExitReason: a kind from a closed set plus a
// free-form detail (the exception text of a crash, the limit that tripped).
// The kinds follow Erlang/OTP's exit reasons; libs/supervise builds links,
// monitors and restart decisions on them.
//
//   kNormal        the actor finished its work (stop, or returned normally).
//   kShutdown      asked to stop by its supervisor or the runtime's shutdown.
//   kKilled        killed: ended at once, queued messages discarded.
//   kCrash         a handler threw; detail carries the exception text.
//   kTimeout       a deadline the actor depended on passed.
//   kOverflow      its mailbox overflowed under a policy that ends the actor.
//   kNoProc        the target did not exist (used for monitors of dead pids).
//   kNoConnection  the node hosting it became unreachable (libs/mesh).
//   kMaxIntensity  a supervisor exceeded its restart intensity.
//
// It lives in libs/pid, beside Pid: the vocabulary of processes that every
// layer shares, down to libs/wire, which gives it a wire form. The numeric
// values of ExitKind are that wire form's codes: never renumber them.
#ifndef MYR_PID_EXIT_REASON_H_
#define MYR_PID_EXIT_REASON_H_

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>

namespace myr {

enum class ExitKind : uint8_t {
  kNormal,
  kShutdown,
  kKilled,
  kCrash,
  kTimeout,
  kOverflow,
  kNoProc,
  kNoConnection,
  kMaxIntensity,
};
inline constexpr int kNumExitKinds = static_cast<int>(ExitKind::kMaxIntensity) + 1;

const char* ExitKindName(ExitKind kind);

class ExitReason {
 public:
  ExitReason() = default;
  ExitReason(ExitKind kind, std::string detail) : kind_(kind), detail_(std::move(detail)) {}

  static ExitReason Normal() { return ExitReason(ExitKind::kNormal, ""); }
  static ExitReason Shutdown(std::string detail = "") { return {ExitKind::kShutdown, std::move(detail)}; }
  static ExitReason Killed(std::string detail = "") { return {ExitKind::kKilled, std::move(detail)}; }
  static ExitReason Crash(std::string what) { return {ExitKind::kCrash, std::move(what)}; }
  static ExitReason Timeout(std::string detail = "") { return {ExitKind::kTimeout, std::move(detail)}; }
  static ExitReason NoProc() { return {ExitKind::kNoProc, ""}; }
  static ExitReason NoConnection(std::string detail = "") {
    return {ExitKind::kNoConnection, std::move(detail)};
  }

  ExitKind kind() const { return kind_; }
  const std::string& detail() const { return detail_; }
  // Erlang's `normal`: the only reason that does not propagate over links.
  bool normal() const { return kind_ == ExitKind::kNormal; }

  // "normal", "crash: boom", ...
  std::string ToString() const;

  friend bool operator==(const ExitReason& a, const ExitReason& b) {
    return a.kind_ == b.kind_ && a.detail_ == b.detail_;
  }
  friend std::ostream& operator<<(std::ostream& os, const ExitReason& r) {
    return os << r.ToString();
  }

 private:
  ExitKind kind_ = ExitKind::kNormal;
  std::string detail_;
};

}  // namespace myr

#endif  // MYR_PID_EXIT_REASON_H_
