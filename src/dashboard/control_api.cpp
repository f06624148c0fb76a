#include "dashboard/control_api.hpp"

#include <charconv>

#include "core/json_writer.hpp"
#include "net/server_preamble.hpp"
#include "serve/http_error.hpp"
#include "serve/status_json.hpp"
#include "web/assets.hpp"

namespace tc::dashboard {
namespace {

using serve::error_response;
using serve::json_response;

enum Route {
  kStatus = 1,
  kEvents,
  kAddEvent,
  kShutdown,
  kDeploy,
  kStop,
  kHealth,
  kStream,
  kHistory,
  kLogs,
  kLogTail,
  kLogFollow,
  kAuthCheck,
  kAsset,
};

// A positive count from the query (`fallback` when absent), or the 400 to answer.
Result<size_t> count_param(const serve::Request& request, std::string_view name, size_t fallback) {
  auto text = request.query_param(name);
  if (!text) return fallback;
  size_t n = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), n);
  if (ec != std::errc() || end != text->data() + text->size() || n == 0) {
    return invalid_argument("'" + std::string(name) + "' must be a positive integer");
  }
  return n;
}

serve::Response event_stream_response(std::shared_ptr<net::EventStream> stream) {
  serve::Response r;
  r.content_type = "text/event-stream";
  r.events = std::move(stream);
  return r;
}

// An event another part of the cluster reports (the watcher's decisions): {"kind":
// "watcher_…", "reason", "from"?, "to"?, "load"?}.
Result<serve::ScalingEvent> read_reported_event(const serve::Request& request, int64_t now) {
  auto body = parse_json(request.body);
  if (!body || !body->is_object()) return invalid_argument("body must be a JSON object");
  const json::object& o = body->as_object();
  serve::ScalingEvent e;
  e.time = now;
  const auto* kind = o.if_contains("kind");
  const auto* reason = o.if_contains("reason");
  if (kind == nullptr || !kind->is_string() || !kind->as_string().starts_with("watcher_") ||
      kind->as_string().size() > 64) {
    return invalid_argument("field 'kind' must be a string starting with watcher_ (at most 64)");
  }
  if (reason == nullptr || !reason->is_string() || reason->as_string().size() > 1000) {
    return invalid_argument("field 'reason' must be a string of at most 1000 characters");
  }
  e.kind = std::string(kind->as_string());
  e.reason = std::string(reason->as_string());
  for (auto [name, field] : {std::pair{"from", &e.from}, std::pair{"to", &e.to}}) {
    if (const auto* v = o.if_contains(name)) {
      if (!v->is_int64() || v->as_int64() < 0 || v->as_int64() > 100000) {
        return invalid_argument(std::string("field '") + name + "' must be a count");
      }
      *field = static_cast<int>(v->as_int64());
    }
  }
  if (const auto* v = o.if_contains("load")) {
    if (!v->is_number()) return invalid_argument("field 'load' must be a number");
    e.load = v->to_number<double>();
  }
  return e;
}

void write_resources(JsonWriter& w, const cluster::ResourceSet& r) {
  w.begin_object().field("cpu", r.cpu()).field("memory_bytes", r.memory_bytes).end_object();
}

serve::Response json_text_response(std::string body) {
  serve::Response r;
  r.body = std::move(body);
  return r;
}

}  // namespace

ControlApi::ControlApi(ControlApiOptions options, const Clock& clock, serve::ServeRuntime& runtime,
                       cluster::NodeRegistry& nodes, std::function<void()> stop_node)
    : options_(std::move(options)),
      access_{options_.api_token, true},
      clock_(clock),
      runtime_(runtime),
      nodes_(nodes),
      stop_node_(std::move(stop_node)),
      live_(
          clock, runtime, options_.traffic, [this] { return cluster_status(); }, options_.live),
      logs_(options_.log_dir) {
  // The table is fixed; a failure here is a programming error caught by the tests.
  (void)routes_.add("GET", "/api/cluster/status", {"control", kStatus, 0});
  (void)routes_.add("GET", "/api/cluster/events", {"control", kEvents, 0});
  (void)routes_.add("POST", "/api/cluster/events", {"control", kAddEvent, 0});
  (void)routes_.add("POST", "/api/serve/shutdown", {"control", kShutdown, 0});
  (void)routes_.add("POST", "/api/serve/deploy", {"control", kDeploy, 0});
  (void)routes_.add("POST", "/api/node/stop", {"control", kStop, 0});
  (void)routes_.add("GET", "/health", {"control", kHealth, 0});
  (void)routes_.add("GET", "/api/cluster/stream", {"control", kStream, 0});
  (void)routes_.add("GET", "/api/deployments/{name}/history", {"control", kHistory, 0});
  (void)routes_.add("GET", "/api/logs", {"control", kLogs, 0});
  (void)routes_.add("GET", "/api/logs/{node}", {"control", kLogTail, 0});
  (void)routes_.add("GET", "/api/logs/{node}/stream", {"control", kLogFollow, 0});
  (void)routes_.add("POST", "/api/auth/check", {"control", kAuthCheck, 0});
  for (const web::Asset& a : web::assets()) {
    (void)routes_.add("GET", a.path, {"control", kAsset, 0});
  }
  (void)routes_.add("GET", "/", {"control", kAsset, 0});
  (void)routes_.add("GET", "/docs", {"control", kAsset, 0});
}

std::string ControlApi::cluster_status() const {
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .field("node", options_.node_id)
      .field("pid", options_.pid)
      .field("gateway", options_.gateway_address)
      .field("store", options_.store_backend)
      .field("cache", options_.cache_backend)
      .field("bus", options_.bus_backend)
      .field("uptime_s", static_cast<double>(clock_.unix_nanos() - options_.started_at) / 1e9);
  if (!options_.infra_dir.empty()) w.field("infra_dir", options_.infra_dir);
  w.field("role", options_.role);
  w.field("token_required", !options_.api_token.empty());
  if (!options_.cluster_dir.empty()) w.field("cluster_dir", options_.cluster_dir);
  std::vector<DependencyCheck> dependencies;
  if (options_.dependencies != nullptr) dependencies = options_.dependencies->checks();
  std::string state = "ok";
  for (const DependencyCheck& d : dependencies) {
    if (!d.ok) state = d.required ? "unhealthy" : (state == "ok" ? "degraded" : state);
  }
  w.field("status", state);
  for (const DependencyCheck& d : dependencies) {
    if (d.ok || d.required || d.name != "redis") continue;
    w.field("degraded", "the " + options_.cache_backend +
                            " cache is unreachable: results are computed, not read from it");
  }
  w.key("dependencies").begin_array();
  for (const DependencyCheck& d : dependencies) {
    w.begin_object()
        .field("name", d.name)
        .field("address", d.address)
        .field("required", d.required)
        .field("status", d.ok ? "up" : "down")
        .field("message", d.message)
        .field("checked_at", d.checked_at)
        .end_object();
  }
  w.end_array();
  w.key("nodes").begin_array();
  for (const cluster::NodeInfo& n : nodes_.snapshot()) {
    w.begin_object()
        .field("id", n.id)
        .field("address", n.address)
        .field("is_head", n.is_head)
        .field("state", n.alive ? "alive" : "dead")
        .field("started_at", n.started_at);
    w.key("resources").begin_object().key("total");
    write_resources(w, n.total);
    w.key("available");
    write_resources(w, n.available);
    w.end_object().end_object();
  }
  w.end_array();
  int queued = 0, ongoing = 0;
  w.key("deployments").begin_array();
  for (const auto& d : runtime_.deployments()) {
    serve::DeploymentStatus s = d->status();
    queued += s.queued;
    ongoing += s.ongoing;
    serve::write_json(w, s);
  }
  w.end_array().field("ongoing", ongoing).field("queued", queued);
  w.key("events").begin_array();
  for (const auto& e : runtime_.events().recent(50)) serve::write_json(w, e);
  w.end_array().end_object();
  return out;
}

void ControlApi::handle(serve::Request request, serve::Responder respond) {
  if (options_.pass_through &&
      routes_.match(request.method, request.path).kind == net::RouteMatch::Kind::kNotFound) {
    // This port's rule first (no commands from other hosts without a token), then the gateway's.
    if (auto refusal = net::authorize(request, access_)) return respond(std::move(*refusal));
    return options_.pass_through(std::move(request), std::move(respond));
  }
  const net::RouteTarget* target = nullptr;
  if (auto refusal = net::route_and_authorize(routes_, access_, request, target)) {
    return respond(std::move(*refusal));
  }
  switch (target->route_id) {
    case kStatus:
      return respond(json_text_response(cluster_status()));
    case kEvents: {
      auto limit_param = count_param(request, "limit", 100);
      if (!limit_param) return respond(error_response(limit_param.status()));
      const size_t limit = *limit_param;
      std::string body;
      JsonWriter w(body);
      w.begin_object().key("events").begin_array();
      for (const auto& e : runtime_.events().recent(std::min<size_t>(limit, 500))) {
        serve::write_json(w, e);
      }
      w.end_array().end_object();
      return respond(json_text_response(std::move(body)));
    }
    case kAddEvent: {
      auto event = read_reported_event(request, clock_.unix_nanos());
      if (!event) return respond(error_response(event.status()));
      runtime_.events().add(std::move(event).value());
      return respond(json_response(json::object{{"status", "recorded"}}, 201));
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
      if (!ready_) {
        return respond(error_response(unavailable("starting: the first replicas are being built")));
      }
      return respond(json_response(json::object{{"status", "alive"}}));
    case kStream:
      return respond(event_stream_response(live_.follow()));
    case kHistory: {
      auto history = live_.history(*request.path_param("name"));
      if (!history) {
        return respond(error_response(
            not_found("no deployment named '" + std::string(*request.path_param("name")) + "'")));
      }
      return respond(json_text_response(std::move(*history)));
    }
    case kLogs: {
      std::string body;
      JsonWriter w(body);
      w.begin_object().field("directory", options_.log_dir.string()).key("logs").begin_array();
      for (const LogFile& f : logs_.list()) {
        w.begin_object()
            .field("node", f.node)
            .field("size", f.size)
            .field("modified", f.modified)
            .end_object();
      }
      w.end_array().end_object();
      return respond(json_text_response(std::move(body)));
    }
    case kLogTail: {
      auto lines = count_param(request, "lines", 200);
      if (!lines) return respond(error_response(lines.status()));
      auto tail = logs_.tail(*request.path_param("node"), *lines,
                             request.query_param("filter").value_or(""));
      if (!tail) return respond(error_response(tail.status()));
      return respond(json_text_response(std::move(*tail)));
    }
    case kLogFollow: {
      auto stream = logs_.follow(*request.path_param("node"),
                                 std::string(request.query_param("filter").value_or("")));
      if (!stream) return respond(error_response(stream.status()));
      return respond(event_stream_response(std::move(*stream)));
    }
    case kAuthCheck:
      return respond(json_response(json::object{{"status", "authorized"}}));
    default: {
      const web::Asset* asset = web::find_asset(request.path);
      if (asset == nullptr) return respond(error_response(not_found("no such file")));
      return respond(web::asset_response(*asset, request));
    }
  }
}

}  // namespace tc::dashboard
