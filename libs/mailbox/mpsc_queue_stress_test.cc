// Copyright Myrmidon authors.
//
// Concurrency stress for the MPSC queue and the bounded mailbox; meant to run
// under --config=tsan and --config=asan as well as plain.
#include <atomic>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "libs/mailbox/mailbox.h"

namespace myr {
namespace {

struct Item {
  int producer;
  int seq;
};

TEST(MpscStress, ConcurrentProducersWithASpinningConsumerKeepPerProducerOrder) {
  Mailbox mb(MailboxOptions::Unbounded());
  constexpr int kProducers = 3;
  constexpr int kEach = 20000;
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      while (!go.load()) {
      }
      for (int i = 0; i < kEach; ++i) {
        ASSERT_EQ(mb.Enqueue(new Envelope<Item>(std::in_place, Item{p, i})),
                  EnqueueResult::kAccepted);
        if (i % 97 == 0) mb.EnqueueSystem(new Envelope<Item>(std::in_place, Item{p, -1}));
      }
    });
  }
  go = true;
  std::vector<int> next(kProducers, 0);
  int total = 0, system = 0;
  const int want_system = kProducers * ((kEach + 96) / 97);
  while (total < kProducers * kEach || system < want_system) {
    if (Message* s = mb.PopSystem()) {
      ++system;
      delete s;
      continue;
    }
    Message* m = mb.Pop();
    if (m == nullptr) continue;
    Item* it = PayloadIf<Item>(m);
    ASSERT_EQ(it->seq, next[it->producer]);
    next[it->producer]++;
    ++total;
    delete m;
  }
  for (auto& t : threads) t.join();
  EXPECT_FALSE(mb.HasNew());
}

TEST(MpscStress, BoundedDropNewNeverExceedsCapacityAndCountsEveryDrop) {
  constexpr uint32_t kCap = 64;
  Mailbox mb(MailboxOptions::Bounded(kCap, OverflowPolicy::kDropNew));
  constexpr int kProducers = 3;
  constexpr int kEach = 20000;
  std::atomic<int> accepted{0};
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < kEach; ++i) {
        Message* m = new Envelope<Item>(std::in_place, Item{p, i});
        if (mb.Enqueue(m) == EnqueueResult::kAccepted) {
          accepted++;
        } else {
          delete m;
        }
      }
    });
  }
  std::thread watcher([&] {
    // A rejected sender's reservation is visible for an instant, so size()
    // may read up to one per concurrent sender above the real queue length.
    while (!done.load()) ASSERT_LE(mb.size(), kCap + kProducers);
  });
  int consumed = 0;
  for (auto& t : threads) t.join();
  while (Message* m = mb.Pop()) {
    delete m;
    ++consumed;
  }
  mb.PublishConsumed();
  done = true;
  watcher.join();
  EXPECT_EQ(consumed, accepted.load());
  EXPECT_EQ(mb.dropped() + accepted.load(), uint64_t{kProducers * kEach});
}

}  // namespace
}  // namespace myr
