#include <gtest/gtest.h>

#include "storage/catalog_store_conformance.hpp"
#include "storage/job_store_conformance.hpp"
#include "storage/market_store_conformance.hpp"
#include "support/test_postgres.hpp"

namespace tc::storage {
namespace {

std::unique_ptr<Store> make_postgres() { return testing::fresh_postgres_store(); }

const StoreFactory kPostgres{"postgres", &make_postgres};
INSTANTIATE_TEST_SUITE_P(Postgres, JobStoreConformanceTest, ::testing::Values(kPostgres));
INSTANTIATE_TEST_SUITE_P(Postgres, CatalogStoreConformanceTest, ::testing::Values(kPostgres));
INSTANTIATE_TEST_SUITE_P(Postgres, InstrumentStoreConformanceTest, ::testing::Values(kPostgres));
INSTANTIATE_TEST_SUITE_P(Postgres, TickStoreConformanceTest, ::testing::Values(kPostgres));
INSTANTIATE_TEST_SUITE_P(Postgres, BarStoreConformanceTest, ::testing::Values(kPostgres));

}  // namespace
}  // namespace tc::storage
