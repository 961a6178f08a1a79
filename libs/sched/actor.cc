// Copyright Myrmidon authors.
#include "libs/sched/actor.h"

#include <utility>

#include "libs/sched/internal/turn_context.h"
#include "libs/sched/runtime.h"

namespace myr {

Pid ActorBase::sender() const {
  Message* m = sched_internal::tls_current_message;
  return m != nullptr ? m->sender() : Pid();
}

void ActorBase::Stop() { cell_->rt->Stop(cell_->pid); }

void ActorBase::Exit(ExitReason reason) { cell_->rt->RequestExit(cell_, std::move(reason)); }

void ActorBase::TrapExits(bool on) { cell_->trap_exits = on; }

bool ActorBase::trapping_exits() const { return cell_->trap_exits; }

}  // namespace myr
