// ServeRuntime: the node's deployments and the control loop that reconciles them.
//
// Deployments are added before start() and live as long as the runtime; `undeploy_all()` and
// `deploy_all()` stop and resume serving them (the CLI's shutdown and deploy). The control loop
// runs every `control_period` on its own thread, calling Deployment::reconcile(); tests call
// tick() instead, with a ManualClock.
// Thread-safety: add() before start(); everything else is thread-safe.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "serve/deployment.hpp"

namespace tc::serve {

class ServeRuntime {
 public:
  // `requests` runs blocking handlers and queued calls, `lifecycle` replica constructors and
  // health checks (see DeploymentContext). Replicas are built by `launcher` (a cluster's head
  // places them on other nodes), or in this process when it is null.
  ServeRuntime(const Clock& clock, Executor& requests, Executor& lifecycle,
               cluster::NodeRegistry& nodes,
               Duration control_period = std::chrono::milliseconds(100),
               ReplicaLauncher* launcher = nullptr);
  ~ServeRuntime();

  // Adds a deployment (not yet serving). already_exists for a duplicate name.
  Status add(DeploymentSpec spec, DeploymentConfig config);
  // The deployment named `name`, or nullptr.
  Deployment* find(std::string_view name) const;
  const std::vector<std::unique_ptr<Deployment>>& deployments() const { return deployments_; }
  EventLog& events() { return events_; }

  void deploy_all();
  void undeploy_all();
  // Starts the control loop thread (idempotent).
  void start();
  // Stops the control loop (idempotent).
  void stop();
  // One control-loop pass over every deployment.
  void tick();
  // Ongoing plus queued calls over all deployments.
  int load() const;
  // Probes every deployment's replicas on `node` (Deployment::probe_node).
  void probe_node(const std::string& node, Duration timeout);
  // Every deployment's replicas on `node` are lost; returns how many.
  int node_lost(const std::string& node, const std::string& why);
  // Waits until no deployment has a replica starting (constructed and checked, or failed), or
  // `timeout` passes; true when none is starting.
  bool wait_started(Duration timeout);
  // Lets ongoing and queued calls finish, each deployment's for at most its graceful shutdown
  // timeout and all of them by `deadline`; then answers what is left 503, logged as abandoned
  // with `why` (Deployment::abandon). Returns how many calls were abandoned.
  int drain(TimePoint deadline, const std::string& why);

 private:
  void loop();

  const Clock& clock_;
  Executor& requests_;
  Executor& lifecycle_;
  cluster::NodeRegistry& nodes_;
  const Duration control_period_;
  LocalLauncher local_launcher_;
  ReplicaLauncher& launcher_;
  EventLog events_;
  std::vector<std::unique_ptr<Deployment>> deployments_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool running_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace tc::serve
