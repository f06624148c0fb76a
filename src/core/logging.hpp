// Logging: spdlog loggers writing structured `key=value` lines. The process logger (spdlog's
// default) writes to a file under the log directory and to stderr; the access logger writes one
// line per HTTP request to access.log only, buffered and flushed every second, so that request
// lines stay off the terminal and cheap. Both files rotate by size (spdlog's rotating sink:
// access.log, access.1.log, ...), so overload cannot fill the disk. Messages name an event first
// ("event=replica_started ...").
// Thread-safety: spdlog loggers are thread-safe.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

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
  std::string access_level = "info";  // "off" turns the access log off
  size_t max_file_bytes = 64 << 20;   // rotate each file past this size
  size_t max_files = 3;               // rotated files kept beside the current one
};

// True for the level names a log accepts: trace, debug, info, warn, error, off.
bool is_log_level(std::string_view name);

// Installs the process logger as spdlog's default and registers the access logger; both are
// flushed every second (and the process log at once on warnings). Fails when the directory
// cannot be made or a level is unknown.
Status init_logging(const LogOptions& options);

// The access logger; a logger that drops everything until init_logging() ran. Its lines are
// written whole by AccessLogBatch (the logger adds nothing but the line end).
spdlog::logger& access_logger();

// One event loop's access-log lines, handed to the access logger in batches — one call and one
// lock of the file per batch rather than per request. Each line is "<UTC time> <message>".
// Not thread-safe: one per event loop; call flush() at least every half second (and at stop).
class AccessLogBatch {
 public:
  // True when the access logger takes info lines; false before init_logging() or when off.
  static bool enabled();
  // Starts a line (its timestamp) and returns the buffer to append the message to.
  std::string& begin_line();
  // Ends the line; hands the batch over once it is large.
  void end_line();
  // Hands over what is buffered and flushes the file.
  void flush();

 private:
  void hand_over();

  std::string buffer_;
  int64_t stamp_second_ = -1;
  std::string stamp_;  // "2026-11-26T07:30:04" of stamp_second_
};

}  // namespace tc
