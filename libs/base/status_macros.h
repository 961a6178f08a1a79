// Copyright Myrmidon authors.
//
// status_macros.h: the project's own MYR_RETURN_IF_ERROR / MYR_ASSIGN_OR_RETURN
// (Debian's Abseil, 20220623, has no ABSL_RETURN_IF_ERROR, so they are
// defined once here) and FreshStatus.
#ifndef MYR_BASE_STATUS_MACROS_H_
#define MYR_BASE_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace myr::base {

// A status with the same code and message that shares nothing with `s`.
// absl::Status shares its message between copies through a reference count
// whose release lives in Debian's uninstrumented Abseil, so ThreadSanitizer
// cannot see it: a status handed to another thread while this one keeps a
// copy is rebuilt with this instead.
inline absl::Status FreshStatus(const absl::Status& s) {
  return absl::Status(s.code(), s.message());
}

}  // namespace myr::base

#define MYR_RETURN_IF_ERROR(expr)                 \
  do {                                            \
    ::absl::Status myr_status_ = (expr);          \
    if (!myr_status_.ok()) return myr_status_;    \
  } while (0)

#define MYR_STATUS_CONCAT_INNER_(a, b) a##b
#define MYR_STATUS_CONCAT_(a, b) MYR_STATUS_CONCAT_INNER_(a, b)

#define MYR_ASSIGN_OR_RETURN(lhs, expr) \
  MYR_ASSIGN_OR_RETURN_IMPL_(MYR_STATUS_CONCAT_(myr_statusor_, __LINE__), lhs, expr)

#define MYR_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return std::move(tmp).status();   \
  lhs = std::move(tmp).value()

#endif  // MYR_BASE_STATUS_MACROS_H_
