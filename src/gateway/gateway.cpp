#include "gateway/gateway.hpp"

#include <algorithm>
#include <cctype>

#include "core/json.hpp"
#include "core/json_writer.hpp"
#include "gateway/bus_relay.hpp"
#include "net/server_preamble.hpp"
#include "serve/http_error.hpp"

namespace tc::gateway {
namespace {

using net::RouteTarget;
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

Gateway::Gateway(GatewayOptions options, const Clock& clock, serve::ServeRuntime& runtime,
                 cluster::Bus* bus)
    : instance_(next_instance_.fetch_add(1) + 1),
      options_(std::move(options)),
      access_{options_.api_token, false},
      clock_(clock),
      runtime_(runtime),
      bus_(bus) {}

Result<std::unique_ptr<Gateway>> Gateway::create(GatewayOptions options, const Clock& clock,
                                                 serve::ServeRuntime& runtime, cluster::Bus* bus) {
  std::unique_ptr<Gateway> g(new Gateway(std::move(options), clock, runtime, bus));
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
  auto reply_own = [&](Response r) {
    metrics_->record(metrics_->gateway_index(), r.status, clock_.now() - start);
    respond(std::move(r));
  };
  const RouteTarget* matched = nullptr;
  if (auto refusal = net::route_and_authorize(routes_, access_, request, matched)) {
    return reply_own(std::move(*refusal));
  }
  const RouteTarget& target = *matched;
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
  const TimePoint deadline = start + options_.request_timeout;
  deployments_[target.index]->submit(
      target.route_id, std::move(request), deadline,
      [this, index = target.index, start, respond = std::move(respond)](Response r) {
        if (!r.relay_subjects.empty()) relay(r);
        metrics_->record(index, r.status, clock_.now() - start);
        respond(std::move(r));
      });
}

void Gateway::relay(Response& r) const {
  if (bus_ == nullptr) {
    r = error_response(unimplemented("event streams need the node's bus"));
    return;
  }
  r.content_type = "text/event-stream";
  r.events = std::make_shared<BusRelay>(*bus_, std::move(r.relay_subjects),
                                        std::move(r.relay_end_subject), r.relay_event_name);
  r.relay_subjects.clear();
}

Response Gateway::health() const {
  // /health is polled hard by load balancers and benchmarks, and its figures rarely change:
  // each I/O thread keeps the last body it wrote and writes a new one only when they do.
  struct Cache {
    uint64_t owner = 0;                             // Gateway::instance_
    uint64_t dependencies = 0;                      // the dependencies' version `response` shows
    std::vector<serve::Deployment::Health> health;  // the figures `response` shows
    std::vector<serve::Deployment::Health> now;     // scratch, reused: no allocation per request
    Response response;
  };
  thread_local Cache cache;
  cache.now.clear();
  for (const auto& d : runtime_.deployments()) cache.now.push_back(d->health());
  if (cache.owner != instance_ || cache.health != cache.now ||
      cache.dependencies != dependencies_version()) {
    cache.owner = instance_;
    cache.dependencies = dependencies_version();
    cache.response = render_health(cache.now);
    cache.health = cache.now;
  }
  return cache.response;
}

Response Gateway::render_health(const std::vector<serve::Deployment::Health>& health) const {
  const auto& deployments = runtime_.deployments();
  bool replicas_ok =
      std::all_of(health.begin(), health.end(), [](const auto& h) { return h.ok(); });
  std::vector<DependencyCheck> dependencies;
  if (options_.dependencies != nullptr) dependencies = options_.dependencies->checks();
  const DependencyCheck* required_down = nullptr;
  bool degraded = false;
  for (const DependencyCheck& d : dependencies) {
    if (!d.ok && d.required && required_down == nullptr) required_down = &d;
    if (!d.ok && !d.required) degraded = true;
  }
  bool healthy = replicas_ok && required_down == nullptr;
  Response r;
  r.body.reserve(128 + 160 * deployments.size());
  JsonWriter w(r.body);
  w.begin_object().field("status", !healthy ? "unhealthy" : degraded ? "degraded" : "healthy");
  w.key("deployments").begin_object();
  for (size_t i = 0; i < deployments.size(); ++i) {
    const serve::Deployment::Health& h = health[i];
    w.key(deployments[i]->spec().name)
        .begin_object()
        .field("status", h.name())
        .field("num_replicas", h.running)
        .field("healthy_replicas", h.healthy)
        .field("starting_replicas", h.starting)
        .field("pending_replicas", h.pending)
        .end_object();
  }
  w.end_object();
  if (!dependencies.empty()) {
    w.key("dependencies").begin_object();
    for (const DependencyCheck& d : dependencies) {
      w.key(d.name)
          .begin_object()
          .field("status", d.ok ? "up" : "down")
          .field("required", d.required);
      if (!d.ok) w.field("message", d.message);
      w.end_object();
    }
    w.end_object();
  }
  w.end_object();
  if (healthy) return r;
  auto details = parse_json(r.body);
  Status why = required_down != nullptr
                   ? unavailable(required_down->name + " is down: " + required_down->message)
                   : unavailable("a deployment has no healthy replica");
  return error_response(why, details ? *details : json::value());
}

}  // namespace tc::gateway
