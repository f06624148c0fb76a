#include "serve/job_registry.hpp"

#include <algorithm>

#include "core/ids.hpp"
#include "core/json_writer.hpp"
#include "core/time_parse.hpp"

namespace tc::serve {

using storage::JobRecord;
using storage::JobState;
using storage::JobTransition;

namespace {

constexpr Duration kStopAnswerTimeout = std::chrono::seconds(2);

}  // namespace

std::string job_error_json(std::string_view code, std::string_view message) {
  std::string out;
  JsonWriter(out).begin_object().field("code", code).field("message", message).end_object();
  return out;
}

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
  JobTransition change;
  change.from = {JobState::kPending};
  change.to = JobState::kRunning;
  change.started_at = clock_.unix_nanos();
  return store_.transition(id, change).status();
}

Status JobRegistry::set_progress(const std::string& id, double progress) {
  JobTransition change;
  change.from = {JobState::kPending, JobState::kRunning, JobState::kStopping};
  change.progress = std::clamp(progress, 0.0, 1.0);
  return store_.transition(id, change).status();
}

Status JobRegistry::record_result(const std::string& id, const json::value& so_far) {
  JobTransition change;
  change.from = {JobState::kPending, JobState::kRunning, JobState::kStopping};
  change.result = to_json(so_far);
  return store_.transition(id, change).status();
}

Result<JobRecord> JobRegistry::begin_stop(const std::string& id, std::string_view code,
                                          const std::string& why) {
  JobTransition change;
  change.from = {JobState::kPending, JobState::kRunning};
  change.to = JobState::kStopping;
  change.error = job_error_json(code, why);
  return store_.transition(id, change);
}

Result<JobRecord> JobRegistry::request_stop(const std::string& id, const std::string& why) {
  if (!is_uuid(id)) return invalid_argument("job id must be a UUID, got '" + id + "'");
  auto stopping = begin_stop(id, "stopped", why);
  if (!stopping) {
    if (stopping.status().code() != StatusCode::kFailedPrecondition) return stopping.status();
    auto current = store_.get(id);
    if (current && current->state == JobState::kStopping) return current;
    return stopping.status();
  }
  auto answer = bus_.request(stop_subject(id), why, kStopAnswerTimeout);
  if (!answer && answer.status().code() == StatusCode::kUnavailable) {
    // Nobody owns the job any more: there is no work left to stop.
    JobTransition change;
    change.from = {JobState::kStopping};
    change.to = JobState::kStopped;
    change.finished_at = clock_.unix_nanos();
    (void)store_.transition(id, change);
  }
  return store_.get(id);
}

Status JobRegistry::end(const std::string& id, JobState state, const json::value& result,
                        const Status& error) {
  JobTransition change;
  if (state == JobState::kStopped || state == JobState::kTimedOut) {
    change.from = {JobState::kStopping};
  } else {
    change.from = {JobState::kPending, JobState::kRunning};
  }
  change.to = state;
  change.finished_at = clock_.unix_nanos();
  if (state == JobState::kSucceeded) change.progress = 1.0;
  if (!result.is_null()) change.result = to_json(result);
  if (!error.is_ok()) {
    change.error = job_error_json(status_code_name(error.code()), error.message());
  }
  return store_.transition(id, change).status();
}

Result<int> JobRegistry::fail_jobs_of_node(const std::string& node, const Status& error,
                                           const std::vector<std::string>& kinds) {
  int failed = 0;
  for (JobState state : {JobState::kPending, JobState::kRunning, JobState::kStopping}) {
    storage::JobQuery query;
    query.state = state;
    query.limit = 100000;
    auto jobs = store_.list(query);
    if (!jobs) return jobs.status();
    for (const JobRecord& j : *jobs) {
      if (j.owner_node != node) continue;
      if (!kinds.empty() && std::find(kinds.begin(), kinds.end(), j.kind) == kinds.end()) {
        continue;
      }
      JobTransition change;
      change.from = {JobState::kPending, JobState::kRunning, JobState::kStopping};
      change.to = JobState::kFailed;
      change.finished_at = clock_.unix_nanos();
      change.error = job_error_json(status_code_name(error.code()), error.message());
      if (store_.transition(j.id, change).is_ok()) ++failed;
    }
  }
  return failed;
}

json::object to_json_object(const JobRecord& job) {
  auto time = [](int64_t t) -> json::value {
    if (t == 0) return nullptr;
    return json::value(format_utc_time(t));
  };
  json::object out{
      {"id", job.id},
      {"kind", job.kind},
      {"service", job.service},
      {"state", storage::job_state_name(job.state)},
      {"progress", job.progress},
      {"owner", json::object{{"replica", job.owner_replica}, {"node", job.owner_node}}},
      {"created_at", time(job.created_at)},
      {"started_at", time(job.started_at)},
      {"finished_at", time(job.finished_at)},
  };
  auto params = parse_json(job.params);
  out["params"] = params ? *params : json::value(job.params);
  if (!job.result.empty()) {
    auto result = parse_json(job.result);
    out["result"] = result ? *result : json::value(job.result);
  }
  if (!job.error.empty()) {
    auto error = parse_json(job.error);
    json::value e = error ? *error : json::value(job.error);
    if (job.state == JobState::kFailed) {
      out["error"] = e;
    } else if (e.is_object() && e.as_object().contains("message")) {
      out["stop_reason"] = e.as_object().at("message");
    }
  }
  return out;
}

}  // namespace tc::serve
