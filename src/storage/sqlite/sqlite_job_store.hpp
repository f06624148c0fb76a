// SqliteJobStore: the JobStore of SqliteStore, table shared_jobs. Thread-safe: every call holds
// the write connection's mutex.
#pragma once

#include "storage/job_store.hpp"
#include "storage/sqlite/sqlite_database.hpp"

namespace tc::storage {

class SqliteJobStore final : public JobStore {
 public:
  explicit SqliteJobStore(SqliteConnection& conn) : conn_(conn) {}

  Status create(const JobRecord& job, int max_active) override;
  Result<JobRecord> get(const std::string& id) override;
  Result<std::vector<JobRecord>> list(const JobQuery& query) override;
  Result<JobRecord> transition(const std::string& id, const JobTransition& change) override;
  Result<int> count_active(const std::string& kind) override;

 private:
  Result<int> count_active_locked(const std::string& kind);
  Result<JobRecord> get_locked(const std::string& id);

  SqliteConnection& conn_;
};

}  // namespace tc::storage
