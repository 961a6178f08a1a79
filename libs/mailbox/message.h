// Copyright Myrmidon authors.
//
// message.h: the unit a mailbox carries.
//
// A Message is a heap object with an intrusive queue link, a type tag, the
// sender's Pid and a few flag bits; user payloads travel in Envelope<T>.
// Messages are allocated from a size-class pool. Every message type T has one MessageType object (`MessageTypeOf<T>()`),
// so matching a message against a type is a pointer comparison. Queues link
// messages through `QueueNode::next`, so enqueueing allocates nothing.
//
// Ownership: whoever holds a Message* owns it (a mailbox once it accepted
// it, the consumer once it popped it); `delete` destroys it. A subclass may
// act in its destructor (a request that is destroyed unanswered replies with
// an error: see libs/sched).
#ifndef MYR_MAILBOX_MESSAGE_H_
#define MYR_MAILBOX_MESSAGE_H_

#include <atomic>
#include <cstdint>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "libs/base/small_pool.h"
#include "libs/pid/pid.h"

namespace myr {

namespace wire {
class Codec;  // libs/wire/codec.h (above this library: only pointed to here)
}

// Identity of a message type; compare by address.
struct MessageType {
  const char* name;  // implementation-defined (typeid) name, for diagnostics
  // Set by `static constexpr bool kOptionalRequest = true;` in T: a request
  // the sender knows the receiver may not implement (a readiness probe). An
  // actor that does not handle it answers Unimplemented as usual but does
  // not count it as a dead letter.
  bool optional_request = false;
  // Set by `static const myr::wire::Codec& WireCodec();` in T: the type can
  // become bytes (libs/wire/codec.h). A function, so that the MessageType
  // stays constant-initialized.
  const wire::Codec* (*codec_fn)() = nullptr;

  // The type's wire codec, or nullptr if it has none.
  const wire::Codec* codec() const { return codec_fn != nullptr ? codec_fn() : nullptr; }
};

namespace mailbox_internal {
template <typename T, typename = void>
struct IsOptionalRequest : std::false_type {};
template <typename T>
struct IsOptionalRequest<T, std::void_t<decltype(T::kOptionalRequest)>>
    : std::bool_constant<T::kOptionalRequest> {};

template <typename T>
const wire::Codec* CodecOf() {
  return &T::WireCodec();
}
template <typename T>
constexpr auto CodecFnOf() -> const wire::Codec* (*)() {
  if constexpr (requires { T::WireCodec(); }) {
    return &CodecOf<T>;
  } else {
    return nullptr;
  }
}

template <typename T>
struct TypeTag {
  static inline const MessageType value{typeid(T).name(), IsOptionalRequest<T>::value,
                                        CodecFnOf<T>()};
};
}  // namespace mailbox_internal

template <typename T>
const MessageType* MessageTypeOf() {
  return &mailbox_internal::TypeTag<std::remove_cv_t<std::remove_reference_t<T>>>::value;
}

// The intrusive link; first base of Message so the queue stub is 8 bytes.
struct QueueNode {
  std::atomic<QueueNode*> next{nullptr};
};

class Message : public QueueNode {
 public:
  // Messages come from the runtime's size-class pool (see
  // libs/base/small_pool.h): they are freed by another thread than the one
  // that allocated them, which the pool makes cheap.
  static void* operator new(size_t size) { return base::SmallPool::Allocate(size); }
  static void operator delete(void* p, size_t size) { base::SmallPool::Free(p, size); }

  enum Flag : uint8_t {
    kRequest = 1 << 0,  // expects a reply (libs/sched RequestEnvelope)
    kSystem = 1 << 1,   // travels on the system channel
  };

  virtual ~Message() = default;
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;

  const MessageType* type() const { return type_; }
  template <typename T>
  bool Is() const {
    return type_ == MessageTypeOf<T>();
  }

  Pid sender() const { return sender_; }
  void set_sender(Pid p) { sender_ = p; }
  uint8_t flags() const { return flags_; }
  bool is_request() const { return flags_ & kRequest; }
  bool is_system() const { return flags_ & kSystem; }
  // Kind code of a system message (meaning owned by libs/sched).
  uint16_t kind() const { return kind_; }

  // A copy for the spill policy, or nullptr if the payload is not copyable.
  virtual Message* Clone() const { return nullptr; }

 protected:
  explicit Message(const MessageType* type, uint8_t flags = 0, uint16_t kind = 0)
      : type_(type), flags_(flags), kind_(kind) {}
  void add_flags(uint8_t f) { flags_ |= f; }

 private:
  const MessageType* type_;
  Pid sender_;
  uint8_t flags_;
  uint16_t kind_;
};

// A user message carrying a T by value.
template <typename T>
class Envelope : public Message {
 public:
  template <typename... Args>
  explicit Envelope(std::in_place_t, Args&&... args)
      : Message(MessageTypeOf<T>()), value(std::forward<Args>(args)...) {}

  Message* Clone() const override {
    if constexpr (std::is_copy_constructible_v<T>) {
      auto* copy = new Envelope<T>(std::in_place, value);
      copy->set_sender(sender());
      return copy;
    } else {
      return nullptr;
    }
  }

  T value;
};

// The payload of `m` if it is an Envelope<T> (or a subclass), else nullptr.
template <typename T>
T* PayloadIf(Message* m) {
  if (m == nullptr || !m->Is<T>()) return nullptr;
  return &static_cast<Envelope<T>*>(m)->value;
}
template <typename T>
const T* PayloadIf(const Message* m) {
  if (m == nullptr || !m->Is<T>()) return nullptr;
  return &static_cast<const Envelope<T>*>(m)->value;
}

}  // namespace myr

#endif  // MYR_MAILBOX_MESSAGE_H_
