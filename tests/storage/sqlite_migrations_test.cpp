#include "storage/sqlite/sqlite_migrations.hpp"

#include <gtest/gtest.h>

#include "support/temp_dir.hpp"

namespace tc::storage {
namespace {

int64_t count(SqliteDatabase& db, const std::string& sql) {
  auto s = db.prepare(sql);
  EXPECT_TRUE(s.is_ok()) << s.status().to_string();
  EXPECT_TRUE(*s->step());
  return s->column_int(0);
}

TEST(SqliteMigrationsTest, FreshDatabaseReachesNewestVersionWithSampleRows) {
  testing::TempDir dir;
  auto db = SqliteDatabase::open(dir.path() / "t.db");
  ASSERT_TRUE(db.is_ok());
  auto version = migrate(**db, sqlite_migrations());
  ASSERT_TRUE(version.is_ok()) << version.status().to_string();
  EXPECT_EQ(*version, sqlite_migrations().back().version);
  EXPECT_EQ(count(**db, "SELECT COUNT(*) FROM shared_schema_migrations"),
            static_cast<int64_t>(sqlite_migrations().size()));
  EXPECT_GE(count(**db, "SELECT COUNT(*) FROM algorunner_algorithms"), 9);
  EXPECT_GE(count(**db, "SELECT COUNT(*) FROM screener_filters WHERE builtin = 1"), 5);
  EXPECT_EQ(count(**db, "SELECT COUNT(*) FROM tickscrawler_sources"), 4);
  EXPECT_EQ(count(**db, "SELECT COUNT(*) FROM shared_jobs"), 0);
}

TEST(SqliteMigrationsTest, SecondRunAppliesNothing) {
  testing::TempDir dir;
  auto db = SqliteDatabase::open(dir.path() / "t.db");
  ASSERT_TRUE(migrate(**db, sqlite_migrations()).is_ok());
  auto again = migrate(**db, sqlite_migrations());
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  EXPECT_EQ(count(**db, "SELECT COUNT(*) FROM algorunner_algorithms"), 9);
}

TEST(SqliteMigrationsTest, AppliesOnlyMissingSteps) {
  testing::TempDir dir;
  auto db = SqliteDatabase::open(dir.path() / "t.db");
  auto all = sqlite_migrations();
  ASSERT_TRUE(migrate(**db, all.first(1)).is_ok());
  EXPECT_EQ(count(**db, "SELECT COUNT(*) FROM algorunner_algorithms"), 0);
  auto version = migrate(**db, all);
  ASSERT_TRUE(version.is_ok());
  EXPECT_EQ(*version, all.back().version);
  EXPECT_EQ(count(**db, "SELECT COUNT(*) FROM algorunner_algorithms"), 9);
}

TEST(SqliteMigrationsTest, RefusesDatabaseNewerThanBinary) {
  testing::TempDir dir;
  auto db = SqliteDatabase::open(dir.path() / "t.db");
  ASSERT_TRUE(migrate(**db, sqlite_migrations()).is_ok());
  ASSERT_TRUE((*db)->exec("INSERT INTO shared_schema_migrations VALUES (99, 'future', 0)").is_ok());
  auto version = migrate(**db, sqlite_migrations());
  ASSERT_FALSE(version.is_ok());
  EXPECT_EQ(version.status().code(), StatusCode::kFailedPrecondition);
}

TEST(SqliteMigrationsTest, FailedStepRollsBackAndNamesIt) {
  testing::TempDir dir;
  auto db = SqliteDatabase::open(dir.path() / "t.db");
  const Migration broken[] = {{1, "half broken", "CREATE TABLE a (x INTEGER); SELEC nonsense;"}};
  auto version = migrate(**db, broken);
  ASSERT_FALSE(version.is_ok());
  EXPECT_NE(version.status().message().find("half broken"), std::string::npos);
  EXPECT_EQ(count(**db, "SELECT COUNT(*) FROM sqlite_master WHERE name = 'a'"), 0);
}

}  // namespace
}  // namespace tc::storage
