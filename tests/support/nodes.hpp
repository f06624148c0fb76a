// Nodes for tests: a head node with the given logical resources, all free.
#pragma once

#include "cluster/node_registry.hpp"

namespace tc::testing {

inline cluster::NodeInfo head_node(double cpu, int64_t memory_bytes = 1LL << 30) {
  cluster::NodeInfo head;
  head.id = "head";
  head.is_head = true;
  head.total = head.available = cluster::ResourceSet::from_cpu(cpu, memory_bytes);
  return head;
}

}  // namespace tc::testing
