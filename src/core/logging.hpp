// Logging: one spdlog logger per process, writing structured `key=value` lines to a file under
// the log directory and to stderr. Messages name an event first ("event=replica_started ...").
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

// Installs the process logger as spdlog's default. Fails when the directory cannot be made or
// the level is unknown.
Status init_logging(const LogOptions& options);

}  // namespace tc
