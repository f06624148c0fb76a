#include "node/node.hpp"

#include <spdlog/spdlog.h>

#include "cluster/inproc_bus.hpp"
#include "cluster/node_registry.hpp"
#include "core/executor.hpp"
#include "dashboard/control_api.hpp"
#include "gateway/gateway.hpp"
#include "gateway/http_server.hpp"
#include "serve/job_registry.hpp"
#include "serve/serve_runtime.hpp"
#include "services/algorunner/algorunner_deployment.hpp"
#include "services/probe/probe_deployment.hpp"
#include "services/screener/screener_deployment.hpp"
#include "services/tickscrawler/tickscrawler_deployment.hpp"
#include "storage/memory_cache.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace tc::node {

// Declared in start order; destroyed in reverse.
struct Node::Parts {
  SystemClock clock;
  int64_t started_at = 0;
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<storage::MemoryCache> cache;
  std::unique_ptr<cluster::InProcBus> bus;
  cluster::NodeRegistry nodes;
  std::unique_ptr<ThreadPool> workers;
  std::unique_ptr<serve::ServeRuntime> runtime;
  std::unique_ptr<serve::JobRegistry> jobs;
  std::unique_ptr<services::ServiceContext> services;
  std::unique_ptr<gateway::Gateway> gateway;
  std::unique_ptr<gateway::HttpServer> api_server;
  std::unique_ptr<dashboard::ControlApi> control;
  std::unique_ptr<gateway::HttpServer> control_server;
};

Node::Node(NodeSettings settings) : settings_(std::move(settings)) {}

Node::~Node() {
  request_stop();
  wait_and_stop();
}

uint16_t Node::port() const { return parts_->api_server->port(); }
uint16_t Node::dashboard_port() const { return parts_->control_server->port(); }

Status Node::start() {
  const NodeSettings& s = settings_;
  parts_ = std::make_unique<Parts>();
  Parts& p = *parts_;
  p.started_at = p.clock.unix_nanos();

  auto store = storage::SqliteStore::open(s.data_dir / "tradecluster.db");
  if (!store) return store.status();
  p.store = std::move(store).value();
  spdlog::info("event=store_opened backend=sqlite path={} schema_version={}",
               (s.data_dir / "tradecluster.db").string(), p.store->schema_version());
  p.cache = std::make_unique<storage::MemoryCache>(p.clock, s.object_store_memory);
  p.bus = std::make_unique<cluster::InProcBus>();

  cluster::ResourceSet total = cluster::ResourceSet::from_cpu(s.num_cpus, s.memory_bytes);
  TC_RETURN_IF_ERROR(
      p.nodes.add(cluster::NodeInfo{"head", s.host + ":" + std::to_string(s.dashboard_port), true,
                                    true, total, total, p.started_at}));
  // The gateway is the seed's router deployment: it holds its logical resources on the head.
  cluster::ResourceSet router = cluster::ResourceSet::from_cpu(s.router_cpus, 64LL << 20);
  if (!p.nodes.reserve(router)) {
    spdlog::warn(
        "event=router_unplaced reason=\"--num-cpus {} leaves no room for the router's {} CPU\"",
        s.num_cpus, s.router_cpus);
  }

  p.workers = std::make_unique<ThreadPool>(s.worker_threads);
  p.runtime = std::make_unique<serve::ServeRuntime>(p.clock, *p.workers, p.nodes, s.control_period);
  p.jobs = std::make_unique<serve::JobRegistry>(p.store->jobs(), *p.bus, p.clock);
  p.services = std::make_unique<services::ServiceContext>(
      services::ServiceContext{p.clock, p.store->catalog(), *p.jobs, *p.runtime, p.started_at});
  TC_RETURN_IF_ERROR(p.runtime->add(
      services::make_algorunner_deployment(*p.services, s.algorunner_options), s.algorunner));
  TC_RETURN_IF_ERROR(p.runtime->add(
      services::make_screener_deployment(*p.services, s.screener_options), s.screener));
  TC_RETURN_IF_ERROR(p.runtime->add(
      services::make_tickscrawler_deployment(*p.services, s.tickscrawler_options), s.tickscrawler));
  if (s.probe) TC_RETURN_IF_ERROR(p.runtime->add(services::make_probe_deployment(), *s.probe));

  auto gateway = gateway::Gateway::create({s.request_timeout, s.api_token}, p.clock, *p.runtime);
  if (!gateway) return gateway.status();
  p.gateway = std::move(gateway).value();

  gateway::HttpServerOptions api_options;
  api_options.name = "gateway";
  api_options.host = s.host;
  api_options.port = s.port;
  api_options.io_threads = s.io_threads;
  p.api_server = std::make_unique<gateway::HttpServer>(
      api_options, [g = p.gateway.get()](serve::Request r, serve::Responder respond) {
        g->handle(std::move(r), std::move(respond));
      });
  TC_RETURN_IF_ERROR(p.api_server->start());

  dashboard::ControlApiOptions control_options;
  control_options.api_token = s.api_token;
  control_options.started_at = p.started_at;
  control_options.gateway_address = s.host + ":" + std::to_string(p.api_server->port());
  control_options.store_backend = p.store->backend();
  p.control = std::make_unique<dashboard::ControlApi>(control_options, p.clock, *p.runtime, p.nodes,
                                                      [this] { request_stop(); });
  gateway::HttpServerOptions control_server_options;
  control_server_options.name = "control";
  control_server_options.host = s.host;
  control_server_options.port = s.dashboard_port;
  control_server_options.io_threads = 1;
  p.control_server = std::make_unique<gateway::HttpServer>(
      control_server_options, [c = p.control.get()](serve::Request r, serve::Responder respond) {
        c->handle(std::move(r), std::move(respond));
      });
  TC_RETURN_IF_ERROR(p.control_server->start());

  p.runtime->deploy_all();
  p.runtime->start();
  spdlog::info("event=node_started node=head api={}:{} control={}:{} num_cpus={} workers={}",
               s.host, p.api_server->port(), s.host, p.control_server->port(), s.num_cpus,
               s.worker_threads);
  if (s.exposed()) {
    if (s.api_token.empty()) {
      spdlog::warn(
          "event=insecure WARNING: the API listens on {} beyond loopback with no "
          "TC_API_TOKEN: anyone who can reach it can run and stop algorithms",
          s.host);
    }
    if (s.seed_default_passwords) {
      spdlog::warn(
          "event=insecure WARNING: the API listens on {} beyond loopback while "
          "POSTGRES_PASSWORD or REDIS_PASSWORD is the seed's published default",
          s.host);
    }
  }
  return Status::ok();
}

void Node::request_stop() {
  {
    std::lock_guard lock(mu_);
    stop_requested_ = true;
  }
  cv_.notify_all();
}

void Node::wait_and_stop() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return stop_requested_; });
  if (stopped_) return;
  stopped_ = true;
  lock.unlock();
  stop_parts();
}

void Node::stop_parts() {
  if (!parts_) return;
  Parts& p = *parts_;
  spdlog::info("event=node_draining ongoing_and_queued={}", p.runtime ? p.runtime->load() : 0);
  if (p.api_server) p.api_server->stop_accepting();
  if (p.control_server) p.control_server->stop_accepting();
  bool drained = p.runtime ? p.runtime->wait_idle(settings_.drain_timeout) : true;
  if (!drained) spdlog::warn("event=drain_timeout remaining={}", p.runtime->load());
  if (p.runtime) {
    p.runtime->stop();
    p.runtime->undeploy_all();  // answers whatever is still queued
  }
  if (p.workers) p.workers->stop();  // running handlers finish and answer
  if (p.api_server) p.api_server->wait_idle(std::chrono::seconds(5));
  if (p.control_server) p.control_server->wait_idle(std::chrono::seconds(1));
  if (p.control_server) p.control_server->stop();
  if (p.api_server) p.api_server->stop();
  if (p.bus) p.bus->close();
  spdlog::info("event=node_stopped drained={}", drained);
  parts_.reset();
}

}  // namespace tc::node
