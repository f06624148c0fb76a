#include "dashboard/control_api.hpp"

#include "gateway/bearer_auth.hpp"
#include "serve/http_error.hpp"
#include "serve/status_json.hpp"

namespace tc::dashboard {
namespace {

using serve::error_response;
using serve::json_response;

enum Route { kStatus = 1, kEvents, kShutdown, kDeploy, kStop, kHealth, kRoot };

json::object resources_json(const cluster::ResourceSet& r) {
  return json::object{{"cpu", r.cpu()}, {"memory_bytes", r.memory_bytes}};
}

}  // namespace

ControlApi::ControlApi(ControlApiOptions options, const Clock& clock, serve::ServeRuntime& runtime,
                       cluster::NodeRegistry& nodes, std::function<void()> stop_node)
    : options_(std::move(options)),
      clock_(clock),
      runtime_(runtime),
      nodes_(nodes),
      stop_node_(std::move(stop_node)) {
  // The table is fixed; a failure here is a programming error caught by the tests.
  (void)routes_.add("GET", "/api/cluster/status", {"control", kStatus, 0});
  (void)routes_.add("GET", "/api/cluster/events", {"control", kEvents, 0});
  (void)routes_.add("POST", "/api/serve/shutdown", {"control", kShutdown, 0});
  (void)routes_.add("POST", "/api/serve/deploy", {"control", kDeploy, 0});
  (void)routes_.add("POST", "/api/node/stop", {"control", kStop, 0});
  (void)routes_.add("GET", "/health", {"control", kHealth, 0});
  (void)routes_.add("GET", "/", {"control", kRoot, 0});
}

json::object ControlApi::cluster_status() const {
  json::array nodes;
  for (const cluster::NodeInfo& n : nodes_.snapshot()) {
    nodes.push_back(json::object{
        {"id", n.id},
        {"address", n.address},
        {"is_head", n.is_head},
        {"state", n.alive ? "alive" : "dead"},
        {"resources", json::object{{"total", resources_json(n.total)},
                                   {"available", resources_json(n.available)}}},
        {"started_at", n.started_at},
    });
  }
  json::array deployments;
  int queued = 0, ongoing = 0;
  for (const auto& d : runtime_.deployments()) {
    serve::DeploymentStatus s = d->status();
    queued += s.queued;
    ongoing += s.ongoing;
    deployments.push_back(serve::to_json_object(s));
  }
  json::array events;
  for (const auto& e : runtime_.events().recent(50)) events.push_back(serve::to_json_object(e));
  return json::object{
      {"node", options_.node_id},
      {"gateway", options_.gateway_address},
      {"store", options_.store_backend},
      {"uptime_s", static_cast<double>(clock_.unix_nanos() - options_.started_at) / 1e9},
      {"nodes", std::move(nodes)},
      {"deployments", std::move(deployments)},
      {"ongoing", ongoing},
      {"queued", queued},
      {"events", std::move(events)},
  };
}

void ControlApi::handle(serve::Request request, serve::Responder respond) {
  gateway::RouteMatch match = routes_.match(request.method, request.path);
  if (match.kind == gateway::RouteMatch::Kind::kNotFound) {
    return respond(error_response(
        404, "not_found", "no route for " + request.method + " " + request.path.substr(0, 200)));
  }
  if (match.kind == gateway::RouteMatch::Kind::kMethodNotAllowed) {
    serve::Response r =
        error_response(405, "method_not_allowed",
                       request.method + " is not allowed (allowed: " + match.allow + ")");
    r.headers.emplace_back("Allow", match.allow);
    return respond(std::move(r));
  }
  if (request.method == "POST" &&
      !gateway::bearer_token_ok(request.authorization, options_.api_token)) {
    return respond(error_response(401, "unauthenticated",
                                  "this request needs the header Authorization: Bearer <token>"));
  }
  switch (match.target->route_id) {
    case kStatus:
      return respond(json_response(cluster_status()));
    case kEvents: {
      size_t limit = 100;
      if (auto text = request.query_param("limit")) {
        try {
          limit = std::stoul(std::string(*text));
        } catch (const std::exception&) {
          return respond(error_response(invalid_argument("'limit' must be a positive integer")));
        }
      }
      json::array events;
      for (const auto& e : runtime_.events().recent(std::min<size_t>(limit, 500))) {
        events.push_back(serve::to_json_object(e));
      }
      return respond(json_response(json::object{{"events", std::move(events)}}));
    }
    case kShutdown:
      runtime_.undeploy_all();
      return respond(json_response(
          json::object{{"status", "shutting_down"}, {"message", "deployments are draining"}}));
    case kDeploy:
      runtime_.deploy_all();
      return respond(json_response(json::object{{"status", "deployed"}}));
    case kStop:
      respond(json_response(json::object{{"status", "stopping"}}, 202));
      stop_node_();
      return;
    case kHealth:
      return respond(json_response(json::object{{"status", "alive"}}));
    default:
      return respond(json_response(json::object{
          {"name", "tradecluster control API"},
          {"status", "/api/cluster/status"},
          {"events", "/api/cluster/events"},
      }));
  }
}

}  // namespace tc::dashboard
