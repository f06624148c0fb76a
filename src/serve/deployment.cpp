#include "serve/deployment.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>

#include "core/ids.hpp"
#include "serve/http_error.hpp"

namespace tc::serve {
namespace {

constexpr int kUnhealthyAfterFailures = 3;
constexpr Duration kFirstStartBackoff = std::chrono::seconds(1);
constexpr Duration kMaxStartBackoff = std::chrono::seconds(30);
// A replica still starting after this long is reported once, as Ray Serve warns of slow starts.
constexpr Duration kSlowStartWarning = std::chrono::seconds(30);

enum class ReplicaState { kPending, kStarting, kRunning, kDraining };

const char* state_name(ReplicaState s) {
  switch (s) {
    case ReplicaState::kPending:
      return "pending";
    case ReplicaState::kStarting:
      return "starting";
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
  std::string node;  // set once placed; its resources are held until the replica stops
  ReplicaState state = ReplicaState::kPending;
  std::unique_ptr<ReplicaHandler> handler;  // set once constructed
  bool constructing = false;
  TimePoint placed_at{};
  bool reported_slow_start = false;
  int ongoing = 0;
  int64_t handled = 0;
  int64_t errors = 0;
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
  Responder respond;
  const Replica* replica = nullptr;  // while running; identity only, under the lock
  std::atomic<bool> answered{false};

  void answer(Response r) {
    if (answered.exchange(true)) return;
    try {
      respond(std::move(r));
    } catch (const std::exception& e) {
      spdlog::error("event=responder_threw request_id={} error=\"{}\"", request.request_id,
                    e.what());
    } catch (...) {
      spdlog::error("event=responder_threw request_id={}", request.request_id);
    }
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
    if (!r->node.empty()) ctx_.nodes.release(r->node, config_.resources);
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
  call->request.deadline = deadline;
  call->respond = std::move(respond);
  std::optional<Dispatch> dispatch;
  std::optional<Response> refusal;
  {
    std::lock_guard lock(mu_);
    ++requests_total_;
    if (!deployed_) {
      ++rejected_total_;
      refusal = error_response(unavailable("deployment " + spec_.name + " is not deployed"));
    } else if (auto index = pick_locked()) {
      auto& replica = replicas_[*index];
      ++replica->ongoing;
      call->replica = replica.get();
      call->seq = next_call_++;
      running_.emplace(call->seq, call);
      dispatch.emplace(replica, call);
    } else if (queue_.size() < static_cast<size_t>(config_.max_queued_requests)) {
      queue_.push_back(call);
    } else {
      ++rejected_total_;
      refusal = error_response(
          unavailable("deployment " + spec_.name + " is at capacity: every replica has " +
                      std::to_string(config_.max_ongoing_requests) + " requests ongoing and " +
                      std::to_string(queue_.size()) + " more are queued"));
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
  ctx_.requests.post([this, d = std::move(dispatch)] { run(d); });
}

void Deployment::run(const Dispatch& dispatch) {
  auto& [replica, call] = dispatch;
  if (call->answered.load()) {  // expired or abandoned before it started
    finish(dispatch, Response{}, false);
    return;
  }
  Response response;
  bool threw = false;
  try {
    response = replica->handler->handle(call->route_id, call->request);
  } catch (const std::exception& e) {
    threw = true;
    response = error_response(internal_error("replica " + replica->id + " failed: " + e.what()));
  } catch (...) {
    threw = true;
    response = error_response(internal_error("replica " + replica->id + " failed"));
  }
  if (threw) {
    spdlog::warn("event=handler_threw deployment={} replica={} request_id={} message=\"{}\"",
                 spec_.name, replica->id, call->request.request_id, response.body);
  }
  finish(dispatch, std::move(response), threw);
}

void Deployment::finish(const Dispatch& dispatch, Response response, bool threw) {
  auto& [replica, call] = dispatch;
  std::vector<Dispatch> next;
  {
    std::lock_guard lock(mu_);
    --replica->ongoing;
    ++replica->handled;
    if (threw) {
      ++replica->errors;
      ++errors_total_;
    }
    running_.erase(call->seq);
    call->replica = nullptr;
    take_queued_locked(next);
  }
  call->answer(std::move(response));
  // Queued calls run on the requests executor, never nested in this call's stack.
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
    call->replica = replica.get();
    call->seq = next_call_++;
    running_.emplace(call->seq, call);
    out.emplace_back(replica, std::move(call));
  }
}

void Deployment::expire_locked(TimePoint now, std::vector<std::shared_ptr<Call>>& expired) {
  auto past = [&](const std::shared_ptr<Call>& c) { return c->request.deadline <= now; };
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
  std::vector<std::shared_ptr<Call>> expired, abandoned;
  std::vector<Dispatch> next;
  std::vector<HealthCheck> checks;
  std::vector<std::shared_ptr<Replica>> to_construct;
  {
    std::lock_guard lock(mu_);
    HealthPublisher publish(*this);
    expire_locked(now, expired);
    check_health_locked(now, checks);
    autoscale_locked(now);
    reconcile_replicas_locked(now, to_construct, abandoned);
    take_queued_locked(next);
  }
  for (auto& call : expired) {
    call->answer(error_response(
        deadline_exceeded("request to " + spec_.name + " did not finish within its deadline")));
  }
  for (auto& call : abandoned) {
    spdlog::warn(
        "event=call_abandoned deployment={} request_id={} reason=\"graceful shutdown "
        "timeout of its replica\"",
        spec_.name, call->request.request_id);
    call->answer(
        error_response(unavailable("the replica serving this request stopped at its graceful "
                                   "shutdown timeout")));
  }
  for (auto& replica : to_construct) {
    ctx_.lifecycle.post([this, replica] { construct(replica); });
  }
  for (auto& [replica, generation] : checks) {
    ctx_.lifecycle.post([this, replica, generation] { run_health_check(replica, generation); });
  }
  for (auto& d : next) execute(std::move(d), false);
}

void Deployment::construct(const std::shared_ptr<Replica>& replica) {
  std::unique_ptr<ReplicaHandler> handler;
  std::string error;
  try {
    handler = spec_.make_replica(ReplicaInfo{replica->id, replica->node});
    if (!handler) error = "the replica factory returned nothing";
  } catch (const std::exception& e) {
    error = e.what();
  } catch (...) {
    error = "unknown exception";
  }
  uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    HealthPublisher publish(*this);
    replica->constructing = false;
    if (!error.empty()) {
      constructor_failed_locked(*replica, error);
      return;
    }
    replica->handler = std::move(handler);
    if (replica->state != ReplicaState::kStarting) return;  // scaled down meanwhile
    // The first health check runs now, on this thread; passing it makes the replica RUNNING.
    // The control loop times it out like any other check.
    TimePoint now = ctx_.clock.now();
    replica->check_in_flight = true;
    replica->check_started = now;
    replica->next_check = now + config_.health_check_period;
    generation = ++replica->check_generation;
  }
  run_health_check(replica, generation);
}

void Deployment::constructor_failed_locked(Replica& replica, const std::string& error) {
  add_event_locked("replica_failed", &replica, "constructor failed: " + error);
  start_backoff_ = std::min(kMaxStartBackoff, std::max(kFirstStartBackoff, start_backoff_ * 2));
  start_retry_at_ = ctx_.clock.now() + start_backoff_;
  // Stops on the next pass (draining with nothing ongoing); a new one is placed after backoff.
  replica.state = ReplicaState::kDraining;
  replica.drain_deadline = ctx_.clock.now();
}

void Deployment::run_health_check(const std::shared_ptr<Replica>& replica, uint64_t generation) {
  {
    std::lock_guard lock(mu_);
    if (generation != replica->check_generation || !replica->check_in_flight) return;
    replica->check_started = ctx_.clock.now();  // the timeout counts from here
  }
  Status s;
  try {
    s = replica->handler->check_health();
  } catch (const std::exception& e) {
    s = internal_error(std::string("health check threw: ") + e.what());
  } catch (...) {
    s = internal_error("health check threw");
  }
  on_health_result(replica, generation, std::move(s));
}

void Deployment::check_health_locked(TimePoint now, std::vector<HealthCheck>& due) {
  for (auto& r : replicas_) {
    bool checkable = r->state == ReplicaState::kRunning ||
                     (r->state == ReplicaState::kStarting && !r->constructing);
    if (!checkable) continue;
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
  std::vector<Dispatch> next;
  {
    std::lock_guard lock(mu_);
    HealthPublisher publish(*this);
    if (generation != replica->check_generation || !replica->check_in_flight) return;
    replica->check_in_flight = false;
    if (s.is_ok()) {
      replica->consecutive_failures = 0;
      if (replica->state == ReplicaState::kStarting) {
        replica->state = ReplicaState::kRunning;
        replica->started_at = ctx_.clock.unix_nanos();
        start_backoff_ = Duration{0};
        add_event_locked("replica_started", replica.get(),
                         "running on node " + replica->node + ": first health check passed");
        // Calls queued for want of a replica (a cold start) need not wait for the next pass.
        take_queued_locked(next);
      }
    } else if (++replica->consecutive_failures >= kUnhealthyAfterFailures) {
      mark_unhealthy_locked(*replica, "failed " + std::to_string(replica->consecutive_failures) +
                                          " health checks in a row: " + s.message());
    }
  }
  for (auto& d : next) execute(std::move(d), false);
}

void Deployment::mark_unhealthy_locked(Replica& replica, std::string why) {
  if (replica.state != ReplicaState::kRunning && replica.state != ReplicaState::kStarting) return;
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
  policy_.record(now, ongoing + static_cast<double>(queue_.size()));
  average_load_ = policy_.average_load(now);
  auto decision = policy_.update(now, target_);
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

void Deployment::reconcile_replicas_locked(TimePoint now,
                                           std::vector<std::shared_ptr<Replica>>& to_construct,
                                           std::vector<std::shared_ptr<Call>>& abandoned) {
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
    start_draining_locked(*victim, now, "scaled down");
  }
  // Place pending replicas where logical resources are free; construct them off the lock.
  for (auto& r : replicas_) {
    if (r->state != ReplicaState::kPending || now < start_retry_at_) continue;
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
    r->node = *node;
    r->state = ReplicaState::kStarting;
    r->constructing = true;
    r->placed_at = now;
    add_event_locked("replica_starting", r.get(), "placed on node " + *node);
    to_construct.push_back(r);
  }
  for (auto& r : replicas_) {
    if (r->state == ReplicaState::kStarting && !r->reported_slow_start &&
        now - r->placed_at >= kSlowStartWarning) {
      r->reported_slow_start = true;
      add_event_locked("replica_slow_start", r.get(),
                       r->constructing ? "still being constructed after 30 s"
                                       : "has not passed a health check after 30 s");
    }
  }
  // Drained replicas stop once idle (and constructed), or at the graceful shutdown timeout,
  // when the calls still on them are answered 503.
  for (auto it = replicas_.begin(); it != replicas_.end();) {
    Replica& r = **it;
    bool idle = r.ongoing == 0 && !r.constructing;
    if (r.state != ReplicaState::kDraining || !(idle || now >= r.drain_deadline)) {
      ++it;
      continue;
    }
    if (r.ongoing > 0) {
      for (auto& [seq, call] : running_) {
        if (call->replica == &r && !call->answered.load()) abandoned.push_back(call);
      }
    }
    ctx_.nodes.release(r.node, config_.resources);
    add_event_locked(
        "replica_stopped", &r,
        idle ? "drained"
             : "graceful shutdown timeout with " + std::to_string(r.ongoing) + " ongoing");
    // A replica still constructing or running calls is kept alive by their tasks' references.
    it = replicas_.erase(it);
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
    HealthPublisher publish(*this);
    if (deployed_) return;
    deployed_ = true;
    target_ = config_.num_replicas;
    policy_ = AutoscalingPolicy(config_.autoscaling);
  }
  reconcile();
}

void Deployment::undeploy() {
  std::deque<std::shared_ptr<Call>> queued;
  std::vector<std::shared_ptr<Replica>> to_construct;
  std::vector<std::shared_ptr<Call>> abandoned;
  {
    std::lock_guard lock(mu_);
    HealthPublisher publish(*this);
    if (!deployed_) return;
    deployed_ = false;
    target_ = 0;
    queued.swap(queue_);
    rejected_total_ += static_cast<int64_t>(queued.size());
    TimePoint now = ctx_.clock.now();
    for (auto& r : replicas_) {
      if (r->state == ReplicaState::kRunning || r->state == ReplicaState::kStarting)
        start_draining_locked(*r, now, "deployment shut down");
    }
    reconcile_replicas_locked(now, to_construct, abandoned);
  }
  for (auto& call : abandoned) queued.push_back(std::move(call));
  for (auto& call : queued) {
    call->answer(error_response(unavailable("deployment " + spec_.name + " was shut down")));
  }
}

int Deployment::abandon(const std::string& why) {
  std::vector<std::shared_ptr<Call>> calls;
  {
    std::lock_guard lock(mu_);
    for (auto& call : queue_) calls.push_back(std::move(call));
    queue_.clear();
    for (auto& [seq, call] : running_) {
      if (!call->answered.load()) calls.push_back(call);
    }
  }
  for (auto& call : calls) {
    spdlog::warn(
        "event=call_abandoned deployment={} request_id={} method={} path=\"{}\" "
        "reason=\"{}\"",
        spec_.name, call->request.request_id, call->request.method,
        call->request.path.substr(0, 200), why);
    call->answer(error_response(unavailable(why)));
  }
  return static_cast<int>(calls.size());
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
  s.errors_total = errors_total_;
  s.average_load = average_load_;
  s.config = config_;
  Health h = health_locked();
  s.status = h.name();
  s.num_replicas = h.running;
  s.healthy_replicas = h.healthy;
  s.starting_replicas = h.starting;
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
    rs.errors = r->errors;
    rs.started_at = r->started_at;
    s.ongoing += r->ongoing;
    if (r->state == ReplicaState::kDraining) ++s.draining_replicas;
    s.replicas.push_back(std::move(rs));
  }
  return s;
}

// Health packs into one word: deployed (1 bit), then target, running, healthy, starting and
// pending (12 bits each; a deployment has at most 1000 replicas).
namespace {
constexpr int kHealthBits = 12;
constexpr uint64_t kHealthMask = (1u << kHealthBits) - 1;

uint64_t pack(const Deployment::Health& h) {
  uint64_t word = h.deployed ? 1 : 0;
  int shift = 1;
  for (int field : {h.target, h.running, h.healthy, h.starting, h.pending}) {
    word |= (static_cast<uint64_t>(std::min<int>(field, kHealthMask)) & kHealthMask) << shift;
    shift += kHealthBits;
  }
  return word;
}

Deployment::Health unpack(uint64_t word) {
  Deployment::Health h;
  h.deployed = (word & 1) != 0;
  int shift = 1;
  for (int* field : {&h.target, &h.running, &h.healthy, &h.starting, &h.pending}) {
    *field = static_cast<int>((word >> shift) & kHealthMask);
    shift += kHealthBits;
  }
  return h;
}
}  // namespace

Deployment::HealthPublisher::~HealthPublisher() {
  deployment_.health_word_.store(pack(deployment_.health_locked()), std::memory_order_release);
}

Deployment::Health Deployment::health() const {
  // Read without the lock: /health is polled hard and must not contend with the control loop.
  return unpack(health_word_.load(std::memory_order_acquire));
}

Deployment::Health Deployment::health_locked() const {
  Health h;
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

int Deployment::load() const {
  std::lock_guard lock(mu_);
  int n = static_cast<int>(queue_.size());
  for (const auto& r : replicas_) n += r->ongoing;
  return n;
}

}  // namespace tc::serve
