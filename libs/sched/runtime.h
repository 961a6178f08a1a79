// Copyright Myrmidon authors.
//
// runtime.h: actors and the M:N scheduler that runs them.
//
// An actor is a C++ object with typed handlers, run by the runtime one
// message at a time. It has no thread and no stack of its own: a worker
// thread calls a handler, the handler returns, the worker moves on. A
// handler that must wait returns Task<T> and co_awaits (see task.h).
//
//   struct Add { int64_t n; };
//   struct Get { using Reply = int64_t; };
//
//   class Counter : public myr::Actor<Counter, Add, Get> {
//    public:
//     void Handle(Add& m) { total_ += m.n; }
//     int64_t Handle(Get&) { return total_; }       // the reply
//    private:
//     int64_t total_ = 0;
//   };
//
//   myr::Runtime rt;                                  // one worker per core
//   auto counter = *rt.Spawn<Counter>();              // Ref<Add, Get>
//   rt.Send(counter, Add{2});
//   absl::StatusOr<int64_t> n = rt.Call(counter, Get{}, absl::Seconds(1));
//
// Scheduling: each worker has a FIFO run queue and a one-entry LIFO slot.
// An actor woken by a send from a worker goes into that worker's LIFO slot
// and runs next on the same core (a request/reply pair stays on one core and
// never pays a cross-core wake-up); the actor it displaces moves to the FIFO
// queue, where idle workers steal from. Each turn handles at most `budget`
// messages (SpawnOptions::budget), then the actor goes to the back of the
// queue, so a hot actor cannot starve others. Idle workers spin briefly,
// then park. A monitor thread (which also fires timers) lets idle workers
// take work stuck behind a long-running handler.
//
// Lanes: actors that must block (file or socket I/O, foreign libraries) are
// spawned on Lane::kBlocking and run on a separate, growing pool of threads,
// so they never stall the workers.
//
// Lifecycle: Spawn, Send, Stop (graceful: the actor handles what is already
// queued, then exits normal), Kill (at once, reason killed), Exit (a signal
// with a reason), an exception escaping a handler (reason crash carrying the
// exception text). Watch() observes an exit (libs/supervise builds links and
// monitors on it).
//
// Actor tree (structured concurrency): every actor has a parent. An actor
// spawned with SpawnOptions::parent (ActorBase::SpawnChild sets it to the
// spawner) is that actor's child; any other is top-level, a child of the
// root "/". Each actor has a path, its parent's path plus its own segment:
// its SpawnOptions::name ("/system/http/router/worker-17"), unique among its
// parent's live children, or "$<slot>.<generation>" when unnamed. When an
// actor exits, its live children get an exit signal {from: it, reason:
// shutdown}, youngest first: a child that does not trap exits ends at once
// with reason shutdown (and so, in turn, do its own children); one that traps
// gets ExitMsg{parent, shutdown} and RuntimeOptions::child_grace to end on
// its own (a supervisor shuts its children down in order), then it is
// killed. Spawning under a parent that is not alive fails. PathOf, Resolve,
// ParentOf and ChildrenOf read the tree. An actor without a parent or name
// pays nothing for the tree.
//
// Trapping exits (Erlang's trap_exit): an actor that calls TrapExits(true)
// receives exit signals (except Kill) as ordinary ExitMsg user messages
// instead of being ended by them; it lists ExitMsg among its message types.
//
// Deterministic mode (RuntimeOptions::Deterministic(seed)): no threads; the
// test drives the runtime with Step/RunUntilIdle; runnable actors are picked
// in a seeded pseudo-random order, one message per step; time is virtual
// (AdvanceTime) and timeouts fire on it; InjectCrash makes an actor crash at
// its Nth message. Same seed, same schedule.
//
// Thread-safety: every Runtime method is @threadsafe except Step,
// RunUntilIdle and AdvanceTime, which belong to the thread driving a
// deterministic runtime. ActorBase's protected helpers are for the actor's own
// handlers only.
#ifndef MYR_SCHED_RUNTIME_H_
#define MYR_SCHED_RUNTIME_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <coroutine>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/base/small_pool.h"
#include "libs/mailbox/mailbox.h"
#include "libs/pid/slab.h"
#include "libs/pid/exit_reason.h"
#include "libs/sched/internal/cell.h"
#include "libs/sched/internal/system_kinds.h"
#include "libs/sched/ref.h"
#include "libs/sched/request.h"
#include "libs/sched/task.h"

namespace myr {

using sched_internal::Lane;

// What a send did (a hot-path enum, not a Status).
enum class SendResult : uint8_t {
  kOk,            // queued
  kNoProc,        // no live actor at that pid (or it is exiting): dead letter
  kDropped,       // the target's mailbox was full (drop_new); counted there
  kBackpressure,  // the target's mailbox was full (block) and the sender could not wait
  kRedirected,    // the target was full (redirect): delivered to its fallback
  kSpilled,       // queued beyond capacity (spill); a copy went to the fallback
};
const char* SendResultName(SendResult r);
// True for the results where the target (or its fallback) got the message.
inline bool Delivered(SendResult r) {
  return r == SendResult::kOk || r == SendResult::kRedirected || r == SendResult::kSpilled;
}

// `now_ns + timeout` on the Runtime::NowNanos clock, saturating at
// INT64_MAX ("never") instead of overflowing (absl::InfiniteDuration() and
// very long timeouts). For deadlines given to ArmCallback and friends.
inline int64_t DeadlineAfter(int64_t now_ns, absl::Duration timeout) {
  if (timeout == absl::InfiniteDuration()) return INT64_MAX;
  int64_t d = absl::ToInt64Nanoseconds(timeout);  // saturates
  if (d > 0 && now_ns > INT64_MAX - d) return INT64_MAX;
  return now_ns + d;
}

// An exit signal turned into a message, for an actor that traps exits
// (ActorBase::TrapExits): `from` sent it (invalid for a signal from outside
// any actor), `reason` is what it carried. The message's sender() is `from`.
struct ExitMsg {
  Pid from;
  ExitReason reason;
};

struct SpawnOptions {
  MailboxOptions mailbox;  // bounded (65,536, drop_new) unless set
  uint32_t budget = 0;     // messages per turn; 0 = the runtime's default
  Lane lane = Lane::kWorker;
  // Structured concurrency (see "Actor tree" above): the actor's parent.
  // Invalid: a top-level actor (its parent is the root, "/"). A live parent
  // ends its children when it exits; spawning under a parent that is not
  // alive fails (FailedPrecondition).
  Pid parent;
  // The actor's path segment under its parent ("worker-17"): unique among
  // the parent's live children (AlreadyExists otherwise). Empty: unnamed
  // (its path segment is derived from its pid).
  std::string name;

  SpawnOptions& WithMailbox(const MailboxOptions& m) {
    mailbox = m;
    return *this;
  }
  SpawnOptions& WithBudget(uint32_t b) {
    budget = b;
    return *this;
  }
  SpawnOptions& OnLane(Lane l) {
    lane = l;
    return *this;
  }
  SpawnOptions& WithParent(Pid p) {
    parent = p;
    return *this;
  }
  SpawnOptions& WithName(std::string n) {
    name = std::move(n);
    return *this;
  }
};

struct RuntimeOptions {
  enum class Mode { kThreaded, kDeterministic };
  Mode mode = Mode::kThreaded;
  int workers = 0;                  // 0: one per core
  uint32_t node = 1;                // stamped into every Pid
  uint32_t max_actors = Pid::kMaxSlots;
  uint32_t default_budget = 300;    // messages per turn
  int max_blocking_threads = 64;    // Lane::kBlocking pool limit
  absl::Duration spin = absl::Microseconds(50);  // idle spin before parking
  absl::Duration block_timeout = absl::Seconds(5);  // blocking send on a full kBlock mailbox
  // How long a child that traps exits has to end after its parent exited
  // before it is killed (see "Actor tree").
  absl::Duration child_grace = absl::Seconds(5);
  uint64_t seed = 1;                // deterministic mode

  static RuntimeOptions Deterministic(uint64_t seed) {
    RuntimeOptions o;
    o.mode = Mode::kDeterministic;
    o.seed = seed;
    return o;
  }
};

class Runtime;

namespace sched_internal {
struct Worker;
class BlockingPool;
class TimerQueue;
void CountUnhandled(Cell* cell);
// Set while an actor's constructor runs, so ActorBase knows its cell.
extern thread_local Cell* tls_constructing_cell;
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

  // Called once, on the actor's first turn, before any message.
  virtual void OnStart() {}
  // Called once when the actor exits, whatever the reason (not for kill of
  // a runtime being destroyed mid-handler). Must not throw.
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
  // Handles `m`; returns true if it kept ownership of `m` (a Task handler).
  virtual bool Dispatch(Message* m) = 0;

  sched_internal::Cell* cell_;
};

namespace sched_internal {

// Sends a handler's return value as the reply to a request.
template <typename R, typename X>
void RespondWith(ReplyHandle<R>& reply, X&& x) {
  using V = std::decay_t<X>;
  if constexpr (std::is_void_v<R>) {
    if constexpr (std::is_same_v<V, absl::Status>) {
      reply.Reply(std::forward<X>(x));
    } else {
      reply.Reply(absl::OkStatus());
    }
  } else {
    reply.Reply(CallResult<R>(std::forward<X>(x)));
  }
}

template <typename M, typename X>
class ActiveTaskImpl final : public ActiveTask {
 public:
  ActiveTaskImpl(Task<X> task, Message* msg) : msg_(msg), task_(std::move(task)) {}
  std::coroutine_handle<> handle() override { return task_.handle(); }
  bool done() override { return task_.done(); }
  Message* message() override { return msg_.get(); }
  void Finish() override {
    if constexpr (std::is_void_v<X>) {
      task_.TakeResult();
      if (msg_->is_request()) {
        RespondWith(static_cast<RequestEnvelope<M>*>(msg_.get())->reply(), absl::OkStatus());
      }
    } else {
      X x = task_.TakeResult();
      if (msg_->is_request()) {
        RespondWith(static_cast<RequestEnvelope<M>*>(msg_.get())->reply(), std::move(x));
      }
    }
  }

 private:
  // Declared first, destroyed last: the coroutine frame (task_) refers into
  // the message, so the frame goes before the message does.
  std::unique_ptr<Message> msg_;
  Task<X> task_;
};

void StartTask(Cell* cell, ActiveTask* task);

}  // namespace sched_internal

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
      sched_internal::StartTask(
          cell_, new sched_internal::ActiveTaskImpl<M, V>(std::move(task), m));
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
  void Unhandled(Message* m);
};

// The runtime. Owns the actor slab, the workers, the blocking pool and the
// timer/monitor thread.
class Runtime {
 public:
  using ExitCallback = sched_internal::ExitCallback;

  explicit Runtime(RuntimeOptions options = RuntimeOptions());
  // Shuts down: kills every actor, joins every thread.
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // --- spawning -------------------------------------------------------------
  // Constructs A(args...) as a new actor. ResourceExhausted if the slab is
  // full, FailedPrecondition after shutdown; an exception from A's
  // constructor propagates.
  template <typename A, typename... Args>
  absl::StatusOr<typename A::Interface> Spawn(Args&&... args) {
    return SpawnWith<A>(SpawnOptions(), std::forward<Args>(args)...);
  }
  template <typename A, typename... Args>
  absl::StatusOr<typename A::Interface> SpawnWith(const SpawnOptions& options, Args&&... args);

  // --- messaging ------------------------------------------------------------
  // Sends `msg` (moved into a new message). From a thread that may block (not
  // a worker), a send to a full kBlock mailbox waits up to block_timeout.
  template <typename T>
  SendResult Send(Pid to, T&& msg) {
    return SendMessage(to, MakeEnvelope(std::forward<T>(msg)), /*may_block=*/true);
  }
  template <typename T, typename... Ms>
  SendResult Send(Ref<Ms...> to, T&& msg) {
    static_assert(Ref<Ms...>::template kAccepts<T>, "this actor does not accept that message type");
    return Send(to.pid(), std::forward<T>(msg));
  }
  // Never blocks: kBackpressure when a kBlock mailbox is full.
  template <typename T>
  SendResult TrySend(Pid to, T&& msg) {
    return SendMessage(to, MakeEnvelope(std::forward<T>(msg)), /*may_block=*/false);
  }
  // Untyped send of a prepared message; takes ownership of `m`.
  SendResult SendMessage(Pid to, Message* m, bool may_block = true);
  // Puts `m` on the system channel of `to`; takes ownership. False (and `m`
  // destroyed) if `to` is not alive.
  bool SendSystem(Pid to, Message* m);

  // Request/reply from a thread that is not an actor (blocks the caller; in
  // deterministic mode it drives the runtime until the reply or the virtual
  // deadline). Actors use co_await Call(...) instead.
  template <typename M, typename... Ms>
  CallResult<ReplyOf<M>> Call(Ref<Ms...> to, M msg, absl::Duration timeout) {
    static_assert(Ref<Ms...>::template kAccepts<M>, "this actor does not accept that message type");
    return Call(to.pid(), std::move(msg), timeout);
  }
  template <typename M>
  CallResult<ReplyOf<M>> Call(Pid to, M msg, absl::Duration timeout);

  // --- lifecycle ------------------------------------------------------------
  bool Stop(Pid pid);                       // graceful; false if not alive
  bool Kill(Pid pid);                       // reason killed; false if not alive
  bool Exit(Pid pid, ExitReason reason);    // exit signal (no sender); see the overload below
  // An exit signal from `from` (Erlang's exit/2 or a linked peer's exit).
  // At a target that traps exits it becomes ExitMsg{from, reason}; at one
  // that does not, reason normal is ignored (unless from == pid) and any
  // other reason ends the target with it. Unlike the two-argument form,
  // reason killed is an ordinary, trappable signal here (a linked peer that
  // was killed); use Kill for the untrappable kill. An invalid `from` means
  // the two-argument form. False if `pid` is not alive.
  bool Exit(Pid pid, ExitReason reason, Pid from);
  // Calls cb(pid, reason) once when `pid` exits (on the thread that ran its
  // exit). Returns a watch id, or 0 if `pid` is not alive (noproc).
  uint64_t Watch(Pid pid, ExitCallback cb);
  bool Unwatch(Pid pid, uint64_t id);
  // Blocks until `pid` exits (NotFound if it is not alive; DeadlineExceeded).
  absl::StatusOr<ExitReason> AwaitExit(Pid pid, absl::Duration timeout);
  bool IsAlive(Pid pid) const { return slab_.IsLive(pid); }

  // --- the actor tree (see "Actor tree" above) -------------------------------
  // The path of a live actor ("/system/http/worker-17"); NotFound if not alive.
  absl::StatusOr<std::string> PathOf(Pid pid);
  // The live actor at exactly `path`; InvalidArgument for a malformed path,
  // NotFound if no live actor has it.
  absl::StatusOr<Pid> Resolve(absl::string_view path);
  // The parent of a live actor (an invalid Pid for a top-level actor);
  // NotFound if not alive.
  absl::StatusOr<Pid> ParentOf(Pid pid);
  // The live children of `pid`, oldest first (empty if none or not alive).
  std::vector<Pid> ChildrenOf(Pid pid);

  // --- introspection --------------------------------------------------------
  struct MailboxStats {
    size_t length;
    uint32_t capacity;  // 0: unbounded
    OverflowPolicy overflow;
    uint64_t dropped;
    uint64_t redirected;
    uint64_t spilled;
  };
  std::optional<MailboxStats> MailboxInfo(Pid pid);

  struct Stats {
    uint64_t live_actors;  // spawned and not yet exited (an exit counts once its watchers run)
    uint64_t spawned;
    uint64_t exited;
    uint64_t crashed;
    uint64_t dead_letters;
  };
  Stats stats() const;
  int workers() const { return static_cast<int>(workers_.size()); }
  uint32_t node() const { return slab_.node(); }
  const RuntimeOptions& options() const { return options_; }

  // Monotonic nanoseconds (virtual in deterministic mode).
  int64_t NowNanos() const;

  // --- deterministic mode (driving thread only) -------------------------------
  bool deterministic() const { return options_.mode == RuntimeOptions::Mode::kDeterministic; }
  // Runs one message of one runnable actor; false if none is runnable.
  bool Step();
  // Steps until nothing is runnable (or max_steps); returns the steps taken.
  size_t RunUntilIdle(size_t max_steps = SIZE_MAX);
  // Runs until idle, then moves virtual time forward by `d`, firing timers
  // in order and running what they wake.
  void AdvanceTime(absl::Duration d);
  // Makes `pid` crash at its nth user message (counted from its start).
  bool InjectCrash(Pid pid, uint64_t nth_message);

  // --- for libraries above (supervise, mesh) ---------------------------------
  // Arms a one-shot timer that puts a kSysTimeout message with the returned
  // id on `pid`'s system channel at `deadline_ns` (NowNanos clock).
  uint64_t ArmTimer(Pid pid, int64_t deadline_ns);
  // Arms a one-shot timer that calls fn() at `deadline_ns` (NowNanos clock):
  // on the timer thread, or in deterministic mode on the driving thread in
  // virtual-time order (AdvanceTime, and a blocking Call/AwaitExit waiting on
  // virtual time). fn must be short and must not block (send a message to do
  // real work); it may call any @threadsafe Runtime method, ArmCallback
  // included. An exception from fn is swallowed. CancelTimer cancels it.
  uint64_t ArmCallback(int64_t deadline_ns, std::function<void()> fn);
  // True if the timer was still pending (it will not fire).
  bool CancelTimer(uint64_t id);

 private:
  friend class ActorBase;
  template <typename D, typename... M>
  friend class Actor;
  friend void sched_internal::StartTask(sched_internal::Cell*, sched_internal::ActiveTask*);
  friend void sched_internal::CountUnhandled(sched_internal::Cell*);
  friend struct sched_internal::Worker;
  friend class sched_internal::BlockingPool;
  using Cell = sched_internal::Cell;

  template <typename T>
  static Message* MakeEnvelope(T&& msg) {
    return new Envelope<std::decay_t<T>>(std::in_place, std::forward<T>(msg));
  }
  absl::StatusOr<Pid> SpawnCell(Cell* cell, const SpawnOptions& options);
  absl::StatusOr<Pid> SpawnInTree(Cell* cell, const SpawnOptions& options);
  // Frees a cell whose spawn failed (its pid was never published).
  static void DiscardCell(Cell* cell);
  // At exit: leaves the parent's child table, signals the children.
  void LeaveTree(Cell* c, sched_internal::CellExt* e, std::map<uint64_t, Pid> children);
  SendResult Deliver(Pid to, Message* m, bool may_block, int depth);
  SendResult DeliverTo(Pid to, Cell* c, Message* m, bool may_block, int depth);
  void FlushOutbox(sched_internal::Worker* w);
  void ScheduleOrRelease(Pid to, Cell* c);
  // Puts a scheduled cell in a run queue: on a worker of this runtime, the
  // LIFO slot (`lifo`: it runs next) or the back of the FIFO queue; from
  // elsewhere, the global queue.
  void Enqueue(Cell* c, bool lifo);
  void Submit(Cell* c) { Enqueue(c, /*lifo=*/true); }
  void Requeue(Cell* c) { Enqueue(c, /*lifo=*/false); }
  void RunCell(Cell* c);
  void HandleSystem(Cell* c, Message* m);
  void ResumePending(Cell* c);
  void AfterTaskStep(Cell* c);
  void Crash(Cell* c, ExitReason reason);
  void ExitCell(Cell* c, ExitReason reason);
  void RequestExit(Cell* c, ExitReason reason);
  void NotifyIdle();
  void WakeOne();
  bool AnyWork() const;
  void WorkerLoop(sched_internal::Worker* w);
  void MonitorLoop();
  void FireTimers(int64_t now);
  uint64_t AddTimer(int64_t deadline_ns, Pid pid, std::function<void()> fn);
  void CountDeadLetter() { dead_letters_.fetch_add(1, std::memory_order_relaxed); }
  template <typename R>
  CallResult<R> AwaitExternal(std::shared_ptr<sched_internal::ExternalReplyState<R>> state,
                              int64_t deadline_ns);
  // Deterministic mode: run one step or advance to the next timer; false if
  // neither is possible before deadline_ns.
  bool DriveOnce(int64_t deadline_ns);
  static void FinalizeCell(void* cell, void* runtime);

  const RuntimeOptions options_;
  pid::Slab slab_;
  std::vector<std::unique_ptr<sched_internal::Worker>> workers_;
  std::unique_ptr<sched_internal::BlockingPool> blocking_;
  std::unique_ptr<sched_internal::TimerQueue> timers_;

  // Global injection queue (sends from outside the workers).
  mutable std::mutex global_mu_;
  std::deque<Cell*> global_;  // guarded by global_mu_
  std::atomic<size_t> global_size_{0};

  // Idle workers.
  std::mutex idle_mu_;
  std::vector<sched_internal::Worker*> parked_;  // guarded by idle_mu_
  std::atomic<int> num_parked_{0};
  std::atomic<int> num_searching_{0};

  // Monitor / timer thread.
  std::mutex monitor_mu_;
  std::condition_variable monitor_cv_;
  bool monitor_stop_ = false;  // guarded by monitor_mu_
  std::thread monitor_;

  // Named top-level actors (children of the root "/").
  std::mutex root_mu_;
  absl::flat_hash_map<std::string, Pid> root_named_;  // guarded by root_mu_

  std::atomic<bool> stopping_{false};
  std::atomic<bool> shut_down_{false};
  std::atomic<uint64_t> spawned_{0};
  std::atomic<uint64_t> exited_{0};
  std::atomic<uint64_t> crashed_{0};
  std::atomic<uint64_t> dead_letters_{0};
  std::atomic<uint64_t> next_watch_id_{1};

  // Deterministic mode.
  std::mutex det_mu_;
  std::vector<Cell*> ready_;  // guarded by det_mu_
  std::mt19937_64 rng_;
  std::atomic<int64_t> virtual_now_{0};
  const std::chrono::steady_clock::time_point epoch_;
};

// ---------------------------------------------------------------------------
// Implementation details below.

namespace sched_internal {

// Delivers a reply to an actor awaiting it (on its system channel).
template <typename R>
class ActorReplySink final : public ReplySink<R> {
 public:
  ActorReplySink(Runtime* rt, Pid caller, uint64_t call_id)
      : rt_(rt), caller_(caller), call_id_(call_id) {}
  void Deliver(CallResult<R> result) override {
    rt_->SendSystem(caller_, new ReplyMessage<R>(call_id_, std::move(result)));
  }

 private:
  Runtime* rt_;
  Pid caller_;
  uint64_t call_id_;
};

using myr::DeadlineAfter;

// The status of a call result (absl::Status itself for calls without a value).
inline const absl::Status& StatusOf(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& r) {
  return r.status();
}

// Registers the suspension of the cell's active task and arms its deadline.
void Suspend(Cell* cell, PendingReceive* p, std::coroutine_handle<> h, absl::Duration timeout);

template <typename T, typename Pred>
class ReceiveAwaitable final : public PendingReceive {
 public:
  ReceiveAwaitable(Cell* cell, Pred pred, absl::Duration timeout)
      : cell_(cell), pred_(std::move(pred)), timeout_(timeout) {}
  ReceiveAwaitable(ReceiveAwaitable&&) = default;
  ~ReceiveAwaitable() { delete result; }

  bool MatchUser(const Message& m) override {
    const T* v = PayloadIf<T>(&m);
    if (v == nullptr) return false;
    try {
      return pred_(*v);
    } catch (...) {
      // Take the message the predicate threw on and rethrow in the handler
      // (from co_await), where it ends the actor as a crash; an exception
      // must not escape into the mailbox or the worker.
      error_ = std::current_exception();
      return true;
    }
  }
  bool await_ready() {
    result = cell_->mailbox.TakeFirst([this](const Message& m) { return MatchUser(m); });
    if (result != nullptr) return true;
    if (timeout_ <= absl::ZeroDuration()) {
      timed_out = true;
      return true;
    }
    return false;
  }
  void await_suspend(std::coroutine_handle<> h) { Suspend(cell_, this, h, timeout_); }
  absl::StatusOr<T> await_resume() {
    if (error_) {
      delete std::exchange(result, nullptr);
      std::rethrow_exception(error_);
    }
    if (result == nullptr) {
      return absl::DeadlineExceededError(
          absl::StrCat("receive timed out after ", absl::FormatDuration(timeout_)));
    }
    std::unique_ptr<Message> owned(std::exchange(result, nullptr));
    return std::move(static_cast<Envelope<T>*>(owned.get())->value);
  }

 private:
  Cell* cell_;
  Pred pred_;
  absl::Duration timeout_;
  std::exception_ptr error_;
};

template <typename R>
class CallAwaitable final : public PendingReceive {
 public:
  CallAwaitable(Cell* cell, Pid to, uint64_t call_id, absl::Duration timeout)
      : cell_(cell), to_(to), call_id_(call_id), timeout_(timeout) {}
  CallAwaitable(CallAwaitable&&) = default;
  ~CallAwaitable() { delete result; }

  bool MatchSystem(const Message& m) override {
    return m.kind() == kSysReply && static_cast<const ReplyMessageBase&>(m).call_id() == call_id_;
  }
  bool await_ready() { return false; }
  void await_suspend(std::coroutine_handle<> h) { Suspend(cell_, this, h, timeout_); }
  CallResult<R> await_resume() {
    if (result == nullptr) {
      return absl::DeadlineExceededError(absl::StrCat(
          "call to ", to_.ToString(), " timed out after ", absl::FormatDuration(timeout_)));
    }
    std::unique_ptr<Message> owned(std::exchange(result, nullptr));
    return std::move(static_cast<ReplyMessage<R>*>(owned.get())->result);
  }

 private:
  Cell* cell_;
  Pid to_;
  uint64_t call_id_;
  absl::Duration timeout_;
};

class SleepAwaitable final : public PendingReceive {
 public:
  SleepAwaitable(Cell* cell, absl::Duration d) : cell_(cell), d_(d) {}
  bool await_ready() { return d_ <= absl::ZeroDuration(); }
  void await_suspend(std::coroutine_handle<> h) { Suspend(cell_, this, h, d_); }
  void await_resume() {}

 private:
  Cell* cell_;
  absl::Duration d_;
};

void CountUnhandled(Cell* cell);

}  // namespace sched_internal

template <typename A, typename... Args>
absl::StatusOr<typename A::Interface> Runtime::SpawnWith(const SpawnOptions& options,
                                                         Args&&... args) {
  static_assert(std::is_base_of_v<ActorBase, A>, "actors derive from myr::Actor<...>");
  if (stopping_.load(std::memory_order_acquire)) {
    return absl::FailedPreconditionError("runtime is shutting down");
  }
  // One allocation for the cell and the actor.
  struct Block {
    Cell cell;
    alignas(A) unsigned char storage[sizeof(A)];
  };
  void* mem = base::SmallPool::Allocate(sizeof(Block));
  auto* block = reinterpret_cast<Block*>(mem);
  uint32_t budget = options.budget != 0 ? options.budget : options_.default_budget;
  if (deterministic()) budget = 1;
  new (&block->cell) Cell(this, options.mailbox, budget, options.lane);
  block->cell.block_size = sizeof(Block);
  sched_internal::Cell* prev = sched_internal::tls_constructing_cell;
  sched_internal::tls_constructing_cell = &block->cell;
  try {
    block->cell.actor = new (block->storage) A(std::forward<Args>(args)...);
  } catch (...) {
    sched_internal::tls_constructing_cell = prev;
    block->cell.~Cell();
    base::SmallPool::Free(mem, sizeof(Block));
    throw;
  }
  sched_internal::tls_constructing_cell = prev;
  absl::StatusOr<Pid> pid = SpawnCell(&block->cell, options);
  if (!pid.ok()) return pid.status();
  return typename A::Interface(*pid);
}

template <typename M>
CallResult<ReplyOf<M>> Runtime::Call(Pid to, M msg, absl::Duration timeout) {
  using R = ReplyOf<M>;
  auto state = std::make_shared<sched_internal::ExternalReplyState<R>>();
  auto* env = new RequestEnvelope<M>(
      std::move(msg), ReplyHandle<R>(new sched_internal::ExternalReplySink<R>(state)));
  int64_t deadline = sched_internal::DeadlineAfter(NowNanos(), timeout);
  SendMessage(to, env, /*may_block=*/true);  // on failure the handle already replied
  CallResult<R> r = AwaitExternal<R>(state, deadline);
  const absl::Status& st = sched_internal::StatusOf(r);
  if (st.code() == absl::StatusCode::kDeadlineExceeded && st.message().empty()) {
    return CallResult<R>(absl::DeadlineExceededError(absl::StrCat(
        "call to ", to.ToString(), " timed out after ", absl::FormatDuration(timeout))));
  }
  return r;
}

template <typename R>
CallResult<R> Runtime::AwaitExternal(std::shared_ptr<sched_internal::ExternalReplyState<R>> state,
                                     int64_t deadline_ns) {
  if (deterministic()) {
    while (!state->ready()) {
      if (!DriveOnce(deadline_ns)) break;
    }
  } else {
    std::unique_lock<std::mutex> lock(state->mu);
    while (!state->result.has_value()) {
      int64_t left = deadline_ns - NowNanos();
      if (left <= 0) break;
      state->cv.wait_for(lock, std::chrono::nanoseconds(std::min<int64_t>(left, 1'000'000'000)));
    }
  }
  std::lock_guard<std::mutex> lock(state->mu);
  if (state->result.has_value()) return std::move(*state->result);
  return CallResult<R>(absl::DeadlineExceededError(""));
}

// --- ActorBase templates -------------------------------------------------------

template <typename T>
SendResult ActorBase::Send(Pid to, T&& msg) {
  Message* m = Runtime::MakeEnvelope(std::forward<T>(msg));
  m->set_sender(cell_->pid);
  return cell_->rt->SendMessage(to, m, /*may_block=*/false);
}

template <typename T, typename... Ms>
SendResult ActorBase::Send(Ref<Ms...> to, T&& msg) {
  static_assert(Ref<Ms...>::template kAccepts<T>, "this actor does not accept that message type");
  return Send(to.pid(), std::forward<T>(msg));
}

template <typename M, typename... Ms>
auto ActorBase::Call(Ref<Ms...> to, M msg, absl::Duration timeout) {
  static_assert(Ref<Ms...>::template kAccepts<M>, "this actor does not accept that message type");
  return Call(to.pid(), std::move(msg), timeout);
}

template <typename M>
auto ActorBase::Call(Pid to, M msg, absl::Duration timeout) {
  using R = ReplyOf<M>;
  uint64_t id = ++cell_->next_call_id;
  auto* env = new RequestEnvelope<M>(
      std::move(msg),
      ReplyHandle<R>(new sched_internal::ActorReplySink<R>(cell_->rt, cell_->pid, id)));
  env->set_sender(cell_->pid);
  // On failure the request's handle has already put an error reply on our
  // system channel; the awaitable picks it up like any reply.
  cell_->rt->SendMessage(to, env, /*may_block=*/false);
  return sched_internal::CallAwaitable<R>(cell_, to, id, timeout);
}

template <typename T>
auto ActorBase::Receive(absl::Duration timeout) {
  auto any = [](const T&) { return true; };
  return sched_internal::ReceiveAwaitable<T, decltype(any)>(cell_, any, timeout);
}

template <typename T, typename Pred>
auto ActorBase::Receive(Pred pred, absl::Duration timeout) {
  return sched_internal::ReceiveAwaitable<T, Pred>(cell_, std::move(pred), timeout);
}

inline auto ActorBase::Sleep(absl::Duration d) { return sched_internal::SleepAwaitable(cell_, d); }

template <typename A, typename... Args>
absl::StatusOr<typename A::Interface> ActorBase::SpawnChild(std::string name, Args&&... args) {
  SpawnOptions options;
  options.name = std::move(name);
  return SpawnChildWith<A>(std::move(options), std::forward<Args>(args)...);
}

template <typename A, typename... Args>
absl::StatusOr<typename A::Interface> ActorBase::SpawnChildWith(SpawnOptions options,
                                                                Args&&... args) {
  options.parent = cell_->pid;
  return cell_->rt->SpawnWith<A>(options, std::forward<Args>(args)...);
}

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

template <typename Derived, typename... Msgs>
void Actor<Derived, Msgs...>::Unhandled(Message* m) {
  if (!m->type()->optional_request) sched_internal::CountUnhandled(cell_);
  if (m->is_request()) {
    if (auto* rb = dynamic_cast<sched_internal::RequestBase*>(m)) {
      rb->Fail(absl::UnimplementedError(absl::StrCat(
          "actor ", self().ToString(), " does not handle message type ", m->type()->name)));
    }
  }
}

}  // namespace myr

#endif  // MYR_SCHED_RUNTIME_H_
