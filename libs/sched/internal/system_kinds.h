// Copyright Myrmidon authors.
//
// Kind codes of system-channel messages. 1..99 belong to libs/sched;
// libraries above reserve their own ranges (supervise 100..199, mesh
// 200..299) and handle them through Runtime::SetSystemHandler.
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
  kSysUserBase = 100,
};

}  // namespace myr::sched_internal

#endif  // MYR_SCHED_INTERNAL_SYSTEM_KINDS_H_
