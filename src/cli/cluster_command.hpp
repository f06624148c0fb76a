// `tradecluster cluster start | stop | restart | logs` (and the seed's start-ray, stop-ray,
// restart-ray, logs-ray): a whole cluster on this machine — nats-server, the head and N workers
// as local processes, each with its own data directory (./data/<node>) and log
// (./logs/<node>.log); with --with-infra on PostgreSQL and Redis too. `cluster status` is the
// head's status (main.cpp).
#pragma once

#include <string>
#include <vector>

namespace tc::cli {

struct ClusterFlags {
  std::string action;  // start, stop, restart, logs
  std::string dir = ".";
  std::string env_file;  // default <dir>/.env
  int num_workers = 2;
  std::string num_cpus = "2";
  std::string object_store_memory = "2GB";
  bool with_infra = false;
  std::vector<std::string> services;  // logs: head, worker-N (default: all)
  bool follow = false;
  int lines = 50;
};

// Returns the process's exit code.
int run_cluster(const ClusterFlags& flags);

}  // namespace tc::cli
