// JobStore: where jobs live, so that any replica on any node can answer about them.
// Implementations are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "storage/job_record.hpp"

namespace tc::storage {

struct JobQuery {
  std::optional<std::string> kind;
  std::optional<std::string> service;
  std::optional<JobState> state;
  int limit = 100;  // newest first
};

class JobStore {
 public:
  virtual ~JobStore() = default;

  // Inserts `job` unless `max_active` jobs of its kind are already pending or running; the
  // count and the insert are one transaction. Returns resource_exhausted when the limit is
  // reached, already_exists for a duplicate id.
  virtual Status create(const JobRecord& job, int max_active) = 0;
  // not_found when no job has that id.
  virtual Result<JobRecord> get(const std::string& id) = 0;
  virtual Result<std::vector<JobRecord>> list(const JobQuery& query) = 0;
  // Replaces the mutable fields (state, progress, owner, timestamps, result, error) of the job
  // with `job.id`, only while the stored job is not terminal. not_found for an unknown id,
  // failed_precondition when the stored job has already ended.
  virtual Status update(const JobRecord& job) = 0;
  // Number of pending or running jobs of `kind`.
  virtual Result<int> count_active(const std::string& kind) = 0;
};

}  // namespace tc::storage
