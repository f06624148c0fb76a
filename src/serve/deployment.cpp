#include "serve/deployment.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>

#include "core/ids.hpp"
#include "serve/http_error.hpp"

namespace tc::serve {
namespace {

constexpr int kUnhealthyAfterFailures = 3;

enum class ReplicaState { kPending, kRunning, kDraining };

const char* state_name(ReplicaState s) {
  switch (s) {
    case ReplicaState::kPending:
      return "pending";
    case ReplicaState::kRunning:
      return "running";
    case ReplicaState::kDraining:
      return "draining";
  }
  return "unknown";
}

}  // namespace

struct Deployment::Replica {
  std::string id;
  std::string node;
  ReplicaState state = ReplicaState::kPending;
  std::unique_ptr<ReplicaHandler> handler;
  int ongoing = 0;
  int64_t handled = 0;
  int64_t started_at = 0;
  bool unhealthy = false;
  bool reported_pending = false;  // the "no room" event is recorded once
  int consecutive_failures = 0;
  bool check_in_flight = false;
  uint64_t check_generation = 0;
  TimePoint check_started{};
  TimePoint next_check{};
  TimePoint drain_deadline{};
};

struct Deployment::Call {
  uint64_t seq = 0;
  int route_id = 0;
  Request request;
  TimePoint deadline;
  Responder respond;
  std::atomic<bool> answered{false};

  void answer(Response r) {
    if (!answered.exchange(true)) respond(std::move(r));
  }
};

Deployment::Deployment(DeploymentSpec spec, DeploymentConfig config, DeploymentContext context)
    : spec_(std::move(spec)),
      config_(std::move(config)),
      ctx_(context),
      policy_(config_.autoscaling),
      router_(std::hash<std::string>{}(spec_.name) ^
              static_cast<uint64_t>(ctx_.clock.unix_nanos())) {
  for (const RouteSpec& r : spec_.routes) blocking_[r.id] = r.blocking;
}

Deployment::~Deployment() {
  std::lock_guard lock(mu_);
  for (auto& r : replicas_) {
    if (r->state != ReplicaState::kPending) ctx_.nodes.release(r->node, config_.resources);
  }
}

bool Deployment::is_blocking(int route_id) const {
  auto it = blocking_.find(route_id);
  return it != blocking_.end() && it->second;
}

void Deployment::submit(int route_id, Request request, TimePoint deadline, Responder respond) {
  auto call = std::make_shared<Call>();
  call->route_id = route_id;
  call->request = std::move(request);
  call->deadline = deadline;
  call->respond = std::move(respond);
  std::optional<Dispatch> dispatch;
  std::optional<Response> refusal;
  {
    std::lock_guard lock(mu_);
    ++requests_total_;
    if (!deployed_) {
      ++rejected_total_;
      refusal = error_response(503, "unavailable", "deployment " + spec_.name + " is not deployed");
    } else if (auto index = pick_locked()) {
      auto& replica = replicas_[*index];
      ++replica->ongoing;
      call->seq = next_call_++;
      running_.emplace(call->seq, call);
      dispatch.emplace(replica, call);
    } else if (queue_.size() < static_cast<size_t>(config_.max_queued_requests)) {
      queue_.push_back(call);
    } else {
      ++rejected_total_;
      refusal = error_response(503, "unavailable",
                               "deployment " + spec_.name + " is at capacity: every replica has " +
                                   std::to_string(config_.max_ongoing_requests) +
                                   " requests ongoing and " + std::to_string(queue_.size()) +
                                   " more are queued");
    }
  }
  if (refusal) {
    call->answer(std::move(*refusal));
  } else if (dispatch) {
    execute(std::move(*dispatch), true);
  }
}

std::optional<size_t> Deployment::pick_locked() {
  loads_.clear();
  for (const auto& r : replicas_) {
    loads_.push_back(
        {r->ongoing, config_.max_ongoing_requests, r->state == ReplicaState::kRunning});
  }
  return router_.choose(loads_);
}

void Deployment::execute(Dispatch dispatch, bool inline_ok) {
  if (inline_ok && !is_blocking(dispatch.second->route_id)) {
    run(dispatch);
    return;
  }
  ctx_.workers.post([this, d = std::move(dispatch)] { run(d); });
}

void Deployment::run(const Dispatch& dispatch) {
  auto& [replica, call] = dispatch;
  if (call->answered.load()) {  // expired while waiting for a worker
    finish(dispatch, Response{}, false, {});
    return;
  }
  try {
    Response response = replica->handler->handle(call->route_id, call->request);
    finish(dispatch, std::move(response), false, {});
  } catch (const std::exception& e) {
    finish(dispatch,
           error_response(500, "internal", "replica " + replica->id + " failed: " + e.what()), true,
           e.what());
  } catch (...) {
    finish(dispatch, error_response(500, "internal", "replica " + replica->id + " failed"), true,
           "unknown exception");
  }
}

void Deployment::finish(const Dispatch& dispatch, Response response, bool crashed,
                        std::string why) {
  auto& [replica, call] = dispatch;
  std::vector<Dispatch> next;
  {
    std::lock_guard lock(mu_);
    --replica->ongoing;
    ++replica->handled;
    running_.erase(call->seq);
    if (crashed) mark_unhealthy_locked(*replica, "handler threw: " + why);
    take_queued_locked(next);
  }
  call->answer(std::move(response));
  // Queued calls run on the worker pool, never nested in this call's stack.
  for (auto& d : next) execute(std::move(d), false);
}

void Deployment::take_queued_locked(std::vector<Dispatch>& out) {
  while (!queue_.empty()) {
    if (queue_.front()->answered.load()) {
      queue_.pop_front();
      continue;
    }
    auto index = pick_locked();
    if (!index) return;
    auto call = std::move(queue_.front());
    queue_.pop_front();
    auto& replica = replicas_[*index];
    ++replica->ongoing;
    call->seq = next_call_++;
    running_.emplace(call->seq, call);
    out.emplace_back(replica, std::move(call));
  }
}

void Deployment::expire_locked(TimePoint now, std::vector<std::shared_ptr<Call>>& expired) {
  auto past = [&](const std::shared_ptr<Call>& c) { return c->deadline <= now; };
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (past(*it)) {
      expired.push_back(std::move(*it));
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& [seq, call] : running_) {
    if (past(call) && !call->answered.load()) expired.push_back(call);
  }
  timed_out_total_ += static_cast<int64_t>(expired.size());
}

void Deployment::reconcile() {
  TimePoint now = ctx_.clock.now();
  std::vector<std::shared_ptr<Call>> expired;
  std::vector<Dispatch> next;
  std::vector<HealthCheck> checks;
  {
    std::lock_guard lock(mu_);
    expire_locked(now, expired);
    check_health_locked(now, checks);
    autoscale_locked(now);
    reconcile_replicas_locked(now);
    take_queued_locked(next);
  }
  for (auto& call : expired) {
    call->answer(
        error_response(504, "deadline_exceeded",
                       "request to " + spec_.name + " did not finish within its deadline"));
  }
  for (auto& [replica, generation] : checks) {
    ctx_.workers.post([this, replica, generation] {
      Status s;
      try {
        s = replica->handler->check_health();
      } catch (const std::exception& e) {
        s = internal_error(std::string("health check threw: ") + e.what());
      }
      on_health_result(replica, generation, std::move(s));
    });
  }
  for (auto& d : next) execute(std::move(d), false);
}

void Deployment::check_health_locked(TimePoint now, std::vector<HealthCheck>& due) {
  for (auto& r : replicas_) {
    if (r->state != ReplicaState::kRunning) continue;
    if (r->check_in_flight) {
      if (now - r->check_started < config_.health_check_timeout) continue;
      r->check_in_flight = false;
      ++r->check_generation;  // its late answer is ignored
      if (++r->consecutive_failures >= kUnhealthyAfterFailures) {
        mark_unhealthy_locked(*r, "health check timed out " +
                                      std::to_string(r->consecutive_failures) + " times in a row");
      }
      continue;
    }
    if (now < r->next_check) continue;
    r->check_in_flight = true;
    r->check_started = now;
    r->next_check = now + config_.health_check_period;
    due.emplace_back(r, ++r->check_generation);
  }
}

void Deployment::on_health_result(const std::shared_ptr<Replica>& replica, uint64_t generation,
                                  Status s) {
  std::lock_guard lock(mu_);
  if (generation != replica->check_generation || !replica->check_in_flight) return;
  replica->check_in_flight = false;
  if (s.is_ok()) {
    replica->consecutive_failures = 0;
    return;
  }
  if (++replica->consecutive_failures >= kUnhealthyAfterFailures) {
    mark_unhealthy_locked(*replica, "failed " + std::to_string(replica->consecutive_failures) +
                                        " health checks in a row: " + s.message());
  }
}

void Deployment::mark_unhealthy_locked(Replica& replica, std::string why) {
  if (replica.state != ReplicaState::kRunning) return;
  replica.unhealthy = true;
  add_event_locked("replica_unhealthy", &replica, why);
  start_draining_locked(replica, ctx_.clock.now(), "replaced: " + why);
}

void Deployment::start_draining_locked(Replica& replica, TimePoint now, std::string why) {
  replica.state = ReplicaState::kDraining;
  add_event_locked("replica_draining", &replica, std::move(why));
  replica.drain_deadline = now + config_.graceful_shutdown_timeout;
}

void Deployment::autoscale_locked(TimePoint now) {
  if (!deployed_) return;
  int ongoing = 0;
  for (const auto& r : replicas_) ongoing += r->ongoing;
  double load = ongoing + static_cast<double>(queue_.size());
  auto decision = policy_.update(now, target_, load);
  if (!decision || decision->to == target_) return;
  ScalingEvent event;
  event.time = ctx_.clock.unix_nanos();
  event.deployment = spec_.name;
  event.kind = "autoscale";
  event.from = decision->from;
  event.to = decision->to;
  event.load = decision->load;
  event.reason = decision->reason;
  ctx_.events.add(std::move(event));
  target_ = decision->to;
}

void Deployment::reconcile_replicas_locked(TimePoint now) {
  auto live = [&] {
    return static_cast<int>(std::count_if(replicas_.begin(), replicas_.end(), [](const auto& r) {
      return r->state != ReplicaState::kDraining;
    }));
  };
  for (int n = live(); n < target_; ++n) {
    auto r = std::make_shared<Replica>();
    r->id = spec_.name + "#" + random_hex(6);
    replicas_.push_back(std::move(r));
  }
  // Beyond the target: drop pending replicas first (newest first), then drain the least busy.
  for (int excess = live() - target_; excess > 0; --excess) {
    auto pending = std::find_if(replicas_.rbegin(), replicas_.rend(),
                                [](const auto& r) { return r->state == ReplicaState::kPending; });
    if (pending != replicas_.rend()) {
      replicas_.erase(std::next(pending).base());
      continue;
    }
    Replica* idlest = nullptr;
    for (auto& r : replicas_) {
      if (r->state == ReplicaState::kRunning &&
          (idlest == nullptr || r->ongoing < idlest->ongoing)) {
        idlest = r.get();
      }
    }
    if (idlest == nullptr) break;
    start_draining_locked(*idlest, now, "scaled down");
  }
  // Place pending replicas where logical resources are free.
  for (auto& r : replicas_) {
    if (r->state != ReplicaState::kPending) continue;
    auto node = ctx_.nodes.reserve(config_.resources);
    if (!node) {
      if (!r->reported_pending) {
        r->reported_pending = true;
        add_event_locked("replica_pending", r.get(),
                         fmt::format("no node has {} CPU and {} MB free", config_.resources.cpu(),
                                     config_.resources.memory_bytes >> 20));
      }
      continue;
    }
    try {
      r->handler = spec_.make_replica(ReplicaInfo{r->id, *node});
    } catch (const std::exception& e) {
      ctx_.nodes.release(*node, config_.resources);
      add_event_locked("replica_failed", r.get(), e.what());
      continue;
    }
    r->node = *node;
    r->state = ReplicaState::kRunning;
    r->started_at = ctx_.clock.unix_nanos();
    r->next_check = now + config_.health_check_period;
    add_event_locked("replica_started", r.get(), "placed on node " + *node);
  }
  // Drained replicas stop once idle, or when the graceful shutdown timeout runs out.
  for (auto it = replicas_.begin(); it != replicas_.end();) {
    Replica& r = **it;
    if (r.state == ReplicaState::kDraining && (r.ongoing == 0 || now >= r.drain_deadline)) {
      ctx_.nodes.release(r.node, config_.resources);
      add_event_locked("replica_stopped", &r,
                       r.ongoing == 0 ? "drained"
                                      : "graceful shutdown timeout with " +
                                            std::to_string(r.ongoing) + " ongoing");
      it = replicas_.erase(it);
    } else {
      ++it;
    }
  }
}

void Deployment::add_event_locked(std::string kind, const Replica* replica, std::string reason) {
  ScalingEvent e;
  e.time = ctx_.clock.unix_nanos();
  e.deployment = spec_.name;
  e.kind = std::move(kind);
  e.from = e.to = target_;
  if (replica != nullptr) e.replica = replica->id;
  e.reason = std::move(reason);
  ctx_.events.add(std::move(e));
}

void Deployment::deploy() {
  {
    std::lock_guard lock(mu_);
    if (deployed_) return;
    deployed_ = true;
    target_ = config_.num_replicas;
    policy_ = AutoscalingPolicy(config_.autoscaling);
  }
  reconcile();
}

void Deployment::undeploy() {
  std::deque<std::shared_ptr<Call>> queued;
  {
    std::lock_guard lock(mu_);
    if (!deployed_) return;
    deployed_ = false;
    target_ = 0;
    queued.swap(queue_);
    rejected_total_ += static_cast<int64_t>(queued.size());
    TimePoint now = ctx_.clock.now();
    for (auto& r : replicas_) {
      if (r->state == ReplicaState::kRunning)
        start_draining_locked(*r, now, "deployment shut down");
    }
    reconcile_replicas_locked(now);
  }
  for (auto& call : queued) {
    call->answer(error_response(503, "unavailable", "deployment " + spec_.name + " was shut down"));
  }
}

DeploymentStatus Deployment::status() const {
  std::lock_guard lock(mu_);
  DeploymentStatus s;
  s.name = spec_.name;
  s.deployed = deployed_;
  s.target_replicas = target_;
  s.queued = static_cast<int>(queue_.size());
  s.requests_total = requests_total_;
  s.rejected_total = rejected_total_;
  s.timed_out_total = timed_out_total_;
  s.config = config_;
  Health h = health_locked();
  s.num_replicas = h.running;
  s.healthy_replicas = h.healthy;
  s.pending_replicas = h.pending;
  for (const auto& r : replicas_) {
    ReplicaStatus rs;
    rs.id = r->id;
    rs.node = r->node;
    rs.state = state_name(r->state);
    rs.ongoing = r->ongoing;
    rs.health = r->unhealthy ? "unhealthy" : r->consecutive_failures > 0 ? "failing" : "healthy";
    rs.consecutive_health_failures = r->consecutive_failures;
    rs.handled = r->handled;
    rs.started_at = r->started_at;
    s.ongoing += r->ongoing;
    if (r->state == ReplicaState::kDraining) ++s.draining_replicas;
    s.replicas.push_back(std::move(rs));
  }
  return s;
}

Deployment::Health Deployment::health() const {
  std::lock_guard lock(mu_);
  return health_locked();
}

Deployment::Health Deployment::health_locked() const {
  Health h;
  h.deployed = deployed_;
  for (const auto& r : replicas_) {
    if (r->state == ReplicaState::kRunning) {
      ++h.running;
      if (r->consecutive_failures == 0) ++h.healthy;
    }
    if (r->state == ReplicaState::kPending) ++h.pending;
  }
  return h;
}

int Deployment::load() const {
  std::lock_guard lock(mu_);
  int n = static_cast<int>(queue_.size());
  for (const auto& r : replicas_) n += r->ongoing;
  return n;
}

}  // namespace tc::serve
