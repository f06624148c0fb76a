// JobStore: where jobs live, so that any replica on any node can answer about them.
// Implementations are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "storage/job_record.hpp"

namespace tc::storage {

// A conditional change of one job, applied atomically: only while the stored job is in one of
// the `from` states. Fields left empty keep their stored value, so that concurrent changes of
// different fields (a progress report racing `start`) never undo each other.
struct JobTransition {
  std::vector<JobState> from;  // the states the change applies in; never empty
  std::optional<JobState> to;
  std::optional<double> progress;
  std::optional<int64_t> started_at;
  std::optional<int64_t> finished_at;
  std::optional<std::string> result;
  std::optional<std::string> error;
  // A change of owner (a stream taken over from a lost node): applied only while the stored
  // owner node is `owner_node_was`, so that two nodes never both take one job.
  std::optional<std::string> owner_node_was;
  std::optional<std::string> owner_replica;
  std::optional<std::string> owner_node;
};

struct JobQuery {
  std::optional<std::string> kind;
  std::optional<std::string> service;
  std::optional<JobState> state;
  int limit = 100;  // newest first
};

class JobStore {
 public:
  virtual ~JobStore() = default;

  // Inserts `job` unless `max_active` jobs of its kind are already active; the
  // count and the insert are one transaction. Returns resource_exhausted when the limit is
  // reached, already_exists for a duplicate id.
  virtual Status create(const JobRecord& job, int max_active) = 0;
  // not_found when no job has that id.
  virtual Result<JobRecord> get(const std::string& id) = 0;
  virtual Result<std::vector<JobRecord>> list(const JobQuery& query) = 0;
  // Applies `change` to the job `id` in one transaction (a conditional update) and returns the
  // job as stored afterwards. not_found for an unknown id; failed_precondition naming the
  // stored state when it is not one of `change.from`.
  virtual Result<JobRecord> transition(const std::string& id, const JobTransition& change) = 0;
  // Number of active (pending, running or stopping) jobs of `kind`.
  virtual Result<int> count_active(const std::string& kind) = 0;
};

}  // namespace tc::storage
