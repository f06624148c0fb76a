// The node with TC_CACHE=redis: cached answers (the market overview) go through a real
// redis-server, and while it is down the node keeps answering, computing instead of reading.
#include <gtest/gtest.h>

#include "support/node_process.hpp"
#include "support/redis_server.hpp"

namespace tc {
namespace {

using testing::NodeProcess;

TEST(RedisCacheNodeTest, TheMarketOverviewIsCachedInRedisAndServedWhileRedisIsDown) {
  testing::RedisServer redis;
  ASSERT_TRUE(redis.start());
  NodeProcess node(std::map<std::string, std::string>{
      {"TC_CACHE", "redis://127.0.0.1:" + std::to_string(redis.port())}});
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
  EXPECT_EQ(node.request("GET", "/health")->status, 200);
  net::HttpCall status;
  status.port = node.dashboard_port();
  status.target = "/api/cluster/status";
  auto degraded = net::http_request(status);
  ASSERT_TRUE(degraded.is_ok());
  EXPECT_NE(degraded->body.find("\"status\":\"degraded\""), std::string::npos) << degraded->body;
  EXPECT_NE(degraded->body.find("\"cache\":\"redis\""), std::string::npos) << degraded->body;
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
