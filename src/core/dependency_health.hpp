// DependencyHealth: the last check of each server a node depends on — PostgreSQL when it is the
// store, Redis when it is the cache — as the node's checker records it (every 10 s by default, as
// the seed checks with pg_isready and redis-cli ping) and /health and status report it. A
// required dependency that is down makes the node unhealthy (/health 503: it cannot store
// anything); an optional one makes it degraded (it keeps answering).
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace tc {

struct DependencyCheck {
  std::string name;     // "postgres", "redis"
  std::string address;  // where it is expected, without credentials
  bool required = false;
  bool ok = true;          // up until a check says otherwise
  std::string message;     // why it is down
  int64_t checked_at = 0;  // UTC nanoseconds; 0 before the first check

  bool operator==(const DependencyCheck&) const = default;
};

class DependencyHealth {
 public:
  // Declares a dependency; before the node starts checking.
  void add(std::string name, std::string address, bool required) {
    std::lock_guard lock(mu_);
    checks_.push_back({std::move(name), std::move(address), required, true, "", 0});
    version_.fetch_add(1);
  }
  void record(const std::string& name, const Status& result, int64_t now) {
    std::lock_guard lock(mu_);
    for (DependencyCheck& c : checks_) {
      if (c.name != name) continue;
      bool changed = c.ok != result.is_ok() || c.message != result.message();
      c.ok = result.is_ok();
      c.message = result.is_ok() ? "" : result.message();
      c.checked_at = now;
      if (changed) version_.fetch_add(1);
    }
  }
  std::vector<DependencyCheck> checks() const {
    std::lock_guard lock(mu_);
    return checks_;
  }
  // Changes whenever a dependency goes up or down: for readers that cache what they render.
  uint64_t version() const { return version_.load(); }

 private:
  mutable std::mutex mu_;
  std::vector<DependencyCheck> checks_;
  std::atomic<uint64_t> version_{0};
};

}  // namespace tc
