// Copyright Myrmidon authors.
//
// ref.h: typed actor references.
//
// Ref<Msgs...> is a Pid that only accepts the listed message types: sending
// anything else does not compile. An actor declared as
// `class Counter : public Actor<Counter, Add, Get>` is spawned as a
// `Ref<Add, Get>` (Counter::Interface). A Ref converts to any Ref whose list
// is a subset of its own, and to a plain Pid. Like a Pid it is a value: it
// does not keep the actor alive, and sending to a Ref of an ended actor
// reports kNoProc.
//
// A message type that expects a reply declares it:
//   struct Get { using Reply = int64_t; };
// ReplyOf<M> is that type (void if M declares none).
#ifndef MYR_SCHED_REF_H_
#define MYR_SCHED_REF_H_

#include <type_traits>

#include "libs/pid/pid.h"

namespace myr {

template <typename... Msgs>
class Ref {
 public:
  template <typename T>
  static constexpr bool kAccepts = (std::is_same_v<std::decay_t<T>, Msgs> || ...);

  Ref() = default;
  explicit Ref(Pid pid) : pid_(pid) {}
  // Narrowing to a subset interface.
  template <typename... Others,
            typename = std::enable_if_t<(Ref<Others...>::template kAccepts<Msgs> && ...)>>
  Ref(const Ref<Others...>& other) : pid_(other.pid()) {}  // NOLINT: implicit by design

  Pid pid() const { return pid_; }
  operator Pid() const { return pid_; }  // NOLINT: a Ref is a Pid
  bool valid() const { return pid_.valid(); }

  friend bool operator==(const Ref& a, const Ref& b) { return a.pid_ == b.pid_; }
  friend bool operator!=(const Ref& a, const Ref& b) { return a.pid_ != b.pid_; }

 private:
  Pid pid_;
};

namespace sched_internal {
template <typename M, typename = void>
struct ReplyTraits {
  using type = void;
};
template <typename M>
struct ReplyTraits<M, std::void_t<typename M::Reply>> {
  using type = typename M::Reply;
};
}  // namespace sched_internal

template <typename M>
using ReplyOf = typename sched_internal::ReplyTraits<std::decay_t<M>>::type;

}  // namespace myr

#endif  // MYR_SCHED_REF_H_
