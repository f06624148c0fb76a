#include "services/screener/screener_options.hpp"

namespace tc::services {

Result<ScreenerOptions> ScreenerOptions::load(const ConfigSource& source) {
  ScreenerOptions o;
  TC_ASSIGN_OR_RETURN(o.refresh_interval,
                      source.get_seconds("SCREENER_REFRESH_INTERVAL", std::chrono::seconds(60),
                                         std::chrono::seconds(1), std::chrono::hours(24)));
  TC_ASSIGN_OR_RETURN(o.max_results, source.get_int("SCREENER_MAX_RESULTS", 1000, 1, 1000000));
  return o;
}

}  // namespace tc::services
