// Copyright Myrmidon authors.
//
// libFuzzer target: the wire-form decoders (pids, exit reasons, statuses)
// take any bytes and answer a value or InvalidArgument, never crash; a value
// they accept re-encodes to bytes that decode to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "libs/wire/bytes.h"
#include "libs/wire/forms.h"

extern "C" void MyrFuzzSeeds(std::vector<std::string>* seeds) {
  seeds->push_back(myr::wire::EncodePid(myr::Pid::Make(3, 1234, 7)));
  seeds->push_back(myr::wire::EncodeExitReason(myr::ExitReason::Crash("a long crash text")));
  seeds->push_back(myr::wire::EncodeExitReason(myr::ExitReason::NoConnection()));
  seeds->push_back(myr::wire::EncodeStatus(absl::NotFoundError("noproc: <1.2.3>")));
  seeds->push_back(myr::wire::EncodeStatus(absl::OkStatus()));
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view in(reinterpret_cast<const char*>(data), size);
  if (absl::StatusOr<myr::Pid> p = myr::wire::DecodePid(in); p.ok()) {
    if (myr::wire::DecodePid(myr::wire::EncodePid(*p)).value() != *p) std::abort();
  }
  if (absl::StatusOr<myr::ExitReason> r = myr::wire::DecodeExitReason(in); r.ok()) {
    if (myr::wire::DecodeExitReason(myr::wire::EncodeExitReason(*r)).value() != *r) std::abort();
  }
  absl::Status carried, again;
  if (myr::wire::DecodeStatus(in, &carried).ok()) {
    if (!myr::wire::DecodeStatus(myr::wire::EncodeStatus(carried), &again).ok() || again != carried) {
      std::abort();
    }
  }
  // The bytes codec accepts anything, unchanged.
  if (myr::wire::Bytes::DecodeWire(in)->view() != in) std::abort();
  return 0;
}
