// JobRegistry: the life cycle of long-running work (algorithm runs, crawls, streams) over the
// JobStore, so that any replica on any node can answer about a job.
//
// A job is created pending (refused with resource_exhausted when its kind is at its limit of
// active jobs), runs, and ends once: succeeded, failed, stopped or timed_out. Transitions out of
// a terminal state are refused with failed_precondition. request_stop() ends a job as stopped
// and publishes `tc.v1.jobs.<id>.stop` on the bus so that its owner stops the work.
// Thread-safety: thread-safe (the store is).
#pragma once

#include <string>
#include <vector>

#include "cluster/bus.hpp"
#include "core/clock.hpp"
#include "core/json.hpp"
#include "storage/job_store.hpp"

namespace tc::serve {

struct JobOwner {
  std::string replica;
  std::string node;
};

class JobRegistry {
 public:
  JobRegistry(storage::JobStore& store, cluster::Bus& bus, const Clock& clock)
      : store_(store), bus_(bus), clock_(clock) {}

  // Creates a pending job; `max_active` bounds the pending and running jobs of `kind`.
  Result<storage::JobRecord> create(const std::string& kind, const std::string& service,
                                    const json::value& params, const JobOwner& owner,
                                    int max_active);
  Result<storage::JobRecord> get(const std::string& id);
  Result<std::vector<storage::JobRecord>> list(const storage::JobQuery& query);

  Status start(const std::string& id);
  Status set_progress(const std::string& id, double progress);
  Status succeed(const std::string& id, const json::value& result);
  Status fail(const std::string& id, const std::string& error);
  Status time_out(const std::string& id, const std::string& why);
  // Ends an active job as stopped and tells its owner. not_found for an unknown id,
  // failed_precondition when it has already ended.
  Result<storage::JobRecord> request_stop(const std::string& id, const std::string& why);
  // Marks every active job owned by `node` as failed ("owner node lost"); returns how many.
  Result<int> fail_jobs_of_node(const std::string& node);

  // The bus subject a job's owner listens on for stop requests.
  static std::string stop_subject(const std::string& id) { return "tc.v1.jobs." + id + ".stop"; }

 private:
  Status finish(const std::string& id, storage::JobState state, std::string result,
                std::string error);

  storage::JobStore& store_;
  cluster::Bus& bus_;
  const Clock& clock_;
};

json::object to_json_object(const storage::JobRecord& job);

}  // namespace tc::serve
