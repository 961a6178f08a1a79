// Copyright Myrmidon authors.
//
// loopback_nodes.h: a network of runtimes inside one process, for tests of
// the RemoteNodes seam (remote_nodes.h) and of what builds on it (links,
// monitors and calls across nodes, generated codecs). testonly.
//
// Each runtime that joins gets an endpoint installed as its RemoteNodes;
// runtimes with different node ids (RuntimeOptions::node) then reach each
// other's pids. Everything that crosses goes as bytes, as over a network:
// a message through its wire codec (looked up by wire id on the receiving
// side: a type without a registered codec cannot be received), a reply as a
// status and bytes, exit reasons and statuses through their wire forms
// (libs/wire/forms.h). Delivery is synchronous (inside the sender's call),
// which keeps deterministic runtimes deterministic.
//
//   myr::Runtime a(opts_node_1), b(opts_node_2);
//   myr::sched_testing::LoopbackNodes net;
//   net.Join(a);
//   net.Join(b);
//   a.Send(pid_on_b, Deposit{5});          // encoded, decoded, delivered on b
//   net.Partition(1, 2);                   // watches across get noconnection
//
// Thread-safety: every method is @threadsafe. Leave (or destroy the
// network) before the runtimes are destroyed.
#ifndef MYR_SCHED_TESTING_LOOPBACK_NODES_H_
#define MYR_SCHED_TESTING_LOOPBACK_NODES_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "libs/pid/pid.h"
#include "libs/sched/remote_nodes.h"
#include "libs/sched/runtime.h"

namespace myr::sched_testing {

class LoopbackNodes {
 public:
  LoopbackNodes() = default;
  ~LoopbackNodes();  // every runtime leaves
  LoopbackNodes(const LoopbackNodes&) = delete;
  LoopbackNodes& operator=(const LoopbackNodes&) = delete;

  // Connects `rt` (whose node id must be unused in this network) to the
  // others: installs its endpoint with rt.SetRemoteNodes.
  void Join(Runtime& rt);
  // Disconnects `rt`: uninstalls its endpoint; watches of its pids held on
  // other nodes, and its watches of theirs, fire with noconnection; its
  // pending calls to them fail with Unavailable.
  void Leave(Runtime& rt);
  // Cuts (or heals) the link between two nodes: while cut, sends between
  // them get kNoRoute and their watches fire with noconnection.
  void Partition(uint32_t node_a, uint32_t node_b);
  void Heal(uint32_t node_a, uint32_t node_b);

  struct Stats {
    uint64_t frames = 0;  // messages, replies, signals that crossed
    uint64_t bytes = 0;   // payload bytes that crossed
    uint64_t undecodable = 0;  // messages dropped: no codec for their wire id
  };
  Stats stats() const;

 private:
  class Endpoint;
  friend class Endpoint;
  // The endpoint of `node` if it can be reached from `from`, else nullptr.
  std::shared_ptr<Endpoint> Route(uint32_t from, uint32_t node);
  void CutWatches(uint32_t a, uint32_t b);

  mutable std::mutex mu_;
  absl::flat_hash_map<uint32_t, std::shared_ptr<Endpoint>> nodes_;  // guarded by mu_
  // Endpoints of runtimes that left: kept until the network goes, since a
  // sender may still be inside one (it read the runtime's RemoteNodes just
  // before Leave uninstalled it).
  std::vector<std::shared_ptr<Endpoint>> retired_;  // guarded by mu_
  std::set<std::pair<uint32_t, uint32_t>> cut_;                    // guarded by mu_
  std::atomic<uint64_t> frames_{0};
  std::atomic<uint64_t> bytes_{0};
  std::atomic<uint64_t> undecodable_{0};
};

// The usual two-node set-up: nodes 1 and 2 (runtimes with `base`'s options
// otherwise: threaded by default, or RuntimeOptions::Deterministic(seed)),
// both joined to `net`, which is destroyed first (the nodes leave before the
// runtimes end).
struct NodePair {
  explicit NodePair(const RuntimeOptions& base);
  Runtime a;  // node 1
  Runtime b;  // node 2
  LoopbackNodes net;
};

}  // namespace myr::sched_testing

#endif  // MYR_SCHED_TESTING_LOOPBACK_NODES_H_
