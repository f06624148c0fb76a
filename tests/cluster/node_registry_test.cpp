#include "cluster/node_registry.hpp"

#include <gtest/gtest.h>

namespace tc::cluster {
namespace {

NodeInfo node(const std::string& id, double cpu) {
  NodeInfo n;
  n.id = id;
  n.total = n.available = ResourceSet::from_cpu(cpu, 1LL << 30);
  return n;
}

TEST(NodeRegistryTest, ReservesUntilFullThenRefuses) {
  NodeRegistry nodes;
  ASSERT_TRUE(nodes.add(node("head", 1.0)).is_ok());
  ResourceSet replica = ResourceSet::from_cpu(0.2, 64LL << 20);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(nodes.reserve(replica), "head") << i;
  EXPECT_EQ(nodes.reserve(replica), std::nullopt);
  nodes.release("head", replica);
  EXPECT_EQ(nodes.reserve(replica), "head");
}

TEST(NodeRegistryTest, SpreadsAcrossNodes) {
  NodeRegistry nodes;
  ASSERT_TRUE(nodes.add(node("head", 2.0)).is_ok());
  ASSERT_TRUE(nodes.add(node("worker-1", 2.0)).is_ok());
  ResourceSet replica = ResourceSet::from_cpu(0.5, 1);
  std::map<std::string, int> placed;
  for (int i = 0; i < 4; ++i) ++placed[*nodes.reserve(replica)];
  EXPECT_EQ(placed["head"], 2);
  EXPECT_EQ(placed["worker-1"], 2);
}

TEST(NodeRegistryTest, ASuspectNodeGetsNothingUntilItIsHeardFromAgain) {
  NodeRegistry nodes;
  ASSERT_TRUE(nodes.add(node("worker-1", 4.0)).is_ok());
  ASSERT_TRUE(nodes.add(node("worker-2", 1.0)).is_ok());
  ResourceSet one = ResourceSet::from_cpu(0.5, 1 << 20);
  nodes.suspect("worker-1");
  EXPECT_EQ(nodes.reserve(one), "worker-2");  // worker-1 has more room, but is suspect
  EXPECT_EQ(nodes.reserve(one), "worker-2");
  EXPECT_EQ(nodes.reserve(one), std::nullopt);
  nodes.heard_from(node("worker-1", 4.0));  // its heartbeat
  EXPECT_EQ(nodes.reserve(one), "worker-1");
}

TEST(NodeRegistryTest, MemoryAlsoLimitsPlacement) {
  NodeRegistry nodes;
  NodeInfo n = node("head", 10);
  n.total = n.available = ResourceSet{10000, 100};
  ASSERT_TRUE(nodes.add(n).is_ok());
  EXPECT_TRUE(nodes.reserve(ResourceSet{100, 60}));
  EXPECT_FALSE(nodes.reserve(ResourceSet{100, 60}));
}

TEST(NodeRegistryTest, RefusesDuplicateNode) {
  NodeRegistry nodes;
  ASSERT_TRUE(nodes.add(node("head", 1)).is_ok());
  EXPECT_EQ(nodes.add(node("head", 1)).code(), StatusCode::kAlreadyExists);
}

TEST(ResourceSetTest, ConvertsFractionalCpuExactly) {
  EXPECT_EQ(ResourceSet::from_cpu(0.2, 0).milli_cpu, 200);
  EXPECT_EQ(ResourceSet::from_cpu(0.3, 0).milli_cpu, 300);
  ResourceSet total = ResourceSet::from_cpu(1.0, 0);
  for (int i = 0; i < 5; ++i) total -= ResourceSet::from_cpu(0.2, 0);
  EXPECT_EQ(total.milli_cpu, 0);
}

}  // namespace
}  // namespace tc::cluster
