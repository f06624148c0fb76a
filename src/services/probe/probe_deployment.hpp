// The probe deployment: a handler that sleeps or fails on request, for exercising the serve
// runtime end to end — overload, queueing, deadlines, autoscaling and replica replacement —
// in integration tests and benchmarks. Off unless TC_PROBE_DEPLOYMENT=1; configured by PROBE_*
// variables like the other deployments.
//
//   GET  /api/probe/sleep?ms=N   holds a replica slot for N ms (at most 60000), then answers
//   POST /api/probe/crash        throws: the replica is replaced
#pragma once

#include "serve/replica_handler.hpp"

namespace tc::services {

serve::DeploymentSpec make_probe_deployment();

}  // namespace tc::services
