#include "serve/autoscaling_policy.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace tc::serve {

int AutoscalingPolicy::desired_replicas(double load) const {
  double raw = std::ceil(std::max(0.0, load) / config_.target_ongoing_requests);
  int desired = raw > 1e6 ? 1'000'000 : static_cast<int>(raw);
  return std::clamp(desired, config_.min_replicas, config_.max_replicas);
}

std::optional<ScalingDecision> AutoscalingPolicy::update(TimePoint now, int current_target,
                                                         double load) {
  int raw_desired = static_cast<int>(
      std::min(1e6, std::ceil(std::max(0.0, load) / config_.target_ongoing_requests)));
  int desired = desired_replicas(load);
  auto decide = [&](Duration held, const char* why) {
    std::ostringstream reason;
    reason << why << ": load " << load << " / target " << config_.target_ongoing_requests
           << " per replica = " << raw_desired << ", clamped to [" << config_.min_replicas << ", "
           << config_.max_replicas << "] = " << desired;
    above_since_.reset();
    below_since_.reset();
    return ScalingDecision{current_target, desired, load, raw_desired, held, reason.str()};
  };
  // Outside the bounds (a config change): correct at once.
  if (current_target < config_.min_replicas || current_target > config_.max_replicas) {
    desired = std::clamp(current_target, config_.min_replicas, config_.max_replicas);
    return decide(Duration{0}, "target outside [min, max]");
  }
  if (desired > current_target) {
    below_since_.reset();
    if (!above_since_) above_since_ = now;
    Duration held = now - *above_since_;
    if (held >= config_.upscale_delay) return decide(held, "upscale");
  } else if (desired < current_target) {
    above_since_.reset();
    if (!below_since_) below_since_ = now;
    Duration held = now - *below_since_;
    if (held >= config_.downscale_delay) return decide(held, "downscale");
  } else {
    above_since_.reset();
    below_since_.reset();
  }
  return std::nullopt;
}

}  // namespace tc::serve
