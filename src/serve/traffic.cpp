#include "serve/traffic.hpp"

#include <algorithm>
#include <numeric>

namespace tc::serve {

double histogram_quantile(double quantile, const std::vector<double>& bounds,
                          const std::vector<uint64_t>& counts) {
  const uint64_t total = std::accumulate(counts.begin(), counts.end(), uint64_t{0});
  if (total == 0 || bounds.empty()) return 0;
  const double rank = std::clamp(quantile, 0.0, 1.0) * static_cast<double>(total);
  double below = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    const double in_bucket = static_cast<double>(counts[i]);
    if (below + in_bucket >= rank && in_bucket > 0) {
      if (i >= bounds.size()) return bounds.back();
      const double lower = i == 0 ? 0 : bounds[i - 1];
      return lower + (bounds[i] - lower) * (rank - below) / in_bucket;
    }
    below += in_bucket;
  }
  return bounds.back();
}

}  // namespace tc::serve
