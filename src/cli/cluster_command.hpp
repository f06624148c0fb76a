// `tradecluster cluster start | stop | restart | logs` (and the seed's start-ray, stop-ray,
// restart-ray, logs-ray): a whole cluster on this machine — nats-server, the head and N workers
// as local processes, each with its own data directory (./data/<node>) and log
// (./logs/<node>.log); with --with-infra on PostgreSQL and Redis too. `cluster status` is the
// head's status (main.cpp).
#pragma once

#include <set>
#include <string>
#include <vector>

#include "cli/control_client.hpp"
#include "infra/infra.hpp"

namespace tc::cli {

struct NodeResources {
  std::string num_cpus = "2";
  std::string object_store_memory = "2GB";
};

// Starts a node of the cluster of `s`'s directory in the background: the head, or worker `node`,
// with its data in data/<node>, its log in logs/<node>.log and its pid in data/<node>.pid.
Status spawn_node(const infra::InfraSettings& s, const std::string& node, bool head,
                  const NodeResources& resources, const std::string& env_file);
// Stops it (SIGTERM: it drains and leaves the cluster); ok when it was not running.
Status stop_node(const infra::InfraSettings& s, const std::string& node);
// The workers of this directory whose processes run.
std::set<std::string> local_workers_running(const infra::InfraSettings& s);
// The head's control API, as the directory's settings name it.
Result<ControlClient> head_client(const infra::InfraSettings& s, const std::string& env_file);

struct ClusterFlags {
  std::string action;  // start, stop, restart, logs
  std::string dir = ".";
  std::string env_file;  // default <dir>/.env
  int num_workers = 2;
  std::string num_cpus = "2";
  std::string object_store_memory = "2GB";
  bool with_infra = false;
  bool explicit_start_flags = false;  // restart: the flags given override the saved ones
  std::vector<std::string> services;  // logs: head, worker-N (default: all)
  bool follow = false;
  int lines = 50;
};

// Returns the process's exit code.
int run_cluster(const ClusterFlags& flags);

}  // namespace tc::cli
