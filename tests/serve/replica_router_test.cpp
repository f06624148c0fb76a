#include "serve/replica_router.hpp"

#include <gtest/gtest.h>

#include <map>
#include <vector>

namespace tc::serve {
namespace {

TEST(ReplicaRouterTest, NoneWhenAllFullOrStopped) {
  ReplicaRouter r(1);
  std::vector<ReplicaLoad> loads{{2, 2, true}, {0, 2, false}};
  EXPECT_EQ(r.choose(loads), std::nullopt);
  EXPECT_EQ(r.choose(std::vector<ReplicaLoad>{}), std::nullopt);
}

TEST(ReplicaRouterTest, OnlyCandidateIsChosen) {
  ReplicaRouter r(1);
  std::vector<ReplicaLoad> loads{{5, 5, true}, {4, 5, true}, {0, 5, false}};
  for (int i = 0; i < 20; ++i) EXPECT_EQ(r.choose(loads), 1u);
}

TEST(ReplicaRouterTest, PrefersLessLoadedOfTwo) {
  ReplicaRouter r(7);
  std::vector<ReplicaLoad> loads{{9, 100, true}, {1, 100, true}};
  for (int i = 0; i < 50; ++i) EXPECT_EQ(r.choose(loads), 1u);
}

TEST(ReplicaRouterTest, BalancesEqualLoadsAcrossAllReplicas) {
  ReplicaRouter r(42);
  std::vector<ReplicaLoad> loads(4, ReplicaLoad{0, 1000, true});
  // Route 400 calls, each staying ongoing: P2C keeps the loads close.
  for (int i = 0; i < 400; ++i) ++loads[*r.choose(loads)].ongoing;
  for (const auto& l : loads) {
    EXPECT_GE(l.ongoing, 95);
    EXPECT_LE(l.ongoing, 105);
  }
}

TEST(ReplicaRouterTest, NeverPicksFullReplicaEvenWhenLeastLoadedElsewhere) {
  ReplicaRouter r(5);
  std::vector<ReplicaLoad> loads{{3, 3, true}, {0, 3, true}, {1, 3, true}};
  std::map<size_t, int> picks;
  for (int i = 0; i < 100; ++i) ++picks[*r.choose(loads)];
  EXPECT_EQ(picks.count(0), 0u);
}

}  // namespace
}  // namespace tc::serve
