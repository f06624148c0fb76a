// AutoscalingPolicy: Ray Serve's replica autoscaling decision, as a pure object driven by the
// control loop's clock.
//
// Each control-loop pass gives it the deployment's load (requests ongoing on its replicas plus
// those queued for it) and the current target. The desired count is
// ceil(load / target_ongoing_requests), clamped to [min, max]. A change is applied only after
// the desired count has stayed above (or below) the target for the whole upscale (or downscale)
// delay; a pass that disagrees restarts the wait, so a brief spike or lull does not flap.
// Not thread-safe: owned by one deployment and called under its lock.
#pragma once

#include <optional>
#include <string>

#include "core/clock.hpp"

namespace tc::serve {

struct AutoscalingConfig {
  int min_replicas = 1;
  int max_replicas = 10;
  double target_ongoing_requests = 100;
  Duration upscale_delay = std::chrono::seconds(10);
  Duration downscale_delay = std::chrono::seconds(60);
};

struct ScalingDecision {
  int from = 0;
  int to = 0;
  double load = 0;     // ongoing + queued at the decision
  int desired = 0;     // ceil(load / target), before clamping
  Duration held{0};    // how long the condition held
  std::string reason;  // human-readable summary of the numbers
};

class AutoscalingPolicy {
 public:
  explicit AutoscalingPolicy(AutoscalingConfig config) : config_(config) {}

  // ceil(load / target) clamped to [min, max].
  int desired_replicas(double load) const;
  // The decision to apply now, if any.
  std::optional<ScalingDecision> update(TimePoint now, int current_target, double load);
  const AutoscalingConfig& config() const { return config_; }

 private:
  AutoscalingConfig config_;
  std::optional<TimePoint> above_since_;
  std::optional<TimePoint> below_since_;
};

}  // namespace tc::serve
