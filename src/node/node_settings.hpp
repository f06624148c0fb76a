// NodeSettings: everything a node is configured with, read from one ConfigSource (flags >
// environment > .env > defaults). Node-level variables are TC_*; each deployment reads the
// seed's ALGORUNNER_* / SCREENER_* / TICKSCRAWLER_* variables.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/config_source.hpp"
#include "serve/deployment_config.hpp"
#include "services/algorunner/algorunner_options.hpp"
#include "services/screener/screener_options.hpp"
#include "services/tickscrawler/tickscrawler_options.hpp"
#include "storage/postgres/pg_pool.hpp"
#include "storage/redis/redis_cache.hpp"

namespace tc::node {

struct NodeSettings {
  std::string host = "127.0.0.1";            // TC_HOST: the API's address
  std::string dashboard_host = "127.0.0.1";  // TC_DASHBOARD_HOST: the control API's address
  uint16_t port = 8000;                      // TC_PORT
  uint16_t dashboard_port = 8265;            // TC_DASHBOARD_PORT
  std::filesystem::path data_dir = "data";   // TC_DATA_DIR
  std::filesystem::path log_dir = "logs";    // TC_LOG_DIR
  // TICKSCRAWLER_IMPORT_DIR: the csv source's files, default <data dir>/import.
  std::filesystem::path import_dir = "data/import";
  // TICKSCRAWLER_BINANCE_REST_URL: Binance's REST API (a fake exchange's in tests).
  std::string binance_rest_url = "https://api.binance.com";
  // TICKSCRAWLER_BINANCE_WS_URL: Binance's WebSocket streams.
  std::string binance_ws_url = "wss://stream.binance.com:9443";
  std::string log_level = "info";           // TC_LOG_LEVEL
  std::string access_log_level = "info";    // TC_ACCESS_LOG_LEVEL ("off": no access log)
  int64_t log_max_size = 64LL << 20;        // TC_LOG_MAX_SIZE: rotate each log file past it
  int log_max_files = 3;                    // TC_LOG_MAX_FILES: rotated files kept
  double num_cpus = 1;                      // TC_NUM_CPUS, default: the machine's cores
  int64_t memory_bytes = 0;                 // TC_MEMORY, default: the machine's memory
  int64_t object_store_memory = 1LL << 30;  // TC_OBJECT_STORE_MEMORY: the node's cache
  int io_threads = 1;                       // TC_IO_THREADS, default: the machine's cores
  // TC_MAX_CONNECTIONS: open connections on the API port; beyond it new ones are closed at
  // once. Default: the process's file limit less kReservedFiles.
  int max_connections = 1024;
  int max_event_streams = 1000;  // TC_MAX_EVENT_STREAMS: server-sent event streams open at once
  Duration request_timeout = std::chrono::seconds(60);  // TC_REQUEST_TIMEOUT
  // TC_CORS_ORIGINS: origins ("https://desk.example.com", or "*") whose browser clients may call
  // the API on port 8000; none by default.
  std::vector<std::string> cors_origins;
  Duration drain_timeout = std::chrono::seconds(30);         // TC_DRAIN_TIMEOUT
  Duration control_period = std::chrono::milliseconds(100);  // TC_CONTROL_PERIOD
  std::string api_token;                                     // TC_API_TOKEN
  double router_cpus = 0.3;       // the gateway's logical CPU, as the seed's router
  bool probe_deployment = false;  // TC_PROBE_DEPLOYMENT
  // TC_SIMULATOR_INSTRUMENTS: the simulator's universe (0: no simulator source).
  int simulator_instruments = 500;
  // TC_SIMULATOR_HISTORY_DAYS: days of daily bars seeded up to yesterday.
  int simulator_history_days = 730;
  // POSTGRES_PASSWORD or REDIS_PASSWORD is set to the seed's published default.
  bool seed_default_passwords = false;
  // TC_CACHE: "memory" (the default: in-process) or "redis", "redis://[:password@]host[:port]";
  // REDIS_HOST (127.0.0.1), REDIS_PORT (6379) and REDIS_PASSWORD (redispassword, the seed's; a
  // server without a password is used without) fill what the URL leaves out,
  // TC_CACHE_NAMESPACE ("tradecluster:") prefixes every key. Set when the cache is Redis.
  std::optional<storage::RedisOptions> redis_cache;
  // TC_STORE: "sqlite" (the default: <data dir>/tradecluster.db) or "postgres",
  // "postgresql://[user[:password]@]host[:port][/dbname]"; POSTGRES_HOST (127.0.0.1),
  // POSTGRES_PORT (5432), POSTGRES_DB (raycluster), POSTGRES_USER (rayuser) and
  // POSTGRES_PASSWORD (raypassword) fill what the URL leaves out, TC_STORE_POOL_SIZE (8) bounds
  // its connections. Set when the store is PostgreSQL.
  std::optional<storage::PgOptions> postgres_store;
  // TC_INFRA_DIR: the infrastructure `start --with-infra` started for this node (shown in status,
  // so that `tradecluster stop` stops it too); empty otherwise.
  std::string infra_dir;
  // TC_BUS: "inproc" (the default: in-process) or nats-server URLs,
  // "nats://host:port[,nats://host:port…]" (several: a NATS cluster). Empty when in-process.
  std::vector<std::string> nats_servers;
  // TC_HEALTH_CHECK_INTERVAL: how often PostgreSQL and Redis are checked, when configured.
  Duration health_check_interval = std::chrono::seconds(10);

  // TC_NODE_ROLE: "standalone" (the default: one process, `tradecluster start`), "head" (the
  // cluster's controller and router: `node --head`) or "worker" (`node --address`: runs the
  // replicas the head places on it). A head or worker needs TC_BUS on nats-server.
  enum class Role { kStandalone, kHead, kWorker };
  Role role = Role::kStandalone;
  std::string node_name = "head";        // TC_NODE_NAME; a worker's default: worker-<host>-<pid>
  std::string cluster_name = "default";  // TC_CLUSTER_NAME: clusters sharing a server never meet
  // TC_CLUSTER_CONTROL_PORT: a head's control API also listens here (Ray's 10001, for remote CLI
  // clients), on TC_DASHBOARD_HOST and with its token rules; 0: not at all.
  uint16_t cluster_control_port = 10001;
  Duration heartbeat_interval = std::chrono::seconds(1);  // TC_HEARTBEAT_INTERVAL
  Duration node_dead_after = std::chrono::seconds(5);     // TC_NODE_DEAD_AFTER without heartbeat
  // TC_NODE_LABELS: "key=value,key=value", what a worker says of itself (zone, gpu, ...).
  std::map<std::string, std::string> node_labels;
  // TC_CLUSTER_DIR: the directory `cluster start` runs this node's cluster from; empty otherwise.
  std::string cluster_dir;
  // A worker's: the head's SQLite file, when the head names it (same host).
  std::string shared_sqlite_path;

  serve::DeploymentConfig algorunner, screener, tickscrawler;
  std::optional<serve::DeploymentConfig> probe;
  services::AlgorunnerOptions algorunner_options;
  services::ScreenerOptions screener_options;
  services::TickscrawlerOptions tickscrawler_options;

  // Descriptors kept out of the API's connection limit: the control API's connections, the store,
  // logs and the bus.
  static constexpr int kReservedFiles = 512;
  // Connections the control API accepts at once.
  static constexpr int kControlConnections = 256;

  // True when the API listens beyond loopback.
  bool exposed() const;
  // True when the control API listens beyond loopback.
  bool dashboard_exposed() const;
};

// invalid_argument naming the variable of the first bad value.
Result<NodeSettings> load_node_settings(const ConfigSource& source);

}  // namespace tc::node
