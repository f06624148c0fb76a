// The node with TC_CACHE=redis: cached answers (the market overview) go through a real
// redis-server, and while it is down the node keeps answering, computing instead of reading.
#include <gtest/gtest.h>

#include "support/node_process.hpp"
#include "support/redis_server.hpp"
#include "support/wait.hpp"

namespace tc {
namespace {

using testing::NodeProcess;

TEST(RedisCacheNodeTest, TheMarketOverviewIsCachedInRedisAndServedWhileRedisIsDown) {
  testing::RedisServer redis;
  ASSERT_TRUE(redis.start());
  NodeProcess node(std::map<std::string, std::string>{
      {"TC_CACHE", "redis://127.0.0.1:" + std::to_string(redis.port())},
      {"TC_HEALTH_CHECK_INTERVAL", "0.2"}});
  ASSERT_TRUE(node.start()) << node.output();
  auto first = node.request("GET", "/api/screener/market-overview");
  ASSERT_EQ(first->status, 200) << first->body;
  EXPECT_EQ(first->header("X-Cache"), "miss");
  auto second = node.request("GET", "/api/screener/market-overview");
  EXPECT_EQ(second->header("X-Cache"), "hit");
  EXPECT_EQ(second->body, first->body);

  redis.stop();
  auto without = node.request("GET", "/api/screener/market-overview");
  ASSERT_EQ(without->status, 200) << without->body;  // a miss, computed again
  EXPECT_EQ(without->header("X-Cache"), "miss");
  auto screen = node.request("POST", "/api/screener/screen", R"({"filters":["rsi_oversold"]})");
  EXPECT_EQ(screen->status, 200) << screen->body;
  // The next check sees it down: degraded, and /health stays 200.
  ASSERT_TRUE(testing::wait_until([&] {
    auto health = node.request("GET", "/health");
    return health->status == 200 &&
           health->body.find("\"status\":\"degraded\"") != std::string::npos;
  })) << node.request("GET", "/health")->body;
  std::string degraded = node.cluster_status();
  EXPECT_NE(degraded.find("\"status\":\"degraded\""), std::string::npos) << degraded;
  EXPECT_NE(degraded.find("\"cache\":\"redis\""), std::string::npos) << degraded;

  testing::RedisServer again(redis.port());
  ASSERT_TRUE(again.start());
  EXPECT_TRUE(testing::wait_until([&] {
    auto health = node.request("GET", "/health");
    return health->body.find("\"status\":\"healthy\"") != std::string::npos;
  })) << node.request("GET", "/health")->body;
}

TEST(RedisCacheNodeTest, ABadCacheSettingStopsTheStartNamingIt) {
  NodeProcess node(std::map<std::string, std::string>{{"TC_CACHE", "memcached"}});
  node.start(false);
  ASSERT_TRUE(node.wait_exit(std::chrono::seconds(10)));
  EXPECT_EQ(node.exit_code(), 2);
  EXPECT_NE(node.output().find("TC_CACHE"), std::string::npos) << node.output();
}

}  // namespace
}  // namespace tc
