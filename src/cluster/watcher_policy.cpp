#include "cluster/watcher_policy.hpp"

#include <fmt/format.h>

namespace tc::cluster {
namespace {

double seconds(Duration d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

const char* watcher_decision_name(WatcherDecision::Kind kind) {
  switch (kind) {
    case WatcherDecision::Kind::kNone:
      return "none";
    case WatcherDecision::Kind::kAdd:
      return "add_worker";
    case WatcherDecision::Kind::kRemove:
      return "remove_worker";
    case WatcherDecision::Kind::kHold:
      return "hold";
  }
  return "none";
}

std::string lowest_free_worker_name(const std::set<std::string>& taken) {
  for (int n = 1;; ++n) {
    std::string name = "worker-" + std::to_string(n);
    if (!taken.contains(name)) return name;
  }
}

WatcherDecision WatcherPolicy::check(TimePoint now, int pending,
                                     const std::vector<WorkerView>& workers,
                                     const std::set<std::string>& taken) {
  WatcherDecision d;
  d.pending = pending;
  d.workers = static_cast<int>(workers.size());
  std::set<std::string> names = taken;
  for (const WorkerView& w : workers) {
    names.insert(w.name);
    if (w.replicas > 0) {
      idle_since_.erase(w.name);
    } else {
      idle_since_.try_emplace(w.name, now);
    }
  }
  for (auto it = idle_since_.begin(); it != idle_since_.end();) {
    bool present = false;
    for (const WorkerView& w : workers) present = present || w.name == it->first;
    it = present ? std::next(it) : idle_since_.erase(it);
  }
  const bool cooling = last_change_ && now - *last_change_ < options_.cooldown;
  if (pending > options_.pending_threshold) {
    if (d.workers + static_cast<int>(taken.size()) >= options_.max_workers) {
      d.kind = WatcherDecision::Kind::kHold;
      d.reason = fmt::format("{} replicas pending > threshold {}, but {} workers is the maximum",
                             pending, options_.pending_threshold, options_.max_workers);
    } else if (cooling) {
      d.kind = WatcherDecision::Kind::kHold;
      d.reason = fmt::format(
          "{} replicas pending > threshold {}, but cooling down: {:.0f} s of {:.0f} s left",
          pending, options_.pending_threshold, seconds(options_.cooldown - (now - *last_change_)),
          seconds(options_.cooldown));
    } else {
      d.kind = WatcherDecision::Kind::kAdd;
      d.worker = lowest_free_worker_name(names);
      d.reason = fmt::format("{} replicas pending > threshold {} with {} workers (max {})", pending,
                             options_.pending_threshold, d.workers, options_.max_workers);
      last_change_ = now;
    }
    return d;
  }
  if (options_.idle_timeout && pending == 0 && !cooling) {
    for (const auto& [name, since] : idle_since_) {
      if (now - since < *options_.idle_timeout) continue;
      d.kind = WatcherDecision::Kind::kRemove;
      d.worker = name;
      d.reason = fmt::format("{} has run no replica for {:.0f} s (idle timeout {:.0f} s)", name,
                             seconds(now - since), seconds(*options_.idle_timeout));
      idle_since_.erase(name);
      last_change_ = now;
      return d;
    }
  }
  d.reason = fmt::format("{} replicas pending (threshold {}), {} workers", pending,
                         options_.pending_threshold, d.workers);
  return d;
}

}  // namespace tc::cluster
