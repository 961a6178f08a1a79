// Copyright Myrmidon authors.
//
// mpsc_queue.h: an intrusive, unbounded multi-producer single-consumer queue
// (Dmitry Vyukov's algorithm).
//
// Push is wait-free: one atomic exchange, whatever the number of producers.
// Pop is lock-free and owner-only. Between a producer's exchange and its link
// store the queue is momentarily "in between": Pop returns nullptr although
// Empty() is false; the consumer retries (the runtime re-runs the actor).
// Memory ordering: Push and Empty() are sequentially consistent, so a
// consumer that clears a "scheduled" flag and then checks Empty() and a
// producer that pushes and then checks the flag cannot both miss each other.
#ifndef MYR_MAILBOX_MPSC_QUEUE_H_
#define MYR_MAILBOX_MPSC_QUEUE_H_

#include <atomic>

#include "libs/mailbox/message.h"

namespace myr::mailbox_internal {

class MpscQueue {
 public:
  MpscQueue() : head_(&stub_), tail_(&stub_) {}
  MpscQueue(const MpscQueue&) = delete;
  MpscQueue& operator=(const MpscQueue&) = delete;

  // @threadsafe
  void Push(QueueNode* n) {
    n->next.store(nullptr, std::memory_order_relaxed);
    QueueNode* prev = head_.exchange(n, std::memory_order_seq_cst);
    prev->next.store(n, std::memory_order_release);
  }

  // @threadsafe. Pushes a chain first..last already linked through `next`
  // (last->next is overwritten) with one exchange.
  void PushChain(QueueNode* first, QueueNode* last) {
    last->next.store(nullptr, std::memory_order_relaxed);
    QueueNode* prev = head_.exchange(last, std::memory_order_seq_cst);
    prev->next.store(first, std::memory_order_release);
  }

  // Owner only. nullptr if empty or a push is in between.
  QueueNode* Pop() {
    QueueNode* tail = tail_;
    QueueNode* next = tail->next.load(std::memory_order_acquire);
    if (tail == &stub_) {
      if (next == nullptr) return nullptr;
      tail_ = next;
      tail = next;
      next = next->next.load(std::memory_order_acquire);
    }
    if (next != nullptr) {
      tail_ = next;
      return tail;
    }
    if (tail != head_.load(std::memory_order_acquire)) return nullptr;  // in between
    Push(&stub_);
    next = tail->next.load(std::memory_order_acquire);
    if (next != nullptr) {
      tail_ = next;
      return tail;
    }
    return nullptr;
  }

  // Owner only (reads the consumer's tail). True if nothing is queued,
  // including nothing in between.
  bool Empty() const {
    return tail_ == &stub_ && head_.load(std::memory_order_seq_cst) == &stub_;
  }

 private:
  std::atomic<QueueNode*> head_;  // producers' end (most recent)
  QueueNode* tail_;               // consumer's end
  QueueNode stub_;
};

}  // namespace myr::mailbox_internal

#endif  // MYR_MAILBOX_MPSC_QUEUE_H_
