// ScreenerOptions: the screener's service limits, from the seed's environment variables.
#pragma once

#include "core/config_source.hpp"

namespace tc::services {

struct ScreenerOptions {
  Duration refresh_interval = std::chrono::seconds(60);  // SCREENER_REFRESH_INTERVAL
  int max_results = 1000;                                // SCREENER_MAX_RESULTS
  size_t max_expression_length = 4096;

  static Result<ScreenerOptions> load(const ConfigSource& source);
};

}  // namespace tc::services
