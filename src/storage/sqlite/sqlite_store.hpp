// SqliteStore: the embedded default Store, one SQLite file (WAL) under the data directory.
// It keeps one connection for writes and small reads (jobs, catalog), serialized by its mutex
// since SQLite allows one writer at a time, and a few connections for market-data reads, lent
// one per read, so that a long history query holds up neither a job transition nor a screen.
// Thread-safe.
#pragma once

#include <filesystem>
#include <memory>

#include "storage/sqlite/sqlite_catalog_store.hpp"
#include "storage/sqlite/sqlite_database.hpp"
#include "storage/sqlite/sqlite_job_store.hpp"
#include "storage/sqlite/sqlite_market_stores.hpp"
#include "storage/store.hpp"

namespace tc::storage {

class SqliteStore final : public Store {
 public:
  // Opens (creating when missing) `path` and migrates it to the newest schema. unavailable when
  // the file cannot be opened; failed_precondition when it is newer than this binary.
  static Result<std::unique_ptr<SqliteStore>> open(const std::filesystem::path& path);

  JobStore& jobs() override { return jobs_; }
  CatalogStore& catalog() override { return catalog_; }
  InstrumentStore& instruments() override { return instruments_; }
  TickStore& ticks() override { return ticks_; }
  BarStore& bars() override { return bars_; }
  int schema_version() override { return schema_version_; }
  const char* backend() const override { return "sqlite"; }

 private:
  static constexpr int kReaders = 4;

  SqliteStore(std::unique_ptr<SqliteDatabase> writer, std::unique_ptr<SqliteReaders> readers,
              int version);

  SqliteConnection writer_;
  std::unique_ptr<SqliteReaders> readers_;
  SqliteJobStore jobs_{writer_};
  SqliteCatalogStore catalog_{writer_};
  SqliteInstrumentStore instruments_{writer_, *readers_};
  SqliteTickStore ticks_{writer_, *readers_};
  SqliteBarStore bars_{writer_, *readers_};
  int schema_version_;
};

}  // namespace tc::storage
