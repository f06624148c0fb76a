// CatalogStore: the reference data the services start with — algorithms the algorunner can run,
// the screener's filters, and the tickscrawler's data sources. Migrations seed the sample rows.
// Implementations are thread-safe.
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
  virtual Result<std::vector<AlgorithmRecord>> algorithms() = 0;
  virtual Result<std::vector<FilterRecord>> filters() = 0;
  virtual Result<std::vector<DataSourceRecord>> data_sources() = 0;
};

}  // namespace tc::storage
