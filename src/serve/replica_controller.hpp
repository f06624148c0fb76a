// ReplicaController: a deployment's control loop, as Ray Serve's controller runs it — how many
// replicas it wants (AutoscalingPolicy on the load averaged over the look-back window), where
// they run (logical resources in the NodeRegistry; what does not fit stays pending), and each
// replica's life: pending → starting (constructed, then a first health check) → running →
// draining → stopped. Three failed health checks in a row, a check past its timeout counting as
// one, mark a replica unhealthy and replace it. Every decision is recorded in the EventLog.
//
// It decides and keeps state; the Deployment runs what it asks for — constructors and health
// checks, on the lifecycle executor, off the lock — and reports back through constructed(),
// check_started() and health_checked(). Not thread-safe: owned by a Deployment and called under
// its lock.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cluster/node_registry.hpp"
#include "serve/autoscaling_policy.hpp"
#include "serve/deployment_config.hpp"
#include "serve/deployment_status.hpp"
#include "serve/event_log.hpp"
#include "serve/replica.hpp"

namespace tc::serve {

class ReplicaController {
 public:
  ReplicaController(std::string name, const DeploymentConfig& config, const Clock& clock,
                    cluster::NodeRegistry& nodes, EventLog& events);
  // Releases the resources of every replica still placed.
  ~ReplicaController();
  ReplicaController(const ReplicaController&) = delete;
  ReplicaController& operator=(const ReplicaController&) = delete;

  const std::vector<std::shared_ptr<Replica>>& replicas() const { return replicas_; }
  bool deployed() const { return deployed_; }

  // Serve with the configured initial replicas (idempotent: false when already deployed).
  bool deploy();
  // Stop serving: the target becomes zero and every starting or running replica drains. False
  // when not deployed.
  bool undeploy(TimePoint now);

  // What a pass asks the Deployment to do once the lock is released.
  struct Work {
    std::vector<std::shared_ptr<Replica>> to_construct;
    std::vector<std::pair<std::shared_ptr<Replica>, uint64_t>> health_checks;  // and generation
    // Replicas stopped at their graceful shutdown timeout with calls still on them.
    std::vector<const Replica*> stopped_busy;
    // Handles of the replicas stopped, to release where they run.
    std::vector<std::shared_ptr<ReplicaHandle>> to_stop;
  };
  // One pass at `now`: times out and starts health checks, records `load` (ongoing + queued)
  // and applies the autoscaling decision, places, drains and stops replicas.
  void reconcile(TimePoint now, double load, Work& work);
  // Places, drains and stops replicas toward the target (part of reconcile; undeploy too).
  void reconcile_replicas(TimePoint now, Work& work);

  // Takes in a replica found running on `node` (a restarted head's): it keeps its id, is
  // starting until its first health check passes, and counts toward the target. Its resources
  // must be reserved on that node already.
  void adopt(const std::string& id, const std::string& node, std::shared_ptr<ReplicaHandle> handle);
  // A constructor finished: with `error` the replica is stopped and a new one placed after a
  // backoff. Otherwise returns the generation of the first health check, which the caller runs
  // at once; nullopt when the replica is no longer starting. A replica removed meanwhile
  // (replica.removed) keeps no handle: the caller stops it.
  std::optional<uint64_t> constructed(Replica& replica, std::shared_ptr<ReplicaHandle> handle,
                                      const std::string& error);
  // The replica cannot be reached (its process or node is gone): it takes no more calls, stops
  // on the next pass without waiting for its calls, and a new one is placed. False when it was
  // already leaving.
  bool replica_lost(Replica& replica, const std::string& why);
  // A health check is starting now (its timeout counts from here); false when it is stale.
  bool check_started(Replica& replica, uint64_t generation);
  // A health check ended; true when it made a starting replica RUNNING.
  bool health_checked(Replica& replica, uint64_t generation, const Status& result);

  DeploymentHealth health() const;
  // Fills the replica and target figures of `status`.
  void fill_status(DeploymentStatus& status) const;

 private:
  void check_health(TimePoint now, Work& work);
  void autoscale(TimePoint now, double load);
  void mark_unhealthy(Replica& replica, const std::string& why);
  void start_draining(Replica& replica, TimePoint now, std::string why);
  void add_event(std::string kind, const Replica* replica, std::string reason);

  const std::string name_;
  const DeploymentConfig& config_;
  const Clock& clock_;
  cluster::NodeRegistry& nodes_;
  EventLog& events_;

  bool deployed_ = false;
  int target_ = 0;
  AutoscalingPolicy policy_;
  double average_load_ = 0;
  std::vector<std::shared_ptr<Replica>> replicas_;
  TimePoint start_retry_at_{};  // after a constructor failed, with backoff
  Duration start_backoff_{0};
};

}  // namespace tc::serve
