// The tickscrawler deployment: collects tick data (crawls), streams it live and serves history.
// Its routes are the seed's /api/tickscrawler/* plus the crawl and stream listings.
#pragma once

#include "serve/replica_handler.hpp"
#include "services/common/service_context.hpp"
#include "services/tickscrawler/tickscrawler_options.hpp"

namespace tc::services {

serve::DeploymentSpec make_tickscrawler_deployment(const ServiceContext& ctx,
                                                   TickscrawlerOptions options);

}  // namespace tc::services
