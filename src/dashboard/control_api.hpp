// ControlApi: the head node's control API on port 8265 (the seed's dashboard port) — cluster
// status for `tradecluster status` and the dashboard, and the commands behind the CLI's
// shutdown, deploy and stop verbs.
//
//   GET  /api/cluster/status   nodes with resources, deployments with replicas, recent events
//   GET  /api/cluster/events   recent autoscaling and replica events (?limit=)
//   POST /api/serve/shutdown   stop serving (replicas drain), keep the node running
//   POST /api/serve/deploy     serve again
//   POST /api/node/stop        drain and stop the node
//   GET  /health               200 once the node is ready (its first replicas started), 503 before
//
// Mutating calls need the bearer token when one is configured; without one they are accepted
// from loopback only (403 from other hosts).
//
// Thread-safety: handle() is safe from any thread.
#pragma once

#include <atomic>
#include <functional>
#include <string>

#include "cluster/node_registry.hpp"
#include "core/dependency_health.hpp"
#include "core/json.hpp"
#include "net/bearer_auth.hpp"
#include "net/route_table.hpp"
#include "serve/serve_runtime.hpp"

namespace tc::dashboard {

struct ControlApiOptions {
  std::string node_id = "head";
  std::string api_token;        // empty: POSTs only from loopback
  int64_t pid = 0;              // the node's process, so that `stop` can wait for it to exit
  int64_t started_at = 0;       // UTC nanoseconds
  std::string gateway_address;  // host:port of the API, for status
  std::string store_backend;
  std::string cache_backend = "memory";
  std::string bus_backend = "inproc";
  // The servers the node depends on, as last checked; null: none. Status says "degraded" while
  // an optional one (the Redis cache) is down and "unhealthy" while a required one (the
  // PostgreSQL store) is.
  const DependencyHealth* dependencies = nullptr;
  // The infrastructure `start --with-infra` started for the node; empty: none.
  std::string infra_dir;
  std::string role = "standalone";  // or "head"
  // The directory `cluster start` runs the cluster from (so that `stop` and `restart` act on the
  // whole cluster); empty: none.
  std::string cluster_dir;
};

class ControlApi {
 public:
  ControlApi(ControlApiOptions options, const Clock& clock, serve::ServeRuntime& runtime,
             cluster::NodeRegistry& nodes, std::function<void()> stop_node);

  void handle(serve::Request request, serve::Responder respond);
  // The node has started its first replicas: /health answers 200 from now on.
  void set_ready() { ready_ = true; }
  // The body of GET /api/cluster/status.
  std::string cluster_status() const;

 private:
  ControlApiOptions options_;
  net::AccessPolicy access_;
  const Clock& clock_;
  serve::ServeRuntime& runtime_;
  cluster::NodeRegistry& nodes_;
  std::function<void()> stop_node_;
  net::RouteTable routes_;
  std::atomic<bool> ready_{false};
};

}  // namespace tc::dashboard
