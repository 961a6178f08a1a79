// Copyright Myrmidon authors.
//
// actor.h: the actor base classes. Include libs/sched/runtime.h (which
// includes this and defines the templates declared here).
//
// An actor is a C++ object with typed handlers, run by the runtime one
// message at a time (see runtime.h for an example). Derive from
// Actor<Derived, Msgs...>: one Handle(M&) overload per message type M; the
// return value is the reply to a call (for a message with `using Reply =
// R;`): R, absl::StatusOr<R> (absl::Status when R is void), or Task<one of
// those> for a handler that co_awaits. ActorBase's protected helpers (Send,
// Call, Receive, Sleep, SpawnChild, Stop, Exit, TrapExits) are for the
// actor's own handlers only, on the thread running them; OnBehalfOf gives
// them to code that acts for the actor from inside its handlers.
#ifndef MYR_SCHED_ACTOR_H_
#define MYR_SCHED_ACTOR_H_

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "libs/mailbox/message.h"
#include "libs/pid/exit_reason.h"
#include "libs/pid/pid.h"
#include "libs/sched/internal/active_task.h"
#include "libs/sched/internal/cell.h"
#include "libs/sched/options.h"
#include "libs/sched/ref.h"
#include "libs/sched/request.h"
#include "libs/sched/task.h"

namespace myr {

class Runtime;

// An exit signal turned into a message, for an actor that traps exits
// (ActorBase::TrapExits): `from` sent it (invalid for a signal from outside
// any actor), `reason` is what it carried. The message's sender() is `from`.
struct ExitMsg {
  Pid from;
  ExitReason reason;
};

namespace sched_internal {
// Set while an actor's constructor runs, so ActorBase knows its cell.
extern constinit thread_local Cell* tls_constructing_cell;
}  // namespace sched_internal

// Base of every actor. Derive from Actor<Derived, Msgs...> rather than this.
class ActorBase {
 public:
  virtual ~ActorBase() = default;
  ActorBase(const ActorBase&) = delete;
  ActorBase& operator=(const ActorBase&) = delete;

  Pid self() const { return cell_->pid; }
  Runtime& runtime() const { return *cell_->rt; }

 protected:
  ActorBase() : cell_(sched_internal::tls_constructing_cell) {}

  // Called once, on the actor's first turn, before any message. If it
  // throws, the actor never started: it exits with reason crash and OnExit
  // is not called (as OTP skips terminate/2 when init/1 fails).
  virtual void OnStart() {}
  // Called once when an actor that started exits, whatever the reason (not
  // for kill of a runtime being destroyed mid-handler). Must not throw.
  virtual void OnExit(const ExitReason& reason) {}

  // Sender of the message being handled (invalid for sends from outside).
  Pid sender() const;

  template <typename T>
  SendResult Send(Pid to, T&& msg);
  template <typename T, typename... Ms>
  SendResult Send(Ref<Ms...> to, T&& msg);

  // co_await Call(to, msg, timeout) -> CallResult<ReplyOf<M>>.
  template <typename M, typename... Ms>
  auto Call(Ref<Ms...> to, M msg, absl::Duration timeout);
  template <typename M>
  auto Call(Pid to, M msg, absl::Duration timeout);

  // co_await Receive<T>(timeout) -> absl::StatusOr<T>: the first queued T
  // (others stay queued, in order); DeadlineExceeded after `timeout`.
  template <typename T>
  auto Receive(absl::Duration timeout);
  // Same, for the first T for which pred(const T&) is true.
  template <typename T, typename Pred>
  auto Receive(Pred pred, absl::Duration timeout);
  // co_await Sleep(d): suspends this handler (not the worker) for d.
  auto Sleep(absl::Duration d);

  // Spawns A(args...) as a child of this actor (SpawnOptions::parent =
  // self(); `name` is its path segment, "" for unnamed). It ends when this
  // actor does.
  template <typename A, typename... Args>
  absl::StatusOr<typename A::Interface> SpawnChild(std::string name, Args&&... args);
  template <typename A, typename... Args>
  absl::StatusOr<typename A::Interface> SpawnChildWith(SpawnOptions options, Args&&... args);

  // Graceful stop of this actor after the messages already queued.
  void Stop();
  // Ends this actor with `reason` when the current handler returns.
  void Exit(ExitReason reason);
  // Erlang's process_flag(trap_exit, on). While on, an exit signal (from
  // Runtime::Exit or a link) does not end this actor but arrives as an
  // ExitMsg user message (list ExitMsg among the Actor's message types);
  // Kill still ends it. Off by default. Owner only.
  void TrapExits(bool on);
  bool trapping_exits() const;

 private:
  friend class Runtime;
  friend struct OnBehalfOf;
  template <typename D, typename... M>
  friend class Actor;
  friend class ForeignActor;
  // Handles `m`; returns true if it kept ownership of `m` (a Task handler).
  virtual bool Dispatch(Message* m) = 0;

  sched_internal::Cell* cell_;
};

// An actor handling the message types Msgs with Handle(M&) overloads in
// Derived. A handler's return value is the reply to a call (for a message
// with `using Reply = R;`): R, absl::StatusOr<R> (absl::Status when R is
// void), or Task<one of those>.
template <typename Derived, typename... Msgs>
class Actor : public ActorBase {
 public:
  using Interface = Ref<Msgs...>;
  Interface ref() const { return Interface(self()); }

 private:
  template <typename M>
  bool TryDispatch(Message* m, bool& kept) {
    if (!m->Is<M>()) return false;
    M& value = static_cast<Envelope<M>*>(m)->value;
    Derived& d = static_cast<Derived&>(*this);
    using X = decltype(d.Handle(value));
    using R = ReplyOf<M>;
    if constexpr (sched_internal::IsTask<X>::value) {
      using V = typename X::value_type;
      X task = d.Handle(value);
      kept = true;  // the task owns the message from here on
      // Never throws: a failing task ends the actor through the runtime.
      sched_internal::StartTask(cell_,
                                new sched_internal::ActiveTaskImpl<M, V>(std::move(task), m));
    } else if constexpr (std::is_void_v<X>) {
      d.Handle(value);
      if (m->is_request()) {
        sched_internal::RespondWith(static_cast<RequestEnvelope<M>*>(m)->reply(), absl::OkStatus());
      }
    } else {
      static_assert(!std::is_void_v<R> || std::is_same_v<X, absl::Status>,
                    "a handler returns a value only for messages that declare `using Reply = ...`");
      X x = d.Handle(value);
      if (m->is_request()) {
        sched_internal::RespondWith(static_cast<RequestEnvelope<M>*>(m)->reply(), std::move(x));
      }
    }
    return true;
  }

  bool Dispatch(Message* m) final {
    bool kept = false;
    if (!(TryDispatch<Msgs>(m, kept) || ...)) Unhandled(m);
    return kept;
  }
  void Unhandled(Message* m) {
    if (!m->type()->optional_request) sched_internal::CountUnhandled(cell_);
    if (m->is_request()) {
      if (auto* rb = dynamic_cast<sched_internal::RequestBase*>(m)) {
        rb->Fail(absl::UnimplementedError(absl::StrCat(
            "actor ", self().ToString(), " does not handle message type ", m->type()->name)));
      }
    }
  }
};

// For code that acts for an actor from inside the actor's own handlers but
// is not a member of it (the typed clients actorc generates: `co_await
// client.AsyncDeposit(*this, ...)`): ActorBase's protected Call, Receive and
// Send, with the actor as an argument. The same contract as those members:
// only from a handler of `self`, on the thread running it.
struct OnBehalfOf {
  template <typename M>
  static auto Call(ActorBase& self, Pid to, M msg, absl::Duration timeout) {
    return self.Call(to, std::move(msg), timeout);
  }
  template <typename T, typename Pred>
  static auto Receive(ActorBase& self, Pred pred, absl::Duration timeout) {
    return self.template Receive<T>(std::move(pred), timeout);
  }
  template <typename T>
  static SendResult Send(ActorBase& self, Pid to, T&& msg) {
    return self.Send(to, std::forward<T>(msg));
  }
};

}  // namespace myr

#endif  // MYR_SCHED_ACTOR_H_
