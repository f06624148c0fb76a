// Gateway: the router on port 8000 (the seed's MainRouterDeployment). It answers its own routes
// (/health, /metrics, /openapi.json, /docs), matches every other request to a deployment's route,
// checks the bearer token on mutating requests when one is configured, and submits the call to the
// deployment with the request's deadline. It also records metrics per deployment and code.
//
// handle() is a pure adapter from Request to a call on the serve runtime: tests drive it without
// sockets. Thread-safety: handle() is safe from any thread.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "cluster/bus.hpp"
#include "core/clock.hpp"
#include "core/dependency_health.hpp"
#include "gateway/metrics.hpp"
#include "net/bearer_auth.hpp"
#include "net/route_table.hpp"
#include "serve/serve_runtime.hpp"

namespace tc::gateway {

struct GatewayOptions {
  Duration request_timeout = std::chrono::seconds(60);
  std::string api_token;  // empty: no authentication
  // The servers the node depends on, shown by /health; a required one down makes it 503.
  const DependencyHealth* dependencies = nullptr;
  // Origins whose browser clients may call the API (TC_CORS_ORIGINS); "*": any. Empty: none.
  std::vector<std::string> cors_origins = {};
};

class Gateway {
 public:
  // Builds the route table from the runtime's deployments. invalid_argument when two
  // deployments declare the same route.
  // `bus`, when given, carries the event streams replicas answer with (see BusRelay); without
  // one such answers are 501.
  static Result<std::unique_ptr<Gateway>> create(GatewayOptions options, const Clock& clock,
                                                 serve::ServeRuntime& runtime,
                                                 cluster::Bus* bus = nullptr);

  void handle(serve::Request request, serve::Responder respond);

  // The OpenAPI document of every route.
  std::string openapi() const;
  // Every route the gateway serves, as (method, pattern): what openapi() lists.
  const std::vector<std::pair<std::string, std::string>>& routes() const { return route_list_; }
  // Where /metrics reads the API server's connection counts.
  Metrics& metrics() { return *metrics_; }

 private:
  Gateway(GatewayOptions options, const Clock& clock, serve::ServeRuntime& runtime,
          cluster::Bus* bus);
  // Turns a replica's subscription answer into an event stream relayed from the bus.
  void relay(serve::Response& r) const;
  serve::Response health() const;
  bool cors_allowed(std::string_view origin) const;
  serve::Response render_health(const std::vector<serve::Deployment::Health>& health) const;
  uint64_t dependencies_version() const {
    return options_.dependencies == nullptr ? 0 : options_.dependencies->version();
  }

  static inline std::atomic<uint64_t> next_instance_{0};
  const uint64_t instance_;  // tells this gateway's cached /health bodies from another's
  GatewayOptions options_;
  net::AccessPolicy access_;
  const Clock& clock_;
  serve::ServeRuntime& runtime_;
  cluster::Bus* bus_;
  net::RouteTable routes_;
  std::vector<serve::Deployment*> deployments_;  // by route target index
  std::unique_ptr<Metrics> metrics_;
  std::string openapi_;
  std::vector<std::pair<std::string, std::string>> route_list_;
};

}  // namespace tc::gateway
