// Copyright Myrmidon authors.
#include "libs/sched/request.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace myr::sched_internal {
namespace {
thread_local DropContext* tls_drop_context = nullptr;
}  // namespace

DropContext::DropContext(absl::Status status)
    : status_(std::move(status)), outer_(tls_drop_context) {
  tls_drop_context = this;
}
DropContext::DropContext(Pid exiting, const ExitReason* reason)
    : exiting_(exiting), reason_(reason), outer_(tls_drop_context) {
  tls_drop_context = this;
}
DropContext::~DropContext() { tls_drop_context = outer_; }

absl::Status UnansweredStatus() {
  const DropContext* d = tls_drop_context;
  if (d == nullptr) return absl::AbortedError("request destroyed unanswered");
  if (d->reason_ != nullptr) {
    return absl::AbortedError(absl::StrCat("actor ", d->exiting_.ToString(),
                                           " exited before replying: ", d->reason_->ToString()));
  }
  // A fresh status, not a copy sharing d->status_'s reference-counted message
  // (it goes to another thread while this one still holds the original).
  return absl::Status(d->status_.code(), d->status_.message());
}

}  // namespace myr::sched_internal
