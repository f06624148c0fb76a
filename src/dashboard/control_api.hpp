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
//   GET  /api/cluster/stream   server-sent `status` events: the status and each deployment's
//                              live figures, every second (LiveFeed)
//   GET  /api/deployments/{name}/history   the deployment's samples and autoscaling events
//   GET  /api/logs, /api/logs/{node}[/stream]   node logs: list, tail, follow (LogFiles)
//   POST /api/auth/check       200 when the request carries the token (or none is configured)
//   GET  /, /assets/…, /docs   the web UI and the API docs, embedded in the binary
// and every other path passes through to the gateway's routes (the services' API and
// /openapi.json), so that the UI needs nothing but its own origin.
//
// Mutating calls need the bearer token when one is configured; without one they are accepted
// from loopback only (403 from other hosts).
//
// Thread-safety: handle() is safe from any thread.
#pragma once

#include <atomic>
#include <filesystem>
#include <functional>
#include <string>

#include "cluster/node_registry.hpp"
#include "core/dependency_health.hpp"
#include "core/json.hpp"
#include "dashboard/live_feed.hpp"
#include "dashboard/log_files.hpp"
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
  // Where the node logs are (the Logs page).
  std::filesystem::path log_dir = "logs";
  // The gateway's counters, for requests/s, error rate and latency; null: none shown.
  TrafficSource traffic;
  // Answers what the control API does not: the gateway's routes. Null: 404.
  std::function<void(serve::Request, serve::Responder)> pass_through;
  LiveFeedOptions live;
};

class ControlApi {
 public:
  ControlApi(ControlApiOptions options, const Clock& clock, serve::ServeRuntime& runtime,
             cluster::NodeRegistry& nodes, std::function<void()> stop_node);

  void handle(serve::Request request, serve::Responder respond);
  // The node has started its first replicas: /health answers 200 from now on.
  void set_ready() { ready_ = true; }
  // Starts and stops sampling for the live feed (before the runtime stops).
  void start_live_feed() { live_.start(); }
  void stop_live_feed() { live_.stop(); }
  LiveFeed& live_feed() { return live_; }
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
  LiveFeed live_;
  LogFiles logs_;
};

}  // namespace tc::dashboard
