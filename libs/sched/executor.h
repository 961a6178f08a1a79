// Copyright Myrmidon authors.
//
// executor.h: where actors' turns run.
//
// A turn is one activation of one actor: the runtime pops up to `budget`
// messages from its mailbox and calls its handlers, on the calling thread.
// When an idle actor gets a message (or its budget ran out with messages
// left), the runtime hands a Turn to the actor's executor, which runs it
// soon, exactly once, on a thread of its own choosing:
//
//   class MainThreadExecutor : public myr::Executor {        // a Node-style loop
//    public:
//     void Submit(myr::Turn turn, myr::Placement) override {
//       std::lock_guard<std::mutex> lock(mu_);
//       queue_.push_back(turn);
//       WakeTheLoop();                                        // e.g. uv_async_send
//     }
//     void Shutdown(std::vector<myr::Turn>& left) override {   // runtime is ending
//       std::lock_guard<std::mutex> lock(mu_);
//       left.insert(left.end(), queue_.begin(), queue_.end());
//       queue_.clear();
//     }
//     const char* name() const override { return "main-thread"; }
//     void RunQueued() {                                     // on the loop's thread
//       for (myr::Turn t : TakeQueue()) t.Run();
//     }
//    ...
//   };
//   auto* loop = rt.AddExecutor(std::make_unique<MainThreadExecutor>());
//   rt.SpawnWith<Greeter>(myr::SpawnOptions().OnExecutor(loop));
//
// The runtime's own executors implement the same interface: the worker pool
// (SpawnOptions::lane = kWorker: one thread per core, per-worker run queues
// with a LIFO slot, work stealing, parking, a monitor that frees work stuck
// behind a long handler), the blocking pool (kBlocking: a growing pool of
// threads whose handlers may block) and, in deterministic mode, the ready
// list the test steps through (every actor runs there). Guest languages add
// theirs: the Python binding one that holds the GIL, the Node binding one on
// the event-loop thread.
//
// The contract, for every executor:
//   - Submit never runs the turn inline (the submitter may be inside another
//     actor's turn, holding its state) and never blocks; it is @threadsafe
//     and is called from any thread, including the executor's own.
//   - Each submitted Turn is Run exactly once, or handed back by Shutdown.
//     An actor is submitted again only after its previous turn returned, so
//     one actor's turns never overlap (they may move between threads).
//   - Turn::Run must be called with no lock held that a handler might need;
//     it returns when the turn is over. It never throws (a handler's
//     exception ends the actor as a crash).
//   - Shutdown is called once, after every actor has exited (or the runtime
//     gave up waiting): the executor stops its threads and appends to
//     `leftover` the turns it has not run; it must not run them.
#ifndef MYR_SCHED_EXECUTOR_H_
#define MYR_SCHED_EXECUTOR_H_

#include <cstdint>
#include <vector>

namespace myr {

namespace sched_internal {
class Cell;
struct TurnAccess;
}  // namespace sched_internal

// One actor's turn, handed to its executor. A small value (one pointer);
// copyable, but run each submitted turn once.
class Turn {
 public:
  Turn() = default;
  // Runs the turn on the calling thread (see the contract above).
  void Run() const;
  bool valid() const { return cell_ != nullptr; }

 private:
  friend struct sched_internal::TurnAccess;
  explicit Turn(sched_internal::Cell* cell) : cell_(cell) {}
  sched_internal::Cell* cell_ = nullptr;
};

// Where a submitted turn should go in the executor's order (a hint; an
// executor with a single FIFO ignores it).
enum class Placement : uint8_t {
  // The actor was just woken by the turn running on this thread (a message
  // from it, or it was spawned by it): running it next on this thread keeps
  // a request/reply pair on one core. The worker pool's LIFO slot.
  kNext,
  // The actor used up its budget with messages left: behind the others.
  kLater,
};

class Executor {
 public:
  virtual ~Executor() = default;

  // Queues `turn` to run (see the contract above). @threadsafe.
  virtual void Submit(Turn turn, Placement where) = 0;

  // Whether handlers run by this executor may block their thread. If so, a
  // send from them to a full kBlock mailbox waits for room (up to
  // RuntimeOptions::block_timeout) instead of reporting backpressure.
  virtual bool turns_may_block() const { return false; }

  // The most messages one turn may handle here: the actor's budget is
  // clipped to it at spawn (the deterministic ready list: 1).
  virtual uint32_t max_budget() const { return UINT32_MAX; }

  // Called, again and again, by the thread that destroys the runtime while
  // it waits for every actor to exit (the kills are turns too). An executor
  // whose turns belong to that very thread — an event loop that is not
  // running while its owner tears the runtime down — runs its queued turns
  // here and returns true if it ran any. Others return false (their own
  // threads run the kills). The runtime gives up waiting after 10 seconds:
  // an actor whose turn never runs is then left, unfreed.
  virtual bool DrainHere() { return false; }

  // Called once when the runtime ends (see the contract above).
  virtual void Shutdown(std::vector<Turn>& leftover) = 0;

  // For diagnostics ("workers", "blocking", "deterministic", ...).
  virtual const char* name() const = 0;
};

}  // namespace myr

#endif  // MYR_SCHED_EXECUTOR_H_
