// StoppableThread: a thread that runs a body until the body returns or the object is destroyed;
// destruction asks the body to stop and joins it. The body waits with StopSignal::wait_for,
// which returns early (false) once a stop is asked, so a stop takes effect at once.
// Thread-safety: StopSignal is thread-safe; the thread object is owned by one thread.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>

#include "core/clock.hpp"

namespace tc {

class StopSignal {
 public:
  bool stopped() const {
    std::lock_guard lock(mu_);
    return stopped_;
  }
  // Waits `d` (real time); true when it passed, false when a stop came first.
  bool wait_for(Duration d) {
    std::unique_lock lock(mu_);
    return !cv_.wait_for(lock, d, [&] { return stopped_; });
  }
  void stop() {
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
    }
    cv_.notify_all();
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopped_ = false;
};

class StoppableThread {
 public:
  explicit StoppableThread(std::function<void(StopSignal&)> body)
      : thread_([this, body = std::move(body)] { body(signal_); }) {}
  ~StoppableThread() {
    signal_.stop();
    thread_.join();
  }
  StoppableThread(const StoppableThread&) = delete;
  StoppableThread& operator=(const StoppableThread&) = delete;

 private:
  StopSignal signal_;
  std::thread thread_;  // last: it starts once the signal exists
};

}  // namespace tc
