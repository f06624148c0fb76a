#include "serve/deployment_config.hpp"

namespace tc::serve {
using std::chrono::seconds;

Result<DeploymentConfig> load_deployment_config(std::string name, std::string_view prefix,
                                                const ConfigSource& source) {
  std::string p(prefix);
  auto var = [&](const char* suffix) { return p + "_" + suffix; };
  DeploymentConfig c;
  c.name = std::move(name);
  TC_ASSIGN_OR_RETURN(c.autoscaling.min_replicas, source.get_int(var("MIN_REPLICAS"), 1, 0, 1000));
  TC_ASSIGN_OR_RETURN(c.autoscaling.max_replicas, source.get_int(var("MAX_REPLICAS"), 10, 1, 1000));
  TC_ASSIGN_OR_RETURN(
      c.num_replicas,
      source.get_int(var("REPLICAS"),
                     c.autoscaling.min_replicas > 1 ? c.autoscaling.min_replicas : 1, 0, 1000));
  TC_ASSIGN_OR_RETURN(c.max_ongoing_requests,
                      source.get_int(var("MAX_ONGOING_REQUESTS"), 100, 1, 100000));
  TC_ASSIGN_OR_RETURN(c.max_queued_requests,
                      source.get_int(var("MAX_QUEUED_REQUESTS"), 1000, 0, 1000000));
  TC_ASSIGN_OR_RETURN(c.autoscaling.target_ongoing_requests,
                      source.get_double(var("TARGET_REQUESTS"), 100, 0.01, 100000));
  TC_ASSIGN_OR_RETURN(
      c.autoscaling.upscale_delay,
      source.get_seconds(var("SCALE_UP_DELAY"), seconds(10), seconds(0), seconds(86400)));
  TC_ASSIGN_OR_RETURN(
      c.autoscaling.downscale_delay,
      source.get_seconds(var("SCALE_DOWN_DELAY"), seconds(60), seconds(0), seconds(86400)));
  TC_ASSIGN_OR_RETURN(c.autoscaling.look_back_period,
                      source.get_seconds(var("LOOK_BACK_PERIOD"), seconds(10),
                                         std::chrono::milliseconds(100), seconds(3600)));
  TC_ASSIGN_OR_RETURN(c.health_check_period,
                      source.get_seconds(var("HEALTH_CHECK_PERIOD"), seconds(10),
                                         std::chrono::milliseconds(10), seconds(3600)));
  TC_ASSIGN_OR_RETURN(c.health_check_timeout,
                      source.get_seconds(var("HEALTH_CHECK_TIMEOUT"), seconds(30),
                                         std::chrono::milliseconds(10), seconds(3600)));
  TC_ASSIGN_OR_RETURN(
      c.graceful_shutdown_timeout,
      source.get_seconds(var("GRACEFUL_SHUTDOWN_TIMEOUT"), seconds(20), seconds(0), seconds(3600)));
  double cpu = 0;
  TC_ASSIGN_OR_RETURN(cpu, source.get_double(var("NUM_CPUS"), 0.2, 0, 1024));
  int64_t memory = 0;
  TC_ASSIGN_OR_RETURN(memory, source.get_bytes(var("MEMORY"), 64LL << 20));
  c.resources = cluster::ResourceSet::from_cpu(cpu, memory);

  if (c.autoscaling.min_replicas > c.autoscaling.max_replicas) {
    return invalid_argument(var("MIN_REPLICAS") + " (" +
                            std::to_string(c.autoscaling.min_replicas) + ") is greater than " +
                            var("MAX_REPLICAS") + " (" +
                            std::to_string(c.autoscaling.max_replicas) + ")");
  }
  if (c.num_replicas < c.autoscaling.min_replicas || c.num_replicas > c.autoscaling.max_replicas) {
    return invalid_argument(var("REPLICAS") + " (" + std::to_string(c.num_replicas) +
                            ") must lie between " + var("MIN_REPLICAS") + " and " +
                            var("MAX_REPLICAS") + " (" +
                            std::to_string(c.autoscaling.min_replicas) + ".." +
                            std::to_string(c.autoscaling.max_replicas) + ")");
  }
  return c;
}

}  // namespace tc::serve
