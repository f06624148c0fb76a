// TickscrawlerOptions: the tickscrawler's service limits, from the seed's environment variables.
#pragma once

#include "core/config_source.hpp"

namespace tc::services {

struct TickscrawlerOptions {
  int max_crawls = 10;                           // TICKSCRAWLER_MAX_CRAWLS
  Duration timeout = std::chrono::seconds(300);  // TICKSCRAWLER_TIMEOUT (per crawl)
  int max_streams = 20;                          // TICKSCRAWLER_MAX_STREAMS

  static Result<TickscrawlerOptions> load(const ConfigSource& source);
};

}  // namespace tc::services
