// WatcherPolicy: the node autoscaler's decisions, as the seed's cluster watcher makes them — add
// one worker when more replicas are pending (unplaceable for lack of resources) than the
// threshold, at most max_workers and no sooner than the cooldown after the last change; remove a
// worker that has run no replica for the idle timeout (when one is set and nothing is pending).
// A pure function of what each check sees, so that every decision can be tested and explained.
// Not thread-safe: one watcher owns it.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/clock.hpp"

namespace tc::cluster {

struct WatcherOptions {
  Duration check_interval = std::chrono::seconds(120);
  int pending_threshold = 5;
  int max_workers = 10;
  Duration cooldown = std::chrono::seconds(300);
  std::optional<Duration> idle_timeout;  // none: workers are never removed
};

struct WorkerView {
  std::string name;
  int replicas = 0;  // placed on it (starting, running or draining)
};

struct WatcherDecision {
  enum class Kind { kNone, kAdd, kRemove, kHold };  // hold: it would add, but may not yet
  Kind kind = Kind::kNone;
  std::string worker;  // to add or remove
  int pending = 0;
  int workers = 0;
  std::string reason;  // in words, with the numbers
};

const char* watcher_decision_name(WatcherDecision::Kind kind);

class WatcherPolicy {
 public:
  explicit WatcherPolicy(WatcherOptions options) : options_(options) {}
  const WatcherOptions& options() const { return options_; }

  // One check at `now`. `taken` holds names in use that are not alive workers (workers still
  // starting), so that a new worker gets the lowest free index.
  WatcherDecision check(TimePoint now, int pending, const std::vector<WorkerView>& workers,
                        const std::set<std::string>& taken = {});

 private:
  const WatcherOptions options_;
  std::optional<TimePoint> last_change_;
  std::map<std::string, TimePoint> idle_since_;
};

// "worker-N" with the lowest N >= 1 not in `taken`.
std::string lowest_free_worker_name(const std::set<std::string>& taken);

}  // namespace tc::cluster
