// Executor: somewhere to run a task later. ThreadPool is a fixed pool of threads (the bus's
// delivery); ElasticPool (elastic_pool.hpp) runs every task at once on a thread of its own (the
// serve runtime's); InlineExecutor runs a task at once on the caller's thread (tests).
// Thread-safety: post() may be called from any thread.
#pragma once

#include <functional>
#include <memory>

namespace tc {

using Task = std::function<void()>;

class Executor {
 public:
  virtual ~Executor() = default;
  virtual void post(Task task) = 0;
};

class InlineExecutor final : public Executor {
 public:
  void post(Task task) override { task(); }
};

// A fixed pool of threads over asio's thread_pool. stop() waits for queued tasks to finish and
// is idempotent; the destructor stops.
class ThreadPool final : public Executor {
 public:
  explicit ThreadPool(int threads);
  ~ThreadPool() override;
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  void post(Task task) override;
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tc
