// The conformance suite of the Cache interface, run against every implementation (MemoryCache
// and RedisCache). Expiry is tested per implementation: a memory cache runs on an injected clock,
// Redis on its own.
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>

#include "storage/cache.hpp"

namespace tc::storage {

struct CacheFactory {
  std::string name;
  std::function<std::unique_ptr<Cache>()> make;
};

inline std::ostream& operator<<(std::ostream& os, const CacheFactory& f) { return os << f.name; }

class CacheConformanceTest : public ::testing::TestWithParam<CacheFactory> {
 protected:
  void SetUp() override {
    cache_ = GetParam().make();
    ASSERT_NE(cache_, nullptr);
  }
  std::unique_ptr<Cache> cache_;
};

TEST_P(CacheConformanceTest, StoresReplacesAndErases) {
  EXPECT_EQ(cache_->get("missing"), std::nullopt);
  cache_->put("k", "one", Duration::zero());
  EXPECT_EQ(cache_->get("k"), "one");
  cache_->put("k", "two", std::chrono::seconds(60));
  EXPECT_EQ(cache_->get("k"), "two");
  cache_->erase("k");
  EXPECT_EQ(cache_->get("k"), std::nullopt);
  cache_->erase("never-there");  // no error
}

TEST_P(CacheConformanceTest, ValuesAreBytesKeptExactly) {
  std::string binary("a\0b\r\n\xff\"{}", 9);
  cache_->put("bin", binary, Duration::zero());
  EXPECT_EQ(cache_->get("bin"), binary);
  std::string big(200'000, 'x');
  cache_->put("big", big, Duration::zero());
  EXPECT_EQ(cache_->get("big"), big);
  cache_->put("screener:market-overview:v1:simulator", "{}", Duration::zero());
  EXPECT_EQ(cache_->get("screener:market-overview:v1:simulator"), "{}");
}

}  // namespace tc::storage
