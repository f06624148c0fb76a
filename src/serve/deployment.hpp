// Deployment: one service served by a set of replicas, with Ray Serve's semantics.
//
// submit() routes a call to a RUNNING replica chosen by ReplicaRouter (power of two choices on
// ongoing requests); a replica never runs more than max_ongoing_requests calls at once. When
// every replica is full the call waits in a queue of at most max_queued_requests, and past that
// it is answered 503 with Retry-After. Every call has a deadline: past it, it is answered 504,
// whether queued or running (a running handler finishes, and its late answer is dropped). A
// handler that throws answers 500 and its replica stays (counted in the replica's errors).
//
// reconcile() is one pass of the control loop: it expires deadlines, starts due health checks,
// records the load and applies the AutoscalingPolicy, places new replicas on nodes with room for
// their logical resources (the rest stay pending), drains replicas beyond the target, and stops
// drained ones. A replica's life: pending (no node yet) → starting (its handler is constructed on
// the lifecycle executor, off the lock, then its first health check runs) → running (gets
// traffic) → draining (no new calls; stops when idle or at its graceful shutdown timeout, when
// calls still on it are answered 503). Three failed health checks in a row, a check running past
// its timeout counting as one, mark a replica unhealthy and replace it.
//
// Thread-safety: all methods are thread-safe; state is guarded by one mutex, never held while a
// handler, a constructor or a health check runs. Quick routes run inline on the caller's thread;
// blocking routes and calls taken from the queue run on the requests executor, constructors and
// health checks on the lifecycle executor, so that checks never wait behind requests. Both
// executors must run every task at once (ElasticPool) for max_ongoing_requests to be real
// concurrency. The deployment must outlive the executors' tasks: stop them before destroying it.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "cluster/node_registry.hpp"
#include "core/clock.hpp"
#include "core/executor.hpp"
#include "serve/autoscaling_policy.hpp"
#include "serve/deployment_config.hpp"
#include "serve/event_log.hpp"
#include "serve/replica_handler.hpp"
#include "serve/replica_router.hpp"

namespace tc::serve {

struct ReplicaStatus {
  std::string id;
  std::string node;   // empty while pending
  std::string state;  // "pending", "starting", "running", "draining"
  int ongoing = 0;
  std::string health;  // "healthy", "failing", "unhealthy"
  int consecutive_health_failures = 0;
  int64_t handled = 0;
  int64_t errors = 0;      // calls whose handler threw (answered 500)
  int64_t started_at = 0;  // UTC nanoseconds, 0 while pending
};

struct DeploymentStatus {
  std::string name;
  bool deployed = false;
  std::string status;  // "healthy", "unhealthy", "scaled_to_zero" or "stopped"
  int target_replicas = 0;
  int num_replicas = 0;  // running
  int starting_replicas = 0;
  int pending_replicas = 0;
  int draining_replicas = 0;
  int healthy_replicas = 0;
  int ongoing = 0;
  int queued = 0;
  int64_t requests_total = 0;
  int64_t rejected_total = 0;   // 503: queue full or not deployed
  int64_t timed_out_total = 0;  // 504
  int64_t errors_total = 0;     // 500: a handler threw
  double average_load = 0;      // over the autoscaling look-back window
  DeploymentConfig config;
  std::vector<ReplicaStatus> replicas;
};

struct DeploymentContext {
  const Clock& clock;
  Executor& requests;   // blocking handlers and queued calls
  Executor& lifecycle;  // replica constructors and health checks
  cluster::NodeRegistry& nodes;
  EventLog& events;
};

class Deployment {
 public:
  Deployment(DeploymentSpec spec, DeploymentConfig config, DeploymentContext context);
  ~Deployment();
  Deployment(const Deployment&) = delete;
  Deployment& operator=(const Deployment&) = delete;

  const DeploymentSpec& spec() const { return spec_; }
  const DeploymentConfig& config() const { return config_; }

  // Routes a call of `route_id`; `request.deadline` is set to `deadline`. `respond` is called
  // exactly once, on whichever thread finishes the call: 503 when not deployed or the queue is
  // full, 504 past `deadline`. A responder that throws is logged; the call is still released
  // once.
  void submit(int route_id, Request request, TimePoint deadline, Responder respond);

  // One control-loop pass at the clock's now.
  void reconcile();

  // Serve with num_replicas initial replicas (idempotent).
  void deploy();
  // Stop serving: new calls get 503, queued calls are answered 503, replicas drain and stop.
  void undeploy();

  DeploymentStatus status() const;
  struct Health {
    bool deployed = false;
    int target = 0;
    int running = 0;
    int healthy = 0;  // running and not failing three checks in a row
    int starting = 0;
    int pending = 0;
    bool operator==(const Health&) const = default;
    // Zero replicas because the autoscaler chose zero (min_replicas 0): healthy, not broken.
    bool scaled_to_zero() const { return deployed && target == 0 && running == 0; }
    bool ok() const { return deployed && (healthy > 0 || scaled_to_zero()); }
    const char* name() const {
      return !deployed          ? "stopped"
             : scaled_to_zero() ? "scaled_to_zero"
             : ok()             ? "healthy"
                                : "unhealthy";
    }
  };
  // The figures /health reports, as of the last change of state, without taking the lock.
  Health health() const;
  // Calls ongoing on replicas plus calls queued.
  int load() const;
  // Answers every ongoing and queued call 503 now, logging each as abandoned with `why`; their
  // handlers' late answers are dropped. Returns how many. For a stop past its drain timeout.
  int abandon(const std::string& why);

 private:
  struct Replica;
  struct Call;
  using Dispatch = std::pair<std::shared_ptr<Replica>, std::shared_ptr<Call>>;
  using HealthCheck = std::pair<std::shared_ptr<Replica>, uint64_t>;  // replica, generation

  void execute(Dispatch dispatch, bool inline_ok);
  void run(const Dispatch& dispatch);
  void finish(const Dispatch& dispatch, Response response, bool threw);
  void construct(const std::shared_ptr<Replica>& replica);
  void constructor_failed_locked(Replica& replica, const std::string& error);
  void run_health_check(const std::shared_ptr<Replica>& replica, uint64_t generation);
  std::optional<size_t> pick_locked();
  Health health_locked() const;
  void take_queued_locked(std::vector<Dispatch>& out);
  void expire_locked(TimePoint now, std::vector<std::shared_ptr<Call>>& expired);
  void check_health_locked(TimePoint now, std::vector<HealthCheck>& due);
  void on_health_result(const std::shared_ptr<Replica>& replica, uint64_t generation, Status s);
  void autoscale_locked(TimePoint now);
  void reconcile_replicas_locked(TimePoint now, std::vector<std::shared_ptr<Replica>>& to_construct,
                                 std::vector<std::shared_ptr<Call>>& abandoned);
  void mark_unhealthy_locked(Replica& replica, std::string why);
  void start_draining_locked(Replica& replica, TimePoint now, std::string why);
  void add_event_locked(std::string kind, const Replica* replica, std::string reason);
  bool is_blocking(int route_id) const;

  // Publishes health_locked() for health() when it goes out of scope; declared after the lock
  // in every method that changes a replica's state, the target or whether it is deployed.
  class HealthPublisher {
   public:
    explicit HealthPublisher(Deployment& d) : deployment_(d) {}
    ~HealthPublisher();

   private:
    Deployment& deployment_;
  };

  const DeploymentSpec spec_;
  const DeploymentConfig config_;
  DeploymentContext ctx_;
  std::unordered_map<int, bool> blocking_;

  mutable std::mutex mu_;
  bool deployed_ = false;
  int target_ = 0;
  AutoscalingPolicy policy_;
  ReplicaRouter router_;
  std::vector<std::shared_ptr<Replica>> replicas_;
  std::vector<ReplicaLoad> loads_;  // scratch for the router, same order as replicas_
  std::deque<std::shared_ptr<Call>> queue_;
  std::unordered_map<uint64_t, std::shared_ptr<Call>> running_;
  uint64_t next_call_ = 1;
  int64_t requests_total_ = 0;
  int64_t rejected_total_ = 0;
  int64_t timed_out_total_ = 0;
  int64_t errors_total_ = 0;
  std::atomic<uint64_t> health_word_{0};
  double average_load_ = 0;
  TimePoint start_retry_at_{};  // after a constructor failed, with backoff
  Duration start_backoff_{0};
};

}  // namespace tc::serve
