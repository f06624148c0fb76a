// Helpers shared by the services' HTTP handlers: reading a JSON body or query parameter with a
// clear 4xx, the 501 answer for a domain not built yet, status bodies and job listings.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "core/json.hpp"
#include "market/interval.hpp"
#include "serve/http_error.hpp"
#include "serve/replica_handler.hpp"
#include "serve/serve_runtime.hpp"
#include "services/common/service_context.hpp"

namespace tc::services {

// The request body as a JSON object. invalid_argument when it is empty, malformed (with the
// position) or not an object; a Content-Type other than JSON is refused too.
Result<json::object> read_json_object(const serve::Request& request);

// An integer query parameter within [min, max], `fallback` when absent.
Result<int64_t> query_int(const serve::Request& request, std::string_view name, int64_t fallback,
                          int64_t min, int64_t max);

// A time range from optional texts (see parse_utc_time): [start, end), an absent end open.
struct TimeRange {
  int64_t start = std::numeric_limits<int64_t>::min();
  int64_t end = std::numeric_limits<int64_t>::max();
};
// invalid_argument naming `where` and the field when a time is malformed or end is not after
// start ("body: field 'end' ...", "query parameter 'end' ...").
Result<TimeRange> read_time_range(std::optional<std::string_view> start,
                                  std::optional<std::string_view> end, std::string_view where);

// The interval `name` names; invalid_argument "<where> must be one of 1s … 1d, not '<name>'".
Result<market::Interval> read_interval(std::string_view name, std::string_view where);

// The spec of a deployment whose replicas are `Replica(ctx, options, info)`.
template <typename Replica, typename Options>
serve::DeploymentSpec deployment_spec(std::string_view name, std::vector<serve::RouteSpec> routes,
                                      const ServiceContext& ctx, Options options) {
  serve::DeploymentSpec spec;
  spec.name = std::string(name);
  spec.routes = std::move(routes);
  spec.make_replica = [&ctx, options](const serve::ReplicaInfo& info) {
    return std::make_unique<Replica>(ctx, options, info);
  };
  return spec;
}

// 501 with a JSON error naming what is not built yet.
serve::Response not_built(std::string_view what);

// The deployments' status as `runtime` (the head's, or a single node's) holds it.
DeploymentStatusSource runtime_status_source(const serve::ServeRuntime& runtime);

// The response of a service's status endpoint: its deployment's figures, the replica that
// answered (and its process), uptime, `limits_json` (a JSON object the replica prepared once) and,
// when `extra_key` is not empty, `extra_json` under that key.
serve::Response status_response(const ServiceContext& ctx, std::string_view service,
                                const serve::ReplicaInfo& replica, std::string_view limits_json,
                                std::string_view extra_key = {}, std::string_view extra_json = {});

// GET listing of the jobs of `kind` owned by `service` (query: state, limit).
serve::Response list_jobs(const ServiceContext& ctx, std::string_view service,
                          std::string_view kind, std::string_view collection,
                          const serve::Request& request);

// The job with the request's {id} path parameter if it is of `kind`.
serve::Response get_job(const ServiceContext& ctx, std::string_view kind,
                        const serve::Request& request);

// The answer to a job-creating request: 202 with the job and a Location header naming
// `location_prefix` + id; with `wait`, 200 with the job once it has ended, or 202 as it stands
// when the request's deadline comes first.
serve::Response job_accepted(const ServiceContext& ctx, const storage::JobRecord& job, bool wait,
                             TimePoint deadline, std::string_view location_prefix);

// Stops the job `id` if it is of `kind`: 200 with the job, 404 unknown, 409 already ended.
serve::Response stop_job(const ServiceContext& ctx, std::string_view kind, const std::string& id,
                         std::string_view why);

// What the services' replicas share: their context, options and identity, and the status
// endpoint, whose limits part is serialized once per replica.
template <typename Options>
class ServiceReplica : public serve::ReplicaHandler {
 protected:
  ServiceReplica(std::string_view service, const ServiceContext& ctx, Options options,
                 serve::ReplicaInfo info, const json::object& limits)
      : ctx_(ctx),
        options_(std::move(options)),
        info_(std::move(info)),
        service_(service),
        limits_json_(to_json(limits)) {}

  serve::Response status(std::string_view extra_key = {}, std::string_view extra_json = {}) const {
    return status_response(ctx_, service_, info_, limits_json_, extra_key, extra_json);
  }

  const ServiceContext& ctx_;
  const Options options_;
  const serve::ReplicaInfo info_;

 private:
  std::string_view service_;
  std::string limits_json_;
};

}  // namespace tc::services
