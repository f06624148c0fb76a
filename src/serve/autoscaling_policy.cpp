#include "serve/autoscaling_policy.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace tc::serve {
namespace {

int ceil_ratio(double load, double target) {
  return static_cast<int>(std::min(1e6, std::ceil(std::max(0.0, load) / target)));
}

}  // namespace

int AutoscalingPolicy::desired_replicas(double load) const {
  return std::clamp(ceil_ratio(load, config_.target_ongoing_requests), config_.min_replicas,
                    config_.max_replicas);
}

void AutoscalingPolicy::record(TimePoint now, double load) {
  samples_.emplace_back(now, load);
  // Keep the last sample at or before the window's start: it holds into the window.
  TimePoint start = now - config_.look_back_period;
  while (samples_.size() > 1 && samples_[1].first <= start) samples_.pop_front();
}

double AutoscalingPolicy::average_load(TimePoint now) const {
  if (samples_.empty()) return 0;
  TimePoint start = std::max(samples_.front().first, now - config_.look_back_period);
  if (now <= start) return samples_.back().second;
  double weighted = 0;
  for (size_t i = 0; i < samples_.size(); ++i) {
    TimePoint from = std::max(samples_[i].first, start);
    TimePoint to = i + 1 < samples_.size() ? samples_[i + 1].first : now;
    if (to > from)
      weighted += samples_[i].second * std::chrono::duration<double>(to - from).count();
  }
  return weighted / std::chrono::duration<double>(now - start).count();
}

ScalingDecision AutoscalingPolicy::decide(int from, int to, double load, Duration held,
                                          const char* why) {
  above_since_.reset();
  below_since_.reset();
  int raw = ceil_ratio(load, config_.target_ongoing_requests);
  std::string reason = fmt::format(
      "{}: load {:.4g} (mean over {:g} s) / target {:g} per replica = {}, clamped to [{}, {}] = "
      "{}",
      why, load, std::chrono::duration<double>(config_.look_back_period).count(),
      config_.target_ongoing_requests, raw, config_.min_replicas, config_.max_replicas,
      desired_replicas(load));
  if (to != desired_replicas(load)) reason += fmt::format(", going to {} first", to);
  return ScalingDecision{from, to, load, raw, held, std::move(reason)};
}

std::optional<ScalingDecision> AutoscalingPolicy::update(TimePoint now, int current_target) {
  double load = last_average_ = average_load(now);
  // Outside the bounds (a config change): correct at once.
  if (current_target < config_.min_replicas || current_target > config_.max_replicas) {
    int to = std::clamp(current_target, config_.min_replicas, config_.max_replicas);
    return decide(current_target, to, load, Duration{0}, "target outside [min, max]");
  }
  // Cold start: a request waits for a replica that does not exist, so do not make it wait for
  // the upscale delay too.
  double instant = samples_.empty() ? 0 : samples_.back().second;
  if (current_target == 0 && instant > 0) {
    int to = std::max({1, desired_replicas(load), desired_replicas(instant)});
    return decide(0, std::min(to, config_.max_replicas), std::max(load, instant), Duration{0},
                  "cold start");
  }
  int desired = desired_replicas(load);
  if (desired > current_target) {
    below_since_.reset();
    if (!above_since_) above_since_ = now;
    Duration held = now - *above_since_;
    if (held >= config_.upscale_delay)
      return decide(current_target, desired, load, held, "upscale");
  } else if (desired < current_target) {
    above_since_.reset();
    if (!below_since_) below_since_ = now;
    Duration held = now - *below_since_;
    if (held >= config_.downscale_delay) {
      // To zero only from one: the last replica gets a downscale delay of its own.
      int to = desired == 0 && current_target > 1 ? 1 : desired;
      return decide(current_target, to, load, held, "downscale");
    }
  } else {
    above_since_.reset();
    below_since_.reset();
  }
  return std::nullopt;
}

}  // namespace tc::serve
