// Copyright Myrmidon authors.
//
// The runtime's system-channel messages (kinds in system_kinds.h; replies
// are in request.h). Private to libs/sched.
#ifndef MYR_SCHED_INTERNAL_SYSTEM_MESSAGES_H_
#define MYR_SCHED_INTERNAL_SYSTEM_MESSAGES_H_

#include <cstdint>
#include <utility>

#include "libs/mailbox/message.h"
#include "libs/pid/exit_reason.h"
#include "libs/pid/pid.h"
#include "libs/sched/internal/system_kinds.h"

namespace myr::sched_internal {

// kSysStop or kSysKill.
class SignalMessage final : public Message {
 public:
  explicit SignalMessage(uint16_t kind) : Message(MessageTypeOf<SignalMessage>(), kSystem, kind) {}
};

class ExitSignal final : public Message {
 public:
  ExitSignal(ExitReason r, Pid f)
      : Message(MessageTypeOf<ExitSignal>(), kSystem, kSysExit), reason(std::move(r)), from(f) {}
  ExitReason reason;
  Pid from;  // invalid: from outside any actor
};

class TimeoutMessage final : public Message {
 public:
  explicit TimeoutMessage(uint64_t id)
      : Message(MessageTypeOf<TimeoutMessage>(), kSystem, kSysTimeout), timer_id(id) {}
  uint64_t timer_id;
};

}  // namespace myr::sched_internal

#endif  // MYR_SCHED_INTERNAL_SYSTEM_MESSAGES_H_
