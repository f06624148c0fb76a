// The screener deployment: filters instruments with expressions and gives a market overview.
// Its routes are the seed's /api/screener/*.
#pragma once

#include "serve/replica_handler.hpp"
#include "services/common/service_context.hpp"
#include "services/screener/screener_options.hpp"

namespace tc::services {

serve::DeploymentSpec make_screener_deployment(const ServiceContext& ctx, ScreenerOptions options);

}  // namespace tc::services
