// tradecluster: the command-line entry point. The verbs follow the seed's scripts:
// cluster_manager.py (start, status, restart, shutdown, stop, deploy), infra.py's *-ray verbs
// (cluster ...), its watcher verbs (watcher ...), add-worker, and its *-infra verbs (infra ...).
//
// Exit codes: 0 success; 1 the operation failed or the node is unreachable; 2 bad usage or
// configuration; 3 (start) the node stopped after its drain timeout with calls abandoned
// (answered 503).

#include <fcntl.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include "cli/backtest_command.hpp"
#include "cli/cluster_command.hpp"
#include "cli/control_client.hpp"
#include "cli/infra_command.hpp"
#include "cli/status_printer.hpp"
#include "cli/watcher_command.hpp"
#include "core/config_source.hpp"
#include "core/logging.hpp"
#include "infra/process.hpp"
#include "node/node.hpp"

namespace {

using tc::ConfigSource;

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr int kExitAbandoned = 3;

// Flags of `start` and `restart`, each stored under the variable it overrides.
struct StartFlags {
  ConfigSource::Map values;
  std::string env_file = ".env";
  bool detach = false;
  bool with_infra = false;

  void add_to(CLI::App& app) {
    auto flag = [&](const char* name, const char* var, const char* help) {
      app.add_option_function<std::string>(
          name, [this, var](const std::string& v) { values[var] = v; }, help);
    };
    flag("--host", "TC_HOST", "Address the API listens on (default 127.0.0.1; TC_HOST)");
    flag("--dashboard-host", "TC_DASHBOARD_HOST",
         "Address the control API listens on (default 127.0.0.1; TC_DASHBOARD_HOST)");
    flag("--port", "TC_PORT", "API port (default 8000; TC_PORT)");
    flag("--dashboard-port", "TC_DASHBOARD_PORT",
         "Dashboard and control API port (default 8265; TC_DASHBOARD_PORT)");
    flag("--data-dir", "TC_DATA_DIR", "Where the SQLite store lives (default ./data)");
    flag("--log-dir", "TC_LOG_DIR", "Where logs are written (default ./logs)");
    flag("--log-level", "TC_LOG_LEVEL", "trace, debug, info, warn or error (default info)");
    flag("--num-cpus", "TC_NUM_CPUS", "Logical CPUs for placing replicas (default: all cores)");
    flag("--memory", "TC_MEMORY", "Logical memory for placing replicas, e.g. 8GB");
    flag("--object-store-memory", "TC_OBJECT_STORE_MEMORY",
         "Size of the node's market-data cache, e.g. 2GB (default 1GB)");
    flag("--io-threads", "TC_IO_THREADS", "HTTP I/O threads (default: all cores)");
    flag("--max-connections", "TC_MAX_CONNECTIONS",
         "Open connections on the API port (default: the file limit less 512)");
    flag("--token", "TC_API_TOKEN", "Bearer token required on mutating requests");
    app.add_option("--env-file", env_file, "Settings file read under the environment")
        ->capture_default_str();
    app.add_flag("--detach,-d", detach, "Run in the background; return once it answers");
    app.add_flag("--with-infra", with_infra,
                 "Start PostgreSQL, Redis, nats-server and Adminer here first (tradecluster "
                 "infra start) and run the node on PostgreSQL and Redis; `stop` stops them too");
  }
};

struct ClientFlags {
  std::string host;
  std::string port;
  std::string token;
  std::string env_file = ".env";
  bool json = false;

  void add_to(CLI::App& app, bool with_json) {
    app.add_option("--host", host,
                   "Address of the node's control API (default TC_DASHBOARD_HOST or 127.0.0.1)");
    app.add_option("--dashboard-port", port,
                   "Control API port (default TC_DASHBOARD_PORT or 8265)");
    app.add_option("--token", token, "Bearer token (default TC_API_TOKEN)");
    app.add_option("--env-file", env_file, "Settings file read under the environment");
    if (with_json) app.add_flag("--json", json, "Print JSON");
  }

  tc::Result<tc::cli::ControlClient> client() const {
    ConfigSource::Map flags;
    if (!host.empty()) flags["TC_DASHBOARD_HOST"] = host;
    if (!port.empty()) flags["TC_DASHBOARD_PORT"] = port;
    if (!token.empty()) flags["TC_API_TOKEN"] = token;
    auto source = ConfigSource::load(std::move(flags), env_file);
    if (!source) return source.status();
    std::string h, t;
    int64_t p = 0;
    TC_ASSIGN_OR_RETURN(h, source->get_string("TC_DASHBOARD_HOST", "127.0.0.1"));
    TC_ASSIGN_OR_RETURN(p, source->get_int("TC_DASHBOARD_PORT", 8265, 1, 65535));
    TC_ASSIGN_OR_RETURN(t, source->get_string("TC_API_TOKEN", ""));
    return tc::cli::ControlClient(h, static_cast<uint16_t>(p), t);
  }
};

int fail(const tc::Status& s, int code = kExitFailure) {
  std::cerr << "tradecluster: " << s.message() << "\n";
  return code;
}

// Waits for `condition` up to `timeout`, printing a dot a second; true when it held.
template <typename Condition>
bool wait_with_progress(const char* what, std::chrono::seconds timeout, Condition condition) {
  auto until = std::chrono::steady_clock::now() + timeout;
  auto next_dot = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  bool printed = false;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) {
      if (printed) std::cerr << "\n";
      return true;
    }
    if (std::chrono::steady_clock::now() >= next_dot) {
      if (!printed) std::cerr << what;
      std::cerr << "." << std::flush;
      printed = true;
      next_dot += std::chrono::seconds(1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (printed) std::cerr << "\n";
  return false;
}

int run_start(StartFlags flags) {
  if (flags.with_infra) {
    auto infra = tc::cli::infra_settings(".", flags.env_file);
    if (!infra) return fail(infra.status(), kExitUsage);
    if (auto s = tc::cli::start_infra(*infra); !s.is_ok()) return fail(s);
    // The node reaches them as `infra` configured them, whatever else the environment says.
    std::string host = infra->host == "0.0.0.0" ? "127.0.0.1" : infra->host;
    for (auto [name, value] :
         {std::pair{"TC_STORE", std::string("postgres")}, std::pair{"POSTGRES_HOST", host},
          std::pair{"POSTGRES_PORT", std::to_string(infra->postgres_port)},
          std::pair{"POSTGRES_DB", infra->postgres_db},
          std::pair{"POSTGRES_USER", infra->postgres_user},
          std::pair{"POSTGRES_PASSWORD", infra->postgres_password},
          std::pair{"TC_CACHE", std::string("redis")}, std::pair{"REDIS_HOST", host},
          std::pair{"REDIS_PORT", std::to_string(infra->redis_port)},
          std::pair{"REDIS_PASSWORD", infra->redis_password},
          std::pair{"TC_INFRA_DIR", infra->root.string()}}) {
      flags.values[name] = value;
    }
  }
  auto source = ConfigSource::load(flags.values, flags.env_file);
  if (!source) return fail(source.status(), kExitUsage);
  auto settings = tc::node::load_node_settings(*source);
  if (!settings) return fail(settings.status(), kExitUsage);

  if (flags.detach && settings->role == tc::node::NodeSettings::Role::kWorker) {
    return fail(tc::invalid_argument("a worker runs in the foreground (it has no control API to "
                                     "wait on); `tradecluster cluster start` runs workers in the "
                                     "background"),
                kExitUsage);
  }
  if (flags.detach) {
    std::error_code ec;
    std::filesystem::create_directories(settings->log_dir, ec);
    pid_t pid = fork();
    if (pid < 0) return fail(tc::unavailable("fork failed"));
    if (pid == 0) {
      setsid();
      int null_fd = open("/dev/null", O_RDONLY);
      std::string out = (settings->log_dir / "tradecluster.out").string();
      int out_fd = open(out.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (null_fd >= 0) dup2(null_fd, STDIN_FILENO);
      if (out_fd >= 0) {
        dup2(out_fd, STDOUT_FILENO);
        dup2(out_fd, STDERR_FILENO);
      }
    } else {
      tc::cli::ControlClient client(settings->dashboard_host, settings->dashboard_port,
                                    settings->api_token);
      int status = 0;
      bool exited = false;
      bool up = wait_with_progress("starting", std::chrono::seconds(60), [&] {
        if (waitpid(pid, &status, WNOHANG) == pid) exited = true;
        return exited || client.ready();
      });
      if (exited || !up) {
        std::cerr << "tradecluster: the node did not start; see "
                  << (settings->log_dir / "tradecluster.out").string() << "\n";
        return kExitFailure;
      }
      std::cout << "tradecluster started (pid " << pid << "): API http://" << settings->host << ":"
                << settings->port << ", control API http://" << settings->dashboard_host << ":"
                << settings->dashboard_port << "\n";
      return 0;
    }
  }

  // Signals are taken by one thread with sigwait; every other thread inherits the block.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  tc::LogOptions log;
  log.directory = settings->log_dir;
  // A cluster's nodes share one log directory: each writes its own file, <node>.log.
  if (settings->role != tc::node::NodeSettings::Role::kStandalone) {
    log.file_name = settings->node_name + ".log";
  }
  log.level = settings->log_level;
  log.to_stderr = !flags.detach;  // detached, stderr is a file beside the log already
  log.access_level = settings->access_log_level;
  log.max_file_bytes = static_cast<size_t>(settings->log_max_size);
  log.max_files = static_cast<size_t>(settings->log_max_files);
  if (auto s = tc::init_logging(log); !s.is_ok()) return fail(s, kExitUsage);

  tc::node::Node node(*settings);
  if (auto s = node.start(); !s.is_ok()) {
    spdlog::error("event=start_failed error=\"{}\"", s.message());
    node.request_stop();
    return fail(s);
  }
  // The first signal drains; a second one, while draining, exits at once.
  std::atomic<bool> stopped{false};
  std::thread signal_thread([&] {
    for (int received = 0;; ++received) {
      int sig = 0;
      sigwait(&signals, &sig);
      if (stopped) return;
      const char* name = sig == SIGINT ? "SIGINT" : "SIGTERM";
      if (received > 0) {
        spdlog::warn("event=signal signal={} action=exit_without_draining", name);
        spdlog::shutdown();
        std::_Exit(kExitFailure);
      }
      spdlog::info("event=signal signal={} action=drain", name);
      node.request_stop();
    }
  });
  tc::node::Node::StopReport report = node.wait_and_stop();
  stopped = true;
  pthread_kill(signal_thread.native_handle(), SIGTERM);  // ends the signal thread's wait
  signal_thread.join();
  int rc = report.abandoned > 0 ? kExitAbandoned : 0;
  if (report.stuck_handlers > 0) {
    // Drained and answered; only handler threads that ignore the stop are left. Exit without
    // running destructors under them.
    spdlog::warn("event=exit_with_stuck_handlers count={} exit_code={}", report.stuck_handlers, rc);
    spdlog::shutdown();
    std::fflush(nullptr);
    std::_Exit(rc);
  }
  spdlog::shutdown();
  return rc;
}

int run_status(const ClientFlags& flags) {
  auto client = flags.client();
  if (!client) return fail(client.status(), kExitUsage);
  auto status = client->get("/api/cluster/status");
  if (!status) {
    if (flags.json) {
      // Scripts read stdout: a JSON error there too, in the API's error shape.
      tc::json::object error{{"code", std::string(tc::status_code_name(status.status().code()))},
                             {"message", status.status().message()}};
      std::cout << tc::to_json(tc::json::object{{"error", std::move(error)}}) << "\n";
    }
    return fail(status.status());
  }
  if (flags.json) {
    std::cout << tc::to_json(*status) << "\n";
  } else {
    std::cout << tc::cli::format_cluster_status(*status);
  }
  return 0;
}

bool is_local(const std::string& address) {
  return address.starts_with("127.") || address.starts_with("localhost:") ||
         address.starts_with("0.0.0.0:") || address.starts_with("[::1]");
}

int run_stop(const ClientFlags& flags) {
  auto client = flags.client();
  if (!client) return fail(client.status(), kExitUsage);
  if (!client->alive()) {
    std::cout << "tradecluster is not running at " << client->address() << "\n";
    return 0;
  }
  // The node's pid, to wait for the process itself when it runs on this machine, and the
  // infrastructure `start --with-infra` started for it.
  pid_t pid = 0;
  std::string infra_dir;
  if (auto status = client->get("/api/cluster/status"); status && status->is_object()) {
    if (auto* p = status->as_object().if_contains("pid"); p && p->is_int64()) {
      pid = static_cast<pid_t>(p->as_int64());
    }
    if (auto* d = status->as_object().if_contains("infra_dir"); d && d->is_string()) {
      infra_dir = std::string(d->as_string());
    }
    // The head of a cluster `cluster start` runs: the whole cluster stops.
    if (auto* d = status->as_object().if_contains("cluster_dir");
        d && d->is_string() && is_local(client->address())) {
      tc::cli::ClusterFlags cluster;
      cluster.action = "stop";
      cluster.dir = std::string(d->as_string());
      return tc::cli::run_cluster(cluster);
    }
  }
  auto res = client->post("/api/node/stop");
  if (!res) return fail(res.status());
  auto gone = [&] {
    if (client->alive()) return false;
    return pid <= 0 || !is_local(client->address()) || !tc::infra::process_alive(pid);
  };
  if (!wait_with_progress("draining", std::chrono::seconds(3600), gone)) {
    return fail(tc::deadline_exceeded("the node did not stop within an hour"));
  }
  std::cout << "tradecluster stopped" << std::endl;
  if (!infra_dir.empty() && is_local(client->address())) {
    auto infra = tc::cli::infra_settings(infra_dir, "");
    if (!infra) return fail(infra.status());
    if (auto s = tc::cli::stop_infra(*infra); !s.is_ok()) return fail(s);
    std::cout << "infrastructure stopped\n";
  }
  return 0;
}

int run_post(const ClientFlags& flags, const char* target, const char* done) {
  auto client = flags.client();
  if (!client) return fail(client.status(), kExitUsage);
  auto res = client->post(target);
  if (!res) return fail(res.status());
  std::cout << done << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"tradecluster: trading services (algorunner, screener, tickscrawler) on a cluster"};
  app.require_subcommand(1);

  StartFlags start_flags;
  auto* start = app.add_subcommand("start", "Start a head node with every service (foreground)");
  start_flags.add_to(*start);

  StartFlags node_flags;
  bool node_head = false;
  std::string node_address, node_name, cluster_name;
  auto* node = app.add_subcommand(
      "node", "Run one node of a cluster over nats-server: the head (--head) or a worker");
  node_flags.add_to(*node);
  node->add_flag("--head", node_head,
                 "The cluster's head: controller, router (8000) and control API (8265)");
  node->add_option("--address", node_address,
                   "The cluster's nats-server, nats://HOST:10000 (several: comma-separated); a "
                   "head defaults to nats://127.0.0.1:10000");
  node->add_option("--name", node_name,
                   "This node's name (a worker's default: worker-<host>-<pid>)");
  node->add_option("--cluster-name", cluster_name, "The cluster's name (default: default)");

  StartFlags restart_flags;
  auto* restart = app.add_subcommand("restart", "Stop the running node, then start it detached");
  restart_flags.add_to(*restart);
  restart_flags.detach = true;

  ClientFlags status_flags, stop_flags, shutdown_flags, deploy_flags;
  auto* status = app.add_subcommand("status", "Show nodes, deployments and recent events");
  status_flags.add_to(*status, true);
  auto* stop = app.add_subcommand("stop", "Drain and stop the node");
  stop_flags.add_to(*stop, false);
  auto* shutdown =
      app.add_subcommand("shutdown", "Stop serving (replicas drain); the node stays up");
  shutdown_flags.add_to(*shutdown, false);
  auto* deploy = app.add_subcommand("deploy", "Serve the deployments again after shutdown");
  deploy_flags.add_to(*deploy, false);

  tc::cli::BacktestFlags backtest_flags;
  auto* backtest =
      app.add_subcommand("backtest", "Backtest an algorithm over a CSV file of bars (no server)");
  backtest->add_option("--algorithm", backtest_flags.algorithm, "e.g. sma_crossover")->required();
  backtest->add_option("--csv", backtest_flags.csv, "A file of OHLCV bars")->required();
  backtest->add_option("--param", backtest_flags.params, "name=value, repeated");
  backtest->add_option("--symbol", backtest_flags.symbol,
                       "The symbol to run on (a file without a symbol column: its name)");
  backtest->add_option("--interval", backtest_flags.interval, "Bar interval (default 1d)");
  backtest->add_option("--initial-capital", backtest_flags.initial_capital, "Default 100000");
  backtest->add_option("--fee-rate", backtest_flags.fee_rate, "Fraction of notional per fill");
  backtest->add_option("--slippage-bps", backtest_flags.slippage_bps, "On market and stop fills");
  backtest->add_option("--periods-per-year", backtest_flags.periods_per_year,
                       "For annualising (default: 365 per day of bars; 252 for equities)");
  backtest->add_flag("--json", backtest_flags.json, "The whole result as JSON");

  tc::cli::InfraFlags infra_flags;
  auto add_infra_options = [&](CLI::App& sub, bool with_action) {
    if (with_action) {
      sub.add_option("action", infra_flags.action,
                     "start, stop, restart, status, logs, info or cleanup")
          ->required()
          ->check(CLI::IsMember({"start", "stop", "restart", "status", "logs", "info", "cleanup"}));
    }
    sub.add_option("--dir", infra_flags.dir,
                   "Where postgres/, redis/, nats/, adminer/ and logs/ live (default .)");
    sub.add_option("--env-file", infra_flags.env_file, "Settings file (default <dir>/.env)");
    sub.add_option("--service", infra_flags.services, "postgres, redis, nats or adminer")
        ->delimiter(',');
    sub.add_flag("--follow,-f", infra_flags.follow, "logs: keep printing what is appended");
    sub.add_option("--lines,-n", infra_flags.lines, "logs: lines of each log (default 50)");
    sub.add_flag("--json", infra_flags.json, "status: print JSON");
    sub.add_flag("--yes,-y", infra_flags.yes, "cleanup: do not ask");
  };
  auto* infra = app.add_subcommand(
      "infra", "PostgreSQL, Redis, nats-server and Adminer as local processes (infra.py)");
  add_infra_options(*infra, true);
  // The seed's spellings: start-infra, stop-infra, …
  std::map<std::string, CLI::App*> infra_aliases;
  for (const char* action : {"start", "stop", "restart", "status", "logs", "info", "cleanup"}) {
    std::string verb = std::string(action) + "-infra";
    auto* sub = app.add_subcommand(verb, "tradecluster infra " + std::string(action));
    add_infra_options(*sub, false);
    infra_aliases[action] = sub;
  }

  tc::cli::ClusterFlags cluster_flags;
  ClientFlags cluster_status_flags;
  auto add_cluster_options = [&](CLI::App& sub, bool with_action) {
    if (with_action) {
      sub.add_option("action", cluster_flags.action, "start, stop, restart, status or logs")
          ->required()
          ->check(CLI::IsMember({"start", "stop", "restart", "status", "logs"}));
    }
    auto mark = [&](const std::string&) { cluster_flags.explicit_start_flags = true; };
    sub.add_option("--num-workers", cluster_flags.num_workers, "start: workers (default 2)")
        ->each(mark);
    sub.add_option("--num-cpus", cluster_flags.num_cpus, "start: logical CPUs per node (default 2)")
        ->each(mark);
    sub.add_option("--object-store-memory", cluster_flags.object_store_memory,
                   "start: each node's market-data cache (default 2GB)")
        ->each(mark);
    sub.add_flag("--with-infra", cluster_flags.with_infra,
                 "start: PostgreSQL and Redis too, and the cluster on them");
    sub.add_option("--dir", cluster_flags.dir, "Where data/ and logs/ live (default .)");
    sub.add_option("--env-file", cluster_flags.env_file, "Settings file (default <dir>/.env)");
    sub.add_option("--service", cluster_flags.services, "logs: head, worker-N")->delimiter(',');
    sub.add_flag("--follow,-f", cluster_flags.follow, "logs: keep printing what is appended");
    sub.add_option("--lines,-n", cluster_flags.lines, "logs: lines of each log (default 50)");
    sub.add_flag("--json", cluster_status_flags.json, "status: print JSON");
  };
  auto* cluster = app.add_subcommand(
      "cluster", "nats-server, a head and N workers as local processes (infra.py *-ray)");
  add_cluster_options(*cluster, true);
  std::map<std::string, CLI::App*> cluster_aliases;
  for (const char* action : {"start", "stop", "restart", "status", "logs"}) {
    std::string verb = std::string(action) + "-ray";
    auto* sub = app.add_subcommand(verb, "tradecluster cluster " + std::string(action));
    add_cluster_options(*sub, false);
    cluster_aliases[action] = sub;
  }

  tc::cli::WatcherFlags watcher_flags;
  auto add_watcher_options = [&](CLI::App& sub, bool with_action, bool start_options) {
    if (with_action) {
      sub.add_option("action", watcher_flags.action, "start, stop or status")
          ->required()
          ->check(CLI::IsMember({"start", "stop", "status"}));
    }
    sub.add_option("--dir", watcher_flags.dir, "The cluster's directory (default .)");
    sub.add_option("--env-file", watcher_flags.env_file, "Settings file (default <dir>/.env)");
    sub.add_option("--num-cpus", watcher_flags.num_cpus, "A new worker's logical CPUs (default 2)");
    sub.add_option("--object-store-memory", watcher_flags.object_store_memory,
                   "A new worker's market-data cache (default 2GB)");
    if (!start_options) return;
    sub.add_option("--check-interval", watcher_flags.check_interval,
                   "Seconds between checks (default 120)");
    sub.add_option("--pending-threshold", watcher_flags.pending_threshold,
                   "Add a worker when more replicas than this are pending (default 5)");
    sub.add_option("--max-workers", watcher_flags.max_workers, "At most this many (default 10)");
    sub.add_option("--cooldown", watcher_flags.cooldown,
                   "Seconds after a change before the next (default 300)");
    sub.add_option("--idle-timeout", watcher_flags.idle_timeout,
                   "Remove a worker that ran no replica this many seconds (default: never)");
    sub.add_option("--provider", watcher_flags.provider, "local, command or docker (default local)")
        ->check(CLI::IsMember({"local", "command", "docker"}));
    sub.add_option("--command", watcher_flags.command,
                   "command provider: adds a worker; {name} and {address} are replaced");
    sub.add_option("--remove-command", watcher_flags.remove_command,
                   "command provider: removes worker {name}");
    sub.add_option("--image", watcher_flags.image,
                   "docker provider: the image (tradecluster:latest)");
    sub.add_flag("--foreground", watcher_flags.foreground, "Run in this terminal");
    sub.add_flag("--json", watcher_flags.json, "status: print JSON");
  };
  auto* watcher = app.add_subcommand("watcher", "The node autoscaler (cluster_watcher.py)");
  add_watcher_options(*watcher, true, true);
  std::map<std::string, CLI::App*> watcher_aliases;
  for (auto [verb, action] :
       {std::pair{"start-watcher", "start"}, std::pair{"stop-watcher", "stop"},
        std::pair{"watcher-status", "status"}}) {
    auto* sub = app.add_subcommand(verb, "tradecluster watcher " + std::string(action));
    add_watcher_options(*sub, false, true);
    watcher_aliases[action] = sub;
  }
  auto* add_worker = app.add_subcommand("add-worker", "Add one worker to the local cluster now");
  add_watcher_options(*add_worker, false, false);

  CLI11_PARSE(app, argc, argv);

  if (start->parsed()) return run_start(start_flags);
  if (node->parsed()) {
    if (!node_head && node_address.empty()) {
      return fail(tc::invalid_argument("node: give --head, or --address nats://HOST:10000 to "
                                       "join a cluster as a worker"),
                  kExitUsage);
    }
    auto& v = node_flags.values;
    v["TC_NODE_ROLE"] = node_head ? "head" : "worker";
    if (!node_address.empty()) {
      v["TC_BUS"] = node_address;
    } else if (std::getenv("TC_BUS") == nullptr) {
      v["TC_BUS"] = "nats://127.0.0.1:10000";
    }
    if (!node_name.empty()) v["TC_NODE_NAME"] = node_name;
    if (!cluster_name.empty()) v["TC_CLUSTER_NAME"] = cluster_name;
    return run_start(node_flags);
  }
  if (backtest->parsed()) return tc::cli::run_backtest(backtest_flags);
  if (status->parsed()) return run_status(status_flags);
  if (stop->parsed()) return run_stop(stop_flags);
  if (shutdown->parsed()) {
    return run_post(shutdown_flags, "/api/serve/shutdown", "deployments are draining");
  }
  if (deploy->parsed()) return run_post(deploy_flags, "/api/serve/deploy", "deployments serving");
  if (restart->parsed()) {
    ClientFlags c;
    c.host = restart_flags.values.count("TC_DASHBOARD_HOST")
                 ? restart_flags.values["TC_DASHBOARD_HOST"]
                 : "";
    c.port = restart_flags.values.count("TC_DASHBOARD_PORT")
                 ? restart_flags.values["TC_DASHBOARD_PORT"]
                 : "";
    c.token =
        restart_flags.values.count("TC_API_TOKEN") ? restart_flags.values["TC_API_TOKEN"] : "";
    c.env_file = restart_flags.env_file;
    // The head of a cluster `cluster start` runs: the whole cluster restarts, as it was started.
    if (auto client = c.client(); client) {
      if (auto now = client->get("/api/cluster/status"); now && now->is_object()) {
        if (auto* d = now->as_object().if_contains("cluster_dir"); d && d->is_string()) {
          tc::cli::ClusterFlags whole;
          whole.action = "restart";
          whole.dir = std::string(d->as_string());
          return tc::cli::run_cluster(whole);
        }
      }
    }
    if (int rc = run_stop(c); rc != 0) return rc;
    restart_flags.detach = true;
    return run_start(restart_flags);
  }
  if (infra->parsed()) return tc::cli::run_infra(infra_flags);
  for (const auto& [action, sub] : infra_aliases) {
    if (!sub->parsed()) continue;
    infra_flags.action = action;
    return tc::cli::run_infra(infra_flags);
  }
  for (const auto& [action, sub] : cluster_aliases) {
    if (sub->parsed()) cluster_flags.action = action;
  }
  if (cluster->parsed() || !cluster_flags.action.empty()) {
    if (cluster_flags.action == "status") {
      cluster_status_flags.env_file =
          cluster_flags.env_file.empty()
              ? (std::filesystem::path(cluster_flags.dir) / ".env").string()
              : cluster_flags.env_file;
      return run_status(cluster_status_flags);
    }
    return tc::cli::run_cluster(cluster_flags);
  }
  for (const auto& [action, sub] : watcher_aliases) {
    if (sub->parsed()) watcher_flags.action = action;
  }
  if (watcher->parsed() || !watcher_flags.action.empty())
    return tc::cli::run_watcher(watcher_flags);
  if (add_worker->parsed()) return tc::cli::run_add_worker(watcher_flags);
  return kExitUsage;
}
