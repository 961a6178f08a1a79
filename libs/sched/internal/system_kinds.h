// Copyright Myrmidon authors.
//
// Kind codes of system-channel messages (all handled by libs/sched; links
// and monitors in libs/supervise ride on exit signals and plain messages).
#ifndef MYR_SCHED_INTERNAL_SYSTEM_KINDS_H_
#define MYR_SCHED_INTERNAL_SYSTEM_KINDS_H_

#include <cstdint>

namespace myr::sched_internal {

enum SystemKind : uint16_t {
  kSysStop = 1,     // graceful stop: drain queued user messages, exit normal
  kSysKill = 2,     // exit at once with reason killed (untrappable)
  kSysExit = 3,     // exit signal with a reason (normal is ignored)
  kSysReply = 4,    // a reply to a call this actor made
  kSysTimeout = 5,  // a receive/call/sleep deadline passed
};

}  // namespace myr::sched_internal

#endif  // MYR_SCHED_INTERNAL_SYSTEM_KINDS_H_
