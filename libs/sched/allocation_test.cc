// Copyright Myrmidon authors.
//
// No heap allocation per message on the hot path: a counting global
// operator new (this binary's) watches the runtime while actors exchange
// messages in a steady state — a hop to an idle actor, a ring, a stream of
// sends to one mailbox. Messages and cells come from the size-class pool
// (libs/base/small_pool.h), which takes memory in chunks; after a warm-up
// the pool recycles, so a hop allocates nothing, and a stream allocates only
// the chunks its growing queue needs.
//
// Under a sanitizer the pool is bypassed (ASan must see every allocation)
// and the sanitizer owns operator new: the test skips there.
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

#include "gtest/gtest.h"
#include "libs/base/small_pool.h"
#include "libs/sched/runtime.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define MYR_COUNTING_ALLOCATOR 0
#else
#define MYR_COUNTING_ALLOCATOR 1
#endif

namespace {
std::atomic<int64_t> g_news{0};
}  // namespace

#if MYR_COUNTING_ALLOCATOR
void* operator new(size_t n) {
  g_news.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n) { return ::operator new(n); }
void* operator new(size_t n, std::align_val_t a) {
  g_news.fetch_add(1, std::memory_order_relaxed);
  size_t al = static_cast<size_t>(a);
  if (void* p = std::aligned_alloc(al, (n + al - 1) / al * al)) return p;
  throw std::bad_alloc();
}
void* operator new[](size_t n, std::align_val_t a) { return ::operator new(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, size_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { std::free(p); }
#endif

namespace myr {
namespace {

struct Done {
  std::atomic<int> phase{0};
  void Open() {
    phase.fetch_add(1, std::memory_order_release);
    phase.notify_all();
  }
  void WaitFor(int p) {
    for (int v = phase.load(std::memory_order_acquire); v < p;
         v = phase.load(std::memory_order_acquire)) {
      phase.wait(v, std::memory_order_acquire);
    }
  }
};

struct Token {
  int64_t left;
};
struct SetNext {
  Pid next;
};

// Passes a token on until it reaches zero; pingpong is a ring of two.
class Node : public Actor<Node, Token, SetNext> {
 public:
  explicit Node(Done* done) : done_(done) {}
  void Handle(SetNext& m) { next_ = m.next; }
  void Handle(Token& t) {
    if (t.left == 0) {
      done_->Open();
      return;
    }
    Send(next_, Token{t.left - 1});
  }

 private:
  Done* done_;
  Pid next_;
};

struct Burst {
  int64_t n;
};
struct Tick {};

// Sends a burst of ticks to a counter; the counter opens `done` at each
// multiple of `per_phase`.
class Counter : public Actor<Counter, Tick> {
 public:
  Counter(Done* done, int64_t per_phase) : done_(done), per_phase_(per_phase) {}
  void Handle(Tick&) {
    if (++seen_ % per_phase_ == 0) done_->Open();
  }

 private:
  Done* done_;
  int64_t per_phase_;
  int64_t seen_ = 0;
};
class Producer : public Actor<Producer, Burst> {
 public:
  explicit Producer(Pid to) : to_(to) {}
  void Handle(Burst& b) {
    for (int64_t i = 0; i < b.n; ++i) Send(to_, Tick{});
  }

 private:
  Pid to_;
};

RuntimeOptions Opts() {
  RuntimeOptions o;
  o.workers = 2;
  return o;
}

SpawnOptions Unbounded() { return SpawnOptions().WithMailbox(MailboxOptions::Unbounded()); }

class Allocation : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!MYR_COUNTING_ALLOCATOR || base::SmallPool::Bypassed()) {
      GTEST_SKIP() << "a sanitizer owns operator new and the pool is bypassed";
    }
  }
};

// A ring of `nodes` actors: one warm-up lap of `hops`, then `hops` more,
// counting the allocations of the second.
int64_t RingAllocations(int nodes, int64_t hops) {
  Runtime rt(Opts());
  Done done;
  std::vector<Pid> ring;
  for (int i = 0; i < nodes; ++i) ring.push_back(rt.SpawnWith<Node>(Unbounded(), &done)->pid());
  for (int i = 0; i < nodes; ++i) rt.Send(ring[i], SetNext{ring[(i + 1) % nodes]});
  rt.Send(ring[0], Token{hops});
  done.WaitFor(1);
  int64_t before = g_news.load();
  rt.Send(ring[0], Token{hops});
  done.WaitFor(2);
  return g_news.load() - before;
}

TEST_F(Allocation, AHopToAnIdleActorAllocatesNothing) {
  // Pingpong: 200,000 hops between two actors.
  EXPECT_EQ(RingAllocations(2, 200'000), 0);
}

TEST_F(Allocation, ARingOfFiveHundredActorsAllocatesNothingPerHop) {
  EXPECT_EQ(RingAllocations(503, 500'000), 0);
}

TEST_F(Allocation, AStreamOfSendsToOneMailboxAllocatesNothingPerMessage) {
  constexpr int64_t kBurst = 200'000;
  Runtime rt(Opts());
  Done done;
  auto counter = *rt.SpawnWith<Counter>(Unbounded(), &done, kBurst);
  auto producer = *rt.SpawnWith<Producer>(Unbounded(), counter.pid());
  rt.Send(producer, Burst{kBurst});
  done.WaitFor(1);
  int64_t before = g_news.load();
  rt.Send(producer, Burst{kBurst});
  done.WaitFor(2);
  // The messages themselves allocate nothing, but the producer outruns the
  // consumer: the queue grows, the freed messages are still on the
  // consumer's side of the pool, and the producer's side takes fresh 64 KiB
  // chunks (thousands of messages each) for the depth. Measured: ~46 chunks
  // for 200,000 messages, growth with the queue's depth, not an allocation
  // per message (that would be 200,000).
  EXPECT_LT(g_news.load() - before, kBurst / 200);
}

}  // namespace
}  // namespace myr
