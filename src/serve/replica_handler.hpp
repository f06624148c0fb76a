// What a service gives the serve runtime: its routes and a factory for its replicas' handlers.
//
// A ReplicaHandler is one replica's state and logic. Up to max_ongoing_requests calls run on it
// at once (Ray Serve's replicas are concurrent too), so handlers are thread-safe. A route marked
// `blocking` runs on the node's requests pool; the others are quick and run where the request was
// routed, on an I/O thread. A handler that throws answers 500 and its replica stays (Ray Serve's
// behaviour); only failing health checks replace a replica.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "serve/request.hpp"

namespace tc::serve {

struct RouteSpec {
  std::string method;   // "GET", "POST", "DELETE"
  std::string pattern;  // "/api/tickscrawler/stream/{id}"
  int id = 0;           // passed back to the handler
  bool blocking = false;
  std::string summary;  // one line for the API listing
  // The route in the OpenAPI document, as JSON Schemas (JSON text): the query parameters (an
  // object schema: each property one parameter, `required` naming those that must be given), the
  // request body, and the 2xx answer. Empty: none, any JSON object, any JSON object.
  std::string query_schema = {};
  std::string request_schema = {};
  std::string response_schema = {};
};

class ReplicaHandler {
 public:
  virtual ~ReplicaHandler() = default;
  // Handles one call of route `route_id`; `request.path_params` holds the pattern's captures.
  virtual Response handle(int route_id, const Request& request) = 0;
  // ok when the replica can serve; called once after construction (the replica is STARTING
  // until it passes) and then every health check period, on the lifecycle pool.
  virtual Status check_health() { return Status::ok(); }
};

struct ReplicaInfo {
  std::string replica_id;
  std::string node_id;
};

struct DeploymentSpec {
  std::string name;
  std::vector<RouteSpec> routes;
  // Makes a replica's handler, on the lifecycle pool and off the deployment's lock: it may take
  // its time (warm a cache, connect). The replica is STARTING until it returns and its first
  // check_health() passes; a factory that throws is retried with backoff.
  std::function<std::unique_ptr<ReplicaHandler>(const ReplicaInfo&)> make_replica;
};

}  // namespace tc::serve
