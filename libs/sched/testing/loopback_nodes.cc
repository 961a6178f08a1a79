// Copyright Myrmidon authors.
#include "libs/sched/testing/loopback_nodes.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "libs/wire/codec.h"
#include "libs/wire/forms.h"
#include "libs/sched/testing/sched_testing.h"

namespace myr::sched_testing {
namespace {

// What crosses the loopback "wire" is bytes: exit reasons and statuses take
// their wire forms there and back.
ExitReason OverTheWire(const ExitReason& r) {
  absl::StatusOr<ExitReason> back = wire::DecodeExitReason(wire::EncodeExitReason(r));
  return back.ok() ? *back : ExitReason::Crash("undecodable exit reason");
}

absl::Status OverTheWire(const absl::Status& s) {
  absl::Status back;
  if (!wire::DecodeStatus(wire::EncodeStatus(s), &back).ok()) {
    return absl::InternalError("undecodable status");
  }
  return back;
}

}  // namespace

class LoopbackNodes::Endpoint final : public RemoteNodes,
                                      public std::enable_shared_from_this<Endpoint> {
 public:
  Endpoint(LoopbackNodes* net, Runtime* rt) : net_(net), rt_(rt), node_(rt->node()) {}

  Runtime* rt() const { return rt_; }
  uint32_t node() const { return node_; }

  SendResult Send(Pid to, Message* m) override {
    std::unique_ptr<Message> owned(m);
    std::shared_ptr<Endpoint> far = net_->Route(node_, to.node());
    if (far == nullptr) {
      FailAndDelete(owned.release(), absl::UnavailableError(absl::StrCat(
                                         "no route to node ", to.node(), " from node ", node_)));
      return SendResult::kNoRoute;
    }
    const wire::Codec* codec = m->type()->codec();
    std::string bytes;
    if (absl::Status s = codec->encode(*m, &bytes); !s.ok()) {
      FailAndDelete(owned.release(), absl::InvalidArgumentError(absl::StrCat(
                                         "cannot encode ", codec->name, ": ", s.message())));
      return SendResult::kNotSerializable;
    }
    net_->frames_.fetch_add(1, std::memory_order_relaxed);
    net_->bytes_.fetch_add(bytes.size(), std::memory_order_relaxed);
    // The receiving side knows the message by its wire id only.
    const wire::Codec* far_codec = wire::FindCodec(codec->wire_id);
    if (far_codec == nullptr) {
      net_->undecodable_.fetch_add(1, std::memory_order_relaxed);
      FailAndDelete(owned.release(),
                    absl::UnimplementedError(absl::StrCat(
                        "node ", to.node(), " has no codec for wire id 0x",
                        absl::Hex(codec->wire_id), " (", codec->name, ")")));
      return SendResult::kOk;  // it left; the far side dropped it
    }
    const Pid from = m->sender();
    if (!m->is_request()) {
      (void)far->rt_->DeliverFromWire(to, from, *far_codec, bytes, nullptr);
      return SendResult::kOk;
    }
    uint64_t call;
    {
      std::lock_guard<std::mutex> lock(mu_);
      call = next_call_++;
      pending_.emplace(call, Pending{to, std::move(owned)});
    }
    (void)far->rt_->DeliverFromWire(to, from, *far_codec, bytes,
                                    std::make_unique<Reply>(weak_from_this(), call, net_));
    return SendResult::kOk;
  }

  bool Signal(Pid to, const RemoteSignal& signal) override {
    std::shared_ptr<Endpoint> far = net_->Route(node_, to.node());
    if (far == nullptr) return false;
    net_->frames_.fetch_add(1, std::memory_order_relaxed);
    switch (signal.kind) {
      case RemoteSignal::Kind::kStop:
        return far->rt_->Stop(to);
      case RemoteSignal::Kind::kKill:
        return far->rt_->Kill(to);
      case RemoteSignal::Kind::kExit:
        return far->rt_->Exit(to, OverTheWire(signal.reason), signal.from);
    }
    return false;
  }

  uint64_t Watch(Pid pid, ExitCallback cb) override {
    uint64_t id;
    {
      std::lock_guard<std::mutex> lock(mu_);
      id = next_watch_++;
      watches_.emplace(id, WatchEntry{pid, std::move(cb), 0});
    }
    std::shared_ptr<Endpoint> far = net_->Route(node_, pid.node());
    if (far == nullptr) {
      // No route: noconnection, soon (never inside Watch).
      std::weak_ptr<Endpoint> self = weak_from_this();
      rt_->ArmCallback(rt_->NowNanos(), [self, id, node = pid.node()] {
        if (auto e = self.lock()) {
          e->FireWatch(id, ExitReason::NoConnection(absl::StrCat("no route to node ", node)));
        }
      });
      return id;
    }
    std::weak_ptr<Endpoint> self = weak_from_this();
    const uint64_t far_id = far->rt_->Watch(pid, [self, id](Pid, const ExitReason& r) {
      if (auto e = self.lock()) e->FireWatch(id, OverTheWire(r));
    });
    std::lock_guard<std::mutex> lock(mu_);
    auto it = watches_.find(id);
    if (far_id == 0) {
      if (it != watches_.end()) watches_.erase(it);
      return 0;  // noproc
    }
    if (it != watches_.end()) it->second.far_id = far_id;
    return id;
  }

  bool Unwatch(Pid pid, uint64_t id) override {
    WatchEntry entry;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = watches_.find(id);
      if (it == watches_.end()) return false;
      entry = std::move(it->second);
      watches_.erase(it);
    }
    if (entry.far_id != 0) {
      if (std::shared_ptr<Endpoint> far = net_->Route(node_, pid.node())) {
        far->rt_->Unwatch(pid, entry.far_id);
      }
    }
    return true;
  }

  bool IsAlive(Pid pid) override {
    std::shared_ptr<Endpoint> far = net_->Route(node_, pid.node());
    return far != nullptr && far->rt_->IsAlive(pid);
  }

  // The far side answered call `call`.
  void Complete(uint64_t call, const absl::Status& status, const std::string& bytes) {
    std::unique_ptr<Message> m;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = pending_.find(call);
      if (it == pending_.end()) return;  // failed already (the link was cut)
      m = std::move(it->second.request);
      pending_.erase(it);
    }
    m->type()->codec()->complete(*m, status, bytes);
  }

  // The connection to `node` is gone: its watches fire with noconnection,
  // calls to it fail.
  void LoseNode(uint32_t node, const std::string& why) {
    std::vector<std::pair<Pid, ExitCallback>> fire;
    std::vector<std::unique_ptr<Message>> fail;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto it = watches_.begin(); it != watches_.end();) {
        if (it->second.pid.node() == node) {
          fire.emplace_back(it->second.pid, std::move(it->second.cb));
          watches_.erase(it++);
        } else {
          ++it;
        }
      }
      for (auto it = pending_.begin(); it != pending_.end();) {
        if (it->second.to.node() == node) {
          fail.push_back(std::move(it->second.request));
          pending_.erase(it++);
        } else {
          ++it;
        }
      }
    }
    for (auto& [pid, cb] : fire) cb(pid, ExitReason::NoConnection(why));
    for (auto& m : fail) {
      FailAndDelete(m.release(), absl::UnavailableError(absl::StrCat("noconnection: ", why)));
    }
  }

 private:
  struct WatchEntry {
    Pid pid;
    ExitCallback cb;
    uint64_t far_id = 0;
  };
  struct Pending {
    Pid to;
    std::unique_ptr<Message> request;
  };

  // Carries a reply back to the calling node, as bytes.
  class Reply final : public wire::Reply {
   public:
    Reply(std::weak_ptr<Endpoint> origin, uint64_t call, LoopbackNodes* net)
        : origin_(std::move(origin)), call_(call), net_(net) {}
    void Deliver(absl::Status status, std::string bytes) override {
      net_->frames_.fetch_add(1, std::memory_order_relaxed);
      net_->bytes_.fetch_add(bytes.size(), std::memory_order_relaxed);
      if (auto origin = origin_.lock()) origin->Complete(call_, OverTheWire(status), bytes);
    }

   private:
    std::weak_ptr<Endpoint> origin_;
    uint64_t call_;
    LoopbackNodes* net_;
  };

  void FireWatch(uint64_t id, const ExitReason& reason) {
    WatchEntry entry;
    {
      std::lock_guard<std::mutex> lock(mu_);
      auto it = watches_.find(id);
      if (it == watches_.end()) return;  // unwatched, or fired already
      entry = std::move(it->second);
      watches_.erase(it);
    }
    entry.cb(entry.pid, reason);
  }

  LoopbackNodes* const net_;
  Runtime* const rt_;
  const uint32_t node_;
  std::mutex mu_;
  absl::flat_hash_map<uint64_t, WatchEntry> watches_;  // guarded by mu_
  absl::flat_hash_map<uint64_t, Pending> pending_;     // guarded by mu_
  uint64_t next_watch_ = 1;                            // guarded by mu_
  uint64_t next_call_ = 1;                             // guarded by mu_
};

LoopbackNodes::~LoopbackNodes() {
  std::vector<Runtime*> joined;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [node, e] : nodes_) joined.push_back(e->rt());
  }
  for (Runtime* rt : joined) Leave(*rt);
}

void LoopbackNodes::Join(Runtime& rt) {
  auto e = std::make_shared<Endpoint>(this, &rt);
  {
    std::lock_guard<std::mutex> lock(mu_);
    nodes_[rt.node()] = e;
  }
  rt.SetRemoteNodes(e.get());
}

void LoopbackNodes::Leave(Runtime& rt) {
  std::shared_ptr<Endpoint> gone;
  std::vector<std::shared_ptr<Endpoint>> others;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = nodes_.find(rt.node());
    if (it == nodes_.end() || it->second->rt() != &rt) return;
    gone = it->second;
    nodes_.erase(it);
    retired_.push_back(gone);
    for (auto& [node, e] : nodes_) others.push_back(e);
  }
  rt.SetRemoteNodes(nullptr);
  const std::string why = absl::StrCat("node ", rt.node(), " left");
  for (auto& e : others) e->LoseNode(rt.node(), why);
  for (auto& e : others) gone->LoseNode(e->node(), why);
}

void LoopbackNodes::Partition(uint32_t a, uint32_t b) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cut_.insert({std::min(a, b), std::max(a, b)});
  }
  CutWatches(a, b);
}

void LoopbackNodes::Heal(uint32_t a, uint32_t b) {
  std::lock_guard<std::mutex> lock(mu_);
  cut_.erase({std::min(a, b), std::max(a, b)});
}

void LoopbackNodes::CutWatches(uint32_t a, uint32_t b) {
  std::shared_ptr<Endpoint> ea, eb;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = nodes_.find(a); it != nodes_.end()) ea = it->second;
    if (auto it = nodes_.find(b); it != nodes_.end()) eb = it->second;
  }
  const std::string why = absl::StrCat("partition between nodes ", a, " and ", b);
  if (ea != nullptr) ea->LoseNode(b, why);
  if (eb != nullptr) eb->LoseNode(a, why);
}

std::shared_ptr<LoopbackNodes::Endpoint> LoopbackNodes::Route(uint32_t from, uint32_t node) {
  std::lock_guard<std::mutex> lock(mu_);
  if (cut_.count({std::min(from, node), std::max(from, node)}) != 0) return nullptr;
  if (!nodes_.contains(from)) return nullptr;  // the sender has left
  auto it = nodes_.find(node);
  return it == nodes_.end() ? nullptr : it->second;
}

LoopbackNodes::Stats LoopbackNodes::stats() const {
  return Stats{frames_.load(), bytes_.load(), undecodable_.load()};
}

NodePair::NodePair(const RuntimeOptions& base) : a(OnNode(1, base)), b(OnNode(2, base)) {
  net.Join(a);
  net.Join(b);
}

}  // namespace myr::sched_testing
