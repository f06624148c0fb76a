// ServiceContext: what every service's replicas are given by the node, as interfaces — their
// stores, the cache, the bar series held in memory, the bus, the market-data sources, the job
// registry and runner, the clock, and the runtime (to report their own deployment's status).
// Services never see which implementation stands behind an interface. The node owns all of it and
// outlives the replicas.
#pragma once

#include <cstdint>
#include <string>

#include "cluster/bus.hpp"
#include "core/clock.hpp"
#include "market/source_registry.hpp"
#include "serve/job_registry.hpp"
#include "serve/job_runner.hpp"
#include "serve/serve_runtime.hpp"
#include "services/common/bar_series_cache.hpp"
#include "storage/cache.hpp"
#include "storage/store.hpp"

namespace tc::services {

struct ServiceContext {
  const Clock& clock;
  storage::Store& store;  // catalog(), instruments(), ticks(), bars(), ...
  storage::Cache& cache;
  BarSeriesCache& series;  // bar series in memory, shared by the node's replicas
  cluster::Bus& bus;
  const market::SourceRegistry& sources;
  serve::JobRegistry& jobs;
  serve::JobRunner& runner;
  const serve::ServeRuntime& runtime;
  std::string node;        // this node's name, the owner of the jobs it runs
  int64_t started_at = 0;  // the node's start, UTC nanoseconds
};

}  // namespace tc::services
