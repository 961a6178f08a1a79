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
// The status the wire form carries (itself a Status), or InvalidArgument
// if the form is not one.
absl::StatusOr<absl::Status> FromWire(forms::Status::Reader r);

std::string EncodePid(Pid pid);
absl::StatusOr<Pid> DecodePid(absl::string_view bytes);
std::string EncodeExitReason(const ExitReason& reason);
absl::StatusOr<ExitReason> DecodeExitReason(absl::string_view bytes);
std::string EncodeStatus(const absl::Status& status);
absl::StatusOr<absl::Status> DecodeStatus(absl::string_view bytes);

}  // namespace myr::wire

#endif  // MYR_WIRE_FORMS_H_
