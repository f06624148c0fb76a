#include "serve/replica_controller.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/ids.hpp"

namespace tc::serve {
namespace {

constexpr int kUnhealthyAfterFailures = 3;
constexpr Duration kFirstStartBackoff = std::chrono::seconds(1);
constexpr Duration kMaxStartBackoff = std::chrono::seconds(30);
// A replica still starting after this long is reported once, as Ray Serve warns of slow starts.
constexpr Duration kSlowStartWarning = std::chrono::seconds(30);

}  // namespace

ReplicaController::ReplicaController(std::string name, const DeploymentConfig& config,
                                     const Clock& clock, cluster::NodeRegistry& nodes,
                                     EventLog& events)
    : name_(std::move(name)),
      config_(config),
      clock_(clock),
      nodes_(nodes),
      events_(events),
      policy_(config.autoscaling) {}

ReplicaController::~ReplicaController() {
  for (auto& r : replicas_) {
    if (!r->node.empty()) nodes_.release(r->node, config_.resources);
  }
}

bool ReplicaController::deploy() {
  if (deployed_) return false;
  deployed_ = true;
  target_ = config_.num_replicas;
  policy_ = AutoscalingPolicy(config_.autoscaling);
  return true;
}

bool ReplicaController::undeploy(TimePoint now) {
  if (!deployed_) return false;
  deployed_ = false;
  target_ = 0;
  for (auto& r : replicas_) {
    if (r->state == ReplicaState::kRunning || r->state == ReplicaState::kStarting) {
      start_draining(*r, now, "deployment shut down");
    }
  }
  return true;
}

void ReplicaController::reconcile(TimePoint now, double load, Work& work) {
  check_health(now, work);
  autoscale(now, load);
  reconcile_replicas(now, work);
}

void ReplicaController::check_health(TimePoint now, Work& work) {
  for (auto& r : replicas_) {
    bool checkable = r->state == ReplicaState::kRunning ||
                     (r->state == ReplicaState::kStarting && !r->constructing);
    if (!checkable) continue;
    if (r->check_in_flight) {
      if (now - r->check_started < config_.health_check_timeout) continue;
      r->check_in_flight = false;
      ++r->check_generation;  // its late answer is ignored
      if (++r->consecutive_failures >= kUnhealthyAfterFailures) {
        mark_unhealthy(*r, "health check timed out " + std::to_string(r->consecutive_failures) +
                               " times in a row");
      }
      continue;
    }
    if (now < r->next_check) continue;
    r->check_in_flight = true;
    r->check_started = now;
    r->next_check = now + config_.health_check_period;
    work.health_checks.emplace_back(r, ++r->check_generation);
  }
}

std::optional<uint64_t> ReplicaController::constructed(Replica& replica,
                                                       std::shared_ptr<ReplicaHandle> handle,
                                                       const std::string& error) {
  replica.constructing = false;
  if (!error.empty()) {
    add_event("replica_failed", &replica, "constructor failed: " + error);
    start_backoff_ = std::min(kMaxStartBackoff, std::max(kFirstStartBackoff, start_backoff_ * 2));
    start_retry_at_ = clock_.now() + start_backoff_;
    // Stops on the next pass (draining with nothing ongoing); a new one is placed after backoff.
    replica.state = ReplicaState::kDraining;
    replica.drain_deadline = clock_.now();
    return std::nullopt;
  }
  if (replica.removed) return std::nullopt;
  replica.handle = std::move(handle);
  if (replica.state != ReplicaState::kStarting) return std::nullopt;  // scaled down meanwhile
  TimePoint now = clock_.now();
  replica.check_in_flight = true;
  replica.check_started = now;
  replica.next_check = now + config_.health_check_period;
  return ++replica.check_generation;
}

bool ReplicaController::check_started(Replica& replica, uint64_t generation) {
  if (generation != replica.check_generation || !replica.check_in_flight) return false;
  replica.check_started = clock_.now();
  return true;
}

bool ReplicaController::health_checked(Replica& replica, uint64_t generation,
                                       const Status& result) {
  if (generation != replica.check_generation || !replica.check_in_flight) return false;
  replica.check_in_flight = false;
  if (!result.is_ok()) {
    if (++replica.consecutive_failures >= kUnhealthyAfterFailures) {
      mark_unhealthy(replica, "failed " + std::to_string(replica.consecutive_failures) +
                                  " health checks in a row: " + result.message());
    }
    return false;
  }
  replica.consecutive_failures = 0;
  if (replica.state != ReplicaState::kStarting) return false;
  replica.state = ReplicaState::kRunning;
  replica.started_at = clock_.unix_nanos();
  start_backoff_ = Duration{0};
  add_event("replica_started", &replica,
            "running on node " + replica.node + ": first health check passed");
  return true;
}

void ReplicaController::adopt(const std::string& id, const std::string& node,
                              std::shared_ptr<ReplicaHandle> handle) {
  auto r = std::make_shared<Replica>();
  r->id = id;
  r->node = node;
  r->state = ReplicaState::kStarting;
  r->handle = std::move(handle);
  r->placed_at = clock_.now();
  r->next_check = clock_.now();  // checked on the next pass
  add_event("replica_adopted", r.get(), "found running on node " + node);
  replicas_.push_back(std::move(r));
}

bool ReplicaController::replica_lost(Replica& replica, const std::string& why) {
  if (replica.state == ReplicaState::kPending) return false;
  if (replica.lost) return false;
  replica.lost = true;
  replica.unhealthy = true;
  // Its replacement goes elsewhere until the node shows it is alive.
  nodes_.suspect(replica.node);
  replica.state = ReplicaState::kDraining;
  replica.drain_deadline = clock_.now();
  add_event("replica_lost", &replica, why);
  return true;
}

void ReplicaController::mark_unhealthy(Replica& replica, const std::string& why) {
  if (replica.state != ReplicaState::kRunning && replica.state != ReplicaState::kStarting) return;
  replica.unhealthy = true;
  add_event("replica_unhealthy", &replica, why);
  start_draining(replica, clock_.now(), "replaced: " + why);
}

void ReplicaController::start_draining(Replica& replica, TimePoint now, std::string why) {
  replica.state = ReplicaState::kDraining;
  add_event("replica_draining", &replica, std::move(why));
  replica.drain_deadline = now + config_.graceful_shutdown_timeout;
}

void ReplicaController::autoscale(TimePoint now, double load) {
  if (!deployed_) return;
  policy_.record(now, load);
  auto decision = policy_.update(now, target_);
  average_load_ = policy_.last_average();
  if (!decision || decision->to == target_) return;
  ScalingEvent event;
  event.time = clock_.unix_nanos();
  event.deployment = name_;
  event.kind = "autoscale";
  event.from = decision->from;
  event.to = decision->to;
  event.load = decision->load;
  event.reason = decision->reason;
  events_.add(std::move(event));
  target_ = decision->to;
}

void ReplicaController::reconcile_replicas(TimePoint now, Work& work) {
  auto live = [&] {
    return static_cast<int>(std::count_if(replicas_.begin(), replicas_.end(), [](const auto& r) {
      return r->state != ReplicaState::kDraining;
    }));
  };
  for (int n = live(); n < target_; ++n) {
    auto r = std::make_shared<Replica>();
    r->id = name_ + "#" + random_hex(6);
    replicas_.push_back(std::move(r));
  }
  // Beyond the target: drop pending replicas first (newest first), then starting ones, then
  // drain the least busy running one.
  for (int excess = live() - target_; excess > 0; --excess) {
    auto pending = std::find_if(replicas_.rbegin(), replicas_.rend(),
                                [](const auto& r) { return r->state == ReplicaState::kPending; });
    if (pending != replicas_.rend()) {
      replicas_.erase(std::next(pending).base());
      continue;
    }
    Replica* victim = nullptr;
    for (auto& r : replicas_) {
      if (r->state == ReplicaState::kStarting) victim = r.get();
    }
    for (auto& r : replicas_) {
      if (victim == nullptr && r->state == ReplicaState::kRunning) victim = r.get();
      if (victim != nullptr && victim->state == ReplicaState::kRunning &&
          r->state == ReplicaState::kRunning && r->ongoing < victim->ongoing) {
        victim = r.get();
      }
    }
    if (victim == nullptr) break;
    start_draining(*victim, now, "scaled down");
  }
  // Place pending replicas where logical resources are free; they are constructed off the lock.
  for (auto& r : replicas_) {
    if (r->state != ReplicaState::kPending || now < start_retry_at_) continue;
    auto node = nodes_.reserve(config_.resources);
    if (!node) {
      if (!r->reported_pending) {
        r->reported_pending = true;
        add_event("replica_pending", r.get(),
                  fmt::format("no node has {} CPU and {} MB free", config_.resources.cpu(),
                              config_.resources.memory_bytes >> 20));
      }
      continue;
    }
    r->node = *node;
    r->state = ReplicaState::kStarting;
    r->constructing = true;
    r->placed_at = now;
    add_event("replica_starting", r.get(), "placed on node " + *node);
    work.to_construct.push_back(r);
  }
  for (auto& r : replicas_) {
    if (r->state == ReplicaState::kStarting && !r->reported_slow_start &&
        now - r->placed_at >= kSlowStartWarning) {
      r->reported_slow_start = true;
      add_event("replica_slow_start", r.get(),
                r->constructing ? "still being constructed after 30 s"
                                : "has not passed a health check after 30 s");
    }
  }
  // Drained replicas stop once idle (and constructed), or at the graceful shutdown timeout,
  // when the calls still on them are to be answered 503.
  for (auto it = replicas_.begin(); it != replicas_.end();) {
    Replica& r = **it;
    bool idle = r.ongoing == 0 && !r.constructing;
    if (r.state != ReplicaState::kDraining || !(idle || now >= r.drain_deadline)) {
      ++it;
      continue;
    }
    if (r.ongoing > 0 && !r.lost) work.stopped_busy.push_back(&r);
    if (r.handle) work.to_stop.push_back(r.handle);
    r.removed = true;
    nodes_.release(r.node, config_.resources);
    add_event("replica_stopped", &r,
              idle ? "drained"
                   : "graceful shutdown timeout with " + std::to_string(r.ongoing) + " ongoing");
    // A replica still constructing or running calls is kept alive by their tasks' references.
    it = replicas_.erase(it);
  }
}

void ReplicaController::add_event(std::string kind, const Replica* replica, std::string reason) {
  ScalingEvent e;
  e.time = clock_.unix_nanos();
  e.deployment = name_;
  e.kind = std::move(kind);
  e.from = e.to = target_;
  if (replica != nullptr) e.replica = replica->id;
  e.reason = std::move(reason);
  events_.add(std::move(e));
}

DeploymentHealth ReplicaController::health() const {
  DeploymentHealth h;
  h.deployed = deployed_;
  h.target = target_;
  for (const auto& r : replicas_) {
    switch (r->state) {
      case ReplicaState::kRunning:
        ++h.running;
        // Unhealthy only after three failed checks in a row, and such a replica is replaced.
        if (!r->unhealthy) ++h.healthy;
        break;
      case ReplicaState::kStarting:
        ++h.starting;
        break;
      case ReplicaState::kPending:
        ++h.pending;
        break;
      case ReplicaState::kDraining:
        break;
    }
  }
  return h;
}

void ReplicaController::fill_status(DeploymentStatus& s) const {
  DeploymentHealth h = health();
  s.deployed = deployed_;
  s.status = h.name();
  s.target_replicas = target_;
  s.num_replicas = h.running;
  s.healthy_replicas = h.healthy;
  s.starting_replicas = h.starting;
  s.pending_replicas = h.pending;
  s.average_load = average_load_;
  for (const auto& r : replicas_) {
    ReplicaStatus rs;
    rs.id = r->id;
    rs.node = r->node;
    rs.state = replica_state_name(r->state);
    rs.ongoing = r->ongoing;
    rs.health = r->unhealthy ? "unhealthy" : r->consecutive_failures > 0 ? "failing" : "healthy";
    rs.consecutive_health_failures = r->consecutive_failures;
    rs.handled = r->handled;
    rs.errors = r->errors;
    rs.started_at = r->started_at;
    s.ongoing += r->ongoing;
    if (r->state == ReplicaState::kDraining) ++s.draining_replicas;
    s.replicas.push_back(std::move(rs));
  }
}

}  // namespace tc::serve
