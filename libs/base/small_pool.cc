// Copyright Myrmidon authors.
#include "libs/base/small_pool.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <new>
#include <vector>

namespace myr::base {
namespace {

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kBypass = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kBypass = true;
#else
constexpr bool kBypass = false;
#endif
#else
constexpr bool kBypass = false;
#endif

struct FreeNode {
  FreeNode* next;
};

struct Batch {
  FreeNode* head;
  size_t count;
};

// One per size class; lives for the whole process (never destroyed, so
// thread exit flushes during static destruction stay valid).
struct Depot {
  std::mutex mu;
  std::vector<Batch> batches;  // guarded by mu
};

Depot* Depots() {
  static Depot* depots = new Depot[SmallPool::kClasses];
  return depots;
}

std::atomic<size_t> g_reserved{0};

constexpr size_t kChunkBytes = 64 * 1024;

size_t ClassOf(size_t size) { return (size + SmallPool::kGranule - 1) / SmallPool::kGranule - 1; }
size_t ClassSize(size_t cls) { return (cls + 1) * SmallPool::kGranule; }

// Carves a fresh chunk into batches of at most kBatch; returns one and puts
// the others in the depot.
Batch Carve(size_t cls) {
  const size_t sz = ClassSize(cls);
  const size_t n = kChunkBytes / sz;
  char* chunk = static_cast<char*>(::operator new(kChunkBytes));
  g_reserved.fetch_add(kChunkBytes, std::memory_order_relaxed);
  std::vector<Batch> batches;
  for (size_t start = 0; start < n; start += SmallPool::kBatch) {
    size_t end = std::min(n, start + SmallPool::kBatch);
    FreeNode* head = nullptr;
    for (size_t i = end; i-- > start;) {
      auto* node = reinterpret_cast<FreeNode*>(chunk + i * sz);
      node->next = head;
      head = node;
    }
    batches.push_back(Batch{head, end - start});
  }
  Batch mine = batches.back();
  batches.pop_back();
  if (!batches.empty()) {
    Depot& d = Depots()[cls];
    std::lock_guard<std::mutex> lock(d.mu);
    d.batches.insert(d.batches.end(), batches.begin(), batches.end());
  }
  return mine;
}

struct LocalCache {
  FreeNode* head[SmallPool::kClasses] = {};
  size_t count[SmallPool::kClasses] = {};

  ~LocalCache() {
    for (size_t c = 0; c < SmallPool::kClasses; ++c) {
      if (count[c] == 0) continue;
      Depot& d = Depots()[c];
      std::lock_guard<std::mutex> lock(d.mu);
      d.batches.push_back(Batch{head[c], count[c]});
      head[c] = nullptr;
      count[c] = 0;
    }
  }

  void Refill(size_t c) {
    Depot& d = Depots()[c];
    {
      std::lock_guard<std::mutex> lock(d.mu);
      if (!d.batches.empty()) {
        Batch b = d.batches.back();
        d.batches.pop_back();
        head[c] = b.head;
        count[c] = b.count;
        return;
      }
    }
    Batch b = Carve(c);
    head[c] = b.head;
    count[c] = b.count;
  }

  void Spill(size_t c) {
    // Keep the first kBatch nodes (the most recently freed, cache-warm) and
    // hand the rest to the depot as one batch.
    FreeNode* last_kept = head[c];
    for (size_t i = 1; i < SmallPool::kBatch; ++i) last_kept = last_kept->next;
    FreeNode* rest = last_kept->next;
    last_kept->next = nullptr;
    size_t rest_count = count[c] - SmallPool::kBatch;
    count[c] = SmallPool::kBatch;
    Depot& d = Depots()[c];
    std::lock_guard<std::mutex> lock(d.mu);
    d.batches.push_back(Batch{rest, rest_count});
  }
};

thread_local LocalCache t_cache;

}  // namespace

void* SmallPool::Allocate(size_t size) {
  if (kBypass || size > kMaxSize || size == 0) return ::operator new(size);
  const size_t c = ClassOf(size);
  LocalCache& cache = t_cache;
  if (cache.head[c] == nullptr) cache.Refill(c);
  FreeNode* n = cache.head[c];
  cache.head[c] = n->next;
  --cache.count[c];
  return n;
}

void SmallPool::Free(void* p, size_t size) {
  if (p == nullptr) return;
  if (kBypass || size > kMaxSize || size == 0) {
    ::operator delete(p);
    return;
  }
  const size_t c = ClassOf(size);
  LocalCache& cache = t_cache;
  auto* n = static_cast<FreeNode*>(p);
  n->next = cache.head[c];
  cache.head[c] = n;
  if (++cache.count[c] > kMaxLocal) cache.Spill(c);
}

bool SmallPool::Bypassed() { return kBypass; }

size_t SmallPool::ReservedBytes() { return g_reserved.load(std::memory_order_relaxed); }

}  // namespace myr::base
