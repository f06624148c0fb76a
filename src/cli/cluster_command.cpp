#include "cli/cluster_command.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli/control_client.hpp"
#include "cli/infra_command.hpp"
#include "core/config_source.hpp"
#include "core/json.hpp"
#include "infra/process.hpp"

namespace tc::cli {
namespace {

namespace fs = std::filesystem;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;
constexpr Duration kNodeStopGrace = std::chrono::seconds(60);
// Marks a cluster started with --with-infra: `cluster stop` stops PostgreSQL and Redis too.
constexpr const char* kInfraMarker = "cluster-with-infra";

int fail(const Status& s, int code = kExitFailure) {
  std::cerr << "tradecluster cluster: " << s.message() << "\n";
  return code;
}

void say(const std::string& line) { std::cerr << "cluster: " << line << "\n"; }

std::string self_binary() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? "tradecluster" : exe.string();
}

fs::path pid_file(const infra::InfraSettings& s, const std::string& node) {
  return s.dir("data") / (node + ".pid");
}

// The nodes this directory's cluster runs: the head, then worker-N by number.
std::vector<std::string> known_nodes(const infra::InfraSettings& s) {
  std::vector<std::pair<int, std::string>> workers;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(s.dir("data"), ec)) {
    std::string name = e.path().filename().string();
    if (!name.starts_with("worker-") || !name.ends_with(".pid")) continue;
    std::string node = name.substr(0, name.size() - 4);
    workers.emplace_back(std::atoi(node.c_str() + 7), node);
  }
  std::sort(workers.begin(), workers.end());
  std::vector<std::string> out{"head"};
  for (auto& [n, node] : workers) out.push_back(node);
  return out;
}

// Waits for `done`, printing a dot a second after `what`; true when it held within `timeout`.
template <typename Done>
bool wait_for(const std::string& what, std::chrono::seconds timeout, Done done) {
  auto until = std::chrono::steady_clock::now() + timeout;
  std::cerr << what << std::flush;
  while (std::chrono::steady_clock::now() < until) {
    if (done()) {
      std::cerr << " ok\n";
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
    std::cerr << "." << std::flush;
  }
  std::cerr << " timed out\n";
  return false;
}

}  // namespace

Status spawn_node(const infra::InfraSettings& s, const std::string& node, bool head,
                  const NodeResources& resources, const std::string& env_file) {
  const std::string nats =
      s.host == "0.0.0.0" ? "nats://127.0.0.1:" + std::to_string(s.nats_port) : s.nats_url();
  std::vector<std::string> argv{self_binary(), "node"};
  if (head) {
    argv.insert(argv.end(), {"--head", "--address", nats});
  } else {
    argv.insert(argv.end(), {"--address", nats, "--name", node});
  }
  const std::string logs = s.dir("logs").string();
  argv.insert(argv.end(),
              {"--data-dir", (s.dir("data") / node).string(), "--log-dir", logs, "--num-cpus",
               resources.num_cpus, "--object-store-memory", resources.object_store_memory,
               "--env-file", env_file.empty() ? (s.root / ".env").string() : env_file});
  std::error_code ec;
  fs::create_directories(s.dir("logs"), ec);
  // `tradecluster stop` and `restart` against the head then act on the whole cluster.
  setenv("TC_CLUSTER_DIR", s.root.c_str(), 1);
  auto pid = infra::spawn_detached(argv, s.dir("logs") / (node + ".out"), pid_file(s, node));
  if (!pid) return pid.status();
  say("started " + node + " (pid " + std::to_string(*pid) + "), log " + logs + "/" + node + ".log");
  return Status::ok();
}

Status stop_node(const infra::InfraSettings& s, const std::string& node) {
  auto pid = infra::running_pid(pid_file(s, node));
  if (pid) {
    say("stopping " + node + " (pid " + std::to_string(*pid) + ")");
    if (!infra::terminate(*pid, kNodeStopGrace)) {
      return unavailable(node + " (pid " + std::to_string(*pid) + ") did not stop");
    }
  }
  std::error_code ec;
  fs::remove(pid_file(s, node), ec);
  return Status::ok();
}

std::set<std::string> local_workers_running(const infra::InfraSettings& s) {
  std::set<std::string> out;
  for (const std::string& node : known_nodes(s)) {
    if (node != "head" && infra::running_pid(pid_file(s, node))) out.insert(node);
  }
  return out;
}

namespace {

Result<ConfigSource> node_settings(const infra::InfraSettings& s, const std::string& env_file) {
  return ConfigSource::load({}, env_file.empty() ? (s.root / ".env").string() : env_file);
}

}  // namespace

Result<ControlClient> head_client(const infra::InfraSettings& s, const std::string& env_file) {
  auto source = node_settings(s, env_file);
  if (!source) return source.status();
  std::string host, token;
  int64_t port = 8265;
  TC_ASSIGN_OR_RETURN(host, source->get_string("TC_DASHBOARD_HOST", "127.0.0.1"));
  TC_ASSIGN_OR_RETURN(port, source->get_int("TC_DASHBOARD_PORT", 8265, 1, 65535));
  TC_ASSIGN_OR_RETURN(token, source->get_string("TC_API_TOKEN", ""));
  if (host == "0.0.0.0") host = "127.0.0.1";
  return ControlClient(host, static_cast<uint16_t>(port), token);
}

namespace {

// Workers the head reports alive.
int alive_workers(const ControlClient& head) {
  auto status = head.get("/api/cluster/status");
  if (!status || !status->is_object() || !status->as_object().contains("nodes")) return 0;
  int n = 0;
  for (const auto& node : status->as_object().at("nodes").as_array()) {
    const auto& o = node.as_object();
    if (o.at("state").as_string() == "alive" && !o.at("is_head").as_bool()) ++n;
  }
  return n;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

Status start_cluster(const ClusterFlags& f, const infra::InfraSettings& s) {
  if (f.num_workers < 0 || f.num_workers > 100) {
    return invalid_argument("--num-workers must lie between 0 and 100");
  }
  if (infra::running_pid(pid_file(s, "head"))) {
    return failed_precondition("a cluster already runs from " + s.root.string() +
                               ": tradecluster cluster status, or cluster stop first");
  }
  // nats-server always; PostgreSQL, Redis and Adminer with --with-infra.
  auto all = infra::make_services(s);
  std::vector<infra::Service*> services;
  for (const auto& svc : all) {
    if (f.with_infra || svc->name() == "nats") services.push_back(svc.get());
  }
  TC_RETURN_IF_ERROR(infra::start_services(services, say));
  std::error_code ec;
  fs::create_directories(s.dir("data"), ec);
  fs::create_directories(s.dir("logs"), ec);
  // What `cluster restart` (and `tradecluster restart` against the head) starts again.
  std::ofstream(s.dir("data") / "cluster.json")
      << "{\"num_workers\":" << f.num_workers << ",\"num_cpus\":\"" << f.num_cpus
      << "\",\"object_store_memory\":\"" << f.object_store_memory
      << "\",\"with_infra\":" << (f.with_infra ? "true" : "false") << "}\n";
  if (f.with_infra) {
    std::ofstream(s.dir("data") / kInfraMarker) << "postgres redis nats adminer\n";
    std::string host = s.host == "0.0.0.0" ? "127.0.0.1" : s.host;
    setenv("TC_STORE", "postgres", 1);
    setenv("POSTGRES_HOST", host.c_str(), 1);
    setenv("POSTGRES_PORT", std::to_string(s.postgres_port).c_str(), 1);
    setenv("POSTGRES_DB", s.postgres_db.c_str(), 1);
    setenv("POSTGRES_USER", s.postgres_user.c_str(), 1);
    setenv("POSTGRES_PASSWORD", s.postgres_password.c_str(), 1);
    setenv("TC_CACHE", "redis", 1);
    setenv("REDIS_HOST", host.c_str(), 1);
    setenv("REDIS_PORT", std::to_string(s.redis_port).c_str(), 1);
    setenv("REDIS_PASSWORD", s.redis_password.c_str(), 1);
  }
  const std::string nats = "nats://127.0.0.1:" + std::to_string(s.nats_port);
  const std::string logs = s.dir("logs").string();
  const NodeResources resources{f.num_cpus, f.object_store_memory};
  TC_RETURN_IF_ERROR(spawn_node(s, "head", true, resources, f.env_file));
  auto head = head_client(s, f.env_file);
  if (!head) return head.status();
  bool up = wait_for("waiting for the head", std::chrono::seconds(120),
                     [&] { return head->ready() || !infra::running_pid(pid_file(s, "head")); });
  if (!up || !infra::running_pid(pid_file(s, "head"))) {
    return unavailable("the head did not start; see " + logs + "/head.out and head.log");
  }
  for (int i = 1; i <= f.num_workers; ++i) {
    TC_RETURN_IF_ERROR(spawn_node(s, "worker-" + std::to_string(i), false, resources, f.env_file));
  }
  if (!wait_for("waiting for " + std::to_string(f.num_workers) + " workers to join",
                std::chrono::seconds(120), [&] { return alive_workers(*head) >= f.num_workers; })) {
    return unavailable("not every worker joined; see " + logs + "/worker-*.out");
  }
  auto source = node_settings(s, f.env_file);
  std::string api = "127.0.0.1:8000";
  if (source) {
    auto host = source->get_string("TC_HOST", "127.0.0.1");
    auto port = source->get_int("TC_PORT", 8000, 1, 65535);
    if (host && port) api = *host + ":" + std::to_string(*port);
  }
  std::cout << "cluster started: head and " << f.num_workers << " workers on " << nats
            << "\n  API          http://" << api << "\n  control API  http://" << head->address()
            << "\n  status       tradecluster cluster status\n"
            << "  logs         tradecluster cluster logs --service head|worker-N [--follow]\n";
  return Status::ok();
}

Status stop_cluster(const infra::InfraSettings& s) {
  // Workers first (the head re-places nothing while it is stopping anyway), then the head.
  std::vector<std::string> nodes = known_nodes(s);
  std::rotate(nodes.begin(), nodes.begin() + 1, nodes.end());
  // The watcher first, so that it adds nothing while the cluster goes.
  if (auto watcher = infra::running_pid(s.dir("data") / "watcher.pid")) {
    say("stopping the watcher (pid " + std::to_string(*watcher) + ")");
    infra::terminate(*watcher, std::chrono::seconds(10));
  }
  for (const std::string& node : nodes) TC_RETURN_IF_ERROR(stop_node(s, node));
  auto all = infra::make_services(s);
  std::vector<infra::Service*> services;
  bool with_infra = fs::exists(s.dir("data") / kInfraMarker);
  for (const auto& svc : all) {
    if (with_infra || svc->name() == "nats") services.push_back(svc.get());
  }
  TC_RETURN_IF_ERROR(infra::stop_services(services, say));
  std::error_code ec;
  fs::remove(s.dir("data") / kInfraMarker, ec);
  return Status::ok();
}

}  // namespace

int run_cluster(const ClusterFlags& f) {
  auto settings = infra_settings(f.dir, f.env_file);
  if (!settings) return fail(settings.status(), kExitUsage);
  const std::string& a = f.action;
  if (a == "start" || a == "restart") {
    ClusterFlags flags = f;
    if (a == "restart") {
      // As it was started, unless told otherwise.
      auto saved = parse_json(read_file(settings->dir("data") / "cluster.json"));
      if (saved && saved->is_object() && !f.explicit_start_flags) {
        const json::object& o = saved->as_object();
        if (const auto* n = o.if_contains("num_workers"); n && n->is_int64()) {
          flags.num_workers = static_cast<int>(n->as_int64());
        }
        if (const auto* c = o.if_contains("num_cpus"); c && c->is_string()) {
          flags.num_cpus = std::string(c->as_string());
        }
        if (const auto* m = o.if_contains("object_store_memory"); m && m->is_string()) {
          flags.object_store_memory = std::string(m->as_string());
        }
        if (const auto* i = o.if_contains("with_infra"); i && i->is_bool()) {
          flags.with_infra = flags.with_infra || i->as_bool();
        }
      }
      if (Status s = stop_cluster(*settings); !s.is_ok()) return fail(s);
    }
    if (Status s = start_cluster(flags, *settings); !s.is_ok()) return fail(s);
    return 0;
  }
  if (a == "stop") {
    if (Status s = stop_cluster(*settings); !s.is_ok()) return fail(s);
    std::cout << "cluster stopped\n";
    return 0;
  }
  if (a == "logs") {
    std::vector<std::pair<std::string, fs::path>> files;
    for (const std::string& node : f.services.empty() ? known_nodes(*settings) : f.services) {
      files.emplace_back(node, settings->dir("logs") / (node + ".log"));
    }
    return print_log_files(files, f.lines, f.follow);
  }
  return fail(invalid_argument("unknown action '" + a + "'"), kExitUsage);
}

}  // namespace tc::cli
