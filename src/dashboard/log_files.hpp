// LogFiles: the node logs of the log directory for the dashboard's Logs page. A cluster started
// by `tradecluster cluster start` writes every node's log there (logs/<node>.log), so the head
// shows each of them; a node started alone shows its own (and the access log, and the watcher's).
//
//   list()                  the logs: node, size, last write
//   tail(node, n, filter)   the last n lines that contain `filter` (any case)
//   follow(node, filter)    a stream of the lines written from now on that contain it
//
// A log is named by its node only, never by a path, so no request reaches another file.
// Thread-safety: every method is safe from any thread.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "core/stoppable_thread.hpp"
#include "net/event_stream.hpp"

namespace tc::dashboard {

struct LogFile {
  std::string node;  // the file's name without ".log"
  std::filesystem::path path;
  uint64_t size = 0;
  int64_t modified = 0;  // UTC nanoseconds
};

class LogFiles {
 public:
  explicit LogFiles(std::filesystem::path dir,
                    Duration poll_interval = std::chrono::milliseconds(250));
  ~LogFiles();

  // The current logs, by node name (rotated copies, <node>.<n>.log, are left out).
  std::vector<LogFile> list() const;
  // Filters are at most this long (invalid_argument beyond).
  static constexpr size_t kMaxFilter = 256;

  // {"node", "lines": [...]}: oldest first, at most `lines` (up to 5000), read from at most the
  // last 16 MiB of the file. not_found for a node without a log.
  Result<std::string> tail(std::string_view node, size_t lines, std::string_view filter) const;
  // Events `line` (data: the line as a JSON string) as lines are appended; a rotated log is
  // followed into its new file. not_found for a node without a log.
  Result<std::shared_ptr<net::EventStream>> follow(std::string_view node, std::string filter);

 private:
  struct Follower;
  class Stream;
  Result<LogFile> find(std::string_view node) const;
  void poll();

  std::filesystem::path dir_;
  Duration poll_interval_;
  std::mutex mu_;
  std::vector<std::shared_ptr<Follower>> followers_;
  std::unique_ptr<StoppableThread> thread_;  // polls while someone follows
};

// True when `line` contains `filter`, ignoring ASCII case; an empty filter matches all.
bool contains_ignoring_case(std::string_view line, std::string_view filter);

}  // namespace tc::dashboard
