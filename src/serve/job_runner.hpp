// JobRunner: runs jobs (crawls, streams, algorithm runs) in the background on a pool of its own,
// so that long work never holds a request slot or starves health checks.
//
// submit() creates the job in the registry, listens on its stop subject, and starts the work on
// a thread of the runner's ElasticPool. The work is a function of a JobContext: it reports
// progress and asks should_stop() between steps. A stop request (the bus subject) or the job's
// time limit moves the job to stopping; the work then returns what it has, and only once it has
// returned — so nothing is written after — the runner ends the job as stopped or timed_out with
// that partial result. Work that returns normally succeeds; work that returns an error (or
// throws) fails with it.
//
// At node start, fail_interrupted() ends the jobs a dead process left active.
// Thread-safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "cluster/bus.hpp"
#include "core/clock.hpp"
#include "core/elastic_pool.hpp"
#include "core/json.hpp"
#include "serve/job_registry.hpp"

namespace tc::serve {

struct JobSpec {
  std::string kind;  // "crawl", "stream", "algorithm_run"
  std::string service;
  json::value params;
  JobOwner owner;
  int max_active = 1;  // of this kind, across the cluster
  Duration timeout = std::chrono::hours(1);
};

// What a job's work sees. Not thread-safe: used by the work's own thread.
class JobContext {
 public:
  const std::string& id() const { return id_; }
  // True once a stop was requested or the time limit has passed: the work should return what
  // it has at once and write nothing more.
  bool should_stop();
  // Reports progress in 0..1; stored at most every 250 ms and whenever it reaches 1.
  void set_progress(double fraction);
  // Stores what the job has done so far as its result while it runs (a stream's counts), at
  // most once a second unless `now`.
  void report(const json::value& so_far, bool now = false);

 private:
  friend class JobRunner;
  struct Shared;
  JobContext(std::string id, std::shared_ptr<Shared> shared, JobRegistry& registry,
             const Clock& clock)
      : id_(std::move(id)), shared_(std::move(shared)), registry_(registry), clock_(clock) {}

  std::string id_;
  std::shared_ptr<Shared> shared_;
  JobRegistry& registry_;
  const Clock& clock_;
  std::optional<TimePoint> last_progress_;
  std::optional<TimePoint> last_report_;
};

// The work of a job: its result (partial when stopped), or the error it fails with.
using JobWork = std::function<Result<json::value>(JobContext&)>;

class JobRunner {
 public:
  JobRunner(JobRegistry& registry, cluster::Bus& bus, const Clock& clock);
  // Stops every job and waits for them (see stop()).
  ~JobRunner();
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // Creates the job and starts `work` in the background; returns the job as created (pending).
  // resource_exhausted when spec.max_active jobs of its kind are active; unavailable once the
  // runner is stopping.
  Result<storage::JobRecord> submit(JobSpec spec, JobWork work);
  // Takes up again a job this node left active (a stream after a restart): runs `work` for it
  // under its existing id. A job left stopping is ended as stopped instead, and `work` is not
  // run. unavailable once the runner is stopping.
  Status resume(const storage::JobRecord& job, Duration timeout, JobWork work);
  // The job once it has ended, or as it stands at `deadline`.
  Result<storage::JobRecord> wait(const std::string& id, TimePoint deadline);
  // Ends the active jobs of `kinds` owned by `node` — left by a process that died — as failed
  // with "interrupted by a restart". Returns how many.
  Result<int> fail_interrupted(const std::string& node, const std::vector<std::string>& kinds);
  // Refuses new jobs, asks every running job to stop, and waits up to `timeout` for them to
  // end. Jobs of `resumable_kinds` (streams) stop their work but stay running in the store, so
  // that the next start resumes them. Returns how many jobs were still running. Idempotent.
  int stop(Duration timeout, const std::vector<std::string>& resumable_kinds = {});
  // Jobs whose work is running in this process.
  int running() const;

 private:
  struct Entry;
  // Registers `id` as running here, listening on its stop subject.
  Result<std::shared_ptr<Entry>> attach(const std::string& id, const std::string& kind,
                                        Duration timeout);
  void run(const std::shared_ptr<Entry>& entry, JobWork work, bool resumed);

  JobRegistry& registry_;
  cluster::Bus& bus_;
  const Clock& clock_;
  ElasticPool pool_;

  mutable std::mutex mu_;
  std::condition_variable ended_;
  std::map<std::string, std::shared_ptr<Entry>> entries_;  // jobs whose work has not returned
  bool stopping_ = false;
};

}  // namespace tc::serve
