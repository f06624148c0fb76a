// What a deployment reports: DeploymentHealth for /health (cheap, read without a lock) and
// DeploymentStatus with its replicas for status pages and `tradecluster status`.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "serve/deployment_config.hpp"

namespace tc::serve {

struct DeploymentHealth {
  bool deployed = false;
  int target = 0;
  int running = 0;
  int healthy = 0;  // running and not failing three checks in a row
  int starting = 0;
  int pending = 0;
  bool operator==(const DeploymentHealth&) const = default;
  // Zero replicas because the autoscaler chose zero (min_replicas 0): healthy, not broken.
  bool scaled_to_zero() const { return deployed && target == 0 && running == 0; }
  bool ok() const { return deployed && (healthy > 0 || scaled_to_zero()); }
  const char* name() const {
    return !deployed          ? "stopped"
           : scaled_to_zero() ? "scaled_to_zero"
           : ok()             ? "healthy"
                              : "unhealthy";
  }
};

struct ReplicaStatus {
  std::string id;
  std::string node;   // empty while pending
  std::string state;  // "pending", "starting", "running", "draining"
  int ongoing = 0;
  std::string health;  // "healthy", "failing", "unhealthy"
  int consecutive_health_failures = 0;
  int64_t handled = 0;
  int64_t errors = 0;      // calls whose handler threw (answered 500)
  int64_t started_at = 0;  // UTC nanoseconds, 0 until running
};

struct DeploymentStatus {
  std::string name;
  bool deployed = false;
  std::string status;  // DeploymentHealth::name()
  int target_replicas = 0;
  int num_replicas = 0;  // running
  int starting_replicas = 0;
  int pending_replicas = 0;
  int draining_replicas = 0;
  int healthy_replicas = 0;
  int ongoing = 0;
  int queued = 0;
  int64_t requests_total = 0;
  int64_t rejected_total = 0;   // 503: queue full or not deployed
  int64_t timed_out_total = 0;  // 504
  int64_t errors_total = 0;     // 500: a handler threw
  double average_load = 0;      // over the autoscaling look-back window
  DeploymentConfig config;
  std::vector<ReplicaStatus> replicas;
};

}  // namespace tc::serve
