// Copyright Myrmidon authors.
//
// mailbox.h: an actor's mailbox.
//
// Two channels:
//   - the user channel: a lock-free MPSC queue of ordinary messages, bounded
//     by a capacity with an overflow policy;
//   - the system channel: an unbounded MPSC queue for runtime signals (exit,
//     link, kill, swap, replies, timeouts) that the owner always drains first,
//     so a kill never waits behind a million queued user messages.
//
// Overflow policies, applied when a user message arrives at a full mailbox:
//   kDropNew   the new message is rejected (Enqueue returns kDropped; the
//              caller destroys it); counted in dropped().
//   kDropOld   the new message is accepted and the oldest queued one is
//              discarded; counted in dropped(). The discard happens on the
//              owner's side, before the next delivery, so while the owner is
//              inside a handler the queue may briefly hold more than capacity.
//   kBlock     Enqueue returns kFull and takes nothing; a sender that may
//              block calls WaitForRoom() and retries, a non-blocking sender
//              reports backpressure. Nothing is counted as dropped.
//   kRedirect  Enqueue returns kRedirect and takes nothing; the runtime sends
//              the message to fallback() instead; counted in redirected().
//   kSpill     the message is accepted (the owner still gets it once room
//              frees, in order) and Enqueue returns kSpill so that the
//              runtime sends a copy to fallback(); counted in spilled().
// Capacity 0 means unbounded (available, but not the default for actors).
//
// Selective receive: TakeFirst(pred) returns the first user message that
// matches, keeping the others in arrival order (they move to a private save
// queue that Pop and later TakeFirst calls look at first).
//
// Thread-safety: Enqueue*, size(), counters, Close() and WaitForRoom() are
// @threadsafe. Pop*, TakeFirst, Has*, and Drain are for the owning consumer
// only (one thread at a time; the runtime guarantees it).
#ifndef MYR_MAILBOX_MAILBOX_H_
#define MYR_MAILBOX_MAILBOX_H_

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "absl/time/time.h"
#include "libs/mailbox/message.h"
#include "libs/mailbox/mpsc_queue.h"
#include "libs/pid/pid.h"

namespace myr {

enum class OverflowPolicy : uint8_t { kDropNew, kDropOld, kBlock, kRedirect, kSpill };

const char* OverflowPolicyName(OverflowPolicy p);

struct MailboxOptions {
  static constexpr uint32_t kUnbounded = 0;
  static constexpr uint32_t kDefaultCapacity = 65536;

  uint32_t capacity = kDefaultCapacity;
  OverflowPolicy overflow = OverflowPolicy::kDropNew;
  Pid fallback;  // target of kRedirect and kSpill

  static MailboxOptions Unbounded() {
    MailboxOptions o;
    o.capacity = kUnbounded;
    return o;
  }
  static MailboxOptions Bounded(uint32_t capacity, OverflowPolicy policy, Pid fallback = Pid()) {
    MailboxOptions o;
    o.capacity = capacity;
    o.overflow = policy;
    o.fallback = fallback;
    return o;
  }
};

// What Enqueue did with a message (a hot-path enum, not a Status).
enum class EnqueueResult : uint8_t {
  kAccepted,  // queued; the mailbox owns the message
  kSpill,     // queued beyond capacity; caller should send a copy to fallback()
  kRedirect,  // NOT queued; caller should send it to fallback()
  kFull,      // NOT queued (kBlock policy): wait for room or report backpressure
  kDropped,   // NOT queued (kDropNew policy); counted
  kClosed,    // NOT queued: the mailbox is closed (owner exited)
};

class Mailbox {
 public:
  explicit Mailbox(const MailboxOptions& options = MailboxOptions());
  // Destroys every message still queued (requests among them reply with an
  // error from their destructors).
  ~Mailbox();
  Mailbox(const Mailbox&) = delete;
  Mailbox& operator=(const Mailbox&) = delete;

  // --- producers (@threadsafe) ---------------------------------------------

  // Offers a user message. On kAccepted/kSpill the mailbox owns `m`;
  // otherwise the caller still does.
  EnqueueResult Enqueue(Message* m);
  // Queues a user message ignoring capacity (used for messages that must not
  // be lost, e.g. a stop marker). False (caller keeps `m`) if closed.
  bool EnqueueForced(Message* m);
  // Queues `n` user messages linked first..last (through QueueNode::next)
  // with one atomic exchange; only for unbounded mailboxes. False (caller
  // keeps them) if closed.
  bool EnqueueChain(Message* first, Message* last, uint32_t n);
  // Queues a system message. False (caller keeps `m`) if closed.
  bool EnqueueSystem(Message* m);
  // Blocks until the user channel has room or the mailbox closes or the
  // deadline passes; true if there is room now. For the kBlock policy.
  bool WaitForRoom(absl::Time deadline);

  // --- owner only -----------------------------------------------------------

  Message* PopSystem();
  // Next user message: the save queue first, then the queue. nullptr if none
  // (or a push is in between; HasNew() then stays true).
  Message* Pop();
  // Selective receive: first user message for which pred(const Message&) is
  // true; non-matching messages keep their order in the save queue.
  template <typename Pred>
  Message* TakeFirst(Pred&& pred);
  // True if the system channel or the queue (not the save queue) may hold
  // something not yet looked at.
  bool HasNew() const { return !system_.Empty() || !user_.Empty(); }
  bool HasSystem() const { return !system_.Empty(); }
  bool HasSaved() const { return saved_head_ != nullptr; }
  // Exact number of user messages queued, as the owner sees it.
  size_t owner_size() const { return static_cast<size_t>(OwnerSize()); }
  // Closes the mailbox: later Enqueue* calls return kClosed/false.
  void Close();
  // Destroys every queued message (system and user); returns how many.
  size_t Drain();
  // Makes consumption visible to size() and to senders' capacity checks.
  // The owner publishes every kPublishEvery messages by itself; the runtime
  // also calls this at the end of every turn, so a bounded mailbox admits
  // new messages at the latest when its owner's turn ends.
  void PublishConsumed() {
    if (unpublished_ != 0) {
      size_.fetch_sub(unpublished_, std::memory_order_seq_cst);
      unpublished_ = 0;
      NotifyRoom();
    }
  }

  // --- introspection (@threadsafe) -----------------------------------------

  // User messages queued (including the save queue). While senders race on
  // a full mailbox it may read up to one per concurrent sender too high; an
  // unbounded mailbox publishes its owner's consumption in batches (every 64
  // messages and at the end of each turn), so it may read high by that much.
  size_t size() const {
    int64_t n = size_.load(std::memory_order_relaxed);
    return n < 0 ? 0 : static_cast<size_t>(n);
  }
  uint32_t capacity() const { return capacity_; }
  bool bounded() const { return capacity_ != MailboxOptions::kUnbounded; }
  OverflowPolicy overflow() const { return overflow_; }
  Pid fallback() const { return fallback_; }
  bool closed() const { return closed_.load(std::memory_order_acquire); }
  // Counters wrap at 2^32.
  uint64_t dropped() const { return dropped_.load(std::memory_order_relaxed); }
  uint64_t redirected() const { return redirected_.load(std::memory_order_relaxed); }
  uint64_t spilled() const { return spilled_.load(std::memory_order_relaxed); }
  // For the runtime: record a redirect it performed on the mailbox's behalf.
  void CountRedirected() { redirected_.fetch_add(1, std::memory_order_relaxed); }

 private:
  void NotifyRoom();
  Message* PopQueue();  // from user_, applying the drop-old trim
  void OnUserRemoved() {
    // Consumption is published in batches: producers on another core keep
    // the size line in their cache instead of bouncing it per message.
    // A bounded mailbox publishes at once, so its capacity is exact.
    if (++unpublished_ >= kPublishEvery || capacity_ != MailboxOptions::kUnbounded ||
        room_waiters_.load(std::memory_order_relaxed) != 0) {
      PublishConsumed();
    }
  }
  void SaveAppend(Message* m);
  int64_t OwnerSize() const { return size_.load(std::memory_order_relaxed) - unpublished_; }

  static constexpr uint32_t kPublishEvery = 64;

  // Field order: what producers write per message first, read-mostly
  // configuration next, then the owner's state, so that on a busy mailbox
  // the consumer's core does not keep stealing the producers' cache line.
  mailbox_internal::MpscQueue user_;
  std::atomic<int64_t> size_{0};
  const uint32_t capacity_;
  const OverflowPolicy overflow_;
  std::atomic<bool> closed_{false};
  const Pid fallback_;
  // Owner side.
  mailbox_internal::MpscQueue system_;
  Message* saved_head_ = nullptr;
  Message* saved_tail_ = nullptr;
  uint32_t unpublished_ = 0;
  std::atomic<uint32_t> room_waiters_{0};
  std::atomic<uint32_t> dropped_{0};
  std::atomic<uint32_t> redirected_{0};
  std::atomic<uint32_t> spilled_{0};
};

template <typename Pred>
Message* Mailbox::TakeFirst(Pred&& pred) {
  // The save queue first, unlinking a match.
  Message* prev = nullptr;
  for (Message* m = saved_head_; m != nullptr;) {
    Message* next = static_cast<Message*>(m->next.load(std::memory_order_relaxed));
    if (pred(static_cast<const Message&>(*m))) {
      if (prev == nullptr) {
        saved_head_ = next;
      } else {
        prev->next.store(next, std::memory_order_relaxed);
      }
      if (saved_tail_ == m) saved_tail_ = prev;
      m->next.store(nullptr, std::memory_order_relaxed);
      OnUserRemoved();
      return m;
    }
    prev = m;
    m = next;
  }
  // Then new messages; non-matching ones join the save queue in order.
  while (Message* m = PopQueue()) {
    if (pred(static_cast<const Message&>(*m))) {
      OnUserRemoved();
      return m;
    }
    SaveAppend(m);
  }
  return nullptr;
}

}  // namespace myr

#endif  // MYR_MAILBOX_MAILBOX_H_
