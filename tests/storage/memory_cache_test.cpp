#include "storage/memory_cache.hpp"

#include <gtest/gtest.h>

#include "storage/cache_conformance.hpp"

namespace tc::storage {
namespace {

std::unique_ptr<Cache> make_memory() {
  static ManualClock clock;
  return std::make_unique<MemoryCache>(clock, 1 << 22);
}

INSTANTIATE_TEST_SUITE_P(Memory, CacheConformanceTest,
                         ::testing::Values(CacheFactory{"memory", &make_memory}));

TEST(MemoryCacheTest, StoresAndExpires) {
  ManualClock clock;
  MemoryCache cache(clock, 1 << 20);
  cache.put("k", "v", std::chrono::seconds(10));
  EXPECT_EQ(cache.get("k"), "v");
  clock.advance(std::chrono::seconds(10));
  EXPECT_EQ(cache.get("k"), std::nullopt);
  EXPECT_EQ(cache.entries(), 0u);
}

TEST(MemoryCacheTest, EvictsLeastRecentlyUsedWithinByteBound) {
  ManualClock clock;
  MemoryCache cache(clock, 30);  // room for three 10-byte entries
  cache.put("a", std::string(9, 'x'), Duration{0});
  cache.put("b", std::string(9, 'x'), Duration{0});
  cache.put("c", std::string(9, 'x'), Duration{0});
  ASSERT_TRUE(cache.get("a"));  // a is now the most recent
  cache.put("d", std::string(9, 'x'), Duration{0});
  EXPECT_TRUE(cache.get("a"));
  EXPECT_FALSE(cache.get("b"));
  EXPECT_TRUE(cache.get("c"));
  EXPECT_TRUE(cache.get("d"));
  EXPECT_LE(cache.size_bytes(), 30);
}

TEST(MemoryCacheTest, NeverStoresValueLargerThanCapacity) {
  ManualClock clock;
  MemoryCache cache(clock, 10);
  cache.put("a", "123", Duration{0});
  cache.put("big", std::string(100, 'x'), Duration{0});
  EXPECT_FALSE(cache.get("big"));
  EXPECT_TRUE(cache.get("a"));
}

TEST(MemoryCacheTest, ReplacingKeyUpdatesSize) {
  ManualClock clock;
  MemoryCache cache(clock, 100);
  cache.put("a", "12345", Duration{0});
  cache.put("a", "1", Duration{0});
  EXPECT_EQ(cache.size_bytes(), 2);
  cache.erase("a");
  EXPECT_EQ(cache.size_bytes(), 0);
}

}  // namespace
}  // namespace tc::storage
