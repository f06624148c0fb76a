// DeploymentConfig: how one deployment is served — Ray Serve's deployment options, read from the
// seed's environment variables (ALGORUNNER_*, SCREENER_*, TICKSCRAWLER_*) with the seed's
// defaults.
#pragma once

#include <string>
#include <string_view>

#include "cluster/resources.hpp"
#include "core/config_source.hpp"
#include "serve/autoscaling_policy.hpp"

namespace tc::serve {

struct DeploymentConfig {
  std::string name;
  int num_replicas = 1;  // initial replicas
  int max_ongoing_requests = 100;
  int max_queued_requests = 1000;  // beyond this, 503 with Retry-After
  AutoscalingConfig autoscaling;
  Duration health_check_period = std::chrono::seconds(10);
  Duration health_check_timeout = std::chrono::seconds(30);
  Duration graceful_shutdown_timeout = std::chrono::seconds(20);
  cluster::ResourceSet resources = cluster::ResourceSet::from_cpu(0.2, 64LL << 20);
};

// Reads `<PREFIX>_REPLICAS`, `_MIN_REPLICAS`, `_MAX_REPLICAS`, `_MAX_ONGOING_REQUESTS`,
// `_MAX_QUEUED_REQUESTS`, `_TARGET_REQUESTS`, `_SCALE_UP_DELAY`, `_SCALE_DOWN_DELAY`,
// `_LOOK_BACK_PERIOD`,
// `_HEALTH_CHECK_PERIOD`, `_HEALTH_CHECK_TIMEOUT`, `_GRACEFUL_SHUTDOWN_TIMEOUT`, `_NUM_CPUS`
// and `_MEMORY`. invalid_argument names the variable of the first bad value, including
// inconsistent bounds (min > max, initial replicas outside them).
Result<DeploymentConfig> load_deployment_config(std::string name, std::string_view prefix,
                                                const ConfigSource& source);

}  // namespace tc::serve
