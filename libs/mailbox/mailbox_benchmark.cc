// Copyright Myrmidon authors.
#include <thread>

#include "benchmark/benchmark.h"
#include "libs/mailbox/mailbox.h"

namespace myr {
namespace {

struct Payload {
  int64_t n;
};

// Same-thread push + pop of one message (allocation included).
void BM_EnqueuePop(benchmark::State& state) {
  Mailbox mb(MailboxOptions::Unbounded());
  for (auto _ : state) {
    mb.Enqueue(new Envelope<Payload>(std::in_place, Payload{1}));
    delete mb.Pop();
  }
}
BENCHMARK(BM_EnqueuePop);

// Push + pop through a bounded mailbox (capacity accounting on the path).
void BM_EnqueuePopBounded(benchmark::State& state) {
  Mailbox mb(MailboxOptions::Bounded(1024, OverflowPolicy::kDropNew));
  for (auto _ : state) {
    mb.Enqueue(new Envelope<Payload>(std::in_place, Payload{1}));
    delete mb.Pop();
  }
}
BENCHMARK(BM_EnqueuePopBounded);

// Selective receive scanning past N non-matching messages.
void BM_SelectiveReceive(benchmark::State& state) {
  Mailbox mb(MailboxOptions::Unbounded());
  for (int i = 0; i < state.range(0); ++i) mb.Enqueue(new Envelope<Payload>(std::in_place, Payload{0}));
  for (auto _ : state) {
    mb.Enqueue(new Envelope<Payload>(std::in_place, Payload{1}));
    delete mb.TakeFirst([](const Message& m) { return PayloadIf<Payload>(&m)->n == 1; });
  }
}
BENCHMARK(BM_SelectiveReceive)->Arg(0)->Arg(16)->Arg(256);

// One producer thread, one consumer thread.
void BM_CrossThread(benchmark::State& state) {
  Mailbox mb(MailboxOptions::Unbounded());
  std::atomic<bool> stop{false};
  std::thread producer([&] {
    while (!stop.load(std::memory_order_relaxed)) {
      for (int i = 0; i < 64; ++i) mb.Enqueue(new Envelope<Payload>(std::in_place, Payload{1}));
      while (mb.size() > 4096 && !stop.load(std::memory_order_relaxed)) std::this_thread::yield();
    }
  });
  for (auto _ : state) {
    Message* m;
    while ((m = mb.Pop()) == nullptr) {
    }
    delete m;
  }
  stop = true;
  producer.join();
  mb.Drain();
}
BENCHMARK(BM_CrossThread);

}  // namespace
}  // namespace myr
