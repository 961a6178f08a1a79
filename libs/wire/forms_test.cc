// Copyright Myrmidon authors.
#include "libs/wire/forms.h"

#include <string>

#include "capnp/message.h"
#include "capnp/serialize.h"
#include "gtest/gtest.h"

namespace myr::wire {
namespace {

TEST(Forms, PidsExitReasonsAndStatusesRoundTripThroughTheirWireForms) {
  const Pid pid = Pid::Make(65535, Pid::kMaxSlots - 1, Pid::kMaxGeneration);
  EXPECT_EQ(*DecodePid(EncodePid(pid)), pid);
  EXPECT_EQ(*DecodePid(EncodePid(Pid())), Pid());
  for (int k = 0; k < kNumExitKinds; ++k) {
    ExitReason r(static_cast<ExitKind>(k), k % 2 ? "detail \xe2\x9c\x93 text" : "");
    EXPECT_EQ(*DecodeExitReason(EncodeExitReason(r)), r) << r;
  }
  for (int c = 0; c <= 16; ++c) {
    absl::Status s(static_cast<absl::StatusCode>(c), c == 0 ? "" : "why");
    absl::Status back = absl::UnknownError("untouched");
    ASSERT_TRUE(DecodeStatus(EncodeStatus(s), &back).ok());
    EXPECT_EQ(back, s) << s;
  }
}

TEST(Forms, TheExitKindCodesAreTheSchemaEnumsValues) {
  // ExitKind's numeric values are the wire form's codes (never renumbered).
  EXPECT_EQ(static_cast<int>(forms::ExitKind::NORMAL), static_cast<int>(ExitKind::kNormal));
  EXPECT_EQ(static_cast<int>(forms::ExitKind::NOCONNECTION),
            static_cast<int>(ExitKind::kNoConnection));
  EXPECT_EQ(static_cast<int>(forms::ExitKind::MAX_INTENSITY),
            static_cast<int>(ExitKind::kMaxIntensity));
}

TEST(Forms, MalformedBytesAreInvalidArgumentNeverACrash) {
  for (absl::string_view bad : {absl::string_view(""), absl::string_view("abc"),
                                absl::string_view("\xff\xff\xff\xff\xff\xff\xff\xff", 8)}) {
    EXPECT_EQ(DecodePid(bad).status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(DecodeExitReason(bad).status().code(), absl::StatusCode::kInvalidArgument);
    absl::Status out;
    EXPECT_EQ(DecodeStatus(bad, &out).code(), absl::StatusCode::kInvalidArgument);
  }
  // A well-formed message whose values are out of range.
  ::capnp::MallocMessageBuilder m1;
  m1.initRoot<forms::ExitReason>().setKind(static_cast<forms::ExitKind>(200));
  kj::Array<::capnp::word> w1 = ::capnp::messageToFlatArray(m1);
  absl::string_view b1(reinterpret_cast<const char*>(w1.asBytes().begin()), w1.asBytes().size());
  absl::Status s1 = DecodeExitReason(b1).status();
  EXPECT_EQ(s1.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(s1.message().find("unknown exit kind 200"), absl::string_view::npos) << s1;
  ::capnp::MallocMessageBuilder m2;
  m2.initRoot<forms::Status>().setCode(99);
  kj::Array<::capnp::word> w2 = ::capnp::messageToFlatArray(m2);
  absl::string_view b2(reinterpret_cast<const char*>(w2.asBytes().begin()), w2.asBytes().size());
  absl::Status out = absl::UnknownError("untouched");
  EXPECT_EQ(DecodeStatus(b2, &out).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(out, absl::UnknownError("untouched"));
}

}  // namespace
}  // namespace myr::wire
