// StoreFactory: how a store conformance suite gets a fresh, empty, migrated store. A factory is a
// function, so that one carrying configuration (a server's address, a schema per test) runs the
// same suites:
//
//   INSTANTIATE_TEST_SUITE_P(Sqlite, TickStoreConformanceTest,
//                            ::testing::Values(StoreFactory{"sqlite", &make_sqlite}));
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "storage/store.hpp"

namespace tc::storage {

// Strings that would break a store building SQL or COPY data from text: each must reach the
// database as a value and come back unchanged.
inline const std::vector<std::string>& hostile_strings() {
  static const std::vector<std::string> all{
      "'); DROP TABLE tickscrawler_ticks; DROP TABLE tickscrawler.ticks; --",
      "x' OR '1'='1",
      "\" OR 1=1 --",
      "back\\slash \\N \\. end",
      "tab\there\nnew line\r",
      "100%_like",
      "$1 $$ :name ? @p",
      "Ünïcødé ✓ 🚀",
  };
  return all;
}

struct StoreFactory {
  std::string name;
  std::function<std::unique_ptr<Store>()> make;
};

inline void PrintTo(const StoreFactory& f, std::ostream* os) { *os << f.name; }

// The fixture of every store suite: a fresh store per test.
class StoreTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    store_ = GetParam().make();
    ASSERT_NE(store_, nullptr);
  }

  std::unique_ptr<Store> store_;
};

}  // namespace tc::storage
