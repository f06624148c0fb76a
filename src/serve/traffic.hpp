// TrafficTotals: what the gateway has answered for one deployment since it started, as counters
// that a reader turns into rates and percentiles by taking two readings apart.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace tc::serve {

struct TrafficTotals {
  std::string deployment;
  uint64_t requests = 0;
  uint64_t server_errors = 0;  // answered 5xx
  // Latency histogram: counts[i] answered within bounds[i] seconds (and above bounds[i - 1]);
  // counts has one more entry than bounds, for those slower than the last bound.
  std::vector<double> bounds;
  std::vector<uint64_t> counts;
};

// The value below which `quantile` (0..1) of the requests counted in `counts` fell, interpolated
// linearly inside its bucket (as Prometheus' histogram_quantile); 0 when none were counted, the
// last bound when the quantile falls in the overflow bucket.
double histogram_quantile(double quantile, const std::vector<double>& bounds,
                          const std::vector<uint64_t>& counts);

}  // namespace tc::serve
