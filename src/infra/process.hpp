// Processes of the local infrastructure: running a program to its end (initdb, pg_ctl, psql,
// apt-get), starting a server that outlives the command (nats-server, php), finding it again by
// its pid file, and stopping it. A program can run as another user (`runuser -u postgres`), as
// PostgreSQL's tools require when the caller is root.
// Thread-safety: plain functions; each call forks its own child.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/status.hpp"

namespace tc::infra {

struct RunOptions {
  std::string as_user;  // run through `runuser -u USER --` (only as root); empty: as the caller
  std::vector<std::pair<std::string, std::string>> env;  // added to the environment
  std::filesystem::path cwd;                             // empty: the caller's
  bool quiet = true;  // capture the output (returned); false: it goes to the terminal
};

struct RunResult {
  int exit_code = 0;
  std::string output;  // stdout and stderr, when captured
};

// Runs `argv` to its end. unavailable when it cannot be started (not installed).
Result<RunResult> run(const std::vector<std::string>& argv, const RunOptions& options = {});

// Runs `argv` and fails with its output when it exits non-zero: "<what> failed: <output>".
Status run_checked(const std::string& what, const std::vector<std::string>& argv,
                   const RunOptions& options = {});

// Starts `argv` in a session of its own, detached from the terminal, its output appended to
// `log`, and writes its pid to `pid_file`. Returns the pid.
Result<pid_t> spawn_detached(const std::vector<std::string>& argv, const std::filesystem::path& log,
                             const std::filesystem::path& pid_file);

// True while process `pid` exists and is not a zombie waiting for its parent.
bool process_alive(pid_t pid);

// The pid in `pid_file` when that process is alive; nullopt otherwise.
std::optional<pid_t> running_pid(const std::filesystem::path& pid_file);

// Sends SIGTERM and waits up to `grace` for the process to go; then SIGKILL. True when it went.
bool terminate(pid_t pid, Duration grace);

// The first of `candidates` that exists and is executable.
std::optional<std::filesystem::path> find_program(
    const std::vector<std::filesystem::path>& candidates);

// True when the current user is root.
bool is_root();

}  // namespace tc::infra
