// Copyright Myrmidon authors.
#include "libs/mailbox/mailbox.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace myr {
namespace {

struct Num {
  int n;
};
struct Text {
  std::string s;
};
struct MoveOnly {
  std::unique_ptr<int> p;
};

// A system message for tests.
class Sig : public Message {
 public:
  explicit Sig(uint16_t kind) : Message(MessageTypeOf<Sig>(), kSystem, kind) {}
};

Message* MakeNum(int n) { return new Envelope<Num>(std::in_place, Num{n}); }
int NumOf(Message* m) { return PayloadIf<Num>(m)->n; }

// Pops one user message and returns its number (deleting it), or -1.
int PopNum(Mailbox& mb) {
  Message* m = mb.Pop();
  if (m == nullptr) return -1;
  int n = NumOf(m);
  delete m;
  return n;
}

TEST(Mailbox, DeliversUserMessagesInArrivalOrder) {
  Mailbox mb(MailboxOptions::Unbounded());
  for (int i = 0; i < 10; ++i) ASSERT_EQ(mb.Enqueue(MakeNum(i)), EnqueueResult::kAccepted);
  EXPECT_EQ(mb.size(), 10u);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(PopNum(mb), i);
  EXPECT_EQ(mb.Pop(), nullptr);
  EXPECT_EQ(mb.owner_size(), 0u);
  EXPECT_EQ(mb.size(), 10u);  // unbounded: consumption is published in batches...
  mb.PublishConsumed();       // ...or when the owner's turn ends
  EXPECT_EQ(mb.size(), 0u);
  EXPECT_FALSE(mb.HasNew());
}

TEST(Mailbox, TheSystemChannelIsSeparateAndDrainedFirstByTheOwner) {
  Mailbox mb(MailboxOptions::Unbounded());
  mb.Enqueue(MakeNum(1));
  ASSERT_TRUE(mb.EnqueueSystem(new Sig(7)));
  EXPECT_TRUE(mb.HasSystem());
  Message* s = mb.PopSystem();
  ASSERT_NE(s, nullptr);
  EXPECT_TRUE(s->is_system());
  EXPECT_EQ(s->kind(), 7);
  delete s;
  EXPECT_EQ(mb.size(), 1u);  // system messages do not count against capacity
  EXPECT_EQ(PopNum(mb), 1);
}

TEST(Mailbox, UsersGetABoundedMailboxByDefault) {
  Mailbox mb;
  EXPECT_TRUE(mb.bounded());
  EXPECT_EQ(mb.capacity(), MailboxOptions::kDefaultCapacity);
  EXPECT_EQ(mb.overflow(), OverflowPolicy::kDropNew);
}

TEST(Mailbox, DropNewRejectsWhenFullAndCountsTheDrop) {
  Mailbox mb(MailboxOptions::Bounded(3, OverflowPolicy::kDropNew));
  for (int i = 0; i < 3; ++i) EXPECT_EQ(mb.Enqueue(MakeNum(i)), EnqueueResult::kAccepted);
  Message* extra = MakeNum(3);
  EXPECT_EQ(mb.Enqueue(extra), EnqueueResult::kDropped);
  delete extra;  // the caller still owns a rejected message
  EXPECT_EQ(mb.size(), 3u);
  EXPECT_EQ(mb.dropped(), 1u);
  EXPECT_EQ(PopNum(mb), 0);
  EXPECT_EQ(mb.Enqueue(MakeNum(4)), EnqueueResult::kAccepted);  // room again at once
  EXPECT_EQ(PopNum(mb), 1);
  EXPECT_EQ(PopNum(mb), 2);
  EXPECT_EQ(PopNum(mb), 4);
}

TEST(Mailbox, DropOldKeepsTheNewestCapacityMessages) {
  Mailbox mb(MailboxOptions::Bounded(3, OverflowPolicy::kDropOld));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(mb.Enqueue(MakeNum(i)), EnqueueResult::kAccepted);
  EXPECT_EQ(mb.dropped(), 2u);
  EXPECT_EQ(PopNum(mb), 2);
  EXPECT_EQ(PopNum(mb), 3);
  EXPECT_EQ(PopNum(mb), 4);
  EXPECT_EQ(mb.Pop(), nullptr);
}

TEST(Mailbox, BlockReportsFullAndTakesNothing) {
  Mailbox mb(MailboxOptions::Bounded(1, OverflowPolicy::kBlock));
  EXPECT_EQ(mb.Enqueue(MakeNum(0)), EnqueueResult::kAccepted);
  Message* m = MakeNum(1);
  EXPECT_EQ(mb.Enqueue(m), EnqueueResult::kFull);
  EXPECT_EQ(mb.dropped(), 0u);
  EXPECT_FALSE(mb.WaitForRoom(absl::Now() + absl::Milliseconds(20)));  // times out
  delete m;
}

TEST(Mailbox, ABlockedSenderResumesWhenTheOwnerFreesRoom) {
  Mailbox mb(MailboxOptions::Bounded(2, OverflowPolicy::kBlock));
  mb.Enqueue(MakeNum(0));
  mb.Enqueue(MakeNum(1));
  std::atomic<bool> sent{false};
  std::thread sender([&] {
    Message* m = MakeNum(2);
    while (mb.Enqueue(m) == EnqueueResult::kFull) {
      ASSERT_TRUE(mb.WaitForRoom(absl::Now() + absl::Seconds(10)));
    }
    sent = true;
  });
  // The owner consumes one message; the sender gets in.
  while (mb.size() < 2) std::this_thread::yield();
  int first = -1;
  while ((first = PopNum(mb)) == -1) std::this_thread::yield();
  EXPECT_EQ(first, 0);
  mb.PublishConsumed();  // what the runtime does when the owner's turn ends
  sender.join();
  EXPECT_TRUE(sent);
  EXPECT_EQ(PopNum(mb), 1);
  EXPECT_EQ(PopNum(mb), 2);
}

TEST(Mailbox, CloseWakesABlockedSender) {
  Mailbox mb(MailboxOptions::Bounded(1, OverflowPolicy::kBlock));
  mb.Enqueue(MakeNum(0));
  std::thread waiter([&] { EXPECT_FALSE(mb.WaitForRoom(absl::Now() + absl::Seconds(30))); });
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  mb.Close();
  waiter.join();
}

TEST(Mailbox, RedirectHandsTheMessageBackForTheFallback) {
  Pid fallback = Pid::Make(1, 9, 1);
  Mailbox mb(MailboxOptions::Bounded(1, OverflowPolicy::kRedirect, fallback));
  EXPECT_EQ(mb.Enqueue(MakeNum(0)), EnqueueResult::kAccepted);
  Message* m = MakeNum(1);
  EXPECT_EQ(mb.Enqueue(m), EnqueueResult::kRedirect);
  EXPECT_EQ(mb.fallback(), fallback);
  EXPECT_EQ(mb.size(), 1u);
  delete m;
}

TEST(Mailbox, SpillAcceptsBeyondCapacityAndAsksForACopy) {
  Mailbox mb(MailboxOptions::Bounded(1, OverflowPolicy::kSpill, Pid::Make(1, 2, 3)));
  EXPECT_EQ(mb.Enqueue(MakeNum(0)), EnqueueResult::kAccepted);
  EXPECT_EQ(mb.Enqueue(MakeNum(1)), EnqueueResult::kSpill);
  EXPECT_EQ(mb.spilled(), 1u);
  EXPECT_EQ(PopNum(mb), 0);
  EXPECT_EQ(PopNum(mb), 1);  // the primary still gets it
}

TEST(Mailbox, ClonesCopyablePayloadsOnly) {
  Message* text = new Envelope<Text>(std::in_place, Text{"hi"});
  text->set_sender(Pid::Make(1, 1, 1));
  Message* copy = text->Clone();
  ASSERT_NE(copy, nullptr);
  EXPECT_EQ(PayloadIf<Text>(copy)->s, "hi");
  EXPECT_EQ(copy->sender(), text->sender());
  Message* mo = new Envelope<MoveOnly>(std::in_place, MoveOnly{std::make_unique<int>(1)});
  EXPECT_EQ(mo->Clone(), nullptr);
  delete text;
  delete copy;
  delete mo;
}

TEST(Mailbox, AClosedMailboxNoLongerAcceptsNewMessages) {
  Mailbox mb(MailboxOptions::Unbounded());
  mb.Close();
  Message* m = MakeNum(1);
  EXPECT_EQ(mb.Enqueue(m), EnqueueResult::kClosed);
  EXPECT_FALSE(mb.EnqueueSystem(m));
  EXPECT_FALSE(mb.EnqueueForced(m));
  delete m;
}

TEST(Mailbox, SelectiveReceiveTakesTheFirstMatchAndKeepsTheRestInOrder) {
  Mailbox mb(MailboxOptions::Unbounded());
  for (int i = 0; i < 6; ++i) mb.Enqueue(MakeNum(i));
  auto is = [](int want) {
    return [want](const Message& m) { return PayloadIf<Num>(&m)->n == want; };
  };
  Message* four = mb.TakeFirst(is(4));
  ASSERT_NE(four, nullptr);
  EXPECT_EQ(NumOf(four), 4);
  delete four;
  EXPECT_EQ(mb.owner_size(), 5u);
  EXPECT_EQ(mb.TakeFirst(is(42)), nullptr);  // no match: nothing lost
  EXPECT_EQ(mb.owner_size(), 5u);
  Message* one = mb.TakeFirst(is(1));  // found in the save queue
  ASSERT_NE(one, nullptr);
  delete one;
  mb.Enqueue(MakeNum(6));
  std::vector<int> rest;
  for (int n; (n = PopNum(mb)) != -1;) rest.push_back(n);
  EXPECT_EQ(rest, (std::vector<int>{0, 2, 3, 5, 6}));
}

TEST(Mailbox, SelectiveReceiveMatchesByType) {
  Mailbox mb(MailboxOptions::Unbounded());
  mb.Enqueue(MakeNum(1));
  mb.Enqueue(new Envelope<Text>(std::in_place, Text{"x"}));
  mb.Enqueue(MakeNum(2));
  Message* t = mb.TakeFirst([](const Message& m) { return m.Is<Text>(); });
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(PayloadIf<Text>(t)->s, "x");
  delete t;
  EXPECT_EQ(PopNum(mb), 1);
  EXPECT_EQ(PopNum(mb), 2);
}

TEST(Mailbox, DrainDestroysEverythingQueued) {
  static std::atomic<int> destroyed{0};
  struct Tracked {
    Tracked() = default;
    Tracked(Tracked&&) = default;
    ~Tracked() { destroyed++; }
  };
  destroyed = 0;
  {
    Mailbox mb(MailboxOptions::Unbounded());
    for (int i = 0; i < 3; ++i) mb.Enqueue(new Envelope<Tracked>(std::in_place));
    mb.EnqueueSystem(new Sig(1));
    EXPECT_EQ(mb.Drain(), 4u);
    EXPECT_EQ(destroyed.load(), 3);
    for (int i = 0; i < 2; ++i) mb.Enqueue(new Envelope<Tracked>(std::in_place));
  }  // the destructor drains too
  EXPECT_EQ(destroyed.load(), 5);
}

TEST(Mailbox, ManyProducersOneConsumerLoseNothing) {
  Mailbox mb(MailboxOptions::Unbounded());
  constexpr int kProducers = 4;
  constexpr int kEach = 50000;
  std::vector<std::thread> producers;
  for (int p = 0; p < kProducers; ++p) {
    producers.emplace_back([&, p] {
      for (int i = 0; i < kEach; ++i) mb.Enqueue(MakeNum(p * kEach + i));
    });
  }
  std::vector<int> last(kProducers, -1);
  int got = 0;
  while (got < kProducers * kEach) {
    Message* m = mb.Pop();
    if (m == nullptr) continue;
    int n = NumOf(m);
    delete m;
    int p = n / kEach;
    ASSERT_GT(n, last[p]);  // per-producer FIFO
    last[p] = n;
    ++got;
  }
  for (auto& t : producers) t.join();
  mb.PublishConsumed();
  EXPECT_EQ(mb.size(), 0u);
}

TEST(Mailbox, OverflowPolicyNamesArePrintable) {
  EXPECT_STREQ(OverflowPolicyName(OverflowPolicy::kSpill), "spill");
  EXPECT_STREQ(OverflowPolicyName(OverflowPolicy::kDropOld), "drop_old");
}

}  // namespace
}  // namespace myr
