#include "gateway/gateway.hpp"

#include <algorithm>
#include <cctype>

#include "core/json.hpp"
#include "core/json_writer.hpp"
#include "gateway/bus_relay.hpp"
#include "net/server_preamble.hpp"
#include "serve/http_error.hpp"
#include "web/assets.hpp"

namespace tc::gateway {
namespace {

using net::RouteTarget;
using serve::error_response;
using serve::json_response;
using serve::Request;
using serve::Response;

enum BuiltinRoute { kHealth = 1, kMetrics, kOpenApi, kRoot, kDocs };

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

json::object media(std::string_view type, json::value schema) {
  return json::object{{type, json::object{{"schema", std::move(schema)}}}};
}

json::object error_response_doc() {
  return json::object{
      {"description", "Error"},
      {"content", media("application/json", json::object{{"$ref", "#/components/schemas/Error"}})}};
}

// A schema given as JSON text by a route; an object of any shape when empty.
Result<json::value> schema_of(std::string_view text, std::string_view what) {
  if (text.empty()) return json::value(json::object{{"type", "object"}});
  auto schema = parse_json(text);
  if (!schema || !schema->is_object()) {
    return invalid_argument(std::string(what) + " is not a JSON object: " +
                            (schema ? std::string("not an object") : schema.status().message()));
  }
  return std::move(schema).value();
}

// One route as the OpenAPI document shows it.
struct RouteDoc {
  std::string method;
  std::string pattern;
  std::string summary;
  std::string tag;
  std::string content_type = "application/json";
  std::string query_schema = {};
  std::string request_schema = {};
  std::string response_schema = {};
};

Result<json::object> operation(const RouteDoc& r) {
  // "get_api_tickscrawler_streams_id" for GET /api/tickscrawler/streams/{id}.
  std::string id = lower(r.method);
  for (char c : r.pattern) {
    bool word = std::isalnum(static_cast<unsigned char>(c)) != 0;
    if (word)
      id.push_back(c);
    else if (id.back() != '_')
      id.push_back('_');
  }
  if (id.back() == '_') id.pop_back();
  json::object op{{"summary", r.summary},
                  {"operationId", id + (r.pattern == "/" ? "_root" : "")},
                  {"tags", json::array{json::value(r.tag)}}};
  json::array parameters;
  for (std::string_view rest = r.pattern; !rest.empty();) {
    auto open = rest.find('{');
    if (open == std::string_view::npos) break;
    auto close = rest.find('}', open);
    parameters.push_back(json::object{{"name", rest.substr(open + 1, close - open - 1)},
                                      {"in", "path"},
                                      {"required", true},
                                      {"schema", json::object{{"type", "string"}}}});
    rest = rest.substr(close + 1);
  }
  if (!r.query_schema.empty()) {
    json::value query;
    TC_ASSIGN_OR_RETURN(query, schema_of(r.query_schema, r.pattern + " query"));
    std::vector<std::string_view> required;
    if (const auto* list = query.as_object().if_contains("required")) {
      for (const auto& name : list->as_array()) required.push_back(name.as_string());
    }
    if (const auto* properties = query.as_object().if_contains("properties")) {
      for (const auto& [name, schema] : properties->as_object()) {
        json::object p{{"name", name}, {"in", "query"}, {"schema", schema}};
        if (std::find(required.begin(), required.end(), name) != required.end()) {
          p["required"] = true;
        }
        if (const auto* d = schema.as_object().if_contains("description")) p["description"] = *d;
        parameters.push_back(std::move(p));
      }
    }
  }
  if (!parameters.empty()) op["parameters"] = std::move(parameters);
  if (r.method != "GET" && r.method != "HEAD") {
    // Mutating: the bearer token, when the node has one.
    op["security"] = json::array{json::object{{"bearer", json::array{}}}};
  }
  if (r.method == "POST") {
    json::value body;
    TC_ASSIGN_OR_RETURN(body, schema_of(r.request_schema, r.pattern + " request"));
    op["requestBody"] =
        json::object{{"required", true}, {"content", media("application/json", std::move(body))}};
  }
  json::value answer = json::object{{"type", "string"}};
  std::string content_type = r.content_type;
  if (r.content_type == "application/json") {
    TC_ASSIGN_OR_RETURN(answer, schema_of(r.response_schema, r.pattern + " response"));
    // A route that answers another media type (server-sent events) says so in its schema.
    if (const auto* type = answer.as_object().if_contains("x-content-type");
        type != nullptr && type->is_string()) {
      content_type = std::string(type->as_string());
      answer.as_object().erase("x-content-type");
    }
  }
  op["responses"] =
      json::object{{r.method == "GET" ? "200" : "2XX",
                    json::object{{"description", "OK"}, {"content", media(content_type, answer)}}},
                   {"4XX", error_response_doc()},
                   {"5XX", error_response_doc()}};
  return op;
}

json::object error_schema() {
  json::object string_type{{"type", "string"}};
  json::object fields{{"code", string_type},
                      {"message", string_type},
                      {"details", json::object{{"description", "what the error concerns"}}}};
  json::object error{{"type", "object"},
                     {"required", json::array{"code", "message"}},
                     {"properties", std::move(fields)}};
  return json::object{{"type", "object"},
                      {"required", json::array{"error"}},
                      {"properties", json::object{{"error", std::move(error)}}}};
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
  std::vector<RouteDoc> docs;
  for (const auto& d : runtime.deployments()) {
    size_t index = g->deployments_.size();
    g->deployments_.push_back(d.get());
    names.push_back(d->spec().name);
    for (const serve::RouteSpec& r : d->spec().routes) {
      TC_RETURN_IF_ERROR(g->routes_.add(r.method, r.pattern, {d->spec().name, r.id, index}));
      docs.push_back({r.method, r.pattern, r.summary, d->spec().name, "application/json",
                      r.query_schema, r.request_schema, r.response_schema});
    }
  }
  const size_t own = names.size();
  const RouteDoc own_routes[] = {
      {"GET", "/health", "Health of every deployment (503 when one has no healthy replica)",
       "gateway"},
      {"GET", "/metrics", "Prometheus metrics", "gateway", "text/plain"},
      {"GET", "/openapi.json", "This document", "gateway"},
      {"GET", "/", "The API's entry points", "gateway"},
      {"GET", "/docs", "The API documentation (Swagger UI)", "gateway", "text/html"},
      {"GET", "/docs/{file}", "The documentation page's files", "gateway", "text/plain"},
  };
  const int own_ids[] = {kHealth, kMetrics, kOpenApi, kRoot, kDocs, kDocs};
  for (size_t i = 0; i < std::size(own_routes); ++i) {
    TC_RETURN_IF_ERROR(
        g->routes_.add(own_routes[i].method, own_routes[i].pattern, {"", own_ids[i], own}));
    docs.push_back(own_routes[i]);
  }
  json::object paths;
  for (const RouteDoc& r : docs) {
    g->route_list_.emplace_back(r.method, r.pattern);
    auto op = operation(r);
    if (!op) return op.status();
    json::value& item = paths[r.pattern];  // null when new; a path may have several methods
    if (!item.is_object()) item.emplace_object();
    item.as_object()[lower(r.method)] = std::move(op).value();
  }
  json::object doc{
      {"openapi", "3.0.3"},
      {"info", json::object{{"title", "tradecluster"},
                            {"version", "0.1.0"},
                            {"description",
                             "The trading services' API: algorunner, screener, tickscrawler. "
                             "Mutating requests need `Authorization: Bearer <token>` when the "
                             "node has TC_API_TOKEN."}}},
      {"paths", std::move(paths)},
      {"components",
       json::object{
           {"schemas", json::object{{"Error", error_schema()}}},
           {"securitySchemes",
            json::object{{"bearer", json::object{{"type", "http"}, {"scheme", "bearer"}}}}}}},
  };
  g->openapi_ = to_json(doc);
  g->metrics_ = std::make_unique<Metrics>(std::move(names));
  return g;
}

std::string Gateway::openapi() const { return openapi_; }

bool Gateway::cors_allowed(std::string_view origin) const {
  if (origin.empty()) return false;
  return std::any_of(options_.cors_origins.begin(), options_.cors_origins.end(),
                     [&](const std::string& o) { return o == "*" || o == origin; });
}

void Gateway::handle(Request request, serve::Responder respond) {
  if (cors_allowed(request.origin)) {
    // A browser on another origin that TC_CORS_ORIGINS allows: a preflight is answered here,
    // and every answer names the origin.
    if (request.method == "OPTIONS") {
      net::RouteMatch m = routes_.match("OPTIONS", request.path);
      if (m.kind == net::RouteMatch::Kind::kNotFound) {
        return respond(error_response(not_found("no route " + request.path)));
      }
      Response r;
      r.status = 204;
      r.headers = {{"Access-Control-Allow-Origin", request.origin},
                   {"Vary", "Origin"},
                   {"Access-Control-Allow-Methods", m.allow},
                   {"Access-Control-Allow-Headers",
                    "Authorization, Content-Type, Idempotency-Key, X-Request-Id"},
                   {"Access-Control-Max-Age", "600"}};
      return respond(std::move(r));
    }
    respond = [origin = request.origin, respond = std::move(respond)](Response r) {
      r.headers.emplace_back("Access-Control-Allow-Origin", origin);
      r.headers.emplace_back("Vary", "Origin");
      r.headers.emplace_back("Access-Control-Expose-Headers",
                             "X-Request-Id, Location, Retry-After, X-Next-Cursor, X-Cache");
      respond(std::move(r));
    };
  }
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
      case kDocs: {
        const web::Asset* asset = web::find_asset(request.path);
        if (asset == nullptr || !asset->path.starts_with("/docs/")) {
          return reply_own(error_response(not_found("no such file: " + request.path)));
        }
        return reply_own(web::asset_response(*asset, request));
      }
      default:
        return reply_own(json_response(json::object{
            {"name", "tradecluster"},
            {"health", "/health"},
            {"metrics", "/metrics"},
            {"openapi", "/openapi.json"},
            {"docs", "/docs"},
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
