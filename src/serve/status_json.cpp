#include "serve/status_json.hpp"

namespace tc::serve {
namespace {

double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

void write_json(JsonWriter& w, const DeploymentStatus& s) {
  const DeploymentConfig& c = s.config;
  w.begin_object()
      .field("name", s.name)
      .field("deployed", s.deployed)
      .field("status", s.status)
      .field("num_replicas", s.num_replicas)
      .field("target_replicas", s.target_replicas)
      .field("starting_replicas", s.starting_replicas)
      .field("pending_replicas", s.pending_replicas)
      .field("draining_replicas", s.draining_replicas)
      .field("healthy_replicas", s.healthy_replicas)
      .field("min_replicas", c.autoscaling.min_replicas)
      .field("max_replicas", c.autoscaling.max_replicas)
      .field("ongoing", s.ongoing)
      .field("queued", s.queued)
      .field("requests_total", s.requests_total)
      .field("rejected_total", s.rejected_total)
      .field("timed_out_total", s.timed_out_total)
      .field("errors_total", s.errors_total)
      .field("average_load", s.average_load);
  w.key("config")
      .begin_object()
      .field("initial_replicas", c.num_replicas)
      .field("max_ongoing_requests", c.max_ongoing_requests)
      .field("max_queued_requests", c.max_queued_requests)
      .field("target_ongoing_requests", c.autoscaling.target_ongoing_requests)
      .field("upscale_delay_s", seconds(c.autoscaling.upscale_delay))
      .field("downscale_delay_s", seconds(c.autoscaling.downscale_delay))
      .field("look_back_period_s", seconds(c.autoscaling.look_back_period))
      .field("health_check_period_s", seconds(c.health_check_period))
      .field("health_check_timeout_s", seconds(c.health_check_timeout))
      .field("graceful_shutdown_timeout_s", seconds(c.graceful_shutdown_timeout))
      .field("num_cpus", c.resources.cpu())
      .field("memory_bytes", c.resources.memory_bytes)
      .end_object();
  w.key("replicas").begin_array();
  for (const ReplicaStatus& r : s.replicas) {
    w.begin_object()
        .field("id", r.id)
        .field("node", r.node)
        .field("state", r.state)
        .field("ongoing", r.ongoing)
        .field("health", r.health)
        .field("consecutive_health_failures", r.consecutive_health_failures)
        .field("handled", r.handled)
        .field("errors", r.errors)
        .field("started_at", r.started_at)
        .end_object();
  }
  w.end_array().end_object();
}

void write_json(JsonWriter& w, const ScalingEvent& e) {
  w.begin_object().field("time", e.time).field("deployment", e.deployment).field("kind", e.kind);
  if (e.kind == "autoscale") w.field("from", e.from).field("to", e.to).field("load", e.load);
  if (!e.replica.empty()) w.field("replica", e.replica);
  w.field("reason", e.reason).end_object();
}

}  // namespace tc::serve
