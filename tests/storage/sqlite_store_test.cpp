#include "storage/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "storage/catalog_store_conformance.hpp"
#include "storage/job_store_conformance.hpp"
#include "storage/market_store_conformance.hpp"
#include "support/temp_dir.hpp"

namespace tc::storage {
namespace {

// One directory per process; each store gets its own file in it.
std::unique_ptr<Store> make_sqlite() {
  static testing::TempDir dir;
  static int n = 0;
  auto store = SqliteStore::open(dir.path() / ("store" + std::to_string(++n) + ".db"));
  EXPECT_TRUE(store.is_ok()) << store.status().to_string();
  return store.is_ok() ? std::move(store).value() : nullptr;
}

const StoreFactory kSqlite{"sqlite", &make_sqlite};
INSTANTIATE_TEST_SUITE_P(Sqlite, JobStoreConformanceTest, ::testing::Values(kSqlite));
INSTANTIATE_TEST_SUITE_P(Sqlite, CatalogStoreConformanceTest, ::testing::Values(kSqlite));
INSTANTIATE_TEST_SUITE_P(Sqlite, InstrumentStoreConformanceTest, ::testing::Values(kSqlite));
INSTANTIATE_TEST_SUITE_P(Sqlite, TickStoreConformanceTest, ::testing::Values(kSqlite));
INSTANTIATE_TEST_SUITE_P(Sqlite, BarStoreConformanceTest, ::testing::Values(kSqlite));

TEST(SqliteStoreTest, ReopeningKeepsJobs) {
  testing::TempDir dir;
  JobRecord j;
  j.id = new_uuid();
  j.kind = "crawl";
  j.service = "tickscrawler";
  {
    auto store = SqliteStore::open(dir.path() / "s.db");
    ASSERT_TRUE(store.is_ok());
    ASSERT_TRUE((*store)->jobs().create(j, 1).is_ok());
  }
  auto store = SqliteStore::open(dir.path() / "s.db");
  ASSERT_TRUE(store.is_ok());
  EXPECT_TRUE((*store)->jobs().get(j.id).is_ok());
  EXPECT_EQ((*store)->schema_version(), 5);
}

TEST(SqliteStoreTest, UnwritableDirectoryIsUnavailable) {
  auto store = SqliteStore::open("/proc/tc-no-such-dir/s.db");
  ASSERT_FALSE(store.is_ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
}

TEST(SqliteStoreTest, ALongScanDoesNotHoldUpOtherReads) {
  testing::TempDir dir;
  auto store = SqliteStore::open(dir.path() / "s.db");
  ASSERT_TRUE(store.is_ok());
  std::vector<market::TradeTick> ticks;
  for (int i = 0; i < 10; ++i) {
    market::TradeTick t;
    t.instrument_id = {"AAA", "test"};
    t.ts_event = t.ts_init = i;
    t.trade_id = std::to_string(i);
    t.price = market::Decimal{100, 0};
    t.size = market::Decimal{1, 0};
    ticks.push_back(t);
  }
  ASSERT_TRUE((*store)->ticks().write_ticks(ticks).is_ok());
  // The scan's visitor waits until another thread has read: with one shared read connection
  // that read would wait for the scan, and the scan for it.
  std::promise<void> read_done;
  auto done = read_done.get_future();
  std::thread other([&] {
    EXPECT_TRUE((*store)->bars().bar_series_changed("test", 0).is_ok());
    read_done.set_value();
  });
  TickQuery q;
  q.id = {"AAA", "test"};
  bool finished_inside = false;
  Status scanned = (*store)->ticks().scan_ticks(q, [&](const market::TradeTick&) {
    if (!finished_inside) {
      finished_inside = done.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
    }
    return true;
  });
  other.join();
  EXPECT_TRUE(scanned.is_ok());
  EXPECT_TRUE(finished_inside);
}

}  // namespace
}  // namespace tc::storage
