// Copyright Myrmidon authors.
#include "libs/wire/bytes.h"

#include <algorithm>
#include <utility>

namespace myr::wire {

Bytes Bytes::Copy(absl::string_view data) { return FromString(std::string(data)); }

Bytes Bytes::FromString(std::string s) {
  Bytes b;
  if (s.empty()) return b;
  auto owned = std::make_shared<const std::string>(std::move(s));
  b.data_ = reinterpret_cast<const uint8_t*>(owned->data());
  b.size_ = owned->size();
  b.owner_ = std::move(owned);
  return b;
}

Bytes Bytes::Adopt(const void* data, size_t size, void (*release)(void* ctx), void* ctx) {
  Bytes b;
  b.owner_ = std::shared_ptr<const void>(ctx, [release](const void* c) {
    if (release != nullptr) release(const_cast<void*>(c));
  });
  b.data_ = static_cast<const uint8_t*>(data);
  b.size_ = size;
  return b;
}

Bytes Bytes::Slice(size_t offset, size_t length) const {
  Bytes b = *this;
  offset = std::min(offset, size_);
  b.data_ = data_ + offset;
  b.size_ = std::min(length, size_ - offset);
  return b;
}

absl::Status Bytes::EncodeWire(const Bytes& b, std::string* out) {
  out->assign(b.view().data(), b.size());
  return absl::OkStatus();
}

absl::StatusOr<Bytes> Bytes::DecodeWire(absl::string_view bytes) { return Copy(bytes); }

const Codec& Bytes::WireCodec() { return OneWayCodec<Bytes>(); }

[[maybe_unused]] static const bool kRegistered = RegisterTypes<Bytes>();

}  // namespace myr::wire
