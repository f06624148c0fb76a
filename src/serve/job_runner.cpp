#include "serve/job_runner.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

namespace tc::serve {

using storage::JobRecord;
using storage::JobState;

// Shared between the work's context, the stop subscription and the runner.
struct JobContext::Shared {
  TimePoint deadline;
  Duration timeout;
  std::atomic<bool> stop_requested{false};
  std::atomic<bool> timed_out{false};
  std::atomic<bool> detached{false};  // the node is stopping: leave the job for the next start
};

struct JobRunner::Entry {
  std::string id;
  std::string kind;
  std::shared_ptr<JobContext::Shared> shared;
  std::unique_ptr<cluster::Subscription> stop_subscription;
};

bool JobContext::should_stop() {
  if (shared_->stop_requested.load() || shared_->timed_out.load()) return true;
  if (clock_.now() < shared_->deadline) return false;
  shared_->timed_out = true;
  double seconds = std::chrono::duration<double>(shared_->timeout).count();
  (void)registry_.begin_stop(id_, "timed_out",
                             "timed out after " + std::to_string(static_cast<int64_t>(seconds)) +
                                 " s (the job's time limit)");
  return true;
}

void JobContext::set_progress(double fraction) {
  TimePoint now = clock_.now();
  if (fraction < 1.0 && last_progress_ && now - *last_progress_ < std::chrono::milliseconds(250)) {
    return;
  }
  last_progress_ = now;
  (void)registry_.set_progress(id_, fraction);
}

void JobContext::report(const json::value& so_far, bool now) {
  TimePoint t = clock_.now();
  if (!now && last_report_ && t - *last_report_ < std::chrono::seconds(1)) return;
  last_report_ = t;
  (void)registry_.record_result(id_, so_far);
}

JobRunner::JobRunner(JobRegistry& registry, cluster::Bus& bus, const Clock& clock)
    : registry_(registry),
      bus_(bus),
      clock_(clock),
      pool_(ElasticPoolOptions{.name = "jobs", .max_threads = 4096}) {}

JobRunner::~JobRunner() { stop(std::chrono::seconds(30)); }

Result<JobRecord> JobRunner::submit(JobSpec spec, JobWork work) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return unavailable("the node is stopping: no new jobs");
  }
  auto job = registry_.create(spec.kind, spec.service, spec.params, spec.owner, spec.max_active);
  if (!job) return job.status();
  auto entry = attach(job->id, spec.kind, spec.timeout);
  if (!entry) {
    (void)registry_.end(job->id, JobState::kFailed, nullptr, entry.status());
    return entry.status();
  }
  pool_.post([this, entry = *entry, work = std::move(work)]() mutable {
    run(entry, std::move(work), false);
  });
  return job;
}

Status JobRunner::resume(const JobRecord& job, Duration timeout, JobWork work) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return unavailable("the node is stopping: no jobs resume");
  }
  if (job.state == JobState::kStopping) {
    return registry_.end(job.id, JobState::kStopped, nullptr);
  }
  auto entry = attach(job.id, job.kind, timeout);
  if (!entry) return entry.status();
  pool_.post([this, entry = *entry, work = std::move(work)]() mutable {
    run(entry, std::move(work), true);
  });
  return Status::ok();
}

Result<std::shared_ptr<JobRunner::Entry>> JobRunner::attach(const std::string& id,
                                                            const std::string& kind,
                                                            Duration timeout) {
  auto entry = std::make_shared<Entry>();
  entry->id = id;
  entry->kind = kind;
  entry->shared = std::make_shared<JobContext::Shared>();
  entry->shared->timeout = timeout;
  entry->shared->deadline = clock_.now() + timeout;
  // Listening before anyone can know the id, so no stop request is missed.
  auto shared = entry->shared;
  auto sub =
      bus_.subscribe(JobRegistry::stop_subject(id), "", [this, shared](const cluster::Message& m) {
        shared->stop_requested = true;
        if (!m.reply_to.empty()) (void)bus_.publish(m.reply_to, "stopping");
      });
  if (!sub) return sub.status();
  entry->stop_subscription = std::move(sub).value();
  std::lock_guard lock(mu_);
  entries_[id] = entry;
  return entry;
}

void JobRunner::run(const std::shared_ptr<Entry>& entry, JobWork work, bool resumed) {
  JobContext ctx(entry->id, entry->shared, registry_, clock_);
  Result<json::value> outcome = cancelled("the job was stopped before it started");
  // A stop may have come while the job was pending; then its work never starts. Once the job is
  // running its work always runs — it sees a stop at its first check and returns what it has
  // (nothing yet), so a running job always ends with a result. A resumed job may still be
  // running in the store.
  bool started = registry_.start(entry->id).is_ok();
  if (!started && resumed) {
    auto current = registry_.get(entry->id);
    started = current && current->state == JobState::kRunning;
  }
  if (started) {
    try {
      outcome = work(ctx);
    } catch (const std::exception& e) {
      outcome = internal_error(std::string("the job's work threw: ") + e.what());
    }
  }
  Status ended;
  if (entry->shared->detached) {
    // Left running in the store for the next start to resume.
    entry->stop_subscription.reset();
    std::lock_guard lock(mu_);
    entries_.erase(entry->id);
    ended_.notify_all();
    return;
  }
  auto current = registry_.get(entry->id);
  bool stopping = current && current->state == JobState::kStopping;
  if (stopping || entry->shared->stop_requested || entry->shared->timed_out) {
    JobState final_state = entry->shared->timed_out ? JobState::kTimedOut : JobState::kStopped;
    if (!stopping) {
      // A stop arrived on the bus and the store has not caught up: make the state say so.
      (void)registry_.begin_stop(entry->id, "stopped", "stopped by request");
    }
    ended = registry_.end(entry->id, final_state, outcome ? *outcome : json::value(nullptr));
  } else if (outcome) {
    ended = registry_.end(entry->id, JobState::kSucceeded, *outcome);
  } else {
    ended = registry_.end(entry->id, JobState::kFailed, nullptr, outcome.status());
  }
  if (!ended.is_ok()) {
    spdlog::warn("event=job_end_failed id={} why=\"{}\"", entry->id, ended.to_string());
  }
  if (auto job = registry_.get(entry->id); job && storage::is_terminal(job->state)) {
    (void)bus_.publish(JobRegistry::ended_subject(entry->id), to_json(to_json_object(*job)));
  }
  entry->stop_subscription.reset();
  std::lock_guard lock(mu_);
  entries_.erase(entry->id);
  ended_.notify_all();
}

Result<JobRecord> JobRunner::wait(const std::string& id, TimePoint deadline) {
  {
    std::unique_lock lock(mu_);
    // Waits on the condition variable's own (steady) clock for the time left on `clock_`.
    while (entries_.count(id) > 0) {
      Duration left = deadline - clock_.now();
      if (left <= Duration::zero()) break;
      ended_.wait_for(lock, std::min<Duration>(left, std::chrono::milliseconds(100)));
    }
  }
  return registry_.get(id);
}

Result<int> JobRunner::fail_interrupted(const std::string& node,
                                        const std::vector<std::string>& kinds) {
  return registry_.fail_jobs_of_node(node, unavailable("interrupted by a restart"), kinds);
}

int JobRunner::stop(Duration timeout, const std::vector<std::string>& resumable_kinds) {
  std::vector<std::shared_ptr<Entry>> running_now;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    for (const auto& [id, entry] : entries_) running_now.push_back(entry);
  }
  for (const auto& entry : running_now) {
    if (std::find(resumable_kinds.begin(), resumable_kinds.end(), entry->kind) !=
        resumable_kinds.end()) {
      entry->shared->detached = true;
    } else {
      (void)registry_.begin_stop(entry->id, "stopped", "the node is stopping");
    }
    entry->shared->stop_requested = true;
  }
  std::unique_lock lock(mu_);
  ended_.wait_for(lock, timeout, [this] { return entries_.empty(); });
  int left = static_cast<int>(entries_.size());
  lock.unlock();
  pool_.stop(left > 0 ? Duration::zero() : timeout);
  return left;
}

int JobRunner::running() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(entries_.size());
}

}  // namespace tc::serve
