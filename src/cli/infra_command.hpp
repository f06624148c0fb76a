// `tradecluster infra start | stop | restart | status | logs | info | cleanup`, the seed's
// infra.py *-infra verbs: PostgreSQL, Redis, nats-server and Adminer as local processes.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "infra/infra.hpp"

namespace tc::cli {

struct InfraFlags {
  std::string action;                 // start, stop, restart, status, logs, info, cleanup
  std::string dir = ".";              // where postgres/, redis/, nats/, adminer/ and logs/ live
  std::string env_file;               // default <dir>/.env
  std::vector<std::string> services;  // empty: all
  bool follow = false;                // logs
  int lines = 50;                     // logs
  bool json = false;                  // status
  bool yes = false;                   // cleanup without asking
};

// Runs one action; returns the process's exit code.
int run_infra(const InfraFlags& flags);

// The settings of `dir` (its .env, or `env_file`), for `start --with-infra`.
Result<infra::InfraSettings> infra_settings(const std::string& dir, const std::string& env_file);

// Starts every service with progress on stderr and waits until each answers.
Status start_infra(const infra::InfraSettings& settings);
Status stop_infra(const infra::InfraSettings& settings);

// Prints the last `lines` lines of each (name, path) log, then, when following, what is appended
// to any of them (prefixed by its name when there are several) until interrupted.
int print_log_files(const std::vector<std::pair<std::string, std::filesystem::path>>& files,
                    int lines, bool follow);

}  // namespace tc::cli
