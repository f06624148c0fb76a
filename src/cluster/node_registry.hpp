// NodeRegistry: the nodes of the cluster with their logical resources, and placement.
//
// reserve() places a resource request on the alive node with the most free CPU (spreading
// replicas across nodes, as Ray's SPREAD strategy does) and returns that node's id, or nothing
// when no node has room — the caller keeps the replica pending. Thread-safe (one mutex).
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cluster/resources.hpp"
#include "core/clock.hpp"
#include "core/status.hpp"

namespace tc::cluster {

struct NodeInfo {
  std::string id;       // "head", "worker-1", ...
  std::string address;  // host:port of its control API
  bool is_head = false;
  bool alive = true;
  ResourceSet total;
  ResourceSet available;
  int64_t started_at = 0;                     // UTC nanoseconds
  std::map<std::string, std::string> labels;  // what a node says of itself (zone, gpu, ...)
  // A replica there was found unreachable: nothing is placed on it until it is heard from again
  // (its next heartbeat) or declared dead.
  bool suspect = false;
};

class NodeRegistry {
 public:
  // already_exists for a second node with the same id.
  Status add(NodeInfo node);
  // A node heard from (its heartbeat): added with all its resources free when new, alive again
  // with all its resources free when it had been declared dead (what ran there was re-placed),
  // its address and labels brought up to date otherwise. True when it was not alive before.
  bool heard_from(const NodeInfo& node);
  // Nothing more is placed on the node. True when it was alive.
  bool mark_dead(const std::string& id);
  // Nothing is placed on the node until it is heard from again (see NodeInfo::suspect).
  void suspect(const std::string& id);
  // The id of the node the request was placed on, its resources now reserved.
  std::optional<std::string> reserve(const ResourceSet& request);
  // Reserves `request` on `node_id` itself (a replica found running there); false when that node
  // is unknown, dead or has no room.
  bool reserve_on(const std::string& node_id, const ResourceSet& request);
  // Returns resources reserved on `node_id`; ignored for an unknown node.
  void release(const std::string& node_id, const ResourceSet& request);
  std::vector<NodeInfo> snapshot() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, NodeInfo> nodes_;
};

}  // namespace tc::cluster
