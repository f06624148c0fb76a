#include "node/node.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <map>

#include "cluster/inproc_bus.hpp"
#include "cluster/membership.hpp"
#include "cluster/nats/nats_bus.hpp"
#include "cluster/node_registry.hpp"
#include "core/elastic_pool.hpp"
#include "core/stoppable_thread.hpp"
#include "dashboard/control_api.hpp"
#include "gateway/gateway.hpp"
#include "market/simulator.hpp"
#include "market/source_registry.hpp"
#include "net/http_server.hpp"
#include "node/store_import.hpp"
#include "serve/job_registry.hpp"
#include "serve/job_runner.hpp"
#include "serve/remote_replica.hpp"
#include "serve/replica_wire.hpp"
#include "serve/serve_runtime.hpp"
#include "serve/status_json.hpp"
#include "services/algorunner/algorunner_deployment.hpp"
#include "services/common/handler_support.hpp"
#include "services/probe/probe_deployment.hpp"
#include "services/screener/screener_deployment.hpp"
#include "services/tickscrawler/simulator_seed.hpp"
#include "services/tickscrawler/stream.hpp"
#include "services/tickscrawler/tickscrawler_deployment.hpp"
#include "sources/binance_source.hpp"
#include "sources/csv_source.hpp"
#include "sources/replay_source.hpp"
#include "storage/memory_cache.hpp"
#include "storage/postgres/postgres_store.hpp"
#include "storage/redis/redis_cache.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace tc::node {

// Declared in start order; destroyed in reverse.
struct Node::Parts {
  SystemClock clock;
  int64_t started_at = 0;
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<storage::Cache> cache;
  DependencyHealth dependencies;
  std::unique_ptr<StoppableThread> health_checker;
  std::unique_ptr<services::BarSeriesCache> series;
  std::unique_ptr<cluster::Bus> bus;
  market::SourceRegistry sources;
  cluster::NodeRegistry nodes;
  std::unique_ptr<ElasticPool> requests;
  std::unique_ptr<ElasticPool> lifecycle;
  std::unique_ptr<serve::ClusterLauncher> launcher;  // a head's: replicas on other nodes
  std::unique_ptr<serve::ServeRuntime> runtime;
  std::unique_ptr<serve::JobRegistry> jobs;
  std::unique_ptr<serve::JobRunner> runner;
  std::unique_ptr<services::ServiceContext> services;
  std::unique_ptr<gateway::Gateway> gateway;
  std::unique_ptr<net::HttpServer> api_server;
  std::unique_ptr<dashboard::ControlApi> control;
  std::unique_ptr<net::HttpServer> control_server;
  std::unique_ptr<net::HttpServer> cluster_control_server;  // a head's, for remote CLI clients
  // A head's: who is alive, and what workers ask of it.
  std::unique_ptr<cluster::MembershipMonitor> membership;
  std::unique_ptr<cluster::Subscription> head_info, head_status, head_run;
  // The head's own tickscrawler handler, for the CSV imports workers send it.
  std::shared_ptr<serve::ReplicaHandler> head_importer;
  // A worker's: the replicas the head placed here, and its heartbeat.
  std::unique_ptr<serve::ReplicaHost> host;
  std::unique_ptr<cluster::NodeAnnouncer> announcer;
};

Node::Node(NodeSettings settings) : settings_(std::move(settings)) {}

Node::~Node() {
  request_stop();
  wait_and_stop();
  if (lock_fd_ >= 0) close(lock_fd_);
}

namespace {

constexpr Duration kStartupWait = std::chrono::seconds(10);
// How long a worker waits for the head to name the store.
constexpr Duration kHeadWait = std::chrono::seconds(60);

std::string head_info_subject(std::string_view cluster) {
  return "tc.v1.serve." + std::string(cluster) + ".head.info";
}

std::string head_status_subject(std::string_view cluster) {
  return "tc.v1.serve." + std::string(cluster) + ".head.status";
}

std::string head_run_subject(std::string_view cluster) {
  return "tc.v1.serve." + std::string(cluster) + ".head.run";
}

std::string host_name() {
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "localhost";
  return name;
}

// What the head tells its workers: the store they are to use and where it runs.
std::string head_info_json(const NodeSettings& s) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("host", host_name());
  if (s.postgres_store) {
    w.field("store", "postgres")
        .field("postgres_host", s.postgres_store->host)
        .field("postgres_port", static_cast<int64_t>(s.postgres_store->port))
        .field("postgres_db", s.postgres_store->dbname)
        .field("postgres_user", s.postgres_store->user);
  } else {
    w.field("store", "sqlite")
        .field("sqlite_path", std::filesystem::absolute(s.data_dir / "tradecluster.db").string())
        .field("import_dir", std::filesystem::absolute(s.import_dir).string());
  }
  w.end_object();
  return out;
}

std::string text_field(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->as_string()) : std::string();
}

// A worker uses the store its head names: the same PostgreSQL database (with the password this
// worker is given), or the head's SQLite file when both run on one host.
Status adopt_head_store(cluster::Bus& bus, NodeSettings& s) {
  const TimePoint until = SystemClock().now() + kHeadWait;
  Result<cluster::Message> reply = unavailable("no answer");
  while (true) {
    reply = bus.request(head_info_subject(s.cluster_name), "", std::chrono::seconds(2));
    if (reply || SystemClock().now() >= until) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  if (!reply) {
    return unavailable(
        "no head of cluster '" + s.cluster_name + "' answered on the bus within " +
        std::to_string(std::chrono::duration_cast<std::chrono::seconds>(kHeadWait).count()) +
        " s: start it first (tradecluster node --head)");
  }
  auto info = parse_json(reply->data);
  if (!info || !info->is_object()) return internal_error("the head answered badly: " + reply->data);
  const json::object& o = info->as_object();
  if (text_field(o, "store") == "postgres") {
    storage::PgOptions pg = s.postgres_store.value_or(storage::PgOptions{});
    if (!s.postgres_store) {
      // The password is never sent over the bus: this node's own POSTGRES_PASSWORD, or the
      // seed's default.
      pg.password = "raypassword";
      if (const char* p = std::getenv("POSTGRES_PASSWORD")) pg.password = p;
    }
    pg.host = text_field(o, "postgres_host");
    pg.dbname = text_field(o, "postgres_db");
    pg.user = text_field(o, "postgres_user");
    if (const auto* port = o.if_contains("postgres_port"); port && port->is_int64()) {
      pg.port = static_cast<int>(port->as_int64());
    }
    s.postgres_store = pg;
    return Status::ok();
  }
  std::string head_host = text_field(o, "host");
  if (head_host != host_name()) {
    return failed_precondition(
        "the head (on host " + head_host +
        ") keeps its store in SQLite, which only nodes on its "
        "own host can share; run the cluster on PostgreSQL (TC_STORE=postgres on the head, or "
        "`tradecluster cluster start --with-infra`) to add nodes on other hosts");
  }
  s.postgres_store.reset();
  s.shared_sqlite_path = text_field(o, "sqlite_path");
  s.import_dir = text_field(o, "import_dir");
  return Status::ok();
}

// The simulator's seed, from its catalog entry's config ({"seed": 42}).
uint64_t simulator_seed(storage::CatalogStore& catalog) {
  auto sources = catalog.data_sources();
  if (!sources) return 42;
  for (const auto& s : *sources) {
    if (s.name != "simulator") continue;
    auto config = parse_json(s.config);
    if (config && config->is_object() && config->as_object().contains("seed") &&
        config->as_object().at("seed").is_int64()) {
      return static_cast<uint64_t>(config->as_object().at("seed").as_int64());
    }
  }
  return 42;
}

// Takes an exclusive lock on `dir`/tradecluster.lock and writes the pid into it. Returns the
// descriptor to keep open, or failed_precondition naming the holder.
Result<int> lock_data_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  std::string path = (dir / "tradecluster.lock").string();
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return unavailable("cannot open " + path + ": " + std::strerror(errno));
  if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
    std::string holder;
    std::ifstream(path) >> holder;
    close(fd);
    return failed_precondition(
        "the data directory " + dir.string() + " is in use by another tradecluster node" +
        (holder.empty() ? "" : " (pid " + holder + ")") + "; stop it or choose another --data-dir");
  }
  std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd, 0) != 0 || write(fd, pid.data(), pid.size()) < 0) {
    spdlog::warn("event=lock_file_write_failed path={}", path);
  }
  return fd;
}

Result<std::unique_ptr<storage::Store>> open_store(const NodeSettings& s) {
  if (s.postgres_store) {
    auto store = storage::PostgresStore::open(*s.postgres_store);
    if (!store) return store.status();
    spdlog::info("event=store_opened backend=postgres database={} schema_version={} pool_size={}",
                 s.postgres_store->display(), (*store)->schema_version(),
                 s.postgres_store->pool_size);
    // What the embedded store held comes along.
    auto imported = import_embedded_store(s.data_dir, **store, s.postgres_store->display());
    if (!imported) {
      return Status(imported.status().code(),
                    "copying " + (s.data_dir / "tradecluster.db").string() +
                        " into PostgreSQL: " + imported.status().message());
    }
    if (*imported) {
      const StoreCopy& c = **imported;
      spdlog::info(
          "event=embedded_store_imported from={} algorithms={} data_sources={} filters={} "
          "instruments={} trades={} bars={} jobs={} seconds={:.2f}",
          (s.data_dir / "tradecluster.db").string(), c.algorithms, c.data_sources, c.filters,
          c.instruments, c.trades, c.bars, c.jobs, c.seconds);
    }
    return std::unique_ptr<storage::Store>(std::move(store).value());
  }
  // A worker on the head's host shares the head's file (WAL lets several processes use it).
  auto path = s.shared_sqlite_path.empty() ? s.data_dir / "tradecluster.db"
                                           : std::filesystem::path(s.shared_sqlite_path);
  auto store = storage::SqliteStore::open(path);
  if (!store) return store.status();
  spdlog::info("event=store_opened backend=sqlite path={} schema_version={}", path.string(),
               (*store)->schema_version());
  return std::unique_ptr<storage::Store>(std::move(store).value());
}

// PostgreSQL and Redis, when configured, are checked now and then every interval, each change of
// state logged once. Null when neither is configured.
std::unique_ptr<StoppableThread> start_health_checks(DependencyHealth& health,
                                                     storage::Store& store, storage::Cache& cache,
                                                     const Clock& clock, const NodeSettings& s) {
  std::vector<std::function<void()>> checks;
  if (s.postgres_store) {
    health.add("postgres", s.postgres_store->display(), true);
    checks.push_back(
        [&health, &store, &clock] { health.record("postgres", store.ping(), clock.unix_nanos()); });
  }
  if (auto* redis = dynamic_cast<storage::RedisCache*>(&cache)) {
    health.add("redis", s.redis_cache->host + ":" + std::to_string(s.redis_cache->port), false);
    checks.push_back(
        [&health, redis, &clock] { health.record("redis", redis->ping(), clock.unix_nanos()); });
  }
  if (checks.empty()) return nullptr;
  auto run_all = [&health, checks] {
    std::map<std::string, bool> before;
    for (const DependencyCheck& d : health.checks()) before[d.name] = d.ok;
    for (const auto& check : checks) check();
    for (const DependencyCheck& d : health.checks()) {
      if (d.ok == before[d.name]) continue;
      if (d.ok) {
        spdlog::info("event=dependency_up name={} address={}", d.name, d.address);
      } else {
        spdlog::warn("event=dependency_down name={} address={} required={} why=\"{}\"", d.name,
                     d.address, d.required, d.message);
      }
    }
  };
  run_all();
  return std::make_unique<StoppableThread>(
      [run_all, interval = s.health_check_interval](StopSignal& stop) {
        while (stop.wait_for(interval)) run_all();
      });
}

}  // namespace

uint16_t Node::port() const { return parts_->api_server ? parts_->api_server->port() : 0; }
uint16_t Node::dashboard_port() const {
  return parts_->control_server ? parts_->control_server->port() : 0;
}

Status Node::start() {
  const NodeSettings& s = settings_;  // a worker's store settings come from its head
  parts_ = std::make_unique<Parts>();
  Parts& p = *parts_;
  p.started_at = p.clock.unix_nanos();

  auto lock = lock_data_dir(s.data_dir);
  if (!lock) return lock.status();
  lock_fd_ = *lock;

  if (s.nats_servers.empty()) {
    p.bus = std::make_unique<cluster::InProcBus>();
  } else {
    cluster::NatsOptions nats;
    nats.servers = s.nats_servers;
    nats.name = "tradecluster-" + s.node_name;
    // A worker may start before its cluster's server answers: it keeps trying, as it waits for
    // the head.
    nats.wait_for_server = s.role == NodeSettings::Role::kWorker;
    auto bus = cluster::NatsBus::connect(nats);
    if (!bus) return bus.status();
    spdlog::info("event=bus_connected backend=nats server={}", (*bus)->connected_url());
    p.bus = std::move(bus).value();
  }
  if (s.role == NodeSettings::Role::kWorker) {
    TC_RETURN_IF_ERROR(adopt_head_store(*p.bus, settings_));
  }

  auto store = open_store(s);
  if (!store) return store.status();
  p.store = std::move(store).value();
  // The node's object store memory: three quarters for bar series, a quarter for cached results.
  p.series = std::make_unique<services::BarSeriesCache>(
      p.store->bars(), p.store->instruments(), static_cast<size_t>(s.object_store_memory / 4 * 3));
  if (s.redis_cache) {
    p.cache = std::make_unique<storage::RedisCache>(*s.redis_cache);
    spdlog::info("event=cache_selected backend=redis host={}:{} namespace={}", s.redis_cache->host,
                 s.redis_cache->port, s.redis_cache->key_prefix);
  } else {
    p.cache = std::make_unique<storage::MemoryCache>(p.clock, s.object_store_memory / 4);
  }
  p.health_checker = start_health_checks(p.dependencies, *p.store, *p.cache, p.clock, s);
  market::MarketSimulator* simulator = nullptr;
  if (s.simulator_instruments > 0) {
    // A worker's simulator is the head's (same seed and universe), without seeding history.
    auto sim = std::make_unique<market::MarketSimulator>(
        market::SimulatorOptions{simulator_seed(p.store->catalog()), s.simulator_instruments},
        p.clock);
    simulator = sim.get();
    p.sources.add(std::move(sim));
  }
  std::error_code ec;
  std::filesystem::create_directories(s.import_dir, ec);
  if (ec)
    spdlog::warn("event=import_dir_unavailable path={} why=\"{}\"", s.import_dir.string(),
                 ec.message());
  p.sources.add(std::make_unique<sources::CsvSource>(s.import_dir));
  sources::BinanceOptions binance;
  binance.rest_url = s.binance_rest_url;
  binance.ws_url = s.binance_ws_url;
  p.sources.add(std::make_unique<sources::BinanceSource>(binance, p.clock));
  p.sources.add(
      std::make_unique<sources::ReplaySource>(p.store->ticks(), p.store->instruments(), p.clock));
  if (s.role == NodeSettings::Role::kWorker) return start_worker();

  cluster::ResourceSet total = cluster::ResourceSet::from_cpu(s.num_cpus, s.memory_bytes);
  TC_RETURN_IF_ERROR(p.nodes.add(cluster::NodeInfo{s.node_name,
                                                   s.host + ":" + std::to_string(s.dashboard_port),
                                                   true,
                                                   true,
                                                   total,
                                                   total,
                                                   p.started_at,
                                                   {}}));
  // The gateway is the seed's router deployment: it holds its logical resources on the head.
  cluster::ResourceSet router = cluster::ResourceSet::from_cpu(s.router_cpus, 64LL << 20);
  if (!p.nodes.reserve(router)) {
    spdlog::warn(
        "event=router_unplaced reason=\"--num-cpus {} leaves no room for the router's {} CPU\"",
        s.num_cpus, s.router_cpus);
  }

  p.requests = std::make_unique<ElasticPool>(ElasticPoolOptions{"requests"});
  p.lifecycle = std::make_unique<ElasticPool>(ElasticPoolOptions{"lifecycle"});
  if (s.role == NodeSettings::Role::kHead) {
    p.launcher = std::make_unique<serve::ClusterLauncher>(*p.bus, p.clock, *p.requests,
                                                          s.cluster_name, s.node_name);
  }
  p.runtime = std::make_unique<serve::ServeRuntime>(p.clock, *p.requests, *p.lifecycle, p.nodes,
                                                    s.control_period, p.launcher.get());
  p.jobs = std::make_unique<serve::JobRegistry>(p.store->jobs(), *p.bus, p.clock);
  p.runner = std::make_unique<serve::JobRunner>(*p.jobs, *p.bus, p.clock);
  // Work a dead process left behind cannot resume; streams will be resumed instead.
  auto interrupted = p.runner->fail_interrupted(s.node_name, {"crawl", "algorithm_run"});
  if (!interrupted) return interrupted.status();
  if (*interrupted > 0) spdlog::warn("event=jobs_interrupted count={}", *interrupted);
  p.services = std::make_unique<services::ServiceContext>(services::ServiceContext{
      p.clock, *p.store, *p.cache, *p.series, *p.bus, p.sources, *p.jobs, *p.runner,
      services::runtime_status_source(*p.runtime), nullptr, s.node_name, p.started_at});
  TC_RETURN_IF_ERROR(p.runtime->add(
      services::make_algorunner_deployment(*p.services, s.algorunner_options), s.algorunner));
  TC_RETURN_IF_ERROR(p.runtime->add(
      services::make_screener_deployment(*p.services, s.screener_options), s.screener));
  TC_RETURN_IF_ERROR(p.runtime->add(
      services::make_tickscrawler_deployment(*p.services, s.tickscrawler_options), s.tickscrawler));
  if (s.probe) TC_RETURN_IF_ERROR(p.runtime->add(services::make_probe_deployment(), *s.probe));

  auto gateway =
      gateway::Gateway::create({s.request_timeout, s.api_token, &p.dependencies, s.cors_origins},
                               p.clock, *p.runtime, p.bus.get());
  if (!gateway) return gateway.status();
  p.gateway = std::move(gateway).value();

  net::HttpServerOptions api_options;
  api_options.name = "gateway";
  api_options.host = s.host;
  api_options.port = s.port;
  api_options.io_threads = s.io_threads;
  api_options.max_connections = s.max_connections;
  api_options.max_event_streams = s.max_event_streams;
  api_options.access_log = s.access_log_level != "off";
  p.api_server = std::make_unique<net::HttpServer>(
      api_options, [g = p.gateway.get()](serve::Request r, serve::Responder respond) {
        g->handle(std::move(r), std::move(respond));
      });
  TC_RETURN_IF_ERROR(p.api_server->start());
  p.gateway->metrics().set_connection_source(
      [server = p.api_server.get()] { return server->connection_stats(); });

  dashboard::ControlApiOptions control_options;
  control_options.api_token = s.api_token;
  control_options.pid = getpid();
  control_options.started_at = p.started_at;
  control_options.gateway_address = s.host + ":" + std::to_string(p.api_server->port());
  control_options.store_backend = p.store->backend();
  if (s.redis_cache) control_options.cache_backend = "redis";
  if (!s.nats_servers.empty()) control_options.bus_backend = "nats";
  control_options.dependencies = &p.dependencies;
  control_options.infra_dir = s.infra_dir;
  if (s.role == NodeSettings::Role::kHead) control_options.role = "head";
  control_options.cluster_dir = s.cluster_dir;
  control_options.log_dir = s.log_dir;
  control_options.traffic = [g = p.gateway.get()] { return g->metrics().totals(); };
  control_options.pass_through = [g = p.gateway.get()](serve::Request r, serve::Responder respond) {
    g->handle(std::move(r), std::move(respond));
  };
  p.control = std::make_unique<dashboard::ControlApi>(control_options, p.clock, *p.runtime, p.nodes,
                                                      [this] { request_stop(); });
  net::HttpServerOptions control_server_options;
  control_server_options.name = "control";
  control_server_options.host = s.dashboard_host;
  control_server_options.max_connections = NodeSettings::kControlConnections;
  control_server_options.access_log = s.access_log_level != "off";
  control_server_options.port = s.dashboard_port;
  control_server_options.io_threads = 1;
  p.control_server = std::make_unique<net::HttpServer>(
      control_server_options, [c = p.control.get()](serve::Request r, serve::Responder respond) {
        c->handle(std::move(r), std::move(respond));
      });
  TC_RETURN_IF_ERROR(p.control_server->start());
  if (s.role == NodeSettings::Role::kHead && s.cluster_control_port != 0) {
    // The same control API, bound and guarded as the dashboard port is.
    control_server_options.name = "cluster-control";
    control_server_options.port = s.cluster_control_port;
    p.cluster_control_server = std::make_unique<net::HttpServer>(
        control_server_options, [c = p.control.get()](serve::Request r, serve::Responder respond) {
          c->handle(std::move(r), std::move(respond));
        });
    TC_RETURN_IF_ERROR(p.cluster_control_server->start());
  }

  // Seeding takes seconds for a large universe: it runs once the ports are ours (a busy port
  // fails at once), before the node is ready.
  if (simulator != nullptr) {
    auto seeded =
        services::seed_daily_history(*simulator, *p.store, p.clock, s.simulator_history_days, 2);
    if (!seeded) return seeded.status();
    spdlog::info("event=simulator_seeded instruments={} daily_bars_written={} seconds={:.2f}",
                 seeded->instruments, seeded->bars_written, seeded->seconds);
  }
  auto resumed = services::resume_streams(*p.services);
  if (!resumed) return resumed.status();
  if (*resumed > 0) spdlog::info("event=streams_resumed count={}", *resumed);
  if (s.role == NodeSettings::Role::kHead) TC_RETURN_IF_ERROR(start_head());
  p.runtime->deploy_all();
  p.runtime->start();
  // Ready once the first replicas are built and checked (`start --detach` and readiness probes
  // wait for it), or after a while with those that could not be, which status then shows.
  if (!p.runtime->wait_started(kStartupWait)) {
    spdlog::warn("event=slow_startup reason=\"replicas still starting after {} s\"",
                 std::chrono::duration_cast<std::chrono::seconds>(kStartupWait).count());
  }
  p.control->set_ready();
  p.control->start_live_feed();
  spdlog::info(
      "event=node_started node={} api={}:{} control={}:{} num_cpus={} io_threads={} "
      "max_connections={}",
      s.node_name, s.host, p.api_server->port(), s.dashboard_host, p.control_server->port(),
      s.num_cpus, s.io_threads, s.max_connections);
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
  if (s.dashboard_exposed() && s.api_token.empty()) {
    spdlog::warn(
        "event=insecure WARNING: the control API listens on {} beyond loopback with no "
        "TC_API_TOKEN: it refuses commands from other hosts until a token is set",
        s.dashboard_host);
  }
  return Status::ok();
}

Status Node::start_head() {
  const NodeSettings& s = settings_;
  Parts& p = *parts_;
  auto info = p.bus->subscribe(head_info_subject(s.cluster_name), "",
                               [&p, json = head_info_json(s)](const cluster::Message& m) {
                                 if (!m.reply_to.empty()) (void)p.bus->publish(m.reply_to, json);
                               });
  if (!info) return info.status();
  p.head_info = std::move(info).value();
  // A worker's replicas report their deployment's status from the head's controller.
  auto status = p.bus->subscribe(
      head_status_subject(s.cluster_name), "",
      [&p, source = services::runtime_status_source(*p.runtime)](const cluster::Message& m) {
        if (m.reply_to.empty()) return;
        auto summary = source(m.data);
        (void)p.bus->publish(m.reply_to, summary ? summary->status + "\n" + summary->json : "");
      });
  if (!status) return status.status();
  p.head_status = std::move(status).value();

  // Calls workers run here: CSV imports, whose files are in the head's import directory.
  if (const serve::Deployment* tickscrawler = p.runtime->find("tickscrawler")) {
    p.head_importer = tickscrawler->spec().make_replica(
        serve::ReplicaInfo{"tickscrawler@" + s.node_name, s.node_name});
    auto run =
        p.bus->subscribe(head_run_subject(s.cluster_name), "", [&p](const cluster::Message& m) {
          if (m.reply_to.empty()) return;
          p.requests->post([&p, m] {
            auto call = serve::decode_call(m.data, p.clock.now());
            serve::Response response =
                call ? serve::LocalReplica::run(*p.head_importer, "tickscrawler@head",
                                                call->route_id, call->request)
                           .first
                     : serve::error_response(call.status());
            (void)p.bus->publish(m.reply_to, serve::encode_response(response));
          });
        });
    if (!run) return run.status();
    p.head_run = std::move(run).value();
  }

  cluster::MembershipOptions options;
  options.cluster = s.cluster_name;
  options.dead_after = s.node_dead_after;
  options.check_every = std::min<Duration>(std::chrono::milliseconds(500), s.node_dead_after / 4);
  options.check_every = std::min<Duration>(options.check_every, s.heartbeat_interval);
  // Two heartbeats missed: the node's replicas are probed, and those that do not answer are
  // replaced without waiting for the node to be declared dead.
  options.late_after = 2 * s.heartbeat_interval + s.heartbeat_interval / 2;
  if (options.late_after < s.node_dead_after) {
    options.on_late = [&p, probe = s.heartbeat_interval](const std::string& node) {
      spdlog::warn("event=node_late node={}", node);
      p.runtime->probe_node(node, probe);
    };
  }
  auto on_change = [&p](const cluster::NodeInfo& node, bool alive, const std::string& why) {
    serve::ScalingEvent e;
    e.time = p.clock.unix_nanos();
    e.kind = alive ? "node_joined" : "node_lost";
    e.reason = "node " + node.id + ": " + why;
    if (!alive) {
      int lost = p.runtime->node_lost(node.id, "node " + node.id + " lost: " + why);
      // Its crawls and runs cannot go on elsewhere half done: they fail, saying why.
      auto failed = p.jobs->fail_jobs_of_node(
          node.id, unavailable("node " + node.id + " was lost (" + why + ")"),
          {"crawl", "algorithm_run"});
      // Its streams go on here, from where they stopped storing.
      auto taken = services::take_over_streams(*p.services, node.id);
      e.reason += fmt::format("; {} replicas to re-place, {} jobs failed, {} streams taken over",
                              lost, failed ? *failed : 0, taken ? *taken : 0);
    }
    spdlog::log(alive ? spdlog::level::info : spdlog::level::warn, "event={} node={} why=\"{}\"",
                e.kind, node.id, e.reason);
    p.runtime->events().add(std::move(e));
  };
  auto monitor = cluster::MembershipMonitor::start(*p.bus, p.nodes, p.clock, options, on_change);
  if (!monitor) return monitor.status();
  p.membership = std::move(monitor).value();
  return adopt_running_replicas();
}

Status Node::adopt_running_replicas() {
  const NodeSettings& s = settings_;
  Parts& p = *parts_;
  // Replicas a previous head placed keep running on their workers: take them back under their
  // ids instead of building new ones. Hosts answer at once; the window covers the round trip.
  Duration window = std::min<Duration>(std::chrono::seconds(1), 2 * s.heartbeat_interval);
  auto reports = serve::survey_hosts(*p.bus, s.cluster_name, window);
  if (!reports) return reports.status();
  int adopted = 0;
  for (const serve::HostReport& report : *reports) {
    auto node = cluster::decode_announcement(report.announcement);
    if (!node || node->id != report.node || node->id == s.node_name) continue;
    p.nodes.heard_from(*node);
    for (const serve::HostedReplica& r : report.replicas) {
      serve::Deployment* d = p.runtime->find(r.deployment);
      if (d != nullptr && p.nodes.reserve_on(node->id, d->config().resources)) {
        d->adopt(r.id, node->id,
                 std::make_shared<serve::RemoteReplica>(*p.bus, p.clock, s.cluster_name, node->id,
                                                        r.id));
        ++adopted;
        continue;
      }
      // Not ours to keep (an unknown deployment, or no room on its node): stopped there.
      serve::RemoteReplica(*p.bus, p.clock, s.cluster_name, node->id, r.id).stop();
    }
  }
  if (!reports->empty()) {
    spdlog::info("event=replicas_adopted nodes={} replicas={}", reports->size(), adopted);
  }
  return Status::ok();
}

Status Node::start_worker() {
  const NodeSettings& s = settings_;
  Parts& p = *parts_;
  p.requests = std::make_unique<ElasticPool>(ElasticPoolOptions{"requests"});
  p.lifecycle = std::make_unique<ElasticPool>(ElasticPoolOptions{"lifecycle"});
  p.jobs = std::make_unique<serve::JobRegistry>(p.store->jobs(), *p.bus, p.clock);
  p.runner = std::make_unique<serve::JobRunner>(*p.jobs, *p.bus, p.clock);
  auto interrupted = p.runner->fail_interrupted(s.node_name, {"crawl", "algorithm_run"});
  if (!interrupted) return interrupted.status();
  if (*interrupted > 0) spdlog::warn("event=jobs_interrupted count={}", *interrupted);
  // The deployments' status lives on the head.
  auto ask_head = [&p, subject = head_status_subject(s.cluster_name)](
                      std::string_view name) -> std::optional<services::DeploymentSummary> {
    auto reply = p.bus->request(subject, name, std::chrono::seconds(1));
    if (!reply) return std::nullopt;
    size_t newline = reply->data.find('\n');
    if (newline == std::string::npos) return std::nullopt;
    return services::DeploymentSummary{reply->data.substr(0, newline),
                                       reply->data.substr(newline + 1)};
  };
  auto on_head = [&p, subject = head_run_subject(s.cluster_name)](
                     int route_id, const serve::Request& request) -> serve::Response {
    Duration left = request.deadline - p.clock.now();
    auto reply = p.bus->request(subject, serve::encode_call(route_id, request, left), left);
    if (!reply) {
      return serve::error_response(
          unavailable("the head did not run it: " + reply.status().message()));
    }
    auto response = serve::decode_response(reply->data);
    return response ? std::move(response).value() : serve::error_response(response.status());
  };
  p.services = std::make_unique<services::ServiceContext>(
      services::ServiceContext{p.clock, *p.store, *p.cache, *p.series, *p.bus, p.sources, *p.jobs,
                               *p.runner, ask_head, on_head, s.node_name, p.started_at});
  p.host = std::make_unique<serve::ReplicaHost>(*p.bus, p.clock, *p.requests, *p.lifecycle,
                                                s.cluster_name, s.node_name);
  p.host->add(services::make_algorunner_deployment(*p.services, s.algorunner_options));
  p.host->add(services::make_screener_deployment(*p.services, s.screener_options));
  p.host->add(services::make_tickscrawler_deployment(*p.services, s.tickscrawler_options));
  if (s.probe) p.host->add(services::make_probe_deployment());
  cluster::ResourceSet total = cluster::ResourceSet::from_cpu(s.num_cpus, s.memory_bytes);
  cluster::NodeInfo self{s.node_name, host_name(), false,        true,
                         total,       total,       p.started_at, s.node_labels};
  TC_RETURN_IF_ERROR(p.host->start(cluster::encode_announcement(self)));
  auto resumed = services::resume_streams(*p.services);
  if (!resumed) return resumed.status();
  if (*resumed > 0) spdlog::info("event=streams_resumed count={}", *resumed);
  p.announcer =
      std::make_unique<cluster::NodeAnnouncer>(*p.bus, s.cluster_name, self, s.heartbeat_interval);
  spdlog::info("event=node_started node={} role=worker cluster={} num_cpus={} store={}",
               s.node_name, s.cluster_name, s.num_cpus, p.store->backend());
  return Status::ok();
}

void Node::request_stop() {
  {
    std::lock_guard lock(mu_);
    stop_requested_ = true;
  }
  cv_.notify_all();
}

Node::StopReport Node::wait_and_stop() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return stop_requested_; });
  if (stopped_) return {};
  stopped_ = true;
  lock.unlock();
  return stop_parts();
}

Node::StopReport Node::stop_parts() {
  StopReport report;
  if (!parts_) return report;
  Parts& p = *parts_;
  const TimePoint deadline = p.clock.now() + settings_.drain_timeout;
  auto left = [&] { return std::max(Duration{0}, deadline - p.clock.now()); };
  // A cluster node leaves first: the head re-places a worker's replicas at once, and a head
  // stops following the nodes.
  p.announcer.reset();
  p.membership.reset();
  p.head_info.reset();
  p.head_status.reset();
  p.head_run.reset();
  p.host.reset();
  spdlog::info("event=node_draining ongoing_and_queued={} drain_timeout_s={}",
               p.runtime ? p.runtime->load() : 0,
               std::chrono::duration<double>(settings_.drain_timeout).count());
  if (p.api_server) p.api_server->stop_accepting();
  if (p.control_server) p.control_server->stop_accepting();
  if (p.cluster_control_server) p.cluster_control_server->stop_accepting();
  if (p.control) p.control->stop_live_feed();
  if (p.runtime) {
    // The control loop keeps running meanwhile: queued calls move onto free slots.
    std::string why =
        "the node is stopping and the drain timeout (" +
        fmt::format("{:g}", std::chrono::duration<double>(settings_.drain_timeout).count()) +
        " s) or the deployment's graceful shutdown timeout has passed";
    report.abandoned = p.runtime->drain(deadline, why);
    report.drained = report.abandoned == 0;
    if (!report.drained) spdlog::warn("event=drain_timeout abandoned={}", report.abandoned);
    p.runtime->stop();
    p.runtime->undeploy_all();
  }
  if (p.runner) {
    // Streams stay running in the store: the next start resumes them.
    int jobs_left = p.runner->stop(left(), {"stream"});
    if (jobs_left > 0) spdlog::warn("event=jobs_still_running count={}", jobs_left);
    report.stuck_handlers += jobs_left;
  }
  // Handlers still running past the deadline are left behind; their answers were sent.
  if (p.requests) report.stuck_handlers += p.requests->stop(left());
  if (p.lifecycle) report.stuck_handlers += p.lifecycle->stop(left());
  if (p.api_server) p.api_server->wait_idle(std::chrono::seconds(2));
  if (p.control_server) p.control_server->wait_idle(std::chrono::seconds(1));
  if (p.control_server) p.control_server->stop();
  if (p.cluster_control_server) p.cluster_control_server->stop();
  if (p.api_server) p.api_server->stop();
  if (p.bus) p.bus->close();
  spdlog::info("event=node_stopped drained={} abandoned={} stuck_handlers={}", report.drained,
               report.abandoned, report.stuck_handlers);
  if (report.stuck_handlers > 0) {
    // Their threads still use the deployments and the store: leave them alive for the process's
    // last moments instead of freeing them under a running handler.
    (void)parts_.release();
    return report;
  }
  parts_.reset();
  return report;
}

}  // namespace tc::node
