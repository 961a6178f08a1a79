// Copyright Myrmidon authors.
//
// runtime.h: actors and the runtime that runs them. The one header users
// include.
//
// An actor is a C++ object with typed handlers, run by the runtime one
// message at a time. It has no thread and no stack of its own: a thread of
// its executor calls a handler, the handler returns, the thread moves on. A
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
// The Runtime is a facade over parts, each in its own files (see
// libs/sched/README.md for who calls whom):
//   - options.h, actor.h, request.h, task.h, ref.h: what users write with;
//   - executor.h: where turns run. The worker pool (per-worker FIFO queue and
//     LIFO slot, work stealing, parking, a stuck-work monitor), the blocking
//     pool, the deterministic ready list, and executors users add
//     (AddExecutor; the Python and Node bindings add theirs);
//   - clock.h: a real or a virtual clock, with every timer in one timing
//     wheel; completion.h and Await: the one wait-until-a-deadline loop;
//   - the actor tree (internal/actor_tree): names, paths, parents, children;
//   - delivery (delivery.cc: Send to a mailbox, or out through the remote
//     seam) and the turn (turn.cc: running a cell's messages, system
//     signals, exits);
//   - seams for the layers above: remote_nodes.h (other nodes' pids),
//     libs/wire/codec.h and wire_codec.h (message types that become bytes),
//     foreign_actor.h (actors whose handler takes bytes or guest values),
//     CallAsync (a call whose result goes to a callback).
//
// Scheduling: an actor woken by a send from a worker runs next on the same
// worker (its LIFO slot: a request/reply pair stays on one core); the actor
// it displaces moves to the worker's FIFO queue, where idle workers steal
// from. Each turn handles at most `budget` messages (SpawnOptions::budget),
// then the actor goes to the back of the queue, so a hot actor cannot starve
// others. Actors that must block run on Lane::kBlocking.
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
#include <coroutine>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "libs/base/small_pool.h"
#include "libs/mailbox/mailbox.h"
#include "libs/pid/exit_reason.h"
#include "libs/pid/slab.h"
#include "libs/sched/actor.h"
#include "libs/sched/clock.h"
#include "libs/sched/completion.h"
#include "libs/sched/executor.h"
#include "libs/sched/internal/actor_tree.h"
#include "libs/sched/internal/cell.h"
#include "libs/sched/internal/system_kinds.h"
#include "libs/sched/options.h"
#include "libs/sched/ref.h"
#include "libs/sched/remote_nodes.h"
#include "libs/sched/request.h"
#include "libs/sched/task.h"

namespace myr {

namespace wire {
class Codec;
class Reply;
}  // namespace wire

namespace sched_internal {
struct TurnContext;
class WorkerPool;
class BlockingPool;
class DeterministicExecutor;
class VirtualClock;
class RealClock;
template <typename R>
class ActorReplySink;
void RunTurn(Cell* c, TurnContext* ctx);
void Suspend(Cell* cell, PendingReceive* p, std::coroutine_handle<> h, absl::Duration timeout);
}  // namespace sched_internal

// The runtime. Owns the actor slab, the executors, the clock and the tree.
class Runtime {
 public:
  using ExitCallback = myr::ExitCallback;

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

  // Request/reply without a waiting thread: `done` is called exactly once
  // with the reply, the error, or DeadlineExceeded after `timeout` — on the
  // thread that answered (a worker, the timer thread, the driving thread in
  // deterministic mode), so it must be short and must not block (hand the
  // result to your own loop: an asyncio future, a Node Promise). Never
  // blocks the caller, from any thread.
  template <typename M>
  void CallAsync(Pid to, M msg, absl::Duration timeout,
                 std::function<void(CallResult<ReplyOf<M>>)> done);

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
  // exit). Returns a watch id, or 0 if `pid` is not alive (noproc). For a
  // pid on another node see remote_nodes.h (noconnection without a route).
  uint64_t Watch(Pid pid, ExitCallback cb);
  bool Unwatch(Pid pid, uint64_t id);
  // Blocks until `pid` exits (NotFound if it is not alive; DeadlineExceeded).
  absl::StatusOr<ExitReason> AwaitExit(Pid pid, absl::Duration timeout);
  // Sends `pid` an exit signal with `reason` and waits until it has exited:
  // its exit reason (which a trapping actor chooses itself), NotFound if it
  // was not alive, DeadlineExceeded.
  absl::StatusOr<ExitReason> ExitAndAwait(Pid pid, ExitReason reason, absl::Duration timeout);
  bool IsAlive(Pid pid) const {
    return pid.node() == node() || !pid.valid() ? slab_.IsLive(pid) : IsAliveRemote(pid);
  }

  // --- the actor tree (see "Actor tree" above) -------------------------------
  // The path of a live actor ("/system/http/worker-17"); NotFound if not alive.
  absl::StatusOr<std::string> PathOf(Pid pid) { return tree_.PathOf(pid); }
  // The live actor at exactly `path`; InvalidArgument for a malformed path
  // (whatever actors exist), NotFound if no live actor has it.
  absl::StatusOr<Pid> Resolve(absl::string_view path) { return tree_.Resolve(path); }
  // The parent of a live actor (an invalid Pid for a top-level actor);
  // NotFound if not alive.
  absl::StatusOr<Pid> ParentOf(Pid pid) { return tree_.ParentOf(pid); }
  // The live children of `pid`, oldest first (empty if none or not alive).
  std::vector<Pid> ChildrenOf(Pid pid) { return tree_.ChildrenOf(pid); }

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
  int workers() const;
  uint32_t node() const { return slab_.node(); }
  const RuntimeOptions& options() const { return options_; }

  // --- time -------------------------------------------------------------------
  // Monotonic nanoseconds (virtual in deterministic mode).
  int64_t NowNanos() const { return clock_->NowNanos(); }
  // The runtime's clock (real or virtual; see clock.h).
  Clock& clock() const { return *clock_; }
  // Arms a one-shot timer that puts a kSysTimeout message with the returned
  // id on `pid`'s system channel at `deadline_ns` (NowNanos clock).
  uint64_t ArmTimer(Pid pid, int64_t deadline_ns);
  // Arms a one-shot timer that calls fn() at `deadline_ns` (NowNanos clock):
  // on the timer thread, or in deterministic mode on the driving thread in
  // virtual-time order (AdvanceTime, and a blocking Call/AwaitExit waiting on
  // virtual time). fn must be short and must not block (send a message to do
  // real work); it may call any @threadsafe Runtime method, ArmCallback
  // included. An exception from fn is swallowed. CancelTimer cancels it.
  uint64_t ArmCallback(int64_t deadline_ns, std::function<void()> fn) {
    return clock_->Arm(deadline_ns, std::move(fn));
  }
  // True if the timer was still pending (it will not fire).
  bool CancelTimer(uint64_t id) { return clock_->Cancel(id); }

  // Waits until `c` is set or `deadline_ns` (NowNanos clock; INT64_MAX:
  // never) passes, from a thread that is not running a turn: blocks in
  // threaded mode; in deterministic mode runs the runtime (steps actors and
  // moves virtual time to each next timer) until then, and gives up early
  // when nothing can run and no timer is due by the deadline. Returns
  // c.ready(). See completion.h.
  bool Await(CompletionBase& c, int64_t deadline_ns);

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

  // --- executors (see executor.h) ----------------------------------------------
  // Adds an executor that actors can be spawned on (SpawnOptions::executor);
  // the runtime owns it and calls its Shutdown when it ends. @threadsafe.
  Executor* AddExecutor(std::unique_ptr<Executor> executor);

  // --- other nodes (see remote_nodes.h) -----------------------------------------
  // Installs where sends to other nodes' pids go (nullptr: nowhere). Not
  // owned: it must outlive its installation; uninstall it before destroying
  // it.
  void SetRemoteNodes(RemoteNodes* nodes) { remote_.store(nodes, std::memory_order_release); }
  RemoteNodes* remote_nodes() const { return remote_.load(std::memory_order_acquire); }
  // A message for local `to` that arrived as bytes (from another node, or
  // from a guest language): decodes it with `codec` and delivers it like a
  // send from `from` (mailbox policies and budgets apply). For a call, pass
  // `reply`: the answer goes there, encoded (a failed send answers it with
  // the error). Returns the send's result; InvalidArgument (nothing
  // delivered, `reply` answered with it) when the bytes do not decode, or
  // for a `reply` given with a one-way codec.
  absl::StatusOr<SendResult> DeliverFromWire(Pid to, Pid from, const wire::Codec& codec,
                                             absl::string_view bytes,
                                             std::unique_ptr<wire::Reply> reply);

 private:
  friend class ActorBase;
  friend class ForeignActor;
  friend class Turn;
  friend void sched_internal::RunTurn(sched_internal::Cell*, sched_internal::TurnContext*);
  template <typename R>
  friend class sched_internal::ActorReplySink;
  friend void sched_internal::StartTask(sched_internal::Cell*, sched_internal::ActiveTask*);
  friend void sched_internal::CountUnhandled(sched_internal::Cell*);
  friend void sched_internal::Suspend(sched_internal::Cell*, sched_internal::PendingReceive*,
                                      std::coroutine_handle<>, absl::Duration);
  using Cell = sched_internal::Cell;
  using TurnContext = sched_internal::TurnContext;

  template <typename T>
  static Message* MakeEnvelope(T&& msg) {
    return new Envelope<std::decay_t<T>>(std::in_place, std::forward<T>(msg));
  }

  // --- spawning (runtime.cc) ---
  // The executor table: kWorkerIndex is the worker pool (threaded) or the
  // deterministic ready list, kBlockingIndex the blocking pool, the rest the
  // executors added with AddExecutor. A cell names its executor by index.
  static constexpr uint8_t kWorkerIndex = 0;
  static constexpr uint8_t kBlockingIndex = 1;
  static constexpr int kMaxExecutors = 64;
  Executor* ExecutorAt(uint8_t index) const {
    return executors_[index].load(std::memory_order_acquire);
  }
  // The executor index of an added executor for a new actor (kWorkerIndex
  // in deterministic mode); InvalidArgument for one that was not added to
  // this runtime.
  absl::StatusOr<uint8_t> AddedExecutorIndex(const Executor* executor);
  // A new actor's budget on executor `index`.
  uint32_t BudgetFor(const SpawnOptions& options, uint8_t index) const {
    uint32_t budget = options.budget != 0 ? options.budget : options_.default_budget;
    return budget < max_budget_[index] ? budget : max_budget_[index];
  }
  absl::StatusOr<Pid> SpawnCell(Cell* cell, const SpawnOptions& options);
  // Frees a cell whose spawn failed (its pid was never published).
  static void DiscardCell(Cell* cell);
  static void FinalizeCell(void* cell, void* runtime);

  // --- delivery (delivery.cc) ---
  SendResult Deliver(Pid to, Message* m, bool may_block, int depth);
  SendResult DeliverTo(Pid to, Cell* c, Message* m, bool may_block, int depth);
  // A message for a pid of another node: out through remote_, or an answer.
  SendResult SendRemote(Pid to, Message* m);
  bool SignalRemote(Pid to, RemoteSignal signal);
  bool IsAliveRemote(Pid pid) const;
  void FlushOutbox(TurnContext* ctx);
  void ScheduleOrRelease(Pid to, Cell* c);
  // Hands a scheduled cell to its executor (kNext: it was woken from this
  // thread's turn, or spawned by it; kLater: its budget ran out).
  void Enqueue(Cell* c, Placement where);
  void CountDeadLetter() { dead_letters_.fetch_add(1, std::memory_order_relaxed); }

  // --- the turn (turn.cc) ---
  void RunCell(Cell* c, TurnContext* ctx);
  void HandleSystem(Cell* c, Message* m);
  void ResumePending(Cell* c);
  void AfterTaskStep(Cell* c);
  void RequestExit(Cell* c, ExitReason reason);
  void ExitCell(Cell* c, ExitReason reason);

  // Watches `pid`, runs `then`, and waits for the exit (AwaitExit,
  // ExitAndAwait).
  absl::StatusOr<ExitReason> WatchAndAwait(Pid pid, absl::Duration timeout,
                                           absl::FunctionRef<void()> then);

  // --- deterministic driving (runtime.cc) ---
  // Runs one step or fires the next timer batch if it is due by
  // `deadline_ns`; false if neither is possible (then virtual time moves to
  // the deadline, unless it is "never").
  bool DriveOnce(int64_t deadline_ns);

  const RuntimeOptions options_;
  pid::Slab slab_;
  // The clock: real_clock_ or virtual_clock_ (the other is null).
  std::unique_ptr<sched_internal::RealClock> real_clock_;
  std::unique_ptr<sched_internal::VirtualClock> virtual_clock_;
  Clock* clock_;
  // The executors: the worker pool and blocking pool (threaded), or the
  // deterministic ready list; then the ones users added.
  std::unique_ptr<sched_internal::WorkerPool> pool_;
  std::unique_ptr<sched_internal::BlockingPool> blocking_;
  std::unique_ptr<sched_internal::DeterministicExecutor> ready_list_;
  std::atomic<Executor*> executors_[kMaxExecutors] = {};
  // Each executor's max_budget(), read when it is installed (before its
  // index is handed out).
  uint32_t max_budget_[kMaxExecutors] = {};
  std::mutex executors_mu_;
  std::vector<std::unique_ptr<Executor>> added_executors_;  // guarded by executors_mu_
  sched_internal::ActorTree tree_;
  std::atomic<RemoteNodes*> remote_{nullptr};

  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> spawned_{0};
  std::atomic<uint64_t> exited_{0};
  std::atomic<uint64_t> crashed_{0};
  std::atomic<uint64_t> dead_letters_{0};
  std::atomic<uint64_t> next_watch_id_{1};
};

}  // namespace myr

// ---------------------------------------------------------------------------
// Implementation details below.

#include "libs/sched/internal/awaitables.h"

namespace myr {

namespace sched_internal {

template <typename R>
void ActorReplySink<R>::Deliver(CallResult<R> result) {
  rt_->SendSystem(caller_, new ReplyMessage<R>(call_id_, std::move(result)));
}

// The shared state of a CallAsync: the first of the reply and the timeout
// calls `done`.
template <typename R>
struct AsyncCallState {
  explicit AsyncCallState(std::function<void(CallResult<R>)> fn) : done(std::move(fn)) {}
  void Finish(CallResult<R> r) {
    if (finished.exchange(true, std::memory_order_acq_rel)) return;
    done(std::move(r));
    done = nullptr;
  }
  std::function<void(CallResult<R>)> done;
  std::atomic<bool> finished{false};
  std::atomic<uint64_t> timer{0};
};

template <typename R>
class AsyncReplySink final : public ReplySink<R> {
 public:
  AsyncReplySink(std::shared_ptr<AsyncCallState<R>> state, Clock* clock)
      : state_(std::move(state)), clock_(clock) {}
  void Deliver(CallResult<R> result) override {
    if (uint64_t t = state_->timer.load(std::memory_order_acquire); t != 0) clock_->Cancel(t);
    state_->Finish(std::move(result));
  }

 private:
  std::shared_ptr<AsyncCallState<R>> state_;
  Clock* clock_;
};

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
  // A lane is an index (in deterministic mode both lanes' entries are the
  // ready list); an added executor is looked up.
  uint8_t executor = options.lane == Lane::kBlocking ? kBlockingIndex : kWorkerIndex;
  if (options.executor != nullptr) {
    absl::StatusOr<uint8_t> added = AddedExecutorIndex(options.executor);
    if (!added.ok()) return added.status();
    executor = *added;
  }
  void* mem = base::SmallPool::Allocate(sizeof(Block));
  auto* block = reinterpret_cast<Block*>(mem);
  new (&block->cell) Cell(this, options.mailbox, BudgetFor(options, executor), executor);
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
  auto state = std::make_shared<Completion<CallResult<R>>>();
  auto* env = new RequestEnvelope<M>(
      std::move(msg), ReplyHandle<R>(new sched_internal::ExternalReplySink<R>(state)));
  int64_t deadline = DeadlineAfter(NowNanos(), timeout);
  SendMessage(to, env, /*may_block=*/true);  // on failure the handle already replied
  if (Await(*state, deadline)) return std::move(*state->Take());
  return CallResult<R>(absl::DeadlineExceededError(absl::StrCat(
      "call to ", to.ToString(), " timed out after ", absl::FormatDuration(timeout))));
}

template <typename M>
void Runtime::CallAsync(Pid to, M msg, absl::Duration timeout,
                        std::function<void(CallResult<ReplyOf<M>>)> done) {
  using R = ReplyOf<M>;
  auto state = std::make_shared<sched_internal::AsyncCallState<R>>(std::move(done));
  int64_t deadline = DeadlineAfter(NowNanos(), timeout);
  if (deadline != INT64_MAX) {
    uint64_t t = clock_->Arm(deadline, [state, to, timeout] {
      state->Finish(CallResult<R>(absl::DeadlineExceededError(absl::StrCat(
          "call to ", to.ToString(), " timed out after ", absl::FormatDuration(timeout)))));
    });
    state->timer.store(t, std::memory_order_release);
  }
  auto* env = new RequestEnvelope<M>(
      std::move(msg), ReplyHandle<R>(new sched_internal::AsyncReplySink<R>(state, clock_)));
  SendMessage(to, env, /*may_block=*/false);  // on failure the handle already replied
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

}  // namespace myr

#endif  // MYR_SCHED_RUNTIME_H_
