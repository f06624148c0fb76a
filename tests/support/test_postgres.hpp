// The PostgreSQL server of a test run: the one the `test_servers` ctest fixture started, named by
// TC_TEST_POSTGRES (a postgresql:// URL of a user who may create databases). Each suite gets
// databases of its own, copied from a migrated template, so tests run side by side and start
// from the same state.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <string>

#include "storage/postgres/postgres_store.hpp"
#include "support/test_servers.hpp"

namespace tc::testing {

// The server's options, as the fixture's user on its database.
inline storage::PgOptions test_postgres() {
  auto options = storage::parse_postgres_url(test_server("TC_TEST_POSTGRES"), {});
  EXPECT_TRUE(options.is_ok()) << options.status().to_string();
  return options.is_ok() ? *options : storage::PgOptions{};
}

// Runs `sql` on the fixture's database.
inline void postgres_admin(const std::string& sql) {
  auto options = test_postgres();
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
