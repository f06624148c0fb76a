// SqliteCatalogStore: the CatalogStore of SqliteStore, tables algorunner_algorithms,
// screener_filters and tickscrawler_sources. Thread-safe: every call holds the write
// connection's mutex.
#pragma once

#include "storage/catalog_store.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace tc::storage {

class SqliteCatalogStore final : public CatalogStore {
 public:
  explicit SqliteCatalogStore(SqliteConnection& conn) : conn_(conn) {}

  Result<std::vector<AlgorithmRecord>> algorithms() override;
  Result<std::vector<FilterRecord>> filters() override;
  Result<std::vector<DataSourceRecord>> data_sources() override;
  Status put_algorithm(const AlgorithmRecord& algorithm) override;
  Status put_filter(const FilterRecord& filter) override;
  Status add_filter(const FilterRecord& filter) override;
  Status delete_filter(const std::string& name) override;
  Status put_data_source(const DataSourceRecord& source) override;

 private:
  SqliteConnection& conn_;
};

}  // namespace tc::storage
