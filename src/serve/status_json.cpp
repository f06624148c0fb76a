#include "serve/status_json.hpp"

namespace tc::serve {
namespace {

double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

json::object to_json_object(const DeploymentStatus& s) {
  json::array replicas;
  for (const ReplicaStatus& r : s.replicas) {
    replicas.push_back(json::object{
        {"id", r.id},
        {"node", r.node},
        {"state", r.state},
        {"ongoing", r.ongoing},
        {"health", r.health},
        {"consecutive_health_failures", r.consecutive_health_failures},
        {"handled", r.handled},
        {"started_at", r.started_at},
    });
  }
  const DeploymentConfig& c = s.config;
  return json::object{
      {"name", s.name},
      {"deployed", s.deployed},
      {"status", !s.deployed              ? "stopped"
                 : s.healthy_replicas > 0 ? "healthy"
                                          : "unhealthy"},
      {"num_replicas", s.num_replicas},
      {"target_replicas", s.target_replicas},
      {"pending_replicas", s.pending_replicas},
      {"draining_replicas", s.draining_replicas},
      {"healthy_replicas", s.healthy_replicas},
      {"min_replicas", c.autoscaling.min_replicas},
      {"max_replicas", c.autoscaling.max_replicas},
      {"ongoing", s.ongoing},
      {"queued", s.queued},
      {"requests_total", s.requests_total},
      {"rejected_total", s.rejected_total},
      {"timed_out_total", s.timed_out_total},
      {"config",
       json::object{
           {"initial_replicas", c.num_replicas},
           {"max_ongoing_requests", c.max_ongoing_requests},
           {"max_queued_requests", c.max_queued_requests},
           {"target_ongoing_requests", c.autoscaling.target_ongoing_requests},
           {"upscale_delay_s", seconds(c.autoscaling.upscale_delay)},
           {"downscale_delay_s", seconds(c.autoscaling.downscale_delay)},
           {"health_check_period_s", seconds(c.health_check_period)},
           {"health_check_timeout_s", seconds(c.health_check_timeout)},
           {"graceful_shutdown_timeout_s", seconds(c.graceful_shutdown_timeout)},
           {"num_cpus", c.resources.cpu()},
           {"memory_bytes", c.resources.memory_bytes},
       }},
      {"replicas", std::move(replicas)},
  };
}

json::object to_json_object(const ScalingEvent& e) {
  json::object out{{"time", e.time}, {"deployment", e.deployment}, {"kind", e.kind}};
  if (e.kind == "autoscale") {
    out["from"] = e.from;
    out["to"] = e.to;
    out["load"] = e.load;
  }
  if (!e.replica.empty()) out["replica"] = e.replica;
  out["reason"] = e.reason;
  return out;
}

}  // namespace tc::serve
