#include "serve/event_log.hpp"

#include <spdlog/spdlog.h>

namespace tc::serve {

void EventLog::add(ScalingEvent event) {
  spdlog::info("event={} deployment={} from={} to={} load={} replica={} reason=\"{}\"", event.kind,
               event.deployment, event.from, event.to, event.load, event.replica, event.reason);
  std::lock_guard lock(mu_);
  events_.push_back(std::move(event));
  if (events_.size() > capacity_) events_.pop_front();
}

std::vector<ScalingEvent> EventLog::recent(size_t limit) const {
  std::lock_guard lock(mu_);
  size_t n = std::min(limit, events_.size());
  return {events_.end() - static_cast<std::ptrdiff_t>(n), events_.end()};
}

}  // namespace tc::serve
