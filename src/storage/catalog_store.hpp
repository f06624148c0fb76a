// CatalogStore: the reference data of the services — algorithms the algorunner can run, the
// screener's filters (built-in and custom), and the tickscrawler's data sources. Migrations seed
// the sample rows; the services add and change their own. Implementations are thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/status.hpp"

namespace tc::storage {

struct AlgorithmRecord {
  std::string name;
  std::string description;
  std::string parameters;  // JSON object text: parameter name -> {type, default, ...}
  bool enabled = true;
};

struct FilterRecord {
  std::string name;
  std::string expression;
  std::string description;
  bool builtin = true;
};

struct DataSourceRecord {
  std::string name;
  std::string kind;  // "simulator", "csv", "binance", "replay"
  std::string description;
  std::string config;  // JSON object text
  bool enabled = true;
};

class CatalogStore {
 public:
  virtual ~CatalogStore() = default;
  // Each list is ordered by name.
  virtual Result<std::vector<AlgorithmRecord>> algorithms() = 0;
  virtual Result<std::vector<FilterRecord>> filters() = 0;
  virtual Result<std::vector<DataSourceRecord>> data_sources() = 0;

  // Inserts or replaces the algorithm of that name.
  virtual Status put_algorithm(const AlgorithmRecord& algorithm) = 0;
  // Inserts or replaces a custom filter; failed_precondition when a built-in one has that name.
  virtual Status put_filter(const FilterRecord& filter) = 0;
  // Inserts a custom filter; already_exists when any filter has that name, also when another
  // writer created it a moment before (names are unique).
  virtual Status add_filter(const FilterRecord& filter) = 0;
  // not_found for an unknown name; failed_precondition for a built-in filter.
  virtual Status delete_filter(const std::string& name) = 0;
  // Inserts or replaces the data source of that name.
  virtual Status put_data_source(const DataSourceRecord& source) = 0;
};

}  // namespace tc::storage
