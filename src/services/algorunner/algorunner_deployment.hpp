// The algorunner deployment: executes trading algorithms (runs are jobs), lists the algorithms
// it knows, and stops runs. Its routes are the seed's /api/algorunner/* plus the run listing.
#pragma once

#include "serve/replica_handler.hpp"
#include "services/algorunner/algorunner_options.hpp"
#include "services/common/service_context.hpp"

namespace tc::services {

serve::DeploymentSpec make_algorunner_deployment(const ServiceContext& ctx,
                                                 AlgorunnerOptions options);

}  // namespace tc::services
