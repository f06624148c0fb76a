#include <gtest/gtest.h>
#include <unistd.h>

#include "storage/cache_conformance.hpp"
#include "storage/redis/redis_cache.hpp"
#include "support/redis_server.hpp"
#include "support/test_servers.hpp"
#include "support/wait.hpp"

namespace tc::storage {
namespace {

RedisOptions options_for(uint16_t port, const std::string& prefix) {
  RedisOptions o;
  o.port = port;
  o.key_prefix = prefix;
  o.retry_after = std::chrono::milliseconds(100);
  return o;
}

// The run's server (with its password); each cache gets a namespace of its own.
RedisOptions shared(const std::string& prefix) {
  static const infra::InfraSettings servers = testing::test_infra();
  RedisOptions o = options_for(static_cast<uint16_t>(servers.redis_port), prefix);
  o.password = servers.redis_password;
  return o;
}

std::unique_ptr<Cache> make_redis() {
  static int n = 0;
  return std::make_unique<RedisCache>(
      shared("test" + std::to_string(getpid()) + ":" + std::to_string(++n) + ":"));
}

INSTANTIATE_TEST_SUITE_P(Redis, CacheConformanceTest,
                         ::testing::Values(CacheFactory{"redis", &make_redis}));

TEST(RedisCacheTest, EntriesExpireAfterTheirTtl) {
  RedisCache cache(shared("ttl:"));
  cache.put("k", "v", std::chrono::milliseconds(100));
  EXPECT_EQ(cache.get("k"), "v");
  EXPECT_TRUE(testing::wait_until([&] { return !cache.get("k"); }, std::chrono::seconds(5)));
}

TEST(RedisCacheTest, NamespacesKeepCachesApart) {
  RedisCache a(shared("a:")), b(shared("b:"));
  a.put("k", "from a", Duration::zero());
  EXPECT_EQ(b.get("k"), std::nullopt);
  EXPECT_EQ(a.get("k"), "from a");
}

TEST(RedisCacheTest, AWrongPasswordIsUnavailableNotAnswered) {
  RedisOptions wrong = shared("auth:");
  wrong.password = "not-the-password";
  RedisCache cache(wrong);
  cache.put("k", "v", Duration::zero());
  EXPECT_EQ(cache.get("k"), std::nullopt);
  EXPECT_FALSE(cache.ping().is_ok());
  EXPECT_TRUE(RedisCache(shared("auth:")).ping().is_ok());
}

// This test stops its server: it has one of its own, without a password, which a cache
// configured with one uses as it is.
TEST(RedisCacheTest, WhileRedisIsDownTheCacheMissesAndThenRecovers) {
  testing::RedisServer own;
  ASSERT_TRUE(own.start());
  RedisOptions options = options_for(own.port(), "outage:");
  options.password = "unused";
  RedisCache cache(options);
  cache.put("k", "v", Duration::zero());
  EXPECT_TRUE(cache.available());
  own.stop();
  EXPECT_EQ(cache.get("k"), std::nullopt);  // a miss, not an error or a hang
  cache.put("k", "w", Duration::zero());    // dropped
  EXPECT_FALSE(cache.available());
  testing::RedisServer again(own.port());
  ASSERT_TRUE(again.start());
  ASSERT_TRUE(testing::wait_until([&] {
    cache.put("k", "back", Duration::zero());
    return cache.get("k") == std::optional<std::string>("back");
  }));
  EXPECT_TRUE(cache.available());
}

TEST(RedisCacheTest, AnUnreachableServerIsAMissAtOnce) {
  RedisCache cache(options_for(testing::free_port(), "none:"));
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(cache.get("k"), std::nullopt);
  EXPECT_EQ(cache.get("k"), std::nullopt);  // within retry_after: not even a connect
  EXPECT_FALSE(cache.available());
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));
}

}  // namespace
}  // namespace tc::storage
