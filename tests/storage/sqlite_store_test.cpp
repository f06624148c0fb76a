#include "storage/sqlite/sqlite_store.hpp"

#include <gtest/gtest.h>

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
  EXPECT_EQ((*store)->schema_version(), 4);
}

TEST(SqliteStoreTest, UnwritableDirectoryIsUnavailable) {
  auto store = SqliteStore::open("/proc/tc-no-such-dir/s.db");
  ASSERT_FALSE(store.is_ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace tc::storage
