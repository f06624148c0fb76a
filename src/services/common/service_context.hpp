// ServiceContext: what every service's replicas are given by the node — the catalog, the jobs
// registry, the clock, and the runtime (to report their own deployment's status). The node owns
// all of it and outlives the replicas.
#pragma once

#include <cstdint>

#include "core/clock.hpp"
#include "serve/job_registry.hpp"
#include "serve/serve_runtime.hpp"
#include "storage/catalog_store.hpp"

namespace tc::services {

struct ServiceContext {
  const Clock& clock;
  storage::CatalogStore& catalog;
  serve::JobRegistry& jobs;
  const serve::ServeRuntime& runtime;
  int64_t started_at = 0;  // the node's start, UTC nanoseconds
};

}  // namespace tc::services
