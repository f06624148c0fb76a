#include "services/tickscrawler/tickscrawler_options.hpp"

namespace tc::services {

Result<TickscrawlerOptions> TickscrawlerOptions::load(const ConfigSource& source) {
  TickscrawlerOptions o;
  TC_ASSIGN_OR_RETURN(o.max_crawls, source.get_int("TICKSCRAWLER_MAX_CRAWLS", 10, 1, 10000));
  TC_ASSIGN_OR_RETURN(o.timeout,
                      source.get_seconds("TICKSCRAWLER_TIMEOUT", std::chrono::seconds(300),
                                         std::chrono::seconds(1), std::chrono::hours(24)));
  TC_ASSIGN_OR_RETURN(o.max_streams, source.get_int("TICKSCRAWLER_MAX_STREAMS", 20, 1, 10000));
  return o;
}

}  // namespace tc::services
