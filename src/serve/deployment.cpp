#include "serve/deployment.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "serve/http_error.hpp"

namespace tc::serve {
namespace {

// DeploymentHealth packs into one word for health() to read without the lock: deployed (1 bit),
// then target, running, healthy, starting and pending (12 bits each; a deployment has at most
// 1000 replicas).
constexpr int kHealthBits = 12;
constexpr uint64_t kHealthMask = (1u << kHealthBits) - 1;

uint64_t pack(const DeploymentHealth& h) {
  uint64_t word = h.deployed ? 1 : 0;
  int shift = 1;
  for (int field : {h.target, h.running, h.healthy, h.starting, h.pending}) {
    word |= (static_cast<uint64_t>(std::min<int>(field, kHealthMask)) & kHealthMask) << shift;
    shift += kHealthBits;
  }
  return word;
}

DeploymentHealth unpack(uint64_t word) {
  DeploymentHealth h;
  h.deployed = (word & 1) != 0;
  int shift = 1;
  for (int* field : {&h.target, &h.running, &h.healthy, &h.starting, &h.pending}) {
    *field = static_cast<int>((word >> shift) & kHealthMask);
    shift += kHealthBits;
  }
  return h;
}

void answer_all(std::vector<std::shared_ptr<Call>>& calls, const Response& response) {
  for (auto& call : calls) call->answer(response);
}

// A call that may run twice: it reads only, or its client said it may be retried.
bool safe_to_retry(const Request& r) {
  return r.method == "GET" || r.method == "HEAD" || !r.idempotency_key.empty();
}

}  // namespace

Deployment::Deployment(DeploymentSpec spec, DeploymentConfig config, DeploymentContext context)
    : spec_(std::move(spec)),
      config_(std::move(config)),
      ctx_(context),
      router_(
          config_.max_ongoing_requests, config_.max_queued_requests,
          std::hash<std::string>{}(spec_.name) ^ static_cast<uint64_t>(ctx_.clock.unix_nanos())),
      controller_(spec_.name, config_, ctx_.clock, ctx_.nodes, ctx_.events) {
  for (const RouteSpec& r : spec_.routes) blocking_[r.id] = r.blocking;
}

Deployment::~Deployment() = default;

Deployment::HealthPublisher::~HealthPublisher() {
  deployment_.health_word_.store(pack(deployment_.controller_.health()), std::memory_order_release);
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
    if (!controller_.deployed()) {
      router_.refuse();
      refusal = error_response(unavailable("deployment " + spec_.name + " is not deployed"));
    } else if (router_.admit(call, controller_.replicas(), dispatch) ==
               CallRouter::Admission::kFull) {
      refusal = error_response(
          unavailable("deployment " + spec_.name + " is at capacity: every replica has " +
                      std::to_string(config_.max_ongoing_requests) + " requests ongoing and " +
                      std::to_string(router_.queued()) + " more are queued"));
    }
  }
  if (refusal) {
    call->answer(std::move(*refusal));
  } else if (dispatch) {
    execute(std::move(*dispatch), true);
  }
}

void Deployment::execute(Dispatch dispatch, bool inline_ok) {
  auto& [replica, call] = dispatch;
  const uint64_t seq = call->seq.load();
  if (call->answered.load()) {  // expired or abandoned before it started
    finish(dispatch, seq, Response{}, CallOutcome::kAnswered);
    return;
  }
  // The call outlives its handle's work: `done` holds it.
  const Request& request = call->request;
  int route_id = call->route_id;
  bool run_inline = inline_ok && !is_blocking(route_id);
  replica->handle->call(route_id, request, run_inline,
                        [this, dispatch, seq](Response response, CallOutcome outcome) {
                          finish(dispatch, seq, std::move(response), outcome);
                        });
}

void Deployment::move_calls_off(Replica& replica, std::vector<Dispatch>& retry,
                                std::vector<std::shared_ptr<Call>>& refused) {
  std::vector<std::shared_ptr<Call>> calls;
  router_.running_on(&replica, calls);
  for (auto& call : calls) {
    router_.release(replica, *call);
    if (safe_to_retry(call->request) && ctx_.clock.now() < call->request.deadline) {
      std::optional<Dispatch> d;
      router_.readmit(call, controller_.replicas(), d);
      if (d) retry.push_back(std::move(*d));
    } else {
      ++errors_total_;
      refused.push_back(std::move(call));
    }
  }
}

void Deployment::settle_moved(std::vector<Dispatch>& retry,
                              std::vector<std::shared_ptr<Call>>& refused) {
  for (auto& call : refused) {
    call->answer(error_response(
        unavailable("the replica running this request was lost and it is not safe to run it "
                    "again: retry it, or send an Idempotency-Key header")));
  }
  for (auto& d : retry) execute(std::move(d), false);
}

void Deployment::finish(const Dispatch& dispatch, uint64_t seq, Response response,
                        CallOutcome outcome) {
  auto& [replica, call] = dispatch;
  std::vector<Dispatch> next, retry;
  std::vector<std::shared_ptr<Call>> refused;
  bool retried = false;
  {
    std::lock_guard lock(mu_);
    HealthPublisher publish(*this);
    // An attempt already moved off a lost replica: its slot was released then.
    if (call->seq.load() != seq || call->replica != replica.get()) return;
    router_.release(*replica, *call);
    if (outcome == CallOutcome::kThrew) {
      ++replica->errors;
      ++errors_total_;
    } else if (outcome == CallOutcome::kLost) {
      ++replica->errors;
      if (controller_.replica_lost(*replica, "unreachable: " + response.body.substr(0, 300))) {
        move_calls_off(*replica, retry, refused);
      }
      if (!call->answered.load() && safe_to_retry(call->request) &&
          ctx_.clock.now() < call->request.deadline) {
        std::optional<Dispatch> d;
        router_.readmit(call, controller_.replicas(), d);
        if (d) retry.push_back(std::move(*d));
        retried = true;
      } else {
        ++errors_total_;
      }
    }
    router_.take_queued(controller_.replicas(), next);
  }
  if (outcome == CallOutcome::kThrew) {
    spdlog::warn("event=handler_threw deployment={} replica={} request_id={} message=\"{}\"",
                 spec_.name, replica->id, call->request.request_id, response.body);
  } else if (outcome == CallOutcome::kLost) {
    spdlog::warn("event=replica_unreachable deployment={} replica={} request_id={} retried={}",
                 spec_.name, replica->id, call->request.request_id, retried);
  }
  if (!retried) {
    if (outcome == CallOutcome::kLost) {
      response = error_response(unavailable(
          "the replica running this request was lost (" + replica->id + " on node " +
          replica->node +
          ") and it is not safe to run it again: retry it, or send an Idempotency-Key header"));
    }
    call->answer(std::move(response));
  }
  settle_moved(retry, refused);
  // Queued calls run on the requests executor, never nested in this call's stack.
  for (auto& d : next) execute(std::move(d), false);
}

void Deployment::reconcile() {
  TimePoint now = ctx_.clock.now();
  std::vector<std::shared_ptr<Call>> expired, abandoned;
  std::vector<Dispatch> next;
  ReplicaController::Work work;
  {
    std::lock_guard lock(mu_);
    HealthPublisher publish(*this);
    router_.expire(now, expired);
    controller_.reconcile(now, load_locked(), work);
    for (const Replica* r : work.stopped_busy) router_.running_on(r, abandoned);
    router_.take_queued(controller_.replicas(), next);
  }
  answer_all(expired, error_response(deadline_exceeded("request to " + spec_.name +
                                                       " did not finish within its deadline")));
  for (auto& call : abandoned) {
    spdlog::warn(
        "event=call_abandoned deployment={} request_id={} reason=\"graceful shutdown timeout of "
        "its replica\"",
        spec_.name, call->request.request_id);
  }
  answer_all(abandoned, error_response(unavailable("the replica serving this request stopped at "
                                                   "its graceful shutdown timeout")));
  start_work(work);
  for (auto& d : next) execute(std::move(d), false);
}

void Deployment::start_work(ReplicaController::Work& work) {
  for (auto& replica : work.to_construct) {
    ctx_.lifecycle.post([this, replica] { construct(replica); });
  }
  for (auto& [replica, generation] : work.health_checks) {
    ctx_.lifecycle.post([this, replica, generation] { run_health_check(replica, generation); });
  }
  for (auto& handle : work.to_stop) {
    ctx_.lifecycle.post([handle] { handle->stop(); });
  }
}

void Deployment::construct(const std::shared_ptr<Replica>& replica) {
  auto launched = ctx_.launcher.launch(spec_, ReplicaInfo{replica->id, replica->node});
  std::shared_ptr<ReplicaHandle> handle = launched ? *launched : nullptr;
  std::optional<uint64_t> first_check;
  bool orphan = false;
  {
    std::lock_guard lock(mu_);
    HealthPublisher publish(*this);
    first_check = controller_.constructed(*replica, handle,
                                          launched ? std::string() : launched.status().message());
    orphan = replica->removed;
  }
  if (orphan && handle) handle->stop();
  // The first health check runs now, on this thread; passing it makes the replica RUNNING. The
  // control loop times it out like any other check.
  if (first_check) run_health_check(replica, *first_check);
}

void Deployment::run_health_check(const std::shared_ptr<Replica>& replica, uint64_t generation) {
  {
    std::lock_guard lock(mu_);
    if (!controller_.check_started(*replica, generation)) return;
  }
  replica->handle->check_health(
      config_.health_check_timeout,
      [this, replica, generation](Status result) { checked(replica, generation, result); });
}

void Deployment::checked(const std::shared_ptr<Replica>& replica, uint64_t generation,
                         const Status& result) {
  std::vector<Dispatch> next, retry;
  std::vector<std::shared_ptr<Call>> refused;
  {
    std::lock_guard lock(mu_);
    HealthPublisher publish(*this);
    if (result.code() == StatusCode::kNotFound &&
        controller_.replica_lost(*replica, result.message())) {
      move_calls_off(*replica, retry, refused);  // gone, not slow: no second chance
    } else if (controller_.health_checked(*replica, generation, result)) {
      // Calls queued for want of a replica (a cold start) need not wait for the next pass.
      router_.take_queued(controller_.replicas(), next);
    }
  }
  settle_moved(retry, refused);
  for (auto& d : next) execute(std::move(d), false);
}

void Deployment::deploy() {
  {
    std::lock_guard lock(mu_);
    HealthPublisher publish(*this);
    if (!controller_.deploy()) return;
  }
  reconcile();
}

void Deployment::undeploy() {
  std::vector<std::shared_ptr<Call>> refused;
  ReplicaController::Work work;
  {
    std::lock_guard lock(mu_);
    HealthPublisher publish(*this);
    if (!controller_.undeploy(ctx_.clock.now())) return;
    for (auto& call : router_.take_queue()) refused.push_back(std::move(call));
    controller_.reconcile_replicas(ctx_.clock.now(), work);
    for (const Replica* r : work.stopped_busy) router_.running_on(r, refused);
  }
  answer_all(refused, error_response(unavailable("deployment " + spec_.name + " was shut down")));
}

int Deployment::abandon(const std::string& why) {
  std::vector<std::shared_ptr<Call>> calls;
  {
    std::lock_guard lock(mu_);
    router_.take_unanswered(calls);
  }
  for (auto& call : calls) {
    spdlog::warn(
        "event=call_abandoned deployment={} request_id={} method={} path=\"{}\" reason=\"{}\"",
        spec_.name, call->request.request_id, call->request.method,
        call->request.path.substr(0, 200), why);
  }
  answer_all(calls, error_response(unavailable(why)));
  return static_cast<int>(calls.size());
}

DeploymentStatus Deployment::status() const {
  std::lock_guard lock(mu_);
  DeploymentStatus s;
  s.name = spec_.name;
  s.queued = router_.queued();
  s.requests_total = router_.requests_total();
  s.rejected_total = router_.rejected_total();
  s.timed_out_total = router_.timed_out_total();
  s.errors_total = errors_total_;
  s.config = config_;
  controller_.fill_status(s);
  return s;
}

Deployment::Health Deployment::health() const {
  // Read without the lock: /health is polled hard and must not contend with the control loop.
  return unpack(health_word_.load(std::memory_order_acquire));
}

void Deployment::adopt(const std::string& id, const std::string& node,
                       std::shared_ptr<ReplicaHandle> handle) {
  std::lock_guard lock(mu_);
  HealthPublisher publish(*this);
  controller_.adopt(id, node, std::move(handle));
}

void Deployment::probe_node(const std::string& node, Duration timeout) {
  std::vector<std::shared_ptr<Replica>> on_node;
  {
    std::lock_guard lock(mu_);
    for (const auto& r : controller_.replicas()) {
      if (r->node == node && r->handle && r->state == ReplicaState::kRunning) on_node.push_back(r);
    }
  }
  for (auto& replica : on_node) {
    replica->handle->check_health(timeout, [this, replica, node](Status result) {
      if (result.is_ok()) return;
      std::vector<Dispatch> retry;
      std::vector<std::shared_ptr<Call>> refused;
      {
        std::lock_guard lock(mu_);
        HealthPublisher publish(*this);
        if (controller_.replica_lost(*replica, "node " + node +
                                                   " is late and the replica did not answer a "
                                                   "probe: " +
                                                   result.message())) {
          move_calls_off(*replica, retry, refused);
        }
      }
      settle_moved(retry, refused);
    });
  }
}

int Deployment::node_lost(const std::string& node, const std::string& why) {
  std::vector<Dispatch> retry;
  std::vector<std::shared_ptr<Call>> refused;
  int lost = 0;
  {
    std::lock_guard lock(mu_);
    HealthPublisher publish(*this);
    for (const auto& r : controller_.replicas()) {
      if (r->node != node || !controller_.replica_lost(*r, why)) continue;
      ++lost;
      move_calls_off(*r, retry, refused);
    }
  }
  settle_moved(retry, refused);
  return lost;
}

int Deployment::load() const {
  std::lock_guard lock(mu_);
  return load_locked();
}

int Deployment::load_locked() const {
  int n = router_.queued();
  for (const auto& r : controller_.replicas()) n += r->ongoing;
  return n;
}

}  // namespace tc::serve
