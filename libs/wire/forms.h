// Copyright Myrmidon authors.
//
// forms.h: the wire forms of the runtime's own values — pids, exit reasons
// and statuses — as defined in schemas/wire/forms.capnp.
//
// Two faces: ToWire/FromWire fill and read the Cap'n Proto structs (for
// envelopes that embed them: the mesh's frames), and Encode*/Decode* write
// and read a value as a standalone framed Cap'n Proto message (a string),
// for transports that carry it alone. Decoding is strict: an unknown exit
// kind, a status code outside absl's canonical 0..16, or bytes that are not
// a message give InvalidArgument, never a crash.
//
//   std::string bytes = myr::wire::EncodeExitReason(myr::ExitReason::Crash("boom"));
//   absl::StatusOr<myr::ExitReason> r = myr::wire::DecodeExitReason(bytes);
//   absl::Status carried;
//   absl::Status ok = myr::wire::DecodeStatus(status_bytes, &carried);
//
// Thread-safety: pure functions.
#ifndef MYR_WIRE_FORMS_H_
#define MYR_WIRE_FORMS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/pid/exit_reason.h"
#include "libs/pid/pid.h"
#include "schemas/wire/forms.capnp.h"

namespace myr::wire {

void ToWire(Pid pid, forms::Pid::Builder b);
Pid FromWire(forms::Pid::Reader r);

void ToWire(const ExitReason& reason, forms::ExitReason::Builder b);
absl::StatusOr<ExitReason> FromWire(forms::ExitReason::Reader r);

void ToWire(const absl::Status& status, forms::Status::Builder b);
// Reads the status the wire form carries into *out. Returns OK, or
// InvalidArgument if the form is not one (*out untouched). (Not a
// StatusOr<Status>: that cannot tell a decoded error from a decoding one.)
absl::Status FromWire(forms::Status::Reader r, absl::Status* out);

std::string EncodePid(Pid pid);
absl::StatusOr<Pid> DecodePid(absl::string_view bytes);
std::string EncodeExitReason(const ExitReason& reason);
absl::StatusOr<ExitReason> DecodeExitReason(absl::string_view bytes);
std::string EncodeStatus(const absl::Status& status);
// Decodes a status into *out; the result is the decoding's own status.
absl::Status DecodeStatus(absl::string_view bytes, absl::Status* out);

}  // namespace myr::wire

#endif  // MYR_WIRE_FORMS_H_
