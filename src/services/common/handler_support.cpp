#include "services/common/handler_support.hpp"

#include <unistd.h>

#include <charconv>
#include <tuple>

#include "core/ids.hpp"
#include "core/json_writer.hpp"
#include "core/time_parse.hpp"
#include "serve/status_json.hpp"

namespace tc::services {

using serve::error_response;
using serve::json_response;

Result<json::object> read_json_object(const serve::Request& request) {
  std::string_view type = request.content_type;
  if (!type.empty() && type.find("json") == std::string_view::npos) {
    return invalid_argument("Content-Type must be application/json, got '" +
                            std::string(type.substr(0, 100)) + "'");
  }
  if (request.body.empty()) return invalid_argument("a JSON object body is required");
  auto parsed = parse_json(request.body);
  if (!parsed) return parsed.status();
  if (!parsed->is_object()) return invalid_argument("the body must be a JSON object");
  return std::move(parsed->get_object());
}

Result<int64_t> query_int(const serve::Request& request, std::string_view name, int64_t fallback,
                          int64_t min, int64_t max) {
  auto text = request.query_param(name);
  if (!text) return fallback;
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(text->data(), text->data() + text->size(), v);
  if (ec != std::errc() || ptr != text->data() + text->size() || v < min || v > max) {
    return invalid_argument("query parameter '" + std::string(name) + "' must be an integer from " +
                            std::to_string(min) + " to " + std::to_string(max));
  }
  return v;
}

Result<TimeRange> read_time_range(std::optional<std::string_view> start,
                                  std::optional<std::string_view> end, std::string_view where) {
  TimeRange range;
  for (auto [text, name, out] :
       {std::tuple{start, "start", &range.start}, std::tuple{end, "end", &range.end}}) {
    if (!text) continue;
    auto t = parse_utc_time(*text);
    if (!t)
      return invalid_argument(std::string(where) + " '" + name + "': " + t.status().message());
    *out = *t;
  }
  if (start && end && range.end <= range.start) {
    return invalid_argument(std::string(where) + " 'end' must be after 'start'");
  }
  return range;
}

Result<market::Interval> read_interval(std::string_view name, std::string_view where) {
  auto parsed = market::Interval::parse(name);
  if (!parsed) {
    return invalid_argument(std::string(where) +
                            " must be one of 1s 5s 15s 30s 1m 5m 15m 30m 1h 4h 1d, not '" +
                            std::string(name) + "'");
  }
  return *parsed;
}

serve::Response not_built(std::string_view what) {
  return error_response(unimplemented(std::string(what) + " is not built yet"));
}

DeploymentStatusSource runtime_status_source(const serve::ServeRuntime& runtime) {
  return [&runtime](std::string_view name) -> std::optional<DeploymentSummary> {
    const serve::Deployment* d = runtime.find(name);
    if (d == nullptr) return std::nullopt;
    serve::DeploymentStatus status = d->status();
    DeploymentSummary summary;
    summary.json.reserve(1024);
    JsonWriter w(summary.json);
    serve::write_json(w, status);
    summary.status = std::move(status.status);
    return summary;
  };
}

serve::Response status_response(const ServiceContext& ctx, std::string_view service,
                                const serve::ReplicaInfo& replica, std::string_view limits_json,
                                std::string_view extra_key, std::string_view extra_json) {
  std::optional<DeploymentSummary> deployment;
  if (ctx.deployment_status) deployment = ctx.deployment_status(service);
  std::string_view status = "unknown";
  if (deployment) status = deployment->status;
  serve::Response r;
  r.body.reserve(2048);  // a status body with a few replicas: one allocation
  JsonWriter w(r.body);
  w.begin_object()
      .field("service", service)
      .field("status", status)
      .field("replica", replica.replica_id)
      .field("node", replica.node_id)
      .field("pid", static_cast<int64_t>(getpid()))
      .field("uptime_s", static_cast<double>(ctx.clock.unix_nanos() - ctx.started_at) / 1e9)
      .key("limits")
      .raw(limits_json);
  if (!extra_key.empty()) w.key(extra_key).raw(extra_json);
  if (deployment) w.key("deployment").raw(deployment->json);
  w.end_object();
  return r;
}

serve::Response list_jobs(const ServiceContext& ctx, std::string_view service,
                          std::string_view kind, std::string_view collection,
                          const serve::Request& request) {
  storage::JobQuery query;
  query.kind = std::string(kind);
  query.service = std::string(service);
  if (auto state = request.query_param("state")) {
    query.state = storage::parse_job_state(*state);
    if (!query.state) {
      return error_response(invalid_argument(
          "query parameter 'state' must be one of pending, running, stopping, succeeded, failed, "
          "stopped, timed_out"));
    }
  }
  auto limit = query_int(request, "limit", 100, 1, 1000);
  if (!limit) return error_response(limit.status());
  query.limit = static_cast<int>(*limit);
  auto jobs = ctx.jobs.list(query);
  if (!jobs) return error_response(jobs.status());
  json::array items;
  for (const auto& j : *jobs) items.push_back(serve::to_json_object(j));
  return json_response(json::object{{"count", items.size()}, {collection, std::move(items)}});
}

serve::Response get_job(const ServiceContext& ctx, std::string_view kind,
                        const serve::Request& request) {
  std::string id(request.path_param("id").value_or(""));
  auto job = ctx.jobs.get(id);
  if (!job) return error_response(job.status());
  if (job->kind != kind) return error_response(not_found("no " + std::string(kind) + " " + id));
  return json_response(serve::to_json_object(*job));
}

serve::Response job_accepted(const ServiceContext& ctx, const storage::JobRecord& job, bool wait,
                             TimePoint deadline, std::string_view location_prefix) {
  storage::JobRecord current = job;
  if (wait) {
    // Answer a little before the caller's deadline, so the answer still reaches it.
    auto ended = ctx.runner.wait(job.id, deadline - std::chrono::milliseconds(200));
    if (ended) current = std::move(ended).value();
  }
  bool done = storage::is_terminal(current.state);
  serve::Response r = json_response(serve::to_json_object(current), done ? 200 : 202);
  r.headers.emplace_back("Location", std::string(location_prefix) + current.id);
  return r;
}

serve::Response stop_job(const ServiceContext& ctx, std::string_view kind, const std::string& id,
                         std::string_view why) {
  auto job = ctx.jobs.get(id);
  if (!job) return error_response(job.status());
  if (job->kind != kind) return error_response(not_found("no " + std::string(kind) + " " + id));
  auto stopped = ctx.jobs.request_stop(id, std::string(why));
  if (!stopped) return error_response(stopped.status());
  return json_response(serve::to_json_object(*stopped));
}

}  // namespace tc::services
