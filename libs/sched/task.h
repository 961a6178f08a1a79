// Copyright Myrmidon authors.
//
// task.h: Task<T>, the coroutine type of actor handlers that wait.
//
// A handler that needs to wait (for a reply, for a matching message, for
// time to pass) returns Task<T> and uses co_await:
//
//   Task<int64_t> Handle(Sum& m) {
//     absl::StatusOr<int64_t> a = co_await Call(left_, Get{}, absl::Milliseconds(100));
//     ...
//     co_return *a + 1;
//   }
//
// While a Task handler is suspended the actor is in a selective receive (as
// an Erlang process in `receive`): only the awaited reply or matching message
// is delivered; other user messages stay queued, in order, until the handler
// finishes. System signals (kill, exit) are still handled at once. No thread
// and no stack is held while suspended: the coroutine frame is the state.
//
// Tasks are lazy (they start when awaited or when the runtime starts them)
// and single-owner (move-only). A Task may co_await another Task; exceptions
// propagate up the chain and, at the top, end the actor with a crash reason.
// Tasks are bound to the actor that started them: do not resume or await
// them from another actor or thread.
#ifndef MYR_SCHED_TASK_H_
#define MYR_SCHED_TASK_H_

#include <coroutine>
#include <exception>
#include <optional>
#include <type_traits>
#include <utility>

namespace myr {

template <typename T = void>
class Task;

namespace sched_internal {

struct TaskPromiseBase {
  std::coroutine_handle<> continuation;
  std::exception_ptr exception;

  struct FinalAwaiter {
    bool await_ready() noexcept { return false; }
    template <typename P>
    std::coroutine_handle<> await_suspend(std::coroutine_handle<P> h) noexcept {
      std::coroutine_handle<> next = h.promise().continuation;
      return next ? next : std::noop_coroutine();
    }
    void await_resume() noexcept {}
  };

  std::suspend_always initial_suspend() noexcept { return {}; }
  FinalAwaiter final_suspend() noexcept { return {}; }
  void unhandled_exception() noexcept { exception = std::current_exception(); }
};

template <typename T>
struct TaskPromise : TaskPromiseBase {
  std::optional<T> value;
  Task<T> get_return_object() noexcept;
  template <typename U>
  void return_value(U&& v) {
    value.emplace(std::forward<U>(v));
  }
};

template <>
struct TaskPromise<void> : TaskPromiseBase {
  Task<void> get_return_object() noexcept;
  void return_void() noexcept {}
};

template <typename X>
struct IsTask : std::false_type {};
template <typename T>
struct IsTask<Task<T>> : std::true_type {};

}  // namespace sched_internal

template <typename T>
class [[nodiscard]] Task {
 public:
  using promise_type = sched_internal::TaskPromise<T>;
  using value_type = T;
  using Handle = std::coroutine_handle<promise_type>;

  Task() = default;
  Task(Task&& other) noexcept : h_(std::exchange(other.h_, {})) {}
  Task& operator=(Task&& other) noexcept {
    if (this != &other) {
      if (h_) h_.destroy();
      h_ = std::exchange(other.h_, {});
    }
    return *this;
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  ~Task() {
    if (h_) h_.destroy();
  }

  // co_await from another Task: runs this one, then resumes the caller.
  bool await_ready() const noexcept { return !h_ || h_.done(); }
  std::coroutine_handle<> await_suspend(std::coroutine_handle<> caller) noexcept {
    h_.promise().continuation = caller;
    return h_;
  }
  T await_resume() { return TakeResult(); }

  // For the runtime.
  Handle handle() const { return h_; }
  bool done() const { return !h_ || h_.done(); }
  // The result of a finished task; rethrows its exception.
  T TakeResult() {
    auto& p = h_.promise();
    if (p.exception) std::rethrow_exception(p.exception);
    if constexpr (!std::is_void_v<T>) return std::move(*p.value);
  }

 private:
  friend struct sched_internal::TaskPromise<T>;
  explicit Task(Handle h) : h_(h) {}
  Handle h_;
};

namespace sched_internal {
template <typename T>
Task<T> TaskPromise<T>::get_return_object() noexcept {
  return Task<T>(std::coroutine_handle<TaskPromise<T>>::from_promise(*this));
}
inline Task<void> TaskPromise<void>::get_return_object() noexcept {
  return Task<void>(std::coroutine_handle<TaskPromise<void>>::from_promise(*this));
}
}  // namespace sched_internal

}  // namespace myr

#endif  // MYR_SCHED_TASK_H_
