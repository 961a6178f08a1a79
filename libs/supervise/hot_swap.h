// Copyright Myrmidon authors.
//
// hot_swap.h: replacing an actor's behaviour while it runs (Erlang's hot code
// loading, per actor), with versions, a bounded history and rollback.
//
// A swappable actor keeps its state and its mailbox; what changes is the
// object that handles its messages. The behaviour is an abstract class with
// one virtual Handle(State&, M&) per message type (generated from the list
// of message types); the actor, Swappable<State, Msgs...>, owns the state
// and forwards every message to the behaviour installed at the time:
//
//   struct Add { int64_t n; };
//   struct Get { using Reply = int64_t; };
//   struct Counter { int64_t total = 0; };
//
//   class Plain : public myr::supervise::Behaviour<Counter, Add, Get> {
//    public:
//     std::string Name() const override { return "plain"; }
//     void Handle(Counter& s, Add& m) override { s.total += m.n; }
//     absl::StatusOr<int64_t> Handle(Counter& s, Get&) override { return s.total; }
//   };
//   class Doubling : public Plain {            // change only what changes
//    public:
//     std::string Name() const override { return "doubling"; }
//     void Handle(Counter& s, Add& m) override { s.total += 2 * m.n; }
//   };
//
//   using CounterActor = myr::supervise::Swappable<Counter, Add, Get>;
//   auto ref = *rt.Spawn<CounterActor>(std::make_unique<Plain>(), Counter{});
//   rt.Send(ref, Add{1});                                        // plain
//   absl::StatusOr<uint64_t> v = myr::supervise::Swap(rt, ref, std::make_unique<Doubling>());
//   rt.Send(ref, Add{1});                                        // doubling; *v == 2
//   myr::supervise::Rollback(rt, ref, 1);                        // plain again, as v3
//
// Handler signatures. For a message M the behaviour's handler returns
// BehaviourResultOf<M>: void for a one-way message, absl::StatusOr<R> for a
// request (`using Reply = R;`), absl::Status for `using Reply = void;`. A
// message whose handler must wait (co_await Call / Receive / Sleep) names its
// handler's return type itself, `using BehaviourResult = myr::Task<...>;`
// (any return type that ordinary Actor handlers may have). Behaviours must
// implement every handler (they are pure virtual); a new version usually
// derives from the previous one and overrides what changed.
//
// Semantics:
// - A swap is a message (SwapRequest) in the actor's own mailbox, handled
//   between two user messages, never inside one (a suspended Task handler
//   finishes first: while it waits, the swap waits in the mailbox like any
//   other message). Messages a sender sent before its swap are therefore
//   handled by the old behaviour and those it sends after by the new one
//   (the mailbox is FIFO per sender); nothing queued is lost or re-handled.
//   Messages of other senders fall on either side, as they raced the swap.
// - Versions: the initial behaviour is version 1; every successful install
//   (a swap or a rollback) takes the next number. Versions only grow, like
//   deploy revisions: rolling back re-installs an older behaviour object
//   under a new version number, and its history record says which version
//   it restored (`restored_from`).
// - History: the actor keeps the current behaviour and up to
//   SwapOptions::history earlier ones (default 8), oldest dropped first.
//   Rollback(n) undoes the last n installs: it re-installs the behaviour n
//   entries below the current one and discards the n newer ones (there is
//   no roll-forward; swap them in again). Fewer than n earlier entries:
//   OutOfRange, nothing changes.
// - Install hook: Behaviour::OnInstall(State&, const InstallInfo&) runs
//   before a behaviour takes over (initial, swap and rollback alike); it may
//   validate or migrate the state (Erlang's code_change). If it returns an
//   error or throws, the swap or rollback fails with FailedPrecondition and
//   nothing changes: the old behaviour stays, the version stays, and the
//   state is untouched, because by default (SwapOptions::transactional_install)
//   the hook works on a copy of the state that replaces the live one only
//   on success. State types that cannot be copied (or with the option off,
//   for state too large to copy) get the live state: then the hook must
//   leave it unchanged when it fails. A failed initial install ends the
//   actor with reason crash.
// - The state is the actor's: a rollback does not restore an older state;
//   the re-installed behaviour's OnInstall sees the state as the newer
//   behaviour left it (and may migrate it back).
// - An exception from a behaviour's handler crashes the actor as usual (a
//   supervisor restarts it from its spec, i.e. with the spec's initial
//   behaviour: swaps are per actor instance and do not survive a restart).
//
// Statuses of Swap / Rollback (besides the call's own: NotFound for a dead
// actor, DeadlineExceeded, Aborted if it exits before answering):
//   FailedPrecondition   OnInstall rejected the behaviour (returned an error,
//                        whose code and text are in the message, or threw);
//                        nothing changed
//   OutOfRange           rollback of more versions than the history holds
//   InvalidArgument      a null behaviour, or a rollback of 0 steps
// A Swap that timed out may still take effect later (the request stays in
// the mailbox); Version() tells.
//
// Thread-safety: Swap, SendSwap, Rollback, Version and History are
// @threadsafe and block the calling thread (rt.Call): call them from plain
// threads, not from handlers (a handler on the worker lane must not block).
// From an actor, co_await Call(ref, SwapTo(std::move(b)), timeout), or
// RollbackRequest{n} / VersionRequest{} / HistoryRequest{} in its place.
// A behaviour runs on the actor's turn only, one message at a time, so its
// handlers and hooks need no locks for the state or for their own members.
#ifndef MYR_SUPERVISE_HOT_SWAP_H_
#define MYR_SUPERVISE_HOT_SWAP_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/pid/pid.h"
#include "libs/pid/exit_reason.h"
#include "libs/sched/ref.h"
#include "libs/sched/runtime.h"

namespace myr::supervise {

template <typename State, typename... Msgs>
class Behaviour;
template <typename State, typename... Msgs>
class Swappable;

// One entry of an actor's behaviour history.
struct BehaviourRecord {
  enum class Origin : uint8_t {
    kInitial,   // the behaviour the actor was spawned with
    kSwap,      // installed by a swap
    kRollback,  // an older behaviour re-installed by a rollback
  };
  uint64_t version = 0;        // 1 for the initial behaviour, then +1 per install
  std::string name;            // Behaviour::Name() at install time
  Origin origin = Origin::kInitial;
  uint64_t restored_from = 0;  // kRollback: the version this behaviour had before
  int64_t installed_at_ns = 0;  // Runtime::NowNanos() at install (virtual when deterministic)

  // "v4 'plain' (rollback, restored v2)".
  std::string ToString() const;
  friend bool operator==(const BehaviourRecord& a, const BehaviourRecord& b) {
    return a.version == b.version && a.name == b.name && a.origin == b.origin &&
           a.restored_from == b.restored_from && a.installed_at_ns == b.installed_at_ns;
  }
};

// "initial", "swap", "rollback".
const char* OriginName(BehaviourRecord::Origin origin);

// What Behaviour::OnInstall is told about the install it is asked to accept.
struct InstallInfo {
  BehaviourRecord::Origin origin = BehaviourRecord::Origin::kInitial;
  uint64_t from_version = 0;   // the version being replaced (0 for the initial install)
  std::string from_name;       // its name ("" for the initial install)
  uint64_t to_version = 0;     // the version this behaviour gets if it accepts
  uint64_t restored_from = 0;  // kRollback: the version this behaviour had before
};

// Options of a Swappable actor (its constructor's last argument).
struct SwapOptions {
  // Earlier behaviours kept for rollback besides the current one; older ones
  // are destroyed. 0: no rollback.
  size_t history = 8;
  // OnInstall works on a copy of the state, committed only if it succeeds
  // (State must be copy-constructible and move-assignable; otherwise, or
  // with this off, OnInstall gets the live state).
  bool transactional_install = true;

  SwapOptions& WithHistory(size_t n) {
    history = n;
    return *this;
  }
  SwapOptions& WithTransactionalInstall(bool on) {
    transactional_install = on;
    return *this;
  }
};

// --- control messages (in the actor's mailbox, in order with user messages) ---

// Installs `behaviour`; replies with its new version.
template <typename State, typename... Msgs>
struct SwapRequest {
  std::unique_ptr<Behaviour<State, Msgs...>> behaviour;
  using Reply = uint64_t;
};
// Re-installs the behaviour `steps` installs back; replies with its new version.
struct RollbackRequest {
  uint32_t steps = 1;
  using Reply = uint64_t;
};
// Replies with the current version.
struct VersionRequest {
  using Reply = uint64_t;
};
// Replies with the history, oldest first; the last entry is the current one.
struct HistoryRequest {
  using Reply = std::vector<BehaviourRecord>;
};

namespace hot_swap_internal {

template <typename M, typename = void>
struct DeclaresReply : std::false_type {};
template <typename M>
struct DeclaresReply<M, std::void_t<typename M::Reply>> : std::true_type {};

template <typename M, bool kDeclares = DeclaresReply<M>::value,
          bool kVoid = std::is_void_v<ReplyOf<M>>>
struct DefaultResult {
  using type = void;  // a one-way message
};
template <typename M>
struct DefaultResult<M, true, true> {
  using type = absl::Status;  // `using Reply = void;`
};
template <typename M>
struct DefaultResult<M, true, false> {
  using type = absl::StatusOr<ReplyOf<M>>;
};

template <typename M, typename = void>
struct ResultOf : DefaultResult<M> {};
template <typename M>
struct ResultOf<M, std::void_t<typename M::BehaviourResult>> {
  using type = typename M::BehaviourResult;
};

}  // namespace hot_swap_internal

// The return type of a behaviour's handler for message type M (see the top
// of this file): M::BehaviourResult if M declares one, otherwise void,
// absl::Status or absl::StatusOr<M::Reply>.
template <typename M>
using BehaviourResultOf = typename hot_swap_internal::ResultOf<M>::type;

namespace hot_swap_internal {

// The virtual handler of one message type; Behaviour derives from one per type.
template <typename State, typename M>
class Handler {
 public:
  virtual ~Handler() = default;
  virtual BehaviourResultOf<M> Handle(State& state, M& msg) = 0;
};

// The statuses of failed installs and rollbacks (hot_swap.cc).
absl::Status NullBehaviourError(Pid actor);
absl::Status RejectedError(Pid actor, const InstallInfo& info, const std::string& name,
                           const absl::Status& cause);
absl::Status ThrewError(Pid actor, const InstallInfo& info, const std::string& name,
                        const std::string& what);
absl::Status ZeroStepsError(Pid actor);
absl::Status HistoryTooShortError(Pid actor, uint32_t steps, size_t available, size_t limit);
ExitReason InitialRejected(const absl::Status& why);

}  // namespace hot_swap_internal

// The behaviour of a Swappable<State, Msgs...>: a pure virtual
// Handle(State&, M&) for every M in Msgs (returning BehaviourResultOf<M>),
// plus optional hooks. Derive from it (or from a previous version) and
// override the handlers. A behaviour object belongs to one actor: it is
// moved into it by a swap and destroyed when it leaves the history.
//
// The protected helpers (self(), sender(), Send, Call, ...) act for the
// actor the behaviour is installed in; use them only from the handlers and
// hooks, which run on that actor's turn.
template <typename State, typename... Msgs>
class Behaviour : public hot_swap_internal::Handler<State, Msgs>... {
 public:
  using BehaviourType = Behaviour<State, Msgs...>;
  using StateType = State;
  using SwapRequestType = SwapRequest<State, Msgs...>;
  using Host = Swappable<State, Msgs...>;
  using hot_swap_internal::Handler<State, Msgs>::Handle...;

  Behaviour() = default;
  ~Behaviour() override = default;
  Behaviour(const Behaviour&) = delete;
  Behaviour& operator=(const Behaviour&) = delete;

  // The name in the history records (e.g. "pricing-v2"). Default: "".
  virtual std::string Name() const { return ""; }

  // Called before this behaviour takes over (initial install, swap,
  // rollback), on the actor's turn. May validate or migrate `state`. An
  // error or an exception rejects the install and nothing changes (see the
  // top of this file: `state` is a copy unless State cannot be copied or
  // SwapOptions::transactional_install is off, in which case a failing hook
  // must leave it unchanged).
  virtual absl::Status OnInstall(State& state, const InstallInfo& info) { return absl::OkStatus(); }

  // Called on the current behaviour when the actor exits (any reason; not
  // when a runtime being destroyed kills it mid-handler). Must not throw.
  virtual void OnExit(State& state, const ExitReason& reason) {}

 protected:
  // The actor's pid.
  Pid self() const;
  // The sender of the message being handled (invalid from outside actors).
  Pid sender() const;
  Runtime& runtime() const;
  // The current version (during OnInstall still the one being replaced).
  uint64_t version() const;
  // As ActorBase::Send / Call / Receive / Sleep, for the actor.
  template <typename T>
  SendResult Send(Pid to, T&& msg);
  template <typename T, typename... Ms>
  SendResult Send(Ref<Ms...> to, T&& msg);
  template <typename M>
  auto Call(Pid to, M msg, absl::Duration timeout);
  template <typename M, typename... Ms>
  auto Call(Ref<Ms...> to, M msg, absl::Duration timeout);
  template <typename T>
  auto Receive(absl::Duration timeout);
  template <typename T, typename Pred>
  auto Receive(Pred pred, absl::Duration timeout);
  auto Sleep(absl::Duration d);
  // As ActorBase::Stop / Exit / TrapExits, for the actor.
  void Stop();
  void Exit(ExitReason reason);
  void TrapExits(bool on);

 private:
  friend Host;
  Host* host_ = nullptr;  // set when the actor first installs this behaviour
};

// An actor whose behaviour can be swapped while it runs. Spawn it as any
// actor, with its initial behaviour, its initial state and options:
//
//   auto ref = rt.Spawn<Swappable<Counter, Add, Get>>(std::make_unique<Plain>(), Counter{});
//
// Its interface (Ref) accepts Msgs plus the control messages SwapRequest,
// RollbackRequest, VersionRequest and HistoryRequest. The initial
// behaviour's OnInstall runs on the actor's first turn; if it fails (or the
// behaviour is null) the actor ends with reason crash.
template <typename State, typename... Msgs>
class Swappable final
    : public Actor<Swappable<State, Msgs...>, Msgs..., SwapRequest<State, Msgs...>,
                   RollbackRequest, VersionRequest, HistoryRequest> {
 public:
  using BehaviourType = Behaviour<State, Msgs...>;

  Swappable(std::unique_ptr<BehaviourType> initial, State state,
            SwapOptions options = SwapOptions())
      : state_(std::move(state)), options_(options), initial_(std::move(initial)) {}

  // --- handlers: called by the runtime, one message at a time -------------------
  // A user message: handled by the current behaviour.
  template <typename M>
    requires(std::is_same_v<M, Msgs> || ...)
  BehaviourResultOf<M> Handle(M& msg) {
    hot_swap_internal::Handler<State, M>& handler = *current_;
    return handler.Handle(state_, msg);
  }
  absl::StatusOr<uint64_t> Handle(SwapRequest<State, Msgs...>& m);
  absl::StatusOr<uint64_t> Handle(RollbackRequest& m);
  uint64_t Handle(VersionRequest&) { return version_; }
  std::vector<BehaviourRecord> Handle(HistoryRequest&);

 private:
  friend BehaviourType;
  static constexpr bool kCanCopyState =
      std::is_copy_constructible_v<State> && std::is_move_assignable_v<State>;

  struct Entry {
    std::unique_ptr<BehaviourType> behaviour;
    BehaviourRecord record;
  };

  void OnStart() override;
  void OnExit(const ExitReason& reason) override {
    if (current_ != nullptr) current_->OnExit(state_, reason);
  }
  // Runs b.OnInstall (on a copy of the state when transactional) and, if it
  // accepts, commits the state. Leaves everything as it was otherwise.
  absl::Status Install(BehaviourType& b, const std::string& name, const InstallInfo& info);
  // Pushes a newly installed behaviour and drops what exceeds the history.
  void Push(std::unique_ptr<BehaviourType> b, BehaviourRecord record);
  InstallInfo NextInstall(BehaviourRecord::Origin origin) const;

  State state_;
  const SwapOptions options_;
  std::unique_ptr<BehaviourType> initial_;  // until OnStart installs it
  std::deque<Entry> entries_;               // oldest first; back() is current
  BehaviourType* current_ = nullptr;        // entries_.back().behaviour
  uint64_t version_ = 0;
};

// --- from plain threads (blocking; @threadsafe) -----------------------------------

// The swap message for `behaviour` (for co_await Call(ref, SwapTo(...), t)
// from an actor, or a plain Send).
template <typename B>
typename B::SwapRequestType SwapTo(std::unique_ptr<B> behaviour) {
  static_assert(std::is_base_of_v<typename B::BehaviourType, B>,
                "SwapTo takes a Behaviour<State, Msgs...>");
  return typename B::SwapRequestType{std::move(behaviour)};
}

// Installs `behaviour` in the swappable actor `ref` after the messages this
// thread sent it before; returns the new version, or an error (see the top
// of this file) with the old behaviour still in place.
template <typename B, typename... Ms>
absl::StatusOr<uint64_t> Swap(Runtime& rt, Ref<Ms...> ref, std::unique_ptr<B> behaviour,
                              absl::Duration timeout = absl::Seconds(5)) {
  static_assert(Ref<Ms...>::template kAccepts<typename B::SwapRequestType>,
                "this ref is not a Swappable actor with this behaviour's State and Msgs");
  return rt.Call(ref, SwapTo(std::move(behaviour)), timeout);
}

// Queues the swap without waiting for it (from a thread or, with
// ActorBase::Send(ref, SwapTo(b)), from an actor). Its result is not
// reported: a rejected swap changes nothing, which Version/History show.
template <typename B, typename... Ms>
SendResult SendSwap(Runtime& rt, Ref<Ms...> ref, std::unique_ptr<B> behaviour) {
  static_assert(Ref<Ms...>::template kAccepts<typename B::SwapRequestType>,
                "this ref is not a Swappable actor with this behaviour's State and Msgs");
  return rt.Send(ref, SwapTo(std::move(behaviour)));
}

// Re-installs the behaviour `steps` installs back (as a new version, which
// it returns); OutOfRange if the history holds fewer earlier behaviours.
template <typename... Ms>
absl::StatusOr<uint64_t> Rollback(Runtime& rt, Ref<Ms...> ref, uint32_t steps = 1,
                                  absl::Duration timeout = absl::Seconds(5)) {
  static_assert(Ref<Ms...>::template kAccepts<RollbackRequest>, "this ref is not a Swappable actor");
  return rt.Call(ref, RollbackRequest{steps}, timeout);
}

// The current version (after the messages this thread sent before).
template <typename... Ms>
absl::StatusOr<uint64_t> Version(Runtime& rt, Ref<Ms...> ref,
                                 absl::Duration timeout = absl::Seconds(5)) {
  static_assert(Ref<Ms...>::template kAccepts<VersionRequest>, "this ref is not a Swappable actor");
  return rt.Call(ref, VersionRequest{}, timeout);
}

// The history, oldest first; back() is the current behaviour.
template <typename... Ms>
absl::StatusOr<std::vector<BehaviourRecord>> History(Runtime& rt, Ref<Ms...> ref,
                                                     absl::Duration timeout = absl::Seconds(5)) {
  static_assert(Ref<Ms...>::template kAccepts<HistoryRequest>, "this ref is not a Swappable actor");
  return rt.Call(ref, HistoryRequest{}, timeout);
}

// ---------------------------------------------------------------------------
// Implementation details below.

template <typename State, typename... Msgs>
InstallInfo Swappable<State, Msgs...>::NextInstall(BehaviourRecord::Origin origin) const {
  InstallInfo info;
  info.origin = origin;
  info.from_version = version_;
  if (!entries_.empty()) info.from_name = entries_.back().record.name;
  info.to_version = version_ + 1;
  return info;
}

template <typename State, typename... Msgs>
absl::Status Swappable<State, Msgs...>::Install(BehaviourType& b, const std::string& name,
                                                const InstallInfo& info) {
  b.host_ = this;
  try {
    absl::Status st;
    bool copied = false;
    if constexpr (kCanCopyState) {
      if (options_.transactional_install) {
        copied = true;
        std::optional<State> candidate(std::in_place, state_);
        st = b.OnInstall(*candidate, info);
        if (st.ok()) state_ = std::move(*candidate);
      }
    }
    if (!copied) st = b.OnInstall(state_, info);
    if (!st.ok()) return hot_swap_internal::RejectedError(this->self(), info, name, st);
    return absl::OkStatus();
  } catch (const std::exception& e) {
    return hot_swap_internal::ThrewError(this->self(), info, name, e.what());
  } catch (...) {
    return hot_swap_internal::ThrewError(this->self(), info, name, "a non-standard exception");
  }
}

template <typename State, typename... Msgs>
void Swappable<State, Msgs...>::Push(std::unique_ptr<BehaviourType> b, BehaviourRecord record) {
  current_ = b.get();
  version_ = record.version;
  entries_.push_back(Entry{std::move(b), std::move(record)});
  while (entries_.size() > options_.history + 1) entries_.pop_front();
}

template <typename State, typename... Msgs>
void Swappable<State, Msgs...>::OnStart() {
  if (initial_ == nullptr) {
    this->Exit(hot_swap_internal::InitialRejected(hot_swap_internal::NullBehaviourError(this->self())));
    return;
  }
  InstallInfo info = NextInstall(BehaviourRecord::Origin::kInitial);
  std::string name = initial_->Name();
  absl::Status st = Install(*initial_, name, info);
  if (!st.ok()) {
    initial_.reset();
    this->Exit(hot_swap_internal::InitialRejected(st));
    return;
  }
  Push(std::move(initial_),
       BehaviourRecord{info.to_version, std::move(name), BehaviourRecord::Origin::kInitial, 0,
                       this->runtime().NowNanos()});
}

template <typename State, typename... Msgs>
absl::StatusOr<uint64_t> Swappable<State, Msgs...>::Handle(SwapRequest<State, Msgs...>& m) {
  if (m.behaviour == nullptr) return hot_swap_internal::NullBehaviourError(this->self());
  InstallInfo info = NextInstall(BehaviourRecord::Origin::kSwap);
  std::string name;
  try {
    name = m.behaviour->Name();
  } catch (...) {
    // A name that cannot be had is no reason to refuse the behaviour.
  }
  absl::Status st = Install(*m.behaviour, name, info);
  if (!st.ok()) return st;  // m.behaviour is destroyed with the message
  Push(std::move(m.behaviour),
       BehaviourRecord{info.to_version, std::move(name), BehaviourRecord::Origin::kSwap, 0,
                       this->runtime().NowNanos()});
  return version_;
}

template <typename State, typename... Msgs>
absl::StatusOr<uint64_t> Swappable<State, Msgs...>::Handle(RollbackRequest& m) {
  if (m.steps == 0) return hot_swap_internal::ZeroStepsError(this->self());
  size_t available = entries_.size() - 1;
  if (m.steps > available) {
    return hot_swap_internal::HistoryTooShortError(this->self(), m.steps, available,
                                                   options_.history);
  }
  Entry& target = entries_[entries_.size() - 1 - m.steps];
  InstallInfo info = NextInstall(BehaviourRecord::Origin::kRollback);
  info.restored_from = target.record.version;
  absl::Status st = Install(*target.behaviour, target.record.name, info);
  if (!st.ok()) return st;
  // Take the target out, drop the newer entries (the current behaviour
  // among them: it is not running, this is a control message), push it back.
  size_t index = entries_.size() - 1 - m.steps;
  std::unique_ptr<BehaviourType> b = std::move(entries_[index].behaviour);
  std::string name = std::move(entries_[index].record.name);
  current_ = nullptr;
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(index), entries_.end());
  Push(std::move(b), BehaviourRecord{info.to_version, std::move(name),
                                     BehaviourRecord::Origin::kRollback, info.restored_from,
                                     this->runtime().NowNanos()});
  return version_;
}

template <typename State, typename... Msgs>
std::vector<BehaviourRecord> Swappable<State, Msgs...>::Handle(HistoryRequest&) {
  std::vector<BehaviourRecord> out;
  out.reserve(entries_.size());
  for (const Entry& e : entries_) out.push_back(e.record);
  return out;
}

// --- Behaviour helpers --------------------------------------------------------

template <typename State, typename... Msgs>
Pid Behaviour<State, Msgs...>::self() const {
  return host_->self();
}
template <typename State, typename... Msgs>
Pid Behaviour<State, Msgs...>::sender() const {
  return host_->sender();
}
template <typename State, typename... Msgs>
Runtime& Behaviour<State, Msgs...>::runtime() const {
  return host_->runtime();
}
template <typename State, typename... Msgs>
uint64_t Behaviour<State, Msgs...>::version() const {
  return host_->version_;
}
template <typename State, typename... Msgs>
template <typename T>
SendResult Behaviour<State, Msgs...>::Send(Pid to, T&& msg) {
  return host_->Send(to, std::forward<T>(msg));
}
template <typename State, typename... Msgs>
template <typename T, typename... Ms>
SendResult Behaviour<State, Msgs...>::Send(Ref<Ms...> to, T&& msg) {
  return host_->Send(to, std::forward<T>(msg));
}
template <typename State, typename... Msgs>
template <typename M>
auto Behaviour<State, Msgs...>::Call(Pid to, M msg, absl::Duration timeout) {
  return host_->Call(to, std::move(msg), timeout);
}
template <typename State, typename... Msgs>
template <typename M, typename... Ms>
auto Behaviour<State, Msgs...>::Call(Ref<Ms...> to, M msg, absl::Duration timeout) {
  return host_->Call(to, std::move(msg), timeout);
}
template <typename State, typename... Msgs>
template <typename T>
auto Behaviour<State, Msgs...>::Receive(absl::Duration timeout) {
  return host_->template Receive<T>(timeout);
}
template <typename State, typename... Msgs>
template <typename T, typename Pred>
auto Behaviour<State, Msgs...>::Receive(Pred pred, absl::Duration timeout) {
  return host_->template Receive<T>(std::move(pred), timeout);
}
template <typename State, typename... Msgs>
auto Behaviour<State, Msgs...>::Sleep(absl::Duration d) {
  return host_->Sleep(d);
}
template <typename State, typename... Msgs>
void Behaviour<State, Msgs...>::Stop() {
  host_->Stop();
}
template <typename State, typename... Msgs>
void Behaviour<State, Msgs...>::Exit(ExitReason reason) {
  host_->Exit(std::move(reason));
}
template <typename State, typename... Msgs>
void Behaviour<State, Msgs...>::TrapExits(bool on) {
  host_->TrapExits(on);
}

}  // namespace myr::supervise

#endif  // MYR_SUPERVISE_HOT_SWAP_H_
