// Deployment: one service served by a set of replicas, with Ray Serve's semantics. It joins
// two parts under one lock — CallRouter (admission: which running replica takes a call, the
// bounded queue, deadlines) and ReplicaController (the control loop: how many replicas, where,
// their life and health) — and runs what they decide: handlers, constructors, health checks.
//
// submit() routes a call to a RUNNING replica; a replica never runs more than
// max_ongoing_requests calls at once. When every replica is full the call waits in a queue of at
// most max_queued_requests, and past that it is answered 503 with Retry-After. Every call has a
// deadline: past it, it is answered 504, whether queued or running (a running handler finishes,
// and its late answer is dropped). A handler that throws answers 500 and its replica stays
// (counted in the replica's errors). Replicas are reached through their handles (LocalReplica
// in this process, RemoteReplica on another node), built by the context's launcher. A call
// whose replica is lost before it answers is retried on another replica when that is safe — a
// GET or HEAD, or a call carrying an Idempotency-Key — and answered 503 otherwise.
//
// reconcile() is one pass of the control loop: it expires deadlines, then lets the controller
// time out and start health checks, autoscale on the load, place, drain and stop replicas; a
// replica stopped at its graceful shutdown timeout has its remaining calls answered 503.
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
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "cluster/node_registry.hpp"
#include "core/clock.hpp"
#include "core/executor.hpp"
#include "serve/call_router.hpp"
#include "serve/deployment_config.hpp"
#include "serve/deployment_status.hpp"
#include "serve/event_log.hpp"
#include "serve/replica_controller.hpp"
#include "serve/replica_handle.hpp"
#include "serve/replica_handler.hpp"

namespace tc::serve {

struct DeploymentContext {
  const Clock& clock;
  Executor& requests;   // blocking handlers and queued calls
  Executor& lifecycle;  // replica constructors and health checks
  cluster::NodeRegistry& nodes;
  EventLog& events;
  ReplicaLauncher& launcher;  // builds replicas on the nodes they are placed on
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
  using Health = DeploymentHealth;
  // The figures /health reports, as of the last change of state, without taking the lock.
  Health health() const;
  // Calls ongoing on replicas plus calls queued.
  int load() const;
  // Takes in a replica found running on `node` (see ReplicaController::adopt).
  void adopt(const std::string& id, const std::string& node, std::shared_ptr<ReplicaHandle> handle);
  // The node's heartbeat is late: its replicas get a health check now, within `timeout`, and one
  // that fails is lost at once (its calls move).
  void probe_node(const std::string& node, Duration timeout);
  // The replicas on `node` are lost (the node was declared dead): new ones are placed elsewhere.
  // Returns how many were lost.
  int node_lost(const std::string& node, const std::string& why);
  // Answers every ongoing and queued call 503 now, logging each as abandoned with `why`; their
  // handlers' late answers are dropped. Returns how many. For a stop past its drain timeout.
  int abandon(const std::string& why);

 private:
  void execute(Dispatch dispatch, bool inline_ok);
  // `seq`: the attempt that ended (Call::seq when it started); a stale one changes nothing.
  void finish(const Dispatch& dispatch, uint64_t seq, Response response, CallOutcome outcome);
  // Under the lock: `replica` is lost; the calls still running on it start again elsewhere
  // (`retry`) when that is safe, and are otherwise to be answered 503 (`refused`).
  void move_calls_off(Replica& replica, std::vector<Dispatch>& retry,
                      std::vector<std::shared_ptr<Call>>& refused);
  // Off the lock: runs the retries and refuses the rest.
  void settle_moved(std::vector<Dispatch>& retry, std::vector<std::shared_ptr<Call>>& refused);
  void construct(const std::shared_ptr<Replica>& replica);
  void run_health_check(const std::shared_ptr<Replica>& replica, uint64_t generation);
  // A health check ended (on whichever thread answered it).
  void checked(const std::shared_ptr<Replica>& replica, uint64_t generation, const Status& result);
  // Posts what a control-loop pass asked for, once the lock is released.
  void start_work(ReplicaController::Work& work);
  bool is_blocking(int route_id) const;
  int load_locked() const;

  // Publishes the controller's health for health() when it goes out of scope; declared after
  // the lock in every method that can change a replica's state, the target or whether the
  // deployment is deployed.
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

  mutable std::mutex mu_;  // guards the router, the controller and the replicas they share
  CallRouter router_;
  ReplicaController controller_;
  int64_t errors_total_ = 0;
  std::atomic<uint64_t> health_word_{0};
};

}  // namespace tc::serve
