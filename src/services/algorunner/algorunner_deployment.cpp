#include "services/algorunner/algorunner_deployment.hpp"

#include <algorithm>

#include "core/ids.hpp"
#include "services/algorunner/algorithm_parameters.hpp"
#include "services/common/handler_support.hpp"

namespace tc::services {
namespace {

using serve::error_response;
using serve::json_response;
using serve::Request;
using serve::Response;

constexpr std::string_view kService = "algorunner";
constexpr std::string_view kRunKind = "algorithm_run";

enum Route { kRun = 1, kStatus, kAlgorithms, kStop, kRuns, kRun1 };

class AlgorunnerReplica final : public ServiceReplica<AlgorunnerOptions> {
 public:
  AlgorunnerReplica(const ServiceContext& ctx, AlgorunnerOptions options, serve::ReplicaInfo info)
      : ServiceReplica(kService, ctx, options, std::move(info),
                       json::object{
                           {"max_concurrent", options.max_concurrent},
                           {"max_execution_time_s",
                            std::chrono::duration<double>(options.max_execution_time).count()},
                       }) {}

  Response handle(int route, const Request& request) override {
    switch (route) {
      case kRun:
        return run(request);
      case kStatus:
        return status();
      case kAlgorithms:
        return algorithms();
      case kStop:
        return stop(request);
      case kRuns:
        return list_jobs(ctx_, kService, kRunKind, "runs", request);
      case kRun1:
        return get_job(ctx_, kRunKind, request);
    }
    return error_response(internal_error("unknown route"));
  }

 private:
  Response run(const Request& request) {
    auto body = read_json_object(request);
    if (!body) return error_response(body.status());
    ObjectReader r(*body, "body");
    auto algorithm = r.required_string("algorithm", 64);
    // Fields read only to check them: they are used once algorithm execution lands.
    r.optional_string_array("symbols", 500, 32);
    const json::object* parameters = r.optional_object("parameters");
    auto start = r.optional_string("start", 40);
    auto end = r.optional_string("end", 40);
    auto mode = r.optional_string("mode", 16);
    r.optional_string("source", 64);
    r.optional_string("interval", 8);
    r.optional_number("initial_capital", 1, 1e12);
    r.optional_string("request_id", 128);
    Status s = r.finish();
    if (!s.is_ok()) return error_response(s);
    if (mode && *mode != "backtest" && *mode != "paper") {
      return error_response(invalid_argument("body: field 'mode' must be 'backtest' or 'paper'"));
    }
    auto range = read_time_range(start, end, "body: field");
    if (!range) return error_response(range.status());
    auto catalog = ctx_.store.catalog().algorithms();
    if (!catalog) return error_response(catalog.status());
    auto found = std::find_if(catalog->begin(), catalog->end(),
                              [&](const auto& a) { return a.name == *algorithm; });
    if (found == catalog->end()) {
      return error_response(not_found("no algorithm named '" + *algorithm +
                                      "' (GET /api/algorunner/algorithms lists them)"));
    }
    auto declared = parse_json(found->parameters);
    if (!declared || !declared->is_object()) {
      return error_response(internal_error("catalog: algorithm parameters are malformed"));
    }
    auto resolved =
        resolve_parameters(declared->get_object(), parameters ? *parameters : json::object{});
    if (!resolved) return error_response(resolved.status());
    return not_built("algorithm execution (backtests and paper runs)");
  }

  Response algorithms() {
    auto catalog = ctx_.store.catalog().algorithms();
    if (!catalog) return error_response(catalog.status());
    json::array items;
    for (const auto& a : *catalog) {
      auto params = parse_json(a.parameters);
      items.push_back(json::object{
          {"name", a.name},
          {"description", a.description},
          {"parameters", params ? *params : json::object{}},
          {"enabled", a.enabled},
      });
    }
    return json_response(json::object{{"count", items.size()}, {"algorithms", std::move(items)}});
  }

  Response stop(const Request& request) {
    auto body = read_json_object(request);
    if (!body) return error_response(body.status());
    ObjectReader r(*body, "body");
    auto run_id = r.required_string("run_id", 64);
    Status s = r.finish();
    if (!s.is_ok()) return error_response(s);
    if (!is_uuid(*run_id)) {
      return error_response(invalid_argument("body: field 'run_id' must be a UUID"));
    }
    return stop_job(ctx_, kRunKind, *run_id, "stopped by request");
  }
};

}  // namespace

serve::DeploymentSpec make_algorunner_deployment(const ServiceContext& ctx,
                                                 AlgorunnerOptions options) {
  return deployment_spec<AlgorunnerReplica>(
      kService,
      {
          {"POST", "/api/algorunner/run", kRun, true, "Execute an algorithm"},
          {"GET", "/api/algorunner/status", kStatus, false, "Service status"},
          {"GET", "/api/algorunner/algorithms", kAlgorithms, true, "List algorithms"},
          {"POST", "/api/algorunner/stop", kStop, true, "Stop an algorithm run"},
          {"GET", "/api/algorunner/runs", kRuns, true, "List runs"},
          {"GET", "/api/algorunner/runs/{id}", kRun1, true, "One run with its result"},
      },
      ctx, options);
}

}  // namespace tc::services
