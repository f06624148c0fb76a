// AutoscalingPolicy: Ray Serve's replica autoscaling decision, as a pure object driven by the
// control loop's clock.
//
// Every control-loop pass records the deployment's load (requests ongoing on its replicas plus
// those queued for it). The decision uses the time-weighted mean of those samples over the
// look-back window (Ray's look_back_period_s), so ordinary noise around a load above the target
// still scales up and one spike does not: desired = ceil(mean / target_ongoing_requests),
// clamped to [min, max]. A change is applied only after the desired count has stayed above (or
// below) the current target for the whole upscale (or downscale) delay; a pass that disagrees
// restarts the wait. Two exceptions follow Ray: from zero replicas, the first request starts a
// replica at once (cold start); and scaling down to zero goes through one replica, so reaching
// zero takes two downscale delays.
// Not thread-safe: owned by one deployment and called under its lock.
#pragma once

#include <deque>
#include <optional>
#include <string>
#include <utility>

#include "core/clock.hpp"

namespace tc::serve {

struct AutoscalingConfig {
  int min_replicas = 1;
  int max_replicas = 10;
  double target_ongoing_requests = 100;
  Duration upscale_delay = std::chrono::seconds(10);
  Duration downscale_delay = std::chrono::seconds(60);
  Duration look_back_period = std::chrono::seconds(10);
};

struct ScalingDecision {
  int from = 0;
  int to = 0;
  double load = 0;     // the load the decision used: the look-back mean (the instant's, cold)
  int desired = 0;     // ceil(load / target), before clamping
  Duration held{0};    // how long the condition held
  std::string reason;  // human-readable summary of the numbers
};

class AutoscalingPolicy {
 public:
  explicit AutoscalingPolicy(AutoscalingConfig config) : config_(config) {}

  // ceil(load / target) clamped to [min, max].
  int desired_replicas(double load) const;
  // Records the load (ongoing + queued) at `now`. Samples come in time order.
  void record(TimePoint now, double load);
  // The time-weighted mean of the recorded load over the look-back window ending at `now`
  // (each sample holds until the next); over the samples there are when fewer cover the window.
  // 0 before the first sample.
  double average_load(TimePoint now) const;
  // The decision to apply now, if any, given the current replica target.
  std::optional<ScalingDecision> update(TimePoint now, int current_target);
  // The averaged load the last update() used (for status).
  double last_average() const { return last_average_; }
  const AutoscalingConfig& config() const { return config_; }

 private:
  ScalingDecision decide(int from, int to, double load, Duration held, const char* why);

  AutoscalingConfig config_;
  std::deque<std::pair<TimePoint, double>> samples_;
  double last_average_ = 0;
  std::optional<TimePoint> above_since_;
  std::optional<TimePoint> below_since_;
};

}  // namespace tc::serve
