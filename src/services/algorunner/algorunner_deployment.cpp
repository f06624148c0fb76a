#include "services/algorunner/algorunner_deployment.hpp"

#include <algorithm>

#include "core/ids.hpp"
#include "services/algorunner/paper_run.hpp"
#include "services/algorunner/run.hpp"
#include "services/common/api_schemas.hpp"
#include "services/common/handler_support.hpp"

namespace tc::services {
namespace {

using serve::error_response;
using serve::json_response;
using serve::Request;
using serve::Response;

constexpr std::string_view kService = "algorunner";
constexpr std::string_view kRunKind = "algorithm_run";
constexpr std::string_view kRunsPath = "/api/algorunner/runs/";

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
    auto run = read_run_request(request);
    if (!run) return error_response(run.status());
    Status checked = check_run(*run, ctx_);
    if (!checked.is_ok()) return error_response(checked);
    serve::JobSpec spec;
    spec.kind = std::string(kRunKind);
    spec.service = std::string(kService);
    spec.params = run->to_params();
    spec.owner = {info_.replica_id, ctx_.node};
    spec.max_active = options_.max_concurrent;
    spec.timeout = options_.max_execution_time;
    bool wait = run->wait;
    if (run->mode == "paper") {
      // Live trades come from a stream; one is started for symbols no stream carries yet.
      auto stream = ensure_stream(ctx_, *run, spec.owner);
      if (!stream) return error_response(stream.status());
      if (!stream->empty()) spec.params.as_object()["stream_id"] = *stream;
      spec.timeout = kPaperRunTimeLimit;
      wait = false;  // it runs until stopped
      auto job = ctx_.runner.submit(std::move(spec), paper_work(ctx_, std::move(*run)));
      if (!job) return error_response(job.status());
      return job_accepted(ctx_, *job, false, request.deadline, kRunsPath);
    }
    auto job = ctx_.runner.submit(std::move(spec), run_work(ctx_, std::move(*run)));
    if (!job) return error_response(job.status());
    return job_accepted(ctx_, *job, wait, request.deadline, kRunsPath);
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
          {"POST", "/api/algorunner/run", kRun, true, "Execute an algorithm", "",
           schemas::kRunRequest, schemas::kJob},
          {"GET", "/api/algorunner/status", kStatus, false, "Service status", "", "",
           schemas::kServiceStatus},
          {"GET", "/api/algorunner/algorithms", kAlgorithms, true, "List algorithms", "", "",
           schemas::kAlgorithms},
          {"POST", "/api/algorunner/stop", kStop, true, "Stop an algorithm run", "",
           schemas::kStopRequest, schemas::kJob},
          {"GET", "/api/algorunner/runs", kRuns, true, "List runs", schemas::kJobQuery, "",
           schemas::kJobList},
          {"GET", "/api/algorunner/runs/{id}", kRun1, true, "One run with its result", "", "",
           schemas::kJob},
      },
      ctx, options);
}

}  // namespace tc::services
