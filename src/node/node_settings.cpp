#include "node/node_settings.hpp"

#include <unistd.h>

#include <thread>

namespace tc::node {

bool NodeSettings::exposed() const {
  return host != "127.0.0.1" && host != "localhost" && host != "::1" && !host.starts_with("127.");
}

Result<NodeSettings> load_node_settings(const ConfigSource& source) {
  using std::chrono::seconds;
  NodeSettings s;
  int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int64_t machine_memory =
      static_cast<int64_t>(sysconf(_SC_PHYS_PAGES)) * static_cast<int64_t>(sysconf(_SC_PAGE_SIZE));
  TC_ASSIGN_OR_RETURN(s.host, source.get_string("TC_HOST", "127.0.0.1"));
  TC_ASSIGN_OR_RETURN(s.port, source.get_int("TC_PORT", 8000, 0, 65535));
  TC_ASSIGN_OR_RETURN(s.dashboard_port, source.get_int("TC_DASHBOARD_PORT", 8265, 0, 65535));
  std::string path;
  TC_ASSIGN_OR_RETURN(path, source.get_string("TC_DATA_DIR", "data"));
  s.data_dir = path;
  TC_ASSIGN_OR_RETURN(path, source.get_string("TC_LOG_DIR", "logs"));
  s.log_dir = path;
  TC_ASSIGN_OR_RETURN(s.log_level, source.get_string("TC_LOG_LEVEL", "info"));
  TC_ASSIGN_OR_RETURN(s.num_cpus, source.get_double("TC_NUM_CPUS", cores, 0, 4096));
  TC_ASSIGN_OR_RETURN(s.memory_bytes, source.get_bytes("TC_MEMORY", machine_memory));
  TC_ASSIGN_OR_RETURN(s.object_store_memory, source.get_bytes("TC_OBJECT_STORE_MEMORY", 1LL << 30));
  TC_ASSIGN_OR_RETURN(s.io_threads, source.get_int("TC_IO_THREADS", cores, 1, 256));
  TC_ASSIGN_OR_RETURN(s.worker_threads,
                      source.get_int("TC_WORKER_THREADS", std::max(4, 2 * cores), 1, 1024));
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
  auto postgres = source.find("POSTGRES_PASSWORD");
  auto redis = source.find("REDIS_PASSWORD");
  s.seed_default_passwords =
      (postgres && postgres->text == "raypassword") || (redis && redis->text == "redispassword");
  if (s.port != 0 && s.port == s.dashboard_port) {
    return invalid_argument("TC_PORT and TC_DASHBOARD_PORT are both " + std::to_string(s.port));
  }
  if (s.log_level != "trace" && s.log_level != "debug" && s.log_level != "info" &&
      s.log_level != "warn" && s.log_level != "error" && s.log_level != "off") {
    return invalid_argument("TC_LOG_LEVEL: expected trace, debug, info, warn, error or off, got '" +
                            s.log_level + "'");
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
