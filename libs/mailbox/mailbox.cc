// Copyright Myrmidon authors.
#include "libs/mailbox/mailbox.h"

#include <chrono>
#include <condition_variable>
#include <mutex>

#include "absl/time/clock.h"

namespace myr {
namespace {

// Senders blocked on a full kBlock mailbox wait on one of a few striped
// condition variables (keyed by mailbox address), so a mailbox carries no
// mutex of its own: idle actors stay small.
struct alignas(64) RoomStripe {
  std::mutex mu;
  std::condition_variable cv;
};
constexpr size_t kStripes = 64;
RoomStripe& StripeFor(const void* mailbox) {
  static RoomStripe stripes[kStripes];
  auto h = reinterpret_cast<uintptr_t>(mailbox);
  return stripes[(h >> 6) % kStripes];
}

}  // namespace

const char* OverflowPolicyName(OverflowPolicy p) {
  switch (p) {
    case OverflowPolicy::kDropNew: return "drop_new";
    case OverflowPolicy::kDropOld: return "drop_old";
    case OverflowPolicy::kBlock: return "block";
    case OverflowPolicy::kRedirect: return "redirect";
    case OverflowPolicy::kSpill: return "spill";
  }
  return "unknown";
}

Mailbox::Mailbox(const MailboxOptions& options)
    : capacity_(options.capacity), overflow_(options.overflow), fallback_(options.fallback) {}

Mailbox::~Mailbox() { Drain(); }

EnqueueResult Mailbox::Enqueue(Message* m) {
  if (closed_.load(std::memory_order_acquire)) return EnqueueResult::kClosed;
  if (capacity_ == MailboxOptions::kUnbounded) {
    size_.fetch_add(1, std::memory_order_relaxed);
    user_.Push(m);
    return EnqueueResult::kAccepted;
  }
  int64_t before = size_.fetch_add(1, std::memory_order_relaxed);
  if (before < static_cast<int64_t>(capacity_)) {
    user_.Push(m);
    return EnqueueResult::kAccepted;
  }
  switch (overflow_) {
    case OverflowPolicy::kDropOld:
      // Accept; the owner discards the oldest before its next delivery.
      dropped_.fetch_add(1, std::memory_order_relaxed);
      user_.Push(m);
      return EnqueueResult::kAccepted;
    case OverflowPolicy::kSpill:
      spilled_.fetch_add(1, std::memory_order_relaxed);
      user_.Push(m);
      return EnqueueResult::kSpill;
    case OverflowPolicy::kDropNew:
      size_.fetch_sub(1, std::memory_order_relaxed);
      dropped_.fetch_add(1, std::memory_order_relaxed);
      return EnqueueResult::kDropped;
    case OverflowPolicy::kBlock:
      size_.fetch_sub(1, std::memory_order_relaxed);
      return EnqueueResult::kFull;
    case OverflowPolicy::kRedirect:
      size_.fetch_sub(1, std::memory_order_relaxed);
      return EnqueueResult::kRedirect;
  }
  return EnqueueResult::kDropped;
}

bool Mailbox::EnqueueForced(Message* m) {
  if (closed_.load(std::memory_order_acquire)) return false;
  size_.fetch_add(1, std::memory_order_relaxed);
  user_.Push(m);
  return true;
}

bool Mailbox::EnqueueChain(Message* first, Message* last, uint32_t n) {
  if (closed_.load(std::memory_order_acquire)) return false;
  size_.fetch_add(n, std::memory_order_relaxed);
  user_.PushChain(first, last);
  return true;
}

bool Mailbox::EnqueueSystem(Message* m) {
  if (closed_.load(std::memory_order_acquire)) return false;
  system_.Push(m);
  return true;
}

bool Mailbox::WaitForRoom(absl::Time deadline) {
  RoomStripe& stripe = StripeFor(this);
  room_waiters_.fetch_add(1, std::memory_order_seq_cst);
  std::unique_lock<std::mutex> lock(stripe.mu);
  bool room = false;
  for (;;) {
    if (closed()) break;
    if (size_.load(std::memory_order_seq_cst) < static_cast<int64_t>(capacity_)) {
      room = true;
      break;
    }
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) break;
    // Wake at least every 10 ms: a notify can race with the size check.
    absl::Duration step = std::min(left, absl::Milliseconds(10));
    stripe.cv.wait_for(lock, absl::ToChronoNanoseconds(step));
  }
  room_waiters_.fetch_sub(1, std::memory_order_seq_cst);
  return room;
}

void Mailbox::NotifyRoom() {
  if (room_waiters_.load(std::memory_order_seq_cst) != 0) {
    RoomStripe& stripe = StripeFor(this);
    std::lock_guard<std::mutex> lock(stripe.mu);
    stripe.cv.notify_all();
  }
}

Message* Mailbox::PopSystem() { return static_cast<Message*>(system_.Pop()); }

Message* Mailbox::PopQueue() {
  if (overflow_ == OverflowPolicy::kDropOld && capacity_ != MailboxOptions::kUnbounded) {
    // Discard the oldest while over capacity (counted in dropped_ on arrival).
    while (OwnerSize() > static_cast<int64_t>(capacity_)) {
      Message* oldest;
      if (saved_head_ != nullptr) {
        oldest = saved_head_;
        saved_head_ = static_cast<Message*>(oldest->next.load(std::memory_order_relaxed));
        if (saved_head_ == nullptr) saved_tail_ = nullptr;
      } else {
        oldest = static_cast<Message*>(user_.Pop());
        if (oldest == nullptr) break;
      }
      ++unpublished_;
      delete oldest;
    }
  }
  return static_cast<Message*>(user_.Pop());
}

Message* Mailbox::Pop() {
  if (saved_head_ != nullptr) {
    Message* m = saved_head_;
    saved_head_ = static_cast<Message*>(m->next.load(std::memory_order_relaxed));
    if (saved_head_ == nullptr) saved_tail_ = nullptr;
    m->next.store(nullptr, std::memory_order_relaxed);
    OnUserRemoved();
    return m;
  }
  Message* m = PopQueue();
  if (m != nullptr) OnUserRemoved();
  return m;
}

void Mailbox::SaveAppend(Message* m) {
  m->next.store(nullptr, std::memory_order_relaxed);
  if (saved_tail_ == nullptr) {
    saved_head_ = saved_tail_ = m;
  } else {
    saved_tail_->next.store(m, std::memory_order_relaxed);
    saved_tail_ = m;
  }
}

void Mailbox::Close() {
  closed_.store(true, std::memory_order_seq_cst);
  if (room_waiters_.load(std::memory_order_seq_cst) != 0) {
    RoomStripe& stripe = StripeFor(this);
    std::lock_guard<std::mutex> lock(stripe.mu);
    stripe.cv.notify_all();
  }
}

size_t Mailbox::Drain() {
  size_t n = 0;
  while (Message* m = PopSystem()) {
    delete m;
    ++n;
  }
  for (;;) {
    Message* m = saved_head_;
    if (m != nullptr) {
      saved_head_ = static_cast<Message*>(m->next.load(std::memory_order_relaxed));
      if (saved_head_ == nullptr) saved_tail_ = nullptr;
    } else {
      m = static_cast<Message*>(user_.Pop());
      if (m == nullptr) {
        if (user_.Empty()) break;
        continue;  // a push is in between; it completes promptly
      }
    }
    size_.fetch_sub(1, std::memory_order_relaxed);
    delete m;
    ++n;
  }
  PublishConsumed();
  return n;
}

}  // namespace myr
