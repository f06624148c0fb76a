// What a service gives the serve runtime: its routes and a factory for its replicas' handlers.
//
// A ReplicaHandler is one replica's state and logic. Up to max_ongoing_requests calls run on it
// at once (Ray Serve's replicas are concurrent too), so handlers are thread-safe. A route marked
// `blocking` runs on the node's worker pool; the others are quick and run where the request was
// routed, on an I/O thread. A handler that throws is a crashed replica: the call gets 500 and the
// replica is replaced.
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
};

class ReplicaHandler {
 public:
  virtual ~ReplicaHandler() = default;
  // Handles one call of route `route_id`; `request.path_params` holds the pattern's captures.
  virtual Response handle(int route_id, const Request& request) = 0;
  // ok when the replica can serve; called every health check period on the worker pool.
  virtual Status check_health() { return Status::ok(); }
};

struct ReplicaInfo {
  std::string replica_id;
  std::string node_id;
};

struct DeploymentSpec {
  std::string name;
  std::vector<RouteSpec> routes;
  // Makes a replica's handler. It runs on the control loop while the deployment is locked, so it
  // must be quick; slow warm-up belongs in the handler, reported through check_health().
  std::function<std::unique_ptr<ReplicaHandler>(const ReplicaInfo&)> make_replica;
};

}  // namespace tc::serve
