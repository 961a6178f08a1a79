// Copyright Myrmidon authors.
#include "libs/wire/forms.h"

#include <cstring>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "capnp/message.h"
#include "capnp/serialize.h"
#include "kj/exception.h"

namespace myr::wire {
namespace {

template <typename W, typename T>
std::string EncodeRoot(const T& value) {
  ::capnp::MallocMessageBuilder message;
  ToWire(value, message.initRoot<W>());
  kj::Array<::capnp::word> words = ::capnp::messageToFlatArray(message);
  kj::ArrayPtr<const kj::byte> bytes = words.asBytes();
  return std::string(reinterpret_cast<const char*>(bytes.begin()), bytes.size());
}

// Reads a framed message from `bytes` (copied into aligned words) and hands
// its root to `read`; InvalidArgument for bytes that are not a message.
template <typename W, typename Read>
auto DecodeRoot(absl::string_view bytes, absl::string_view what, Read read)
    -> decltype(read(std::declval<typename W::Reader>())) {
  if (bytes.size() % sizeof(::capnp::word) != 0 || bytes.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed ", what, ": ", bytes.size(), " bytes is not a whole message"));
  }
  std::vector<::capnp::word> words(bytes.size() / sizeof(::capnp::word));
  std::memcpy(words.data(), bytes.data(), bytes.size());
  try {
    ::capnp::FlatArrayMessageReader reader(
        kj::ArrayPtr<const ::capnp::word>(words.data(), words.size()));
    return read(reader.getRoot<W>());
  } catch (const kj::Exception& e) {
    return absl::InvalidArgumentError(
        absl::StrCat("malformed ", what, ": ", e.getDescription().cStr()));
  }
}

}  // namespace

void ToWire(Pid pid, forms::Pid::Builder b) { b.setBits(pid.bits()); }

Pid FromWire(forms::Pid::Reader r) { return Pid::FromBits(r.getBits()); }

void ToWire(const ExitReason& reason, forms::ExitReason::Builder b) {
  b.setKind(static_cast<forms::ExitKind>(reason.kind()));
  // c_str(): capnp's Text::Reader wants a NUL-terminated, non-null pointer.
  b.setDetail(::capnp::Text::Reader(reason.detail().c_str(), reason.detail().size()));
}

absl::StatusOr<ExitReason> FromWire(forms::ExitReason::Reader r) {
  const auto kind = static_cast<int>(r.getKind());
  if (kind < 0 || kind >= kNumExitKinds) {
    return absl::InvalidArgumentError(absl::StrCat("unknown exit kind ", kind));
  }
  return ExitReason(static_cast<ExitKind>(kind), std::string(r.getDetail().cStr(),
                                                             r.getDetail().size()));
}

void ToWire(const absl::Status& status, forms::Status::Builder b) {
  b.setCode(static_cast<uint32_t>(status.code()));
  // A copy: capnp's Text::Reader wants a NUL-terminated, non-null pointer,
  // and an OK status's message() is an empty view whose data() is null.
  const std::string message(status.message());
  b.setMessage(::capnp::Text::Reader(message.c_str(), message.size()));
}

absl::Status FromWire(forms::Status::Reader r, absl::Status* out) {
  const uint32_t code = r.getCode();
  if (code > static_cast<uint32_t>(absl::StatusCode::kUnauthenticated)) {
    return absl::InvalidArgumentError(absl::StrCat("unknown status code ", code));
  }
  *out = code == 0 ? absl::OkStatus()
                   : absl::Status(static_cast<absl::StatusCode>(code),
                                  absl::string_view(r.getMessage().cStr(), r.getMessage().size()));
  return absl::OkStatus();
}

std::string EncodePid(Pid pid) { return EncodeRoot<forms::Pid>(pid); }

absl::StatusOr<Pid> DecodePid(absl::string_view bytes) {
  return DecodeRoot<forms::Pid>(bytes, "pid", [](forms::Pid::Reader r) -> absl::StatusOr<Pid> {
    return FromWire(r);
  });
}

std::string EncodeExitReason(const ExitReason& reason) {
  return EncodeRoot<forms::ExitReason>(reason);
}

absl::StatusOr<ExitReason> DecodeExitReason(absl::string_view bytes) {
  return DecodeRoot<forms::ExitReason>(bytes, "exit reason", [](forms::ExitReason::Reader r) {
    return FromWire(r);
  });
}

std::string EncodeStatus(const absl::Status& status) {
  return EncodeRoot<forms::Status>(status);
}

absl::Status DecodeStatus(absl::string_view bytes, absl::Status* out) {
  return DecodeRoot<forms::Status>(bytes, "status", [out](forms::Status::Reader r) {
    return FromWire(r, out);
  });
}

}  // namespace myr::wire
