// Copyright Myrmidon authors.
//
// bytes.h: Bytes, an immutable, reference-counted byte buffer, and the
// runtime's built-in bytes message.
//
// Copies of a Bytes share one buffer (a copy costs an atomic increment), so
// a payload sent to many actors, or handed from C++ to a guest language and
// back, is never copied. A Bytes can own a std::string it was given, or wrap
// memory owned by someone else (a Python buffer, a Node ArrayBuffer) with a
// release function called once, on whichever thread drops the last copy.
//
//   myr::wire::Bytes b = myr::wire::Bytes::FromString(std::move(payload));
//   rt.Send(pid, b);                       // Envelope<Bytes>: no copy of the data
//   // A handler: void Handle(myr::wire::Bytes& b) { use(b.view()); }
//
// Bytes is a message type with a wire codec (wire id kWireId; its encoding
// is the bytes themselves), so it crosses to other nodes as it is, and it is
// what a foreign actor's handler receives for a payload without a type.
//
// Thread-safety: a Bytes value is like a shared_ptr: distinct copies may be
// used on different threads; the bytes themselves are immutable.
#ifndef MYR_WIRE_BYTES_H_
#define MYR_WIRE_BYTES_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/wire/codec.h"

namespace myr::wire {

class Bytes {
 public:
  // The built-in bytes message's wire id ("myr.Bytes").
  static constexpr uint64_t kWireId = 0x8b1f0a55e7c3d201ULL;
  static constexpr const char* kWireName = "myr.Bytes";

  Bytes() = default;
  // A copy of `data`.
  static Bytes Copy(absl::string_view data);
  // Takes `s` over (no copy).
  static Bytes FromString(std::string s);
  // Wraps `size` bytes at `data`, owned elsewhere: release(ctx) runs once
  // when the last copy goes (it may be null). No copy.
  static Bytes Adopt(const void* data, size_t size, void (*release)(void* ctx), void* ctx);

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  absl::string_view view() const {
    return absl::string_view(reinterpret_cast<const char*>(data_), size_);
  }
  // A view of [offset, offset + length) sharing this buffer (clipped to it).
  Bytes Slice(size_t offset, size_t length) const;
  // Copies sharing one buffer (1 for the only copy, 0 for empty).
  long use_count() const { return owner_.use_count(); }

  friend bool operator==(const Bytes& a, const Bytes& b) { return a.view() == b.view(); }

  // The wire codec hook (codec.h).
  static const Codec& WireCodec();
  static absl::Status EncodeWire(const Bytes& b, std::string* out);
  static absl::StatusOr<Bytes> DecodeWire(absl::string_view bytes);

 private:
  std::shared_ptr<const void> owner_;
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace myr::wire

#endif  // MYR_WIRE_BYTES_H_
