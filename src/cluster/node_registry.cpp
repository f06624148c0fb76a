#include "cluster/node_registry.hpp"

namespace tc::cluster {

Status NodeRegistry::add(NodeInfo node) {
  std::lock_guard lock(mu_);
  if (nodes_.count(node.id) != 0) return already_exists("node " + node.id + " is registered");
  std::string id = node.id;
  nodes_.emplace(std::move(id), std::move(node));
  return Status::ok();
}

bool NodeRegistry::heard_from(const NodeInfo& node) {
  std::lock_guard lock(mu_);
  auto [it, fresh] = nodes_.try_emplace(node.id, node);
  NodeInfo& known = it->second;
  if (fresh) {
    known.available = known.total;
    known.alive = true;
    return true;
  }
  bool was_alive = known.alive;
  known.suspect = false;
  known.address = node.address;
  known.labels = node.labels;
  if (!was_alive) {
    known = node;
    known.available = known.total;
    known.alive = true;
  }
  return !was_alive;
}

bool NodeRegistry::mark_dead(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(id);
  if (it == nodes_.end() || !it->second.alive) return false;
  it->second.alive = false;
  return true;
}

std::optional<std::string> NodeRegistry::reserve(const ResourceSet& request) {
  std::lock_guard lock(mu_);
  NodeInfo* best = nullptr;
  for (auto& [id, node] : nodes_) {
    if (!node.alive || node.suspect || !request.fits_in(node.available)) continue;
    if (best == nullptr || node.available.milli_cpu > best->available.milli_cpu) best = &node;
  }
  if (best == nullptr) return std::nullopt;
  best->available -= request;
  return best->id;
}

bool NodeRegistry::reserve_on(const std::string& node_id, const ResourceSet& request) {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(node_id);
  if (it == nodes_.end() || !it->second.alive || !request.fits_in(it->second.available)) {
    return false;
  }
  it->second.available -= request;
  return true;
}

void NodeRegistry::suspect(const std::string& id) {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(id);
  if (it != nodes_.end() && !it->second.is_head) it->second.suspect = true;
}

void NodeRegistry::release(const std::string& node_id, const ResourceSet& request) {
  std::lock_guard lock(mu_);
  auto it = nodes_.find(node_id);
  if (it != nodes_.end()) it->second.available += request;
}

std::vector<NodeInfo> NodeRegistry::snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<NodeInfo> out;
  for (const auto& [id, node] : nodes_) out.push_back(node);
  return out;
}

}  // namespace tc::cluster
