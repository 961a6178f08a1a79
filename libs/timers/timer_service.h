// Copyright Myrmidon authors.
//
// timer_service.h: timers owned by actors (Erlang's send_after,
// send_interval and cancel_timer), on top of TimingWheel.
//
// A TimerService belongs to one Runtime. It sends a message to an actor after
// a delay, or a copy of a message every period, on behalf of an OWNER actor:
//
//   myr::timers::TimerService timers(rt);
//   absl::StatusOr<TimerRef> t =
//       timers.SendAfter(owner, target, absl::Milliseconds(250), Timeout{7});
//   absl::StatusOr<TimerRef> tick =
//       timers.SendInterval(owner, target, absl::Seconds(1), Tick{});
//   timers.Cancel(*t);          // true: it had not fired yet
//
// Inside an actor, ActorTimers (below) binds the owner to self():
//
//   class Poller : public myr::Actor<Poller, Tick> {
//    public:
//     explicit Poller(TimerService* s) : timers_(*s, *this) {}
//     void OnStart() override { timers_.SendInterval(absl::Seconds(1), Tick{}); }
//     void Handle(Tick&) { ... }
//    private:
//     myr::timers::ActorTimers timers_;
//   };
//
// Ownership: every timer has an owner, a live actor. When the owner exits, for
// whatever reason, its pending timers are cancelled without firing. The
// service installs ONE Runtime::Watch per owner (the first time it arms a
// timer; kept until the owner exits, so an actor that re-arms in every
// handler does not pay a watch per timer). The race with an owner that is
// exiting while it arms is closed as in libs/registry: the watch is installed
// under the service's lock, and the runtime's exit callback takes that lock,
// so either the callback runs after the new timer exists (and cancels it), or
// Runtime::Watch refuses (the owner is already exiting) and the arm fails
// with NotFound "noproc". A restarted actor is a new incarnation with a new
// pid: the intervals of the old one died with it, so after a restart there is
// exactly the stream(s) the new incarnation arms.
//
// Time: deadlines are on Runtime::NowNanos(), so under the deterministic
// scheduler timers run on virtual time. The service (each of its shards, if
// it has several) keeps ONE runtime callback (Runtime::ArmCallback) armed at
// the earliest pending deadline and
// re-arms it when an earlier timer arrives. The callback advances the wheel,
// takes every timer due at NowNanos() under the lock, re-arms itself for the
// next deadline, and sends the messages after releasing the lock. Deadlines
// are exact: a timer never fires before its deadline, and the callback is
// armed at the deadline itself, whatever the wheel's tick (Options::slack_ns
// trades that exactness for batching). In threaded mode the callback runs on
// the runtime's timer thread; in deterministic mode during AdvanceTime (and
// blocking Call/AwaitExit waits), in virtual-time order, so a timer's message
// is handled at its exact virtual instant. A delay <= 0 fires at the next
// callback (in deterministic mode: the next AdvanceTime, AdvanceTime(0)
// included; RunUntilIdle alone does not move time).
//
// Intervals: a copy of the message each period, without drift: the next
// deadline is the previous DEADLINE + period, not the firing time + period.
// If the service falls behind by more than a period (threaded mode only: a
// stalled timer thread; in deterministic mode AdvanceTime fires every
// deadline in order, so it never falls behind), the missed ticks are
// SKIPPED, not caught up: one message is sent, and the next deadline is the
// first one on the original grid that lies in the future (stats().skipped
// counts the missed ticks). A burst of catch-up messages would only flood a
// target that is already late.
//
// Delivery: messages are sent with the owner as their sender (Message
// sender()), never blocking (SendMessage with may_block = false). Right
// before sending, the service checks that the owner is still alive; a timer
// whose owner has died is counted as cancelled by death and not sent (a send
// already past that check when the owner exits may still be delivered, like
// an Erlang message already in flight). A send that fails is counted in
// stats().dropped: target gone (noproc), mailbox full (drop_new) or
// backpressure (a full kBlock mailbox). An interval whose target is gone
// (noproc) ends (stats().ended); a full mailbox only drops that one tick.
//
// Accounting: every armed timer ends in exactly one of fired (one-shots whose
// message was sent, delivered or not), cancelled (Cancel returned true),
// cancelled_by_death (the owner exited), ended (an interval whose target was
// gone) — or is still pending. Once no callback is under way,
//   armed == fired + cancelled + cancelled_by_death + ended + pending.
//
// Exact firing without sorting the wheel: the wheel does not order timers
// within a tick (finding its earliest deadline scans that tick's slot), so
// the service advances it once per tick, through the tick's last nanosecond,
// and moves that tick's timers into a small min-heap ordered by exact
// deadline (ties: arming order); the callback hands them out from the heap
// at their own instants. A timer armed for a tick already moved goes straight
// into the heap. N timers with distinct deadlines in one tick thus cost
// O(N log N), not N scans of the tick.
//
// Cost: SendAfter / SendInterval / Cancel are O(1) under one std::mutex,
// the lock of the owner's shard (Options::shards, one by default): a hash
// lookup of the owner, a slot from a free list, a wheel Schedule or Cancel
// (O(log n) for a timer due within the tick being fired). The first timer of
// an owner also installs its watch. Memory per pending timer: a 56-byte slot
// in chunked storage, the wheel's 40-byte entry and the message's envelope
// (from the runtime's small-object pool); README.md has measured figures.
//
// Thread-safety: every public method of TimerService and ActorTimers is
// @threadsafe (call them from any thread and from actors' handlers). No lock
// of the service is held while a message is sent or destroyed. The runtime's
// callbacks hold only weak references to the service's shards.
//
// Lifetime: the Runtime must outlive the TimerService. Destroying the service
// with timers pending is safe: it cancels them all (their messages are
// destroyed unsent), unwatches every owner and cancels its runtime callback;
// it waits for a callback that is sending at that moment to finish, so nothing
// is sent after the destructor returns.
#ifndef MYR_TIMERS_TIMER_SERVICE_H_
#define MYR_TIMERS_TIMER_SERVICE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "libs/mailbox/message.h"
#include "libs/pid/pid.h"
#include "libs/sched/ref.h"
#include "libs/sched/runtime.h"

namespace myr::timers {

// The handle of one timer armed by a TimerService: slot index (low 32 bits;
// slot number * shards + shard) and slot generation (high 32 bits, never 0). The generation changes when
// the timer ends, so a stale handle never names a later timer that reuses the
// slot. The default value names no timer. A plain value: copy it anywhere.
class TimerRef {
 public:
  constexpr TimerRef() = default;
  static constexpr TimerRef FromBits(uint64_t bits) { return TimerRef(bits); }

  constexpr uint64_t bits() const { return bits_; }
  constexpr uint32_t index() const { return static_cast<uint32_t>(bits_); }
  constexpr uint32_t generation() const { return static_cast<uint32_t>(bits_ >> 32); }
  constexpr bool valid() const { return generation() != 0; }
  explicit constexpr operator bool() const { return valid(); }

  friend constexpr bool operator==(TimerRef a, TimerRef b) { return a.bits_ == b.bits_; }
  friend constexpr bool operator!=(TimerRef a, TimerRef b) { return a.bits_ != b.bits_; }
  template <typename H>
  friend H AbslHashValue(H h, TimerRef r) {
    return H::combine(std::move(h), r.bits_);
  }

 private:
  explicit constexpr TimerRef(uint64_t bits) : bits_(bits) {}
  uint64_t bits_ = 0;
};

class TimerService {
 public:
  struct Options {
    // The wheel's tick (> 0). Firing is exact to the nanosecond whatever the
    // tick; the tick bounds how finely timers are ORDERED (those due in one
    // tick fire in arming order) and the wheel's span before its overflow list.
    int64_t tick_ns = 1'000'000;
    // Timers to pre-size storage for (slots and wheel entries).
    size_t reserve = 0;
    // Timer slack (Linux's timer_slack_ns): 0 arms the runtime callback at
    // the earliest deadline itself (exact firing). > 0 arms it at that
    // deadline rounded UP to a multiple of slack_ns, so that every timer due
    // within one slack window fires in one callback: at most slack_ns late,
    // never early. Worth it when many distinct deadlines crowd a short span
    // (each distinct deadline otherwise costs a callback, and in
    // deterministic mode a separate stop of virtual time).
    int64_t slack_ns = 0;
    // Pending timers (plus live owners) allowed at once, split evenly over
    // the shards; beyond it arming fails with ResourceExhausted. 0: up to
    // the handle index limit (2^32 - 2 in all).
    size_t max_pending = 0;
    // Independent shards (1 .. 256), each with its own lock, wheel, staging
    // heap and runtime callback; an owner's timers all go to the shard its
    // pid hashes to. More shards let threads arming for different owners
    // proceed in parallel (see README.md for the measured effect); timers
    // of different shards with equal deadlines fire in no defined order.
    uint32_t shards = 1;
  };

  // Counters since construction (relaxed; consistent once nothing is firing).
  struct Stats {
    uint64_t armed = 0;               // SendAfter / SendInterval that succeeded
    uint64_t fired = 0;               // one-shots whose message was sent
    uint64_t ticks = 0;               // interval messages sent
    uint64_t cancelled = 0;           // Cancel() that returned true
    uint64_t cancelled_by_death = 0;  // timers ended by their owner's exit
    uint64_t ended = 0;               // intervals ended because their target was gone
    uint64_t dropped = 0;             // sends (one-shot or tick) not delivered
    uint64_t skipped = 0;             // interval ticks skipped while behind
    uint64_t pending = 0;             // timers armed and not yet ended
    uint64_t owners = 0;              // owners with an exit watch installed
  };

  // A service on `rt` (threaded or deterministic). `rt` must outlive it.
  explicit TimerService(Runtime& rt) : TimerService(rt, Options()) {}
  TimerService(Runtime& rt, Options options);
  // Cancels every pending timer (messages destroyed unsent), unwatches every
  // owner, cancels the runtime callback, and waits for a send under way.
  ~TimerService();
  TimerService(const TimerService&) = delete;
  TimerService& operator=(const TimerService&) = delete;

  // Sends `msg` from `owner` to `to` once `delay` has passed (NowNanos clock;
  // never earlier). Returns the timer's handle, or: InvalidArgument for an
  // invalid owner or target pid; NotFound ("noproc: ...") if `owner` is not a
  // live actor; ResourceExhausted beyond Options::max_pending;
  // FailedPrecondition while the service is being destroyed. The target need
  // not be alive now (a dead target makes the send fail at firing time: one
  // drop). @threadsafe
  template <typename T>
  absl::StatusOr<TimerRef> SendAfter(Pid owner, Pid to, absl::Duration delay, T&& msg) {
    return Arm(owner, to, delay, /*interval=*/false, MakeMessage(owner, std::forward<T>(msg)));
  }
  // The same to a typed ref (checked: the target accepts T). @threadsafe
  template <typename T, typename... Ms>
  absl::StatusOr<TimerRef> SendAfter(Pid owner, Ref<Ms...> to, absl::Duration delay, T&& msg) {
    static_assert(Ref<Ms...>::template kAccepts<std::decay_t<T>>,
                  "this actor does not accept that message type");
    return SendAfter(owner, to.pid(), delay, std::forward<T>(msg));
  }

  // Sends a copy of `msg` from `owner` to `to` every `period`, the first at
  // now + period, then at exactly k * period after that (no drift; missed
  // ticks are skipped, see the overview), until cancelled, the owner exits,
  // or the target is gone. T must be copy-constructible. Errors as for
  // SendAfter, plus InvalidArgument for a period <= 0. @threadsafe
  template <typename T>
  absl::StatusOr<TimerRef> SendInterval(Pid owner, Pid to, absl::Duration period, T&& msg) {
    static_assert(std::is_copy_constructible_v<std::decay_t<T>>,
                  "SendInterval sends a copy of the message each period");
    return Arm(owner, to, period, /*interval=*/true, MakeMessage(owner, std::forward<T>(msg)));
  }
  // The same to a typed ref. @threadsafe
  template <typename T, typename... Ms>
  absl::StatusOr<TimerRef> SendInterval(Pid owner, Ref<Ms...> to, absl::Duration period,
                                        T&& msg) {
    static_assert(Ref<Ms...>::template kAccepts<std::decay_t<T>>,
                  "this actor does not accept that message type");
    return SendInterval(owner, to.pid(), period, std::forward<T>(msg));
  }

  // Cancels a timer. Returns true iff it was still pending (a one-shot that
  // has not fired; an interval still running): it will not fire (again).
  // False for a timer that fired, was cancelled, died with its owner or
  // ended; for a stale handle whose slot has been reused (the new timer is
  // untouched); and for TimerRef(). Idempotent. A one-shot whose message is
  // being sent at that moment counts as fired (false). @threadsafe
  bool Cancel(TimerRef ref);

  // Time until a pending timer's next deadline (zero if already due), or
  // nullopt if it is not pending (Erlang's read_timer). @threadsafe
  std::optional<absl::Duration> TimeLeft(TimerRef ref) const;

  // Counters and current sizes. @threadsafe
  Stats stats() const;
  // Timers armed and not yet ended. @threadsafe
  size_t pending() const;

  Runtime& runtime() const { return rt_; }

 private:
  struct Shard;

  template <typename T>
  static Message* MakeMessage(Pid owner, T&& msg) {
    Message* m = new Envelope<std::decay_t<T>>(std::in_place, std::forward<T>(msg));
    m->set_sender(owner);
    return m;
  }
  // Takes ownership of `m` (destroyed on error).
  absl::StatusOr<TimerRef> Arm(Pid owner, Pid to, absl::Duration d, bool interval, Message* m);

  // The shard holding `ref`'s slot, and the slot's index in it.
  Shard* ShardOf(TimerRef ref, uint32_t* index) const;

  Runtime& rt_;
  // Shared with the runtime's callbacks (through weak_ptr), so that a
  // callback running while the service is destroyed stays safe.
  std::vector<std::shared_ptr<Shard>> shards_;
};

// Timers owned by one actor: a TimerService bound to the actor's self(),
// for use inside the actor (a member built in its constructor; self() is read
// at each call, so the helper may be constructed before the actor's pid is
// live). Arm from the actor's handlers or OnStart. @threadsafe (it holds only
// the two pointers).
class ActorTimers {
 public:
  ActorTimers(TimerService& service, const ActorBase& actor)
      : service_(&service), actor_(&actor) {}

  // service.SendAfter(self(), self(), delay, msg): a message to oneself.
  template <typename T>
  absl::StatusOr<TimerRef> SendAfter(absl::Duration delay, T&& msg) {
    return service_->SendAfter(actor_->self(), actor_->self(), delay, std::forward<T>(msg));
  }
  // service.SendAfter(self(), to, delay, msg); `to` a Pid or a typed Ref.
  template <typename To, typename T>
  absl::StatusOr<TimerRef> SendAfter(To to, absl::Duration delay, T&& msg) {
    return service_->SendAfter(actor_->self(), to, delay, std::forward<T>(msg));
  }
  // service.SendInterval(self(), self(), period, msg).
  template <typename T>
  absl::StatusOr<TimerRef> SendInterval(absl::Duration period, T&& msg) {
    return service_->SendInterval(actor_->self(), actor_->self(), period, std::forward<T>(msg));
  }
  // service.SendInterval(self(), to, period, msg).
  template <typename To, typename T>
  absl::StatusOr<TimerRef> SendInterval(To to, absl::Duration period, T&& msg) {
    return service_->SendInterval(actor_->self(), to, period, std::forward<T>(msg));
  }
  // service.Cancel(ref).
  bool Cancel(TimerRef ref) { return service_->Cancel(ref); }
  // service.TimeLeft(ref).
  std::optional<absl::Duration> TimeLeft(TimerRef ref) const { return service_->TimeLeft(ref); }

  TimerService& service() const { return *service_; }

 private:
  TimerService* service_;
  const ActorBase* actor_;
};

}  // namespace myr::timers

#endif  // MYR_TIMERS_TIMER_SERVICE_H_
