// Store: a node's handle on persistent state, grouping the per-concern stores. The embedded
// default is SqliteStore; a PostgreSQL store is to come for multi-node clusters. Thread-safe.
#pragma once

#include "storage/catalog_store.hpp"
#include "storage/job_store.hpp"

namespace tc::storage {

class Store {
 public:
  virtual ~Store() = default;
  virtual JobStore& jobs() = 0;
  virtual CatalogStore& catalog() = 0;
  // The migration version the schema is at.
  virtual int schema_version() = 0;
  // "sqlite", "postgres".
  virtual const char* backend() const = 0;
};

}  // namespace tc::storage
