#include "node/node_settings.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <thread>

#include "core/logging.hpp"
#include "net/http_client.hpp"

namespace tc::node {

namespace {

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

// The soft limit on open files, raised to the hard limit first (as servers do).
int64_t file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  return limit.rlim_cur == RLIM_INFINITY ? (1 << 20) : static_cast<int64_t>(limit.rlim_cur);
}

// The non-empty items of a comma-separated list, without the spaces around them.
std::vector<std::string> comma_items(std::string_view text) {
  std::vector<std::string> items;
  for (size_t pos = 0; pos <= text.size();) {
    size_t comma = std::min(text.find(',', pos), text.size());
    std::string_view item = text.substr(pos, comma - pos);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) items.emplace_back(item);
    pos = comma + 1;
  }
  return items;
}

}  // namespace

bool NodeSettings::exposed() const { return !is_loopback(host); }
bool NodeSettings::dashboard_exposed() const { return !is_loopback(dashboard_host); }

Result<NodeSettings> load_node_settings(const ConfigSource& source) {
  using std::chrono::seconds;
  NodeSettings s;
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int64_t machine_memory =
      static_cast<int64_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<int64_t>(sysconf(_SC_PAGE_SIZE));
  TC_ASSIGN_OR_RETURN(s.host, source.get_string("TC_HOST", "127.0.0.1"));
  TC_ASSIGN_OR_RETURN(s.dashboard_host, source.get_string("TC_DASHBOARD_HOST", "127.0.0.1"));
  TC_ASSIGN_OR_RETURN(s.port, source.get_int("TC_PORT", 8000, 0, 65535));
  TC_ASSIGN_OR_RETURN(s.dashboard_port, source.get_int("TC_DASHBOARD_PORT", 8265, 0, 65535));
  std::string path;
  TC_ASSIGN_OR_RETURN(path, source.get_string("TC_DATA_DIR", "data"));
  s.data_dir = path;
  TC_ASSIGN_OR_RETURN(path, source.get_string("TC_LOG_DIR", "logs"));
  s.log_dir = path;
  TC_ASSIGN_OR_RETURN(
      path, source.get_string("TICKSCRAWLER_IMPORT_DIR", (s.data_dir / "import").string()));
  s.import_dir = path;
  TC_ASSIGN_OR_RETURN(s.binance_rest_url, source.get_string("TICKSCRAWLER_BINANCE_REST_URL",
                                                            "https://api.binance.com"));
  if (auto url = net::call_for_url(s.binance_rest_url); !url) {
    return invalid_argument("TICKSCRAWLER_BINANCE_REST_URL: " + url.status().message());
  }
  TC_ASSIGN_OR_RETURN(s.binance_ws_url, source.get_string("TICKSCRAWLER_BINANCE_WS_URL",
                                                          "wss://stream.binance.com:9443"));
  if (!s.binance_ws_url.starts_with("ws://") && !s.binance_ws_url.starts_with("wss://")) {
    return invalid_argument("TICKSCRAWLER_BINANCE_WS_URL must be a ws:// or wss:// URL, got '" +
                            s.binance_ws_url + "'");
  }
  TC_ASSIGN_OR_RETURN(s.log_level, source.get_string("TC_LOG_LEVEL", "info"));
  TC_ASSIGN_OR_RETURN(s.access_log_level, source.get_string("TC_ACCESS_LOG_LEVEL", "info"));
  TC_ASSIGN_OR_RETURN(s.log_max_size, source.get_bytes("TC_LOG_MAX_SIZE", s.log_max_size));
  TC_ASSIGN_OR_RETURN(s.log_max_files, source.get_int("TC_LOG_MAX_FILES", 3, 0, 1000));
  TC_ASSIGN_OR_RETURN(s.num_cpus, source.get_double("TC_NUM_CPUS", cores, 0, 4096));
  TC_ASSIGN_OR_RETURN(s.memory_bytes, source.get_bytes("TC_MEMORY", machine_memory));
  TC_ASSIGN_OR_RETURN(s.object_store_memory, source.get_bytes("TC_OBJECT_STORE_MEMORY", 1LL << 30));
  TC_ASSIGN_OR_RETURN(s.io_threads, source.get_int("TC_IO_THREADS", cores, 1, 256));
  int64_t files = file_limit();
  TC_ASSIGN_OR_RETURN(
      s.max_connections,
      source.get_int("TC_MAX_CONNECTIONS",
                     std::max<int64_t>(16, files - NodeSettings::kReservedFiles), 1, 10'000'000));
  TC_ASSIGN_OR_RETURN(s.request_timeout,
                      source.get_seconds("TC_REQUEST_TIMEOUT", seconds(60),
                                         std::chrono::milliseconds(10), seconds(3600)));
  TC_ASSIGN_OR_RETURN(s.drain_timeout, source.get_seconds("TC_DRAIN_TIMEOUT", seconds(30),
                                                          seconds(0), seconds(3600)));
  TC_ASSIGN_OR_RETURN(s.control_period,
                      source.get_seconds("TC_CONTROL_PERIOD", std::chrono::milliseconds(100),
                                         std::chrono::milliseconds(5), seconds(10)));
  TC_ASSIGN_OR_RETURN(s.api_token, source.get_string("TC_API_TOKEN", ""));
  TC_ASSIGN_OR_RETURN(s.probe_deployment, source.get_bool("TC_PROBE_DEPLOYMENT", false));
  TC_ASSIGN_OR_RETURN(s.max_event_streams,
                      source.get_int("TC_MAX_EVENT_STREAMS", 1000, 1, 1000000));
  TC_ASSIGN_OR_RETURN(s.simulator_instruments,
                      source.get_int("TC_SIMULATOR_INSTRUMENTS", 500, 0, 100000));
  TC_ASSIGN_OR_RETURN(s.simulator_history_days,
                      source.get_int("TC_SIMULATOR_HISTORY_DAYS", 730, 0, 36500));
  std::string cache;
  TC_ASSIGN_OR_RETURN(cache, source.get_string("TC_CACHE", "memory"));
  if (cache != "memory") {
    storage::RedisOptions redis;
    TC_ASSIGN_OR_RETURN(redis.host, source.get_string("REDIS_HOST", "127.0.0.1"));
    int64_t port = 6379;
    TC_ASSIGN_OR_RETURN(port, source.get_int("REDIS_PORT", 6379, 1, 65535));
    redis.port = static_cast<int>(port);
    TC_ASSIGN_OR_RETURN(redis.password, source.get_string("REDIS_PASSWORD", "redispassword"));
    TC_ASSIGN_OR_RETURN(redis.key_prefix, source.get_string("TC_CACHE_NAMESPACE", "tradecluster:"));
    if (cache.rfind("redis://", 0) == 0) {
      // redis://[[user]:password@]host[:port][/...]
      std::string rest = cache.substr(8);
      rest = rest.substr(0, rest.find('/'));
      if (auto at = rest.rfind('@'); at != std::string::npos) {
        std::string auth = rest.substr(0, at);
        redis.password = auth.substr(auth.find(':') == std::string::npos ? 0 : auth.find(':') + 1);
        rest = rest.substr(at + 1);
      }
      if (auto colon = rest.rfind(':'); colon != std::string::npos) {
        std::string digits = rest.substr(colon + 1);
        char* end = nullptr;
        long p = std::strtol(digits.c_str(), &end, 10);
        if (digits.empty() || *end != '\0' || p < 1 || p > 65535) {
          return invalid_argument("TC_CACHE: bad port in '" + cache + "'");
        }
        redis.port = static_cast<int>(p);
        rest = rest.substr(0, colon);
      }
      if (!rest.empty()) redis.host = rest;
    } else if (cache != "redis") {
      return invalid_argument("TC_CACHE: expected memory, redis or redis://host:port, got '" +
                              cache + "'");
    }
    s.redis_cache = redis;
  }
  std::string store;
  TC_ASSIGN_OR_RETURN(store, source.get_string("TC_STORE", "sqlite"));
  if (store != "sqlite") {
    storage::PgOptions pg;
    TC_ASSIGN_OR_RETURN(pg.host, source.get_string("POSTGRES_HOST", "127.0.0.1"));
    int64_t port = 5432, pool = 8;
    TC_ASSIGN_OR_RETURN(port, source.get_int("POSTGRES_PORT", 5432, 1, 65535));
    pg.port = static_cast<int>(port);
    TC_ASSIGN_OR_RETURN(pg.dbname, source.get_string("POSTGRES_DB", "raycluster"));
    TC_ASSIGN_OR_RETURN(pg.user, source.get_string("POSTGRES_USER", "rayuser"));
    TC_ASSIGN_OR_RETURN(pg.password, source.get_string("POSTGRES_PASSWORD", "raypassword"));
    TC_ASSIGN_OR_RETURN(pool, source.get_int("TC_STORE_POOL_SIZE", 8, 1, 1000));
    pg.pool_size = static_cast<int>(pool);
    if (store == "postgres" || store == "postgresql") {
      s.postgres_store = pg;
    } else if (store.starts_with("postgres://") || store.starts_with("postgresql://")) {
      auto parsed = storage::parse_postgres_url(store, pg);
      if (!parsed) return invalid_argument("TC_STORE: " + parsed.status().message());
      s.postgres_store = *parsed;
    } else {
      return invalid_argument("TC_STORE: expected sqlite, postgres or postgresql://…, got '" +
                              store + "'");
    }
  }
  TC_ASSIGN_OR_RETURN(s.infra_dir, source.get_string("TC_INFRA_DIR", ""));
  TC_ASSIGN_OR_RETURN(s.cluster_dir, source.get_string("TC_CLUSTER_DIR", ""));
  std::string bus;
  TC_ASSIGN_OR_RETURN(bus, source.get_string("TC_BUS", "inproc"));
  if (bus != "inproc") {
    for (size_t at = 0; at <= bus.size();) {
      size_t comma = std::min(bus.find(',', at), bus.size());
      std::string url = bus.substr(at, comma - at);
      if (!url.starts_with("nats://") || url.size() <= 7) {
        return invalid_argument("TC_BUS: expected inproc or nats://host:port[,nats://…], got '" +
                                bus + "'");
      }
      s.nats_servers.push_back(url);
      at = comma + 1;
    }
  }
  TC_ASSIGN_OR_RETURN(s.health_check_interval,
                      source.get_seconds("TC_HEALTH_CHECK_INTERVAL", seconds(10),
                                         std::chrono::milliseconds(100), std::chrono::hours(1)));
  std::string role;
  TC_ASSIGN_OR_RETURN(role, source.get_string("TC_NODE_ROLE", "standalone"));
  if (role == "head") {
    s.role = NodeSettings::Role::kHead;
  } else if (role == "worker") {
    s.role = NodeSettings::Role::kWorker;
  } else if (role != "standalone") {
    return invalid_argument("TC_NODE_ROLE: expected standalone, head or worker, got '" + role +
                            "'");
  }
  if (s.role != NodeSettings::Role::kStandalone && s.nats_servers.empty()) {
    return invalid_argument(
        "a cluster node needs nats-server: give --address nats://HOST:10000 (or TC_BUS)");
  }
  // A worker's default name is unique on its host and across hosts (containers all run pid 1).
  std::string default_name = "head";
  if (s.role == NodeSettings::Role::kWorker) {
    char host[256] = {};
    gethostname(host, sizeof(host) - 1);
    std::string h(host);
    for (char& c : h) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') c = '-';
    }
    default_name = "worker-" + h.substr(0, 40) + "-" + std::to_string(getpid());
  }
  TC_ASSIGN_OR_RETURN(s.node_name, source.get_string("TC_NODE_NAME", default_name));
  TC_ASSIGN_OR_RETURN(s.cluster_name, source.get_string("TC_CLUSTER_NAME", "default"));
  TC_ASSIGN_OR_RETURN(s.cluster_control_port,
                      source.get_int("TC_CLUSTER_CONTROL_PORT", 10001, 0, 65535));
  for (const std::string* name : {&s.node_name, &s.cluster_name}) {
    bool ok = !name->empty() && name->size() <= 64;
    for (char c : *name)
      ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_');
    if (!ok) {
      return invalid_argument(
          "TC_NODE_NAME and TC_CLUSTER_NAME: letters, digits, '-' and '_' (at "
          "most 64), got '" +
          *name + "'");
    }
  }
  if (s.role == NodeSettings::Role::kWorker && s.node_name == "head") {
    return invalid_argument("TC_NODE_NAME: 'head' is the head's name; name a worker worker-N");
  }
  TC_ASSIGN_OR_RETURN(s.heartbeat_interval,
                      source.get_seconds("TC_HEARTBEAT_INTERVAL", seconds(1),
                                         std::chrono::milliseconds(50), seconds(60)));
  TC_ASSIGN_OR_RETURN(s.node_dead_after,
                      source.get_seconds("TC_NODE_DEAD_AFTER", seconds(5),
                                         std::chrono::milliseconds(200), seconds(600)));
  if (s.node_dead_after <= s.heartbeat_interval) {
    return invalid_argument("TC_NODE_DEAD_AFTER must be longer than TC_HEARTBEAT_INTERVAL");
  }
  std::string labels;
  TC_ASSIGN_OR_RETURN(labels, source.get_string("TC_NODE_LABELS", ""));
  for (const std::string& pair : comma_items(labels)) {
    size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      return invalid_argument("TC_NODE_LABELS: expected key=value[,key=value], got '" + labels +
                              "'");
    }
    s.node_labels[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  std::string origins;
  TC_ASSIGN_OR_RETURN(origins, source.get_string("TC_CORS_ORIGINS", ""));
  for (std::string origin : comma_items(origins)) {
    if (origin != "*" && !origin.starts_with("http://") && !origin.starts_with("https://")) {
      return invalid_argument("TC_CORS_ORIGINS: '" + origin +
                              "' is not an origin (http://host[:port], https://…, or *)");
    }
    if (origin != "*" && origin.back() == '/') origin.pop_back();
    s.cors_origins.push_back(std::move(origin));
  }
  auto postgres = source.find("POSTGRES_PASSWORD");
  auto redis = source.find("REDIS_PASSWORD");
  s.seed_default_passwords =
      (postgres && postgres->text == "raypassword") || (redis && redis->text == "redispassword");
  if (s.port != 0 && s.port == s.dashboard_port) {
    return invalid_argument("TC_PORT and TC_DASHBOARD_PORT are both " + std::to_string(s.port));
  }
  for (auto [name, level] : {std::pair{"TC_LOG_LEVEL", &s.log_level},
                             std::pair{"TC_ACCESS_LOG_LEVEL", &s.access_log_level}}) {
    if (!is_log_level(*level)) {
      return invalid_argument(std::string(name) +
                              ": expected trace, debug, info, warn, error or off, got '" + *level +
                              "'");
    }
  }
  if (s.log_max_size < 4000) {
    return invalid_argument("TC_LOG_MAX_SIZE: at least 4KB, got " + std::to_string(s.log_max_size) +
                            " bytes");
  }

  TC_ASSIGN_OR_RETURN(s.algorunner,
                      serve::load_deployment_config("algorunner", "ALGORUNNER", source));
  TC_ASSIGN_OR_RETURN(s.screener, serve::load_deployment_config("screener", "SCREENER", source));
  TC_ASSIGN_OR_RETURN(s.tickscrawler,
                      serve::load_deployment_config("tickscrawler", "TICKSCRAWLER", source));
  if (s.probe_deployment) {
    TC_ASSIGN_OR_RETURN(s.probe, serve::load_deployment_config("probe", "PROBE", source));
  }
  TC_ASSIGN_OR_RETURN(s.algorunner_options, services::AlgorunnerOptions::load(source));
  TC_ASSIGN_OR_RETURN(s.screener_options, services::ScreenerOptions::load(source));
  TC_ASSIGN_OR_RETURN(s.tickscrawler_options, services::TickscrawlerOptions::load(source));
  return s;
}

}  // namespace tc::node
