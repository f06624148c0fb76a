// SqliteStore: the embedded default Store, one SQLite file (WAL) under the data directory.
// Thread-safe: one connection, serialized by a mutex (SQLite allows one writer at a time anyway).
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>

#include "storage/store.hpp"

namespace tc::storage {

class SqliteDatabase;

class SqliteStore final : public Store, private JobStore, private CatalogStore {
 public:
  // Opens (creating when missing) `path` and migrates it to the newest schema.
  static Result<std::unique_ptr<SqliteStore>> open(const std::filesystem::path& path);
  ~SqliteStore() override;

  JobStore& jobs() override { return *this; }
  CatalogStore& catalog() override { return *this; }
  int schema_version() override { return schema_version_; }
  const char* backend() const override { return "sqlite"; }

 private:
  SqliteStore(std::unique_ptr<SqliteDatabase> db, int version);

  // JobStore
  Status create(const JobRecord& job, int max_active) override;
  Result<JobRecord> get(const std::string& id) override;
  Result<std::vector<JobRecord>> list(const JobQuery& query) override;
  Result<JobRecord> transition(const std::string& id, const JobTransition& change) override;
  Result<int> count_active(const std::string& kind) override;
  Result<int> count_active_locked(const std::string& kind);
  Result<JobRecord> get_locked(const std::string& id);

  // CatalogStore
  Result<std::vector<AlgorithmRecord>> algorithms() override;
  Result<std::vector<FilterRecord>> filters() override;
  Result<std::vector<DataSourceRecord>> data_sources() override;

  std::mutex mu_;
  std::unique_ptr<SqliteDatabase> db_;
  int schema_version_;
};

}  // namespace tc::storage
