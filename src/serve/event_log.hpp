// EventLog: the most recent ScalingEvents, bounded. Thread-safe (one mutex).
#pragma once

#include <deque>
#include <mutex>
#include <vector>

#include "serve/scaling_event.hpp"

namespace tc::serve {

class EventLog {
 public:
  explicit EventLog(size_t capacity = 500) : capacity_(capacity) {}

  void add(ScalingEvent event);
  // Newest last; at most `limit` events.
  std::vector<ScalingEvent> recent(size_t limit) const;

 private:
  const size_t capacity_;
  mutable std::mutex mu_;
  std::deque<ScalingEvent> events_;
};

}  // namespace tc::serve
