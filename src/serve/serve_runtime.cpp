#include "serve/serve_runtime.hpp"

#include <algorithm>

namespace tc::serve {

ServeRuntime::ServeRuntime(const Clock& clock, Executor& requests, Executor& lifecycle,
                           cluster::NodeRegistry& nodes, Duration control_period,
                           ReplicaLauncher* launcher)
    : clock_(clock),
      requests_(requests),
      lifecycle_(lifecycle),
      nodes_(nodes),
      control_period_(control_period),
      local_launcher_(requests),
      launcher_(launcher != nullptr ? *launcher : local_launcher_) {}

ServeRuntime::~ServeRuntime() { stop(); }

Status ServeRuntime::add(DeploymentSpec spec, DeploymentConfig config) {
  if (find(spec.name) != nullptr) return already_exists("deployment " + spec.name + " exists");
  deployments_.push_back(std::make_unique<Deployment>(
      std::move(spec), std::move(config),
      DeploymentContext{clock_, requests_, lifecycle_, nodes_, events_, launcher_}));
  return Status::ok();
}

Deployment* ServeRuntime::find(std::string_view name) const {
  for (const auto& d : deployments_) {
    if (d->spec().name == name) return d.get();
  }
  return nullptr;
}

void ServeRuntime::deploy_all() {
  for (auto& d : deployments_) d->deploy();
}

void ServeRuntime::undeploy_all() {
  for (auto& d : deployments_) d->undeploy();
}

void ServeRuntime::start() {
  std::lock_guard lock(mu_);
  if (running_) return;
  running_ = true;
  thread_ = std::thread([this] { loop(); });
}

void ServeRuntime::stop() {
  {
    std::lock_guard lock(mu_);
    if (!running_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  thread_.join();
  std::lock_guard lock(mu_);
  running_ = false;
  stopping_ = false;
}

void ServeRuntime::tick() {
  for (auto& d : deployments_) d->reconcile();
}

void ServeRuntime::loop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    tick();
    lock.lock();
    cv_.wait_for(lock, control_period_, [&] { return stopping_; });
  }
}

void ServeRuntime::probe_node(const std::string& node, Duration timeout) {
  for (auto& d : deployments_) d->probe_node(node, timeout);
}

int ServeRuntime::node_lost(const std::string& node, const std::string& why) {
  int n = 0;
  for (auto& d : deployments_) n += d->node_lost(node, why);
  return n;
}

int ServeRuntime::load() const {
  int n = 0;
  for (const auto& d : deployments_) n += d->load();
  return n;
}

bool ServeRuntime::wait_started(Duration timeout) {
  const TimePoint until = clock_.now() + timeout;
  auto starting = [&] {
    return std::any_of(deployments_.begin(), deployments_.end(),
                       [](const auto& d) { return d->health().starting > 0; });
  };
  while (starting()) {
    if (clock_.now() >= until) return false;
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(5));
  }
  return true;
}

int ServeRuntime::drain(TimePoint deadline, const std::string& why) {
  const TimePoint start = clock_.now();
  std::vector<Deployment*> draining;
  for (auto& d : deployments_) draining.push_back(d.get());
  int abandoned = 0;
  while (!draining.empty()) {
    TimePoint now = clock_.now();
    std::erase_if(draining, [&](Deployment* d) {
      if (d->load() == 0) return true;
      if (now < std::min(deadline, start + d->config().graceful_shutdown_timeout)) return false;
      abandoned += d->abandon(why);
      return true;
    });
    if (draining.empty()) break;
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(5));
  }
  return abandoned;
}

}  // namespace tc::serve
