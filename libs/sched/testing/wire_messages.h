// Copyright Myrmidon authors.
//
// wire_messages.h: message types with hand-written wire codecs (their
// encoding is the decimal text of a number), for tests of the codec seam:
// remote sends and calls, foreign actors. testonly. AddOne, Note, Explode
// and Slow are registered (wire::FindCodec finds them); Unregistered has a
// codec that no one registers.
#ifndef MYR_SCHED_TESTING_WIRE_MESSAGES_H_
#define MYR_SCHED_TESTING_WIRE_MESSAGES_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/sched/wire_codec.h"
#include "libs/wire/codec.h"

namespace myr::sched_testing {

absl::Status EncodeInt(int64_t n, std::string* out);
absl::StatusOr<int64_t> DecodeInt(absl::string_view bytes);

// A call: the reply is n + the handler's offset.
struct AddOne {
  using Reply = int64_t;
  int64_t n = 0;
  static constexpr uint64_t kWireId = 0x7e57000000000001ULL;
  static constexpr const char* kWireName = "test.AddOne";
  static absl::Status EncodeWire(const AddOne& m, std::string* out) { return EncodeInt(m.n, out); }
  static absl::StatusOr<AddOne> DecodeWire(absl::string_view b) {
    absl::StatusOr<int64_t> n = DecodeInt(b);
    if (!n.ok()) return n.status();
    return AddOne{*n};
  }
  static absl::Status EncodeReplyWire(const int64_t& r, std::string* out) { return EncodeInt(r, out); }
  static absl::StatusOr<int64_t> DecodeReplyWire(absl::string_view b) { return DecodeInt(b); }
  static const wire::Codec& WireCodec() { return WireCodecFor<AddOne>(); }
};

// A one-way message (a note with a number), answered by a Note back to the
// sender when `echo` is set.
struct Note {
  int64_t n = 0;
  static constexpr uint64_t kWireId = 0x7e57000000000002ULL;
  static constexpr const char* kWireName = "test.Note";
  static absl::Status EncodeWire(const Note& m, std::string* out) { return EncodeInt(m.n, out); }
  static absl::StatusOr<Note> DecodeWire(absl::string_view b) {
    absl::StatusOr<int64_t> n = DecodeInt(b);
    if (!n.ok()) return n.status();
    return Note{*n};
  }
  static const wire::Codec& WireCodec() { return WireCodecFor<Note>(); }
};

// The codec of a message without fields: empty bytes.
template <typename Self>
struct EmptyWire {
  static absl::Status EncodeWire(const Self&, std::string* out) {
    out->clear();
    return absl::OkStatus();
  }
  static absl::StatusOr<Self> DecodeWire(absl::string_view) { return Self{}; }
  static const wire::Codec& WireCodec() { return WireCodecFor<Self>(); }
};

// A call that makes the handler throw.
struct Explode : EmptyWire<Explode> {
  using Reply = void;
  static constexpr uint64_t kWireId = 0x7e57000000000003ULL;
  static constexpr const char* kWireName = "test.Explode";
};

// Has a codec, but no node registers it: the receiving side cannot decode it.
struct Unregistered : EmptyWire<Unregistered> {
  using Reply = void;
  static constexpr uint64_t kWireId = 0x7e570000000000ffULL;
  static constexpr const char* kWireName = "test.Unregistered";
};

// A call whose handler sleeps far longer than any test waits.
struct Slow : EmptyWire<Slow> {
  using Reply = void;
  static constexpr uint64_t kWireId = 0x7e57000000000004ULL;
  static constexpr const char* kWireName = "test.Slow";
};

}  // namespace myr::sched_testing

#endif  // MYR_SCHED_TESTING_WIRE_MESSAGES_H_
