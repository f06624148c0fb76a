// Membership: how nodes join a cluster and how the head knows which are alive, as Ray's GCS
// learns it from heartbeats. Each node announces itself — id, control address, logical
// resources, labels — on tc.v1.nodes.<cluster>.heartbeat every interval, and on
// tc.v1.nodes.<cluster>.leaving when it stops (clusters of different names share a NATS server
// without seeing each other). The head's MembershipMonitor keeps its NodeRegistry from what it
// hears: a node is added at its first heartbeat, declared dead when none has come for
// dead_after, alive again when they resume, and dead at once when it says it is leaving. The
// registry holds nothing heartbeats do not bring, so a restarted head has it back within one
// interval; the nodes a monitor finds in the registry when it starts must keep beating too.
// Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "cluster/bus.hpp"
#include "cluster/node_registry.hpp"
#include "core/stoppable_thread.hpp"

namespace tc::cluster {

std::string heartbeat_subject(std::string_view cluster);
std::string leaving_subject(std::string_view cluster);

// A node's heartbeat, as JSON on the bus.
std::string encode_announcement(const NodeInfo& node);
// invalid_argument for a malformed one.
Result<NodeInfo> decode_announcement(std::string_view text);

// Announces `node` now and every `interval` until destroyed, then says it is leaving.
class NodeAnnouncer {
 public:
  NodeAnnouncer(Bus& bus, std::string cluster, NodeInfo node, Duration interval);
  ~NodeAnnouncer();

 private:
  Bus& bus_;
  const std::string cluster_;
  const NodeInfo node_;
  std::unique_ptr<StoppableThread> thread_;
};

struct MembershipOptions {
  std::string cluster = "default";
  Duration check_every = std::chrono::milliseconds(500);
  Duration dead_after = std::chrono::seconds(5);  // without a heartbeat
  // A node this late (but not yet dead) is reported once to `on_late`, so that its replicas can
  // be probed at once rather than after dead_after; zero: never.
  Duration late_after{0};
  std::function<void(const std::string& node)> on_late;
};

class MembershipMonitor {
 public:
  // A node joined (alive) or was lost (not alive), and why, in words for the event log.
  using Listener = std::function<void(const NodeInfo& node, bool alive, const std::string& why)>;

  // Subscribes at once; `registry` gains the nodes it hears of.
  static Result<std::unique_ptr<MembershipMonitor>> start(Bus& bus, NodeRegistry& registry,
                                                          const Clock& clock,
                                                          MembershipOptions options,
                                                          Listener listener);
  ~MembershipMonitor();

 private:
  MembershipMonitor(NodeRegistry& registry, const Clock& clock, MembershipOptions options,
                    Listener listener)
      : registry_(registry), clock_(clock), options_(options), listener_(std::move(listener)) {}
  void heard(const Message& m);
  void left(const Message& m);
  void check();

  NodeRegistry& registry_;
  const Clock& clock_;
  const MembershipOptions options_;
  const Listener listener_;
  std::mutex mu_;
  std::map<std::string, TimePoint> last_heard_;  // nodes alive, by id
  std::set<std::string> late_;                   // reported late since their last heartbeat
  std::unique_ptr<Subscription> heartbeats_, leaving_;
  std::unique_ptr<StoppableThread> checker_;
};

}  // namespace tc::cluster
