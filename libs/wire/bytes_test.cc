// Copyright Myrmidon authors.
#include "libs/wire/bytes.h"

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "libs/mailbox/message.h"
#include "libs/wire/codec.h"

namespace myr::wire {
namespace {

TEST(Bytes, CopiesShareOneBufferAndSlicesToo) {
  std::string text(1000, 'x');
  const char* data = text.data();
  Bytes a = Bytes::FromString(std::move(text));
  EXPECT_EQ(reinterpret_cast<const char*>(a.data()), data);  // taken over, not copied
  Bytes b = a;
  EXPECT_EQ(b.data(), a.data());
  EXPECT_EQ(a.use_count(), 2);
  Bytes s = a.Slice(10, 5);
  EXPECT_EQ(s.data(), a.data() + 10);
  EXPECT_EQ(s.size(), 5u);
  EXPECT_EQ(a.Slice(990, 100).size(), 10u);  // clipped
  EXPECT_TRUE(a.Slice(5000, 1).empty());
  EXPECT_TRUE(Bytes().empty());
}

TEST(Bytes, AdoptedMemoryIsReleasedOnceByTheLastCopyOnAnyThread) {
  static std::atomic<int> released{0};
  static char buffer[] = "owned elsewhere";
  {
    Bytes a = Bytes::Adopt(buffer, sizeof(buffer) - 1, [](void*) { released.fetch_add(1); }, buffer);
    EXPECT_EQ(a.view(), "owned elsewhere");
    std::vector<std::thread> threads;
    for (int i = 0; i < 4; ++i) {
      threads.emplace_back([copy = a] { EXPECT_EQ(copy.size(), 15u); });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(released.load(), 0);
  }
  EXPECT_EQ(released.load(), 1);
}

TEST(Bytes, IsAMessageTypeWithTheBuiltInCodec) {
  const Codec* c = MessageTypeOf<Bytes>()->codec();
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->wire_id, Bytes::kWireId);
  EXPECT_EQ(FindCodec(Bytes::kWireId), c);  // registered at start-up
  Envelope<Bytes> m(std::in_place, Bytes::Copy("payload"));
  std::string out;
  ASSERT_TRUE(c->encode(m, &out).ok());
  EXPECT_EQ(out, "payload");
  absl::StatusOr<std::unique_ptr<Message>> back = c->decode(out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(PayloadIf<Bytes>(back->get())->view(), "payload");
  EXPECT_FALSE(c->is_call());
  EXPECT_EQ(MessageTypeOf<int>()->codec(), nullptr);  // a type without one
}

TEST(Registry, AWireIdTakenByAnotherCodecIsRefused) {
  static Codec mine;
  mine.wire_id = Bytes::kWireId;
  mine.name = "impostor";
  absl::Status s = RegisterCodec(mine);
  EXPECT_EQ(s.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_NE(s.message().find("myr.Bytes"), absl::string_view::npos) << s;
  EXPECT_TRUE(RegisterCodec(Bytes::WireCodec()).ok());  // the same one again is fine
  static Codec zero;
  EXPECT_EQ(RegisterCodec(zero).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FindCodec(0x1), nullptr);
  static DispatchTable table{0xabcdULL, "test.Actor", {&Bytes::WireCodec(), nullptr}};
  EXPECT_TRUE(RegisterDispatch(table).ok());
  EXPECT_EQ(FindDispatch(0xabcdULL), &table);
  EXPECT_EQ(table.Method(0), &Bytes::WireCodec());
  EXPECT_EQ(table.Method(1), nullptr);
  EXPECT_EQ(table.Method(7), nullptr);
}

}  // namespace
}  // namespace myr::wire
