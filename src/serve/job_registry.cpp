#include "serve/job_registry.hpp"

#include <algorithm>

#include "core/ids.hpp"

namespace tc::serve {

using storage::JobRecord;
using storage::JobState;

Result<JobRecord> JobRegistry::create(const std::string& kind, const std::string& service,
                                      const json::value& params, const JobOwner& owner,
                                      int max_active) {
  JobRecord job;
  job.id = new_uuid();
  job.kind = kind;
  job.service = service;
  job.params = to_json(params);
  job.owner_replica = owner.replica;
  job.owner_node = owner.node;
  job.created_at = clock_.unix_nanos();
  TC_RETURN_IF_ERROR(store_.create(job, max_active));
  return job;
}

Result<JobRecord> JobRegistry::get(const std::string& id) {
  if (!is_uuid(id)) return invalid_argument("job id must be a UUID, got '" + id + "'");
  return store_.get(id);
}

Result<std::vector<JobRecord>> JobRegistry::list(const storage::JobQuery& query) {
  return store_.list(query);
}

Status JobRegistry::start(const std::string& id) {
  storage::JobTransition change;
  change.from = {JobState::kPending};
  change.to = JobState::kRunning;
  change.started_at = clock_.unix_nanos();
  return store_.transition(id, change).status();
}

Status JobRegistry::set_progress(const std::string& id, double progress) {
  storage::JobTransition change;
  change.from = {JobState::kPending, JobState::kRunning};
  change.progress = std::clamp(progress, 0.0, 1.0);
  return store_.transition(id, change).status();
}

Status JobRegistry::succeed(const std::string& id, const json::value& result) {
  return finish(id, JobState::kSucceeded, to_json(result), {});
}

Status JobRegistry::fail(const std::string& id, const std::string& error) {
  return finish(id, JobState::kFailed, {}, error);
}

Status JobRegistry::time_out(const std::string& id, const std::string& why) {
  return finish(id, JobState::kTimedOut, {}, why);
}

Result<JobRecord> JobRegistry::request_stop(const std::string& id, const std::string& why) {
  if (!is_uuid(id)) return invalid_argument("job id must be a UUID, got '" + id + "'");
  TC_RETURN_IF_ERROR(finish(id, JobState::kStopped, {}, why));
  // The owner may be gone; the job is stopped in the store either way.
  (void)bus_.publish(stop_subject(id), why);
  return store_.get(id);
}

Result<int> JobRegistry::fail_jobs_of_node(const std::string& node) {
  int failed = 0;
  for (JobState state : {JobState::kPending, JobState::kRunning}) {
    storage::JobQuery query;
    query.state = state;
    query.limit = 100000;
    auto jobs = store_.list(query);
    if (!jobs) return jobs.status();
    for (const JobRecord& j : *jobs) {
      if (j.owner_node != node) continue;
      if (finish(j.id, JobState::kFailed, {}, "owner node " + node + " lost").is_ok()) ++failed;
    }
  }
  return failed;
}

Status JobRegistry::finish(const std::string& id, JobState state, std::string result,
                           std::string error) {
  storage::JobTransition change;
  change.from = {JobState::kPending, JobState::kRunning};
  change.to = state;
  change.finished_at = clock_.unix_nanos();
  if (state == JobState::kSucceeded) change.progress = 1.0;
  change.result = std::move(result);
  change.error = std::move(error);
  return store_.transition(id, change).status();
}

json::object to_json_object(const JobRecord& job) {
  json::object out{
      {"id", job.id},
      {"kind", job.kind},
      {"service", job.service},
      {"state", storage::job_state_name(job.state)},
      {"progress", job.progress},
      {"owner_replica", job.owner_replica},
      {"owner_node", job.owner_node},
      {"created_at", job.created_at},
      {"started_at", job.started_at},
      {"finished_at", job.finished_at},
  };
  auto params = parse_json(job.params);
  out["params"] = params ? *params : json::value(job.params);
  if (!job.result.empty()) {
    auto result = parse_json(job.result);
    out["result"] = result ? *result : json::value(job.result);
  }
  if (!job.error.empty()) out["error"] = job.error;
  return out;
}

}  // namespace tc::serve
