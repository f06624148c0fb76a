// ServiceContext: what every service's replicas are given by the node, as interfaces — their
// stores, the cache, the bar series held in memory, the bus, the market-data sources, the job
// registry and runner, the clock, and where to learn their own deployment's status (the head's
// controller holds it; a worker node asks the head).
// Services never see which implementation stands behind an interface. The node owns all of it and
// outlives the replicas.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "cluster/bus.hpp"
#include "core/clock.hpp"
#include "market/source_registry.hpp"
#include "serve/job_registry.hpp"
#include "serve/job_runner.hpp"
#include "services/common/bar_series_cache.hpp"
#include "storage/cache.hpp"
#include "storage/store.hpp"

namespace tc::services {

// A deployment's status as its controller knows it: the state ("healthy", "degraded", ...) and
// the whole DeploymentStatus as JSON.
struct DeploymentSummary {
  std::string status;
  std::string json;
};
// The summary of the deployment named, or nothing when it is not known (or cannot be asked).
using DeploymentStatusSource = std::function<std::optional<DeploymentSummary>(std::string_view)>;

struct ServiceContext {
  const Clock& clock;
  storage::Store& store;  // catalog(), instruments(), ticks(), bars(), ...
  storage::Cache& cache;
  BarSeriesCache& series;  // bar series in memory, shared by the node's replicas
  cluster::Bus& bus;
  const market::SourceRegistry& sources;
  serve::JobRegistry& jobs;
  serve::JobRunner& runner;
  DeploymentStatusSource deployment_status;
  // Set on a worker node: runs a call of its service on the head, which holds the import
  // directory (CSV imports). Empty on the head and on a single node.
  std::function<serve::Response(int route_id, const serve::Request&)> on_head;
  std::string node;        // this node's name, the owner of the jobs it runs
  int64_t started_at = 0;  // the node's start, UTC nanoseconds
};

}  // namespace tc::services
