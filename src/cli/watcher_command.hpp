// `tradecluster watcher start | stop | status` (the seed's start-watcher, stop-watcher,
// watcher-status) and `tradecluster add-worker`: the node autoscaler of a cluster run from this
// directory. The watcher asks the head every check interval how many replicas are pending and
// what each worker runs, decides with cluster::WatcherPolicy, acts through its provider, and
// reports each decision with its numbers as an event on the head's control API (status shows
// it) and in data/watcher.json.
//
// Providers: `local` spawns node processes here (as `cluster start` does); `command` runs a
// user's command template, `{name}` and `{address}` replaced (e.g. `kubectl scale …` or a
// cloud's CLI), and `--remove-command` to remove one; `docker` runs the image built from
// deploy/Dockerfile on the network ray-cluster when a Docker engine exists.
#pragma once

#include <optional>
#include <string>

namespace tc::cli {

struct WatcherFlags {
  std::string action;  // start, stop, status
  std::string dir = ".";
  std::string env_file;
  double check_interval = 120;
  int pending_threshold = 5;
  int max_workers = 10;
  double cooldown = 300;
  std::optional<double> idle_timeout;
  std::string provider = "local";             // local, command, docker
  std::string command;                        // command: adds a worker
  std::string remove_command;                 // command: removes one
  std::string image = "tradecluster:latest";  // docker
  std::string num_cpus = "2";
  std::string object_store_memory = "2GB";
  bool foreground = false;
  bool json = false;
};

int run_watcher(const WatcherFlags& flags);
// Adds one worker now (local), with the lowest free index; waits until the head has it.
int run_add_worker(const WatcherFlags& flags);

}  // namespace tc::cli
