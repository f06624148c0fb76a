#include "gateway/gateway.hpp"

#include <algorithm>
#include <cctype>

#include "core/json.hpp"
#include "core/json_writer.hpp"
#include "gateway/bearer_auth.hpp"
#include "serve/http_error.hpp"

namespace tc::gateway {
namespace {

using serve::error_response;
using serve::json_response;
using serve::Request;
using serve::Response;

enum BuiltinRoute { kHealth = 1, kMetrics, kOpenApi, kRoot };

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

json::object error_schema_ref() {
  json::object schema{{"$ref", "#/components/schemas/Error"}};
  json::object media{{"schema", std::move(schema)}};
  return json::object{{"description", "Error"},
                      {"content", json::object{{"application/json", std::move(media)}}}};
}

}  // namespace

Gateway::Gateway(GatewayOptions options, const Clock& clock, serve::ServeRuntime& runtime)
    : options_(std::move(options)), clock_(clock), runtime_(runtime) {}

Result<std::unique_ptr<Gateway>> Gateway::create(GatewayOptions options, const Clock& clock,
                                                 serve::ServeRuntime& runtime) {
  std::unique_ptr<Gateway> g(new Gateway(std::move(options), clock, runtime));
  std::vector<std::string> names;
  json::object paths;
  for (const auto& d : runtime.deployments()) {
    size_t index = g->deployments_.size();
    g->deployments_.push_back(d.get());
    names.push_back(d->spec().name);
    for (const serve::RouteSpec& r : d->spec().routes) {
      TC_RETURN_IF_ERROR(g->routes_.add(r.method, r.pattern, {d->spec().name, r.id, index}));
      json::object op{{"summary", r.summary},
                      {"tags", json::array{json::value(d->spec().name)}},
                      {"responses", json::object{{"200", json::object{{"description", "OK"}}},
                                                 {"4XX", error_schema_ref()},
                                                 {"5XX", error_schema_ref()}}}};
      if (r.pattern.find("{id}") != std::string::npos) {
        op["parameters"] = json::array{
            json::object{{"name", "id"},
                         {"in", "path"},
                         {"required", true},
                         {"schema", json::object{{"type", "string"}, {"format", "uuid"}}}}};
      }
      if (r.method == "POST") {
        op["requestBody"] = json::object{
            {"required", true},
            {"content",
             json::object{{"application/json",
                           json::object{{"schema", json::object{{"type", "object"}}}}}}}};
      }
      paths[r.pattern].emplace_object()[lower(r.method)] = std::move(op);
    }
  }
  size_t own = names.size();
  TC_RETURN_IF_ERROR(g->routes_.add("GET", "/health", {"", kHealth, own}));
  TC_RETURN_IF_ERROR(g->routes_.add("GET", "/metrics", {"", kMetrics, own}));
  TC_RETURN_IF_ERROR(g->routes_.add("GET", "/openapi.json", {"", kOpenApi, own}));
  TC_RETURN_IF_ERROR(g->routes_.add("GET", "/", {"", kRoot, own}));
  paths["/health"].emplace_object()["get"] = json::object{
      {"summary", "Health of every deployment (503 when one has no healthy replica)"},
      {"responses",
       json::object{{"200", json::object{{"description", "OK"}}}, {"503", error_schema_ref()}}}};
  paths["/metrics"].emplace_object()["get"] =
      json::object{{"summary", "Prometheus metrics"},
                   {"responses", json::object{{"200", json::object{{"description", "OK"}}}}}};
  json::object string_type{{"type", "string"}};
  json::object error_fields{
      {"code", string_type}, {"message", string_type}, {"details", json::object{}}};
  json::object error_object{{"type", "object"}, {"properties", std::move(error_fields)}};
  json::object error_schema{{"type", "object"},
                            {"properties", json::object{{"error", std::move(error_object)}}}};
  json::object doc{
      {"openapi", "3.0.3"},
      {"info", json::object{{"title", "tradecluster"}, {"version", "0.1.0"}}},
      {"paths", std::move(paths)},
      {"components", json::object{{"schemas", json::object{{"Error", std::move(error_schema)}}}}},
  };
  g->openapi_ = to_json(doc);
  g->metrics_ = std::make_unique<Metrics>(std::move(names));
  return g;
}

std::string Gateway::openapi() const { return openapi_; }

void Gateway::handle(Request request, serve::Responder respond) {
  const TimePoint start = clock_.now();
  RouteMatch match = routes_.match(request.method, request.path);
  auto reply_own = [&](Response r) {
    metrics_->record(metrics_->gateway_index(), r.status, clock_.now() - start);
    respond(std::move(r));
  };
  if (match.kind == RouteMatch::Kind::kNotFound) {
    return reply_own(error_response(
        404, "not_found", "no route for " + request.method + " " + request.path.substr(0, 200)));
  }
  if (match.kind == RouteMatch::Kind::kMethodNotAllowed) {
    Response r =
        error_response(405, "method_not_allowed",
                       request.method + " is not allowed on " + request.path.substr(0, 200) +
                           " (allowed: " + match.allow + ")");
    r.headers.emplace_back("Allow", match.allow);
    return reply_own(std::move(r));
  }
  const RouteTarget& target = *match.target;
  if (target.deployment.empty()) {
    switch (target.route_id) {
      case kHealth:
        return reply_own(health());
      case kMetrics: {
        Response r;
        r.content_type = "text/plain; version=0.0.4";
        r.body = metrics_->render(runtime_);
        return reply_own(std::move(r));
      }
      case kOpenApi: {
        Response r;
        r.body = openapi_;
        return reply_own(std::move(r));
      }
      default:
        return reply_own(json_response(json::object{
            {"name", "tradecluster"},
            {"health", "/health"},
            {"metrics", "/metrics"},
            {"openapi", "/openapi.json"},
        }));
    }
  }
  bool mutating = request.method != "GET" && request.method != "HEAD";
  if (mutating) {
    if (!bearer_token_ok(request.authorization, options_.api_token)) {
      Response r = error_response(401, "unauthenticated",
                                  "this request needs the header Authorization: Bearer <token>");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return reply_own(std::move(r));
    }
  }
  request.path_params = std::move(match.params);
  deployments_[target.index]->submit(
      target.route_id, std::move(request), start + options_.request_timeout,
      [this, index = target.index, start, respond = std::move(respond)](Response r) {
        metrics_->record(index, r.status, clock_.now() - start);
        respond(std::move(r));
      });
}

Response Gateway::health() const {
  // Written directly: /health is polled hard by load balancers and benchmarks.
  const auto& deployments = runtime_.deployments();
  std::vector<serve::Deployment::Health> health;
  health.reserve(deployments.size());
  bool healthy = true;
  for (const auto& d : deployments) {
    health.push_back(d->health());
    healthy = healthy && health.back().deployed && health.back().healthy > 0;
  }
  Response r;
  r.body.reserve(128 + 128 * deployments.size());
  JsonWriter w(r.body);
  w.begin_object().field("status", healthy ? "healthy" : "unhealthy");
  w.key("deployments").begin_object();
  for (size_t i = 0; i < deployments.size(); ++i) {
    const serve::Deployment::Health& h = health[i];
    bool ok = h.deployed && h.healthy > 0;
    w.key(deployments[i]->spec().name)
        .begin_object()
        .field("status", ok ? "healthy" : (h.deployed ? "unhealthy" : "stopped"))
        .field("num_replicas", h.running)
        .field("healthy_replicas", h.healthy)
        .field("pending_replicas", h.pending)
        .end_object();
  }
  w.end_object().end_object();
  if (healthy) return r;
  auto details = parse_json(r.body);
  return error_response(503, "unavailable", "a deployment has no healthy replica",
                        details ? *details : json::value());
}

}  // namespace tc::gateway
