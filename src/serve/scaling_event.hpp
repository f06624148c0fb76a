// ScalingEvent: one thing the serve runtime decided or saw — an autoscaling decision, a replica
// started, stopped or found unhealthy — kept for status and the dashboard.
#pragma once

#include <cstdint>
#include <string>

namespace tc::serve {

struct ScalingEvent {
  int64_t time = 0;  // UTC nanoseconds
  std::string deployment;
  std::string kind;  // "autoscale", "replica_started", "replica_stopped", "replica_unhealthy"
  int from = 0;      // replica target before (autoscale)
  int to = 0;        // and after
  double load = 0;   // ongoing + queued that drove an autoscale decision
  std::string replica;
  std::string reason;
};

}  // namespace tc::serve
