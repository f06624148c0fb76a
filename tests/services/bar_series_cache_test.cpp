#include "services/common/bar_series_cache.hpp"

#include <gtest/gtest.h>

#include "storage/sqlite/sqlite_store.hpp"
#include "support/temp_dir.hpp"

namespace tc::services {
namespace {

constexpr int64_t kDay = 86'400'000'000'000;
const market::Interval kDaily(86400);

class BarSeriesCacheTest : public ::testing::Test {
 protected:
  BarSeriesCacheTest() {
    store_ = std::move(storage::SqliteStore::open(dir_.path() / "t.db")).value();
  }

  void write(const std::string& source, const std::string& symbol, int first_day, int days,
             market::Interval interval = kDaily) {
    std::vector<market::Bar> bars;
    for (int d = first_day; d < first_day + days; ++d) {
      market::Bar b;
      b.instrument_id = {symbol, source};
      b.interval = interval;
      b.open_time = d * kDay;
      b.open = b.high = b.low = b.close = market::Decimal{100 + d, 0};
      b.volume = market::Decimal{10, 0};
      bars.push_back(b);
    }
    ASSERT_TRUE(store_->bars().write_bars(bars).is_ok());
  }

  testing::TempDir dir_;
  std::unique_ptr<storage::SqliteStore> store_;
};

TEST_F(BarSeriesCacheTest, LoadsEverySeriesAndReloadsOnlyTheChangedOnes) {
  write("sim", "AAA", 0, 10);
  write("sim", "BBB", 0, 5);
  ASSERT_TRUE(store_->instruments()
                  .put_instruments(std::vector<market::Instrument>{
                      {{"AAA", "sim"}, "A", market::AssetClass::kEquity, "Energy", "USD", 2, 0}})
                  .is_ok());
  BarSeriesCache cache(store_->bars(), store_->instruments(), 1 << 20);
  auto first = cache.universe("sim", kDaily);
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  ASSERT_EQ((*first)->series.size(), 2u);
  EXPECT_EQ((*first)->series[0]->instrument.sector, "Energy");  // from the instrument store
  EXPECT_EQ((*first)->series[1]->instrument.sector, "");        // bars without an instrument
  EXPECT_EQ((*first)->series[0]->size(), 10u);
  EXPECT_EQ(cache.stats().series_loaded, 2);

  auto same = cache.universe("sim", kDaily);
  EXPECT_EQ(same->get(), first->get());  // nothing changed: the same snapshot

  write("sim", "BBB", 5, 1);
  write("sim", "BBB", 0, 1, market::Interval(3600));  // another interval: not this universe's
  auto next = cache.universe("sim", kDaily);
  ASSERT_TRUE(next.is_ok());
  EXPECT_EQ((*next)->series[1]->size(), 6u);
  EXPECT_EQ((*next)->series[0].get(), (*first)->series[0].get());  // AAA not reloaded
  EXPECT_EQ(cache.stats().series_loaded, 3);
  EXPECT_EQ((*first)->series[1]->size(), 5u);  // an older snapshot does not change
}

TEST_F(BarSeriesCacheTest, RefusesAUniverseLargerThanItsBudget) {
  write("sim", "AAA", 0, 400);
  BarSeriesCache cache(store_->bars(), store_->instruments(), 4096);
  auto u = cache.universe("sim", kDaily);
  ASSERT_FALSE(u.is_ok());
  EXPECT_EQ(u.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(u.status().message().find("--object-store-memory"), std::string::npos);
}

TEST_F(BarSeriesCacheTest, DropsTheLeastRecentlyUsedUniverseOverBudget) {
  write("one", "AAA", 0, 300);
  write("two", "AAA", 0, 300);
  BarSeriesCache probe(store_->bars(), store_->instruments(), 1 << 20);
  size_t one_size = probe.universe("one", kDaily).value()->memory_bytes;
  BarSeriesCache cache(store_->bars(), store_->instruments(), one_size * 3 / 2);
  ASSERT_TRUE(cache.universe("one", kDaily).is_ok());
  ASSERT_TRUE(cache.universe("two", kDaily).is_ok());
  EXPECT_EQ(cache.stats().universes_dropped, 1);
  EXPECT_LE(cache.stats().memory_bytes, cache.stats().memory_budget);
  ASSERT_TRUE(cache.universe("one", kDaily).is_ok());  // loaded again
  EXPECT_EQ(cache.stats().series_loaded, 3);
}

}  // namespace
}  // namespace tc::services
