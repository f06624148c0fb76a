// ElasticPool: an executor that runs every task it is given at once, on a thread of its own.
//
// post() hands the task to an idle thread, or starts a new thread when none is idle; a thread
// idle for `idle_timeout` exits. So the pool has as many threads as tasks running at once and no
// task waits behind another. That is what the serve runtime needs: admission (each replica's
// max_ongoing_requests) is what bounds concurrency, never the pool behind it. `max_threads` is a
// guard against runaway growth, not a tuning knob: past it tasks wait for a thread.
//
// stop() refuses new tasks and waits up to a timeout for the running ones; threads still busy
// after it are detached and counted, so a stuck task can delay stopping but never hang it.
// Thread-safety: every method may be called from any thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "core/clock.hpp"
#include "core/executor.hpp"

namespace tc {

struct ElasticPoolOptions {
  std::string name = "pool";  // for logs
  int max_threads = 4096;
  Duration idle_timeout = std::chrono::seconds(30);
};

class ElasticPool final : public Executor {
 public:
  explicit ElasticPool(ElasticPoolOptions options = {});
  // Stops, waiting for running tasks without limit.
  ~ElasticPool() override;
  ElasticPool(const ElasticPool&) = delete;
  ElasticPool& operator=(const ElasticPool&) = delete;

  // Runs `task` now on an idle or new thread. After stop() the task is dropped.
  void post(Task task) override;
  // Refuses new tasks and waits until queued and running tasks are done or `timeout` passes.
  // Returns how many tasks were still running; their threads are detached and must only touch
  // objects that outlive the process's stop. Idempotent: a second call waits again.
  int stop(Duration timeout);

  int threads() const;       // alive now
  int busy() const;          // running a task now
  int peak_threads() const;  // most threads alive at once

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
};

}  // namespace tc
