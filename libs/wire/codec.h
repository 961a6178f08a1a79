// Copyright Myrmidon authors.
//
// codec.h: message types that can become bytes.
//
// A message type can carry a wire codec: a stable 64-bit wire id and the
// functions that turn a message of that type into bytes and back. A message
// needs one to leave the process (a send to a pid on another node, through
// the runtime's RemoteNodes seam) or to reach a guest language's actor as
// bytes. The codec is a trait found at compile time: a type T that declares
//
//   static const myr::wire::Codec& WireCodec();
//
// has it (libs/mailbox's MessageTypeOf<T>() records it; a message's
// type()->codec() returns it, or nullptr for a type without one). actorc
// generates one for every IDL struct and actor method (built by
// myr::WireCodecFor<M>() in libs/sched/wire_codec.h, which also handles
// requests and their replies); wire::Bytes is the built-in one. The
// receiving side finds codecs by wire id (FindCodec) and a generated actor's
// methods by (actor type id, method ordinal) in its DispatchTable
// (FindDispatch): both are registered at static initialization by the code
// that defines them (RegisterTypes, RegisterAtStartup).
//
// This library knows no serialization format: a codec's functions are
// whatever the type's author wrote (actorc's write Cap'n Proto). It keeps
// Cap'n Proto out of sched: sched sees only this header.
//
// Thread-safety: codecs are immutable; the registries are @threadsafe.
#ifndef MYR_WIRE_CODEC_H_
#define MYR_WIRE_CODEC_H_

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "libs/mailbox/message.h"

namespace myr::wire {

// Where the reply to a request that arrived as bytes goes (the remote node
// that sent it, a guest language's caller). Deliver is called exactly once:
// OK with the encoded reply value (empty for a call without one), or an
// error status with empty bytes.
class Reply {
 public:
  virtual ~Reply() = default;
  virtual void Deliver(absl::Status status, std::string bytes) = 0;
};

class Codec {
 public:
  // The payload of `m` (a message of this codec's type) as bytes.
  using EncodeFn = absl::Status (*)(const Message& m, std::string* out);
  // A new one-way message of this type from `bytes` (sender unset);
  // InvalidArgument for bytes that are not one.
  using DecodeFn = absl::StatusOr<std::unique_ptr<Message>> (*)(absl::string_view bytes);
  // Calls only: a new request of this type whose reply goes to `reply`
  // (on failure `reply` gets the error).
  using DecodeRequestFn = absl::StatusOr<std::unique_ptr<Message>> (*)(
      absl::string_view bytes, std::unique_ptr<Reply> reply);
  // Calls only: answers the request `request` (a message of this type that
  // was sent as bytes) with a reply that came back as bytes: `status` and,
  // for OK, the encoded value. A reply that does not decode answers
  // InvalidArgument.
  using CompleteFn = void (*)(Message& request, const absl::Status& status,
                              absl::string_view reply);

  uint64_t wire_id = 0;        // stable across builds and languages; never 0
  const char* name = "";       // the IDL name, for diagnostics
  EncodeFn encode = nullptr;
  DecodeFn decode = nullptr;
  DecodeRequestFn decode_request = nullptr;  // null: a one-way type
  CompleteFn complete = nullptr;             // null: a one-way type

  bool is_call() const { return decode_request != nullptr; }
};

// A generated actor's methods by ordinal: (actor type id, method ordinal)
// -> the codec of that method's message, for frames that name a method
// rather than a message type.
struct DispatchTable {
  uint64_t actor_type_id = 0;
  const char* name = "";
  std::vector<const Codec*> methods;  // by ordinal; nullptr for a gap

  const Codec* Method(uint32_t ordinal) const {
    return ordinal < methods.size() ? methods[ordinal] : nullptr;
  }
};

// The registries. Register* return AlreadyExists for an id already taken by
// another codec / table (registering the same one twice is OK).
absl::Status RegisterCodec(const Codec& codec);
const Codec* FindCodec(uint64_t wire_id);
absl::Status RegisterDispatch(const DispatchTable& table);
const DispatchTable* FindDispatch(uint64_t actor_type_id);

// Registers codecs at static initialization, in a .cc file:
//   [[maybe_unused]] static const bool kRegistered =
//       myr::wire::RegisterTypes<Account::Deposit, Account::Withdraw>();
// A clash of wire ids aborts at start-up with a message naming both types.
bool RegisterAtStartup(std::initializer_list<const Codec*> codecs);
// The same for a dispatch table (a clashing actor type id aborts).
bool RegisterDispatchAtStartup(const DispatchTable& table);
template <typename... Ts>
bool RegisterTypes() {
  return RegisterAtStartup({&Ts::WireCodec()...});
}

// A one-way codec for a type T below sched that declares
//   static constexpr uint64_t kWireId;  static constexpr const char* kWireName;
//   static absl::Status EncodeWire(const T&, std::string* out);
//   static absl::StatusOr<T> DecodeWire(absl::string_view bytes);
// (libs/sched/wire_codec.h has the general one, which also does requests.)
template <typename T>
const Codec& OneWayCodec() {
  static const Codec codec = [] {
    Codec c;
    c.wire_id = T::kWireId;
    c.name = T::kWireName;
    c.encode = [](const Message& m, std::string* out) -> absl::Status {
      const T* v = PayloadIf<T>(&m);
      if (v == nullptr) return absl::InvalidArgumentError("message of another type");
      return T::EncodeWire(*v, out);
    };
    c.decode = [](absl::string_view bytes) -> absl::StatusOr<std::unique_ptr<Message>> {
      absl::StatusOr<T> v = T::DecodeWire(bytes);
      if (!v.ok()) return v.status();
      return std::unique_ptr<Message>(new Envelope<T>(std::in_place, std::move(*v)));
    };
    return c;
  }();
  return codec;
}

}  // namespace myr::wire

#endif  // MYR_WIRE_CODEC_H_
