// Store: a node's handle on persistent state, one interface per domain. The embedded default is
// SqliteStore; PostgresStore serves clusters. Thread-safe.
#pragma once

#include "storage/bar_store.hpp"
#include "storage/catalog_store.hpp"
#include "storage/instrument_store.hpp"
#include "storage/job_store.hpp"
#include "storage/tick_store.hpp"

namespace tc::storage {

class Store {
 public:
  virtual ~Store() = default;
  virtual JobStore& jobs() = 0;
  virtual CatalogStore& catalog() = 0;
  virtual InstrumentStore& instruments() = 0;
  virtual TickStore& ticks() = 0;
  virtual BarStore& bars() = 0;
  // The migration version the schema is at.
  virtual int schema_version() = 0;
  // "sqlite", "postgres".
  virtual const char* backend() const = 0;
  // Whether the store answers now: the node's health check. An embedded store always does.
  virtual Status ping() { return Status::ok(); }
};

}  // namespace tc::storage
