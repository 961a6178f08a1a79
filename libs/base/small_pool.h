// Copyright Myrmidon authors.
//
// small_pool.h: a size-class allocator for the runtime's small, short-lived
// objects (messages, actor cells).
//
// Why: a message is allocated by its sender's thread and freed by its
// receiver's. glibc handles that cross-thread pattern through the owning
// arena's lock, which dominated the counting benchmark. Here each thread
// keeps a free list per size class (16-byte classes up to 256 bytes); a list
// that grows past kMaxLocal hands a batch of kBatch objects to a global
// depot, and an empty list takes a batch from it, so threads exchange memory
// one mutex operation per kBatch objects.
//
// Memory is never returned to the operating system: the pool keeps its peak
// (as Erlang's allocators keep their carriers). Objects above 256 bytes go to
// ::operator new. Under AddressSanitizer the pool is bypassed, so ASAN still
// sees every allocation.
//
// Thread-safety: Allocate and Free are @threadsafe; an object may be freed
// by any thread.
#ifndef MYR_BASE_SMALL_POOL_H_
#define MYR_BASE_SMALL_POOL_H_

#include <cstddef>

namespace myr::base {

class SmallPool {
 public:
  static constexpr size_t kMaxSize = 256;
  static constexpr size_t kGranule = 16;
  static constexpr size_t kClasses = kMaxSize / kGranule;
  static constexpr size_t kBatch = 256;
  static constexpr size_t kMaxLocal = 2 * kBatch;

  static void* Allocate(size_t size);
  static void Free(void* p, size_t size);
  // True when the pool hands everything to ::operator new (AddressSanitizer).
  static bool Bypassed();
  // Bytes the pool has taken from the system (all classes, all threads).
  static size_t ReservedBytes();
};

// Mix-in giving a class (and its subclasses) pooled operator new/delete.
struct PoolAllocated {
  static void* operator new(size_t size) { return SmallPool::Allocate(size); }
  static void operator delete(void* p, size_t size) { SmallPool::Free(p, size); }
};

}  // namespace myr::base

#endif  // MYR_BASE_SMALL_POOL_H_
