#include "core/elastic_pool.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <system_error>
#include <thread>

namespace tc {

// Shared with the threads, so that a thread detached by stop() never touches freed memory.
struct ElasticPool::Shared {
  ElasticPoolOptions options;
  mutable std::mutex mu;
  std::condition_variable work_cv;  // a task was queued, or stopping
  std::condition_variable done_cv;  // a thread finished a task or exited
  std::deque<Task> tasks;
  int threads = 0;
  int idle = 0;
  int peak = 0;
  bool stopping = false;

  void run_thread() {
    std::unique_lock lock(mu);
    for (;;) {
      if (tasks.empty()) {
        if (stopping) break;
        ++idle;
        bool woke = work_cv.wait_for(lock, options.idle_timeout,
                                     [&] { return !tasks.empty() || stopping; });
        --idle;
        if (!woke) break;  // idle too long
        continue;
      }
      Task task = std::move(tasks.front());
      tasks.pop_front();
      lock.unlock();
      try {
        task();
      } catch (const std::exception& e) {
        spdlog::error("event=task_threw pool={} error=\"{}\"", options.name, e.what());
      } catch (...) {
        spdlog::error("event=task_threw pool={}", options.name);
      }
      task = nullptr;  // release captures before counting the thread idle
      lock.lock();
      done_cv.notify_all();
    }
    --threads;
    done_cv.notify_all();
  }
};

ElasticPool::ElasticPool(ElasticPoolOptions options) : shared_(std::make_shared<Shared>()) {
  shared_->options = std::move(options);
}

ElasticPool::~ElasticPool() { stop(Duration::max()); }

void ElasticPool::post(Task task) {
  Shared& s = *shared_;
  std::lock_guard lock(s.mu);
  if (s.stopping) return;
  s.tasks.push_back(std::move(task));
  // Every queued task needs a thread of its own: wake an idle one or start one.
  if (static_cast<int>(s.tasks.size()) <= s.idle) {
    s.work_cv.notify_one();
    return;
  }
  if (s.threads >= s.options.max_threads) return;  // waits for a busy thread
  try {
    std::thread([shared = shared_] { shared->run_thread(); }).detach();
  } catch (const std::system_error& e) {
    // Out of threads or memory: the task waits for a busy thread to finish its own.
    spdlog::error("event=thread_start_failed pool={} threads={} error=\"{}\"", s.options.name,
                  s.threads, e.what());
    return;
  }
  ++s.threads;
  s.peak = std::max(s.peak, s.threads);
}

int ElasticPool::stop(Duration timeout) {
  Shared& s = *shared_;
  std::unique_lock lock(s.mu);
  s.stopping = true;
  s.work_cv.notify_all();
  auto all_done = [&] { return s.threads == 0; };
  if (timeout == Duration::max()) {
    s.done_cv.wait(lock, all_done);
  } else {
    s.done_cv.wait_for(lock, timeout, all_done);
  }
  return s.threads - s.idle;
}

int ElasticPool::threads() const {
  std::lock_guard lock(shared_->mu);
  return shared_->threads;
}

int ElasticPool::busy() const {
  std::lock_guard lock(shared_->mu);
  return shared_->threads - shared_->idle;
}

int ElasticPool::peak_threads() const {
  std::lock_guard lock(shared_->mu);
  return shared_->peak;
}

}  // namespace tc
