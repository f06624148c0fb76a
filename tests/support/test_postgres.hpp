// The PostgreSQL server of a test run: the one the `test_servers` ctest fixture started, named by
// TC_TEST_POSTGRES (a postgresql:// URL of a superuser). Each suite gets databases of its own,
// copied from a migrated template, so tests run side by side and start from the same state.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>

#include "storage/postgres/postgres_store.hpp"

namespace tc::testing {

// The server's superuser options (database "postgres"); fails the test when the fixture did not
// run: in CI these tests never skip.
inline storage::PgOptions test_postgres() {
  const char* url = std::getenv("TC_TEST_POSTGRES");
  if (url == nullptr || *url == '\0') {
    ADD_FAILURE() << "TC_TEST_POSTGRES is not set: run this test through ctest, whose "
                     "test_servers fixture starts PostgreSQL";
    return {};
  }
  storage::PgOptions base;
  base.dbname = "postgres";
  base.user = "postgres";
  auto options = storage::parse_postgres_url(url, base);
  EXPECT_TRUE(options.is_ok()) << options.status().to_string();
  return options.is_ok() ? *options : base;
}

// Runs `sql` as the superuser on database `dbname`.
inline void postgres_admin(const std::string& sql, const std::string& dbname = "postgres") {
  auto options = test_postgres();
  options.dbname = dbname;
  auto conn = storage::PgConnection::connect(options.conninfo());
  ASSERT_TRUE(conn.is_ok()) << conn.status().to_string();
  Status s = (*conn)->exec(sql);
  ASSERT_TRUE(s.is_ok()) << s.to_string() << " running " << sql;
}

// A fresh database migrated to the newest schema, with a name unique to this process.
inline std::string fresh_postgres_database() {
  static std::once_flag once;
  static std::string tpl = "tc_template_" + std::to_string(getpid());
  static std::atomic<int> n{0};
  std::call_once(once, [] {
    postgres_admin("CREATE DATABASE " + tpl);
    auto options = test_postgres();
    options.dbname = tpl;
    auto migrated = storage::PostgresStore::open(options);  // closed again at once
    EXPECT_TRUE(migrated.is_ok()) << migrated.status().to_string();
  });
  std::string name = "tc_" + std::to_string(getpid()) + "_" + std::to_string(++n);
  postgres_admin("CREATE DATABASE " + name + " TEMPLATE " + tpl + " STRATEGY FILE_COPY");
  return name;
}

inline std::unique_ptr<storage::PostgresStore> fresh_postgres_store() {
  auto options = test_postgres();
  options.dbname = fresh_postgres_database();
  options.pool_size = 4;
  auto store = storage::PostgresStore::open(options);
  EXPECT_TRUE(store.is_ok()) << store.status().to_string();
  return store.is_ok() ? std::move(store).value() : nullptr;
}

}  // namespace tc::testing
