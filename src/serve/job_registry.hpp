// JobRegistry: the life cycle of long-running work (algorithm runs, crawls, streams) over the
// JobStore, so that any replica on any node can answer about a job. Every change is one atomic,
// conditional transition in the store.
//
//   pending -> running -> succeeded | failed
//   pending | running -> stopping -> stopped | timed_out   (by the owner, once its work stopped)
//
// A job is created pending (refused with resource_exhausted when its kind is at its limit of
// active jobs). request_stop() moves it to stopping and asks its owner, over the bus subject
// `tc.v1.jobs.<id>.stop`, to stop the work; the owner ends it. When nobody answers on that
// subject (the owner is gone) the registry ends the job as stopped itself.
// Thread-safety: thread-safe (the store and the bus are).
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

  // Creates a pending job; `max_active` bounds the active jobs of `kind`.
  Result<storage::JobRecord> create(const std::string& kind, const std::string& service,
                                    const json::value& params, const JobOwner& owner,
                                    int max_active);
  // invalid_argument for an id that is not a UUID, not_found for an unknown one.
  Result<storage::JobRecord> get(const std::string& id);
  Result<std::vector<storage::JobRecord>> list(const storage::JobQuery& query);

  // pending -> running. failed_precondition when the job is no longer pending (a stop came
  // first, or it ended).
  Status start(const std::string& id);
  // Records progress (clamped to 0..1) while the job is active.
  Status set_progress(const std::string& id, double progress);
  // Stores `so_far` as the result of an active job (what a stream has done yet).
  Status record_result(const std::string& id, const json::value& so_far);
  // pending | running -> stopping, with `why` as {"code": code, "message": why}. Returns the job;
  // failed_precondition when it is already stopping or has ended.
  Result<storage::JobRecord> begin_stop(const std::string& id, std::string_view code,
                                        const std::string& why);
  // Asks for a stop (begin_stop with code "stopped") and tells the owner. A job already stopping
  // is returned as it is. failed_precondition when the job has ended.
  Result<storage::JobRecord> request_stop(const std::string& id, const std::string& why);
  // Ends an active job: succeeded (progress 1) or failed from pending or running; stopped or
  // timed_out from stopping. `result` is stored when not null; `error` when not ok.
  Status end(const std::string& id, storage::JobState state, const json::value& result,
             const Status& error = Status::ok());
  // Marks every active job owned by `node` (of one of `kinds`, or any kind when empty) as failed
  // with `error`; returns how many.
  Result<int> fail_jobs_of_node(const std::string& node, const Status& error,
                                const std::vector<std::string>& kinds = {});

  // The bus subject a job's owner listens on for stop requests.
  static std::string stop_subject(const std::string& id) { return "tc.v1.jobs." + id + ".stop"; }
  // The bus subject on which a job's owner announces its end, with the job as JSON.
  static std::string ended_subject(const std::string& id) { return "tc.v1.jobs." + id + ".ended"; }

 private:
  storage::JobStore& store_;
  cluster::Bus& bus_;
  const Clock& clock_;
};

// A job as the API shows it: id, kind, service, state, progress, params, owner, times (ISO 8601,
// null until they happen), result, and error {code, message} when it failed or stop_reason when
// it was stopped or timed out.
json::object to_json_object(const storage::JobRecord& job);
// The JSON text of an error as jobs store it: {"code": ..., "message": ...}.
std::string job_error_json(std::string_view code, std::string_view message);

}  // namespace tc::serve
