// Logging: spdlog loggers writing structured `key=value` lines. The process logger (spdlog's
// default) writes to a file under the log directory and to stderr; the access logger writes one
// line per HTTP request to access.log only, buffered, so that request lines stay off the
// terminal and cheap. Messages name an event first ("event=replica_started ...").
// Thread-safety: spdlog loggers are thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "core/status.hpp"

namespace spdlog {
class logger;
}

namespace tc {

struct LogOptions {
  std::filesystem::path directory;  // empty: stderr only
  std::string file_name = "tradecluster.log";
  std::string level = "info";  // trace, debug, info, warn, error
  bool to_stderr = true;
};

// Installs the process logger as spdlog's default and registers the access logger. Fails when
// the directory cannot be made or the level is unknown.
Status init_logging(const LogOptions& options);

// The access logger; a logger that drops everything until init_logging() ran.
spdlog::logger& access_logger();

}  // namespace tc
