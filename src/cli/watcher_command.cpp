#include "cli/watcher_command.hpp"

#include <fmt/format.h>

#include <atomic>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "cli/cluster_command.hpp"
#include "cli/infra_command.hpp"
#include "cluster/watcher_policy.hpp"
#include "core/json_writer.hpp"
#include "infra/process.hpp"

namespace tc::cli {
namespace {

namespace fs = std::filesystem;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

std::atomic<bool> g_stop{false};
void on_signal(int) { g_stop = true; }

int fail(const Status& s, int code = kExitFailure) {
  std::cerr << "tradecluster watcher: " << s.message() << "\n";
  return code;
}

Duration seconds_of(double s) {
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
}

fs::path watcher_pid(const infra::InfraSettings& s) { return s.dir("data") / "watcher.pid"; }
fs::path watcher_state(const infra::InfraSettings& s) { return s.dir("data") / "watcher.json"; }

std::string nats_address(const infra::InfraSettings& s) {
  return "nats://" + std::string(s.host == "0.0.0.0" ? "127.0.0.1" : s.host) + ":" +
         std::to_string(s.nats_port);
}

// What the head says: replicas pending, and the alive workers with what each runs.
struct ClusterView {
  int pending = 0;
  std::vector<cluster::WorkerView> workers;
};

Result<ClusterView> observe(const ControlClient& head) {
  auto status = head.get("/api/cluster/status");
  if (!status) return status.status();
  if (!status->is_object()) return internal_error("the head's status is not an object");
  const json::object& o = status->as_object();
  ClusterView view;
  std::map<std::string, int> placed;
  for (const auto& d : o.at("deployments").as_array()) {
    view.pending += static_cast<int>(d.at("pending_replicas").as_int64());
    for (const auto& r : d.at("replicas").as_array()) {
      if (r.at("state").as_string() != "pending") ++placed[std::string(r.at("node").as_string())];
    }
  }
  for (const auto& n : o.at("nodes").as_array()) {
    if (n.at("is_head").as_bool() || n.at("state").as_string() != "alive") continue;
    std::string id(n.at("id").as_string());
    view.workers.push_back({id, placed[id]});
  }
  return view;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// How workers come and go.
class Provider {
 public:
  virtual ~Provider() = default;
  virtual Status add(const std::string& name) = 0;
  virtual Status remove(const std::string& name) = 0;
  // Names it has started that may not have joined yet.
  virtual std::set<std::string> starting() const { return {}; }
};

class LocalProvider final : public Provider {
 public:
  LocalProvider(const infra::InfraSettings& s, const WatcherFlags& f) : s_(s), f_(f) {}
  Status add(const std::string& name) override {
    return spawn_node(s_, name, false, {f_.num_cpus, f_.object_store_memory}, f_.env_file);
  }
  Status remove(const std::string& name) override { return stop_node(s_, name); }
  std::set<std::string> starting() const override { return local_workers_running(s_); }

 private:
  const infra::InfraSettings& s_;
  const WatcherFlags& f_;
};

// Runs a command template through /bin/sh, {name} and {address} replaced.
class CommandProvider final : public Provider {
 public:
  CommandProvider(std::string add, std::string remove, std::string address)
      : add_(std::move(add)), remove_(std::move(remove)), address_(std::move(address)) {}
  Status add(const std::string& name) override { return run(add_, name); }
  Status remove(const std::string& name) override {
    if (remove_.empty()) return failed_precondition("no --remove-command to remove " + name);
    return run(remove_, name);
  }

 private:
  Status run(const std::string& templ, const std::string& name) const {
    std::string command = replace_all(replace_all(templ, "{name}", name), "{address}", address_);
    std::cerr << "watcher: running " << command << "\n";
    return infra::run_checked("the provider's command", {"/bin/sh", "-c", command});
  }
  std::string add_, remove_, address_;
};

class DockerProvider final : public Provider {
 public:
  DockerProvider(std::string docker, std::string image, std::string address)
      : docker_(std::move(docker)), image_(std::move(image)), address_(std::move(address)) {}
  Status add(const std::string& name) override {
    return infra::run_checked(
        "docker run", {docker_, "run", "-d", "--name", "tradecluster-" + name, "--network",
                       "ray-cluster", image_, "node", "--address", address_, "--name", name});
  }
  Status remove(const std::string& name) override {
    return infra::run_checked("docker rm", {docker_, "rm", "-f", "tradecluster-" + name});
  }

 private:
  std::string docker_, image_, address_;
};

Result<std::unique_ptr<Provider>> make_provider(const infra::InfraSettings& s,
                                                const WatcherFlags& f) {
  if (f.provider == "local") return std::unique_ptr<Provider>(new LocalProvider(s, f));
  if (f.provider == "command") {
    if (f.command.empty()) {
      return invalid_argument("--provider command needs --command 'TEMPLATE' ({name}, {address})");
    }
    return std::unique_ptr<Provider>(
        new CommandProvider(f.command, f.remove_command, nats_address(s)));
  }
  if (f.provider == "docker") {
    auto docker = infra::find_program({"/usr/bin/docker", "/usr/local/bin/docker"});
    if (!docker) {
      return failed_precondition(
          "--provider docker needs a Docker engine and its CLI (docker), and none is installed "
          "here; use --provider local or command");
    }
    return std::unique_ptr<Provider>(
        new DockerProvider(docker->string(), f.image, nats_address(s)));
  }
  return invalid_argument("--provider must be local, command or docker, not '" + f.provider + "'");
}

std::string decision_json(const cluster::WatcherDecision& d) {
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .field("kind", std::string("watcher_") + cluster::watcher_decision_name(d.kind))
      .field("reason", d.worker.empty() ? d.reason : d.worker + ": " + d.reason)
      .field("from", static_cast<int64_t>(d.workers))
      .field("to", static_cast<int64_t>(d.workers +
                                        (d.kind == cluster::WatcherDecision::Kind::kAdd      ? 1
                                         : d.kind == cluster::WatcherDecision::Kind::kRemove ? -1
                                                                                             : 0)))
      .field("load", static_cast<double>(d.pending))
      .end_object();
  return out;
}

void write_state(const infra::InfraSettings& s, const WatcherFlags& f,
                 const cluster::WatcherDecision& d, const std::string& error) {
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .field("pid", static_cast<int64_t>(getpid()))
      .field("provider", f.provider)
      .field("check_interval_s", f.check_interval)
      .field("pending_threshold", static_cast<int64_t>(f.pending_threshold))
      .field("max_workers", static_cast<int64_t>(f.max_workers))
      .field("cooldown_s", f.cooldown);
  if (f.idle_timeout) w.field("idle_timeout_s", *f.idle_timeout);
  w.field("last_check", static_cast<int64_t>(SystemClock().unix_nanos()))
      .field("pending", static_cast<int64_t>(d.pending))
      .field("workers", static_cast<int64_t>(d.workers))
      .field("last_decision", cluster::watcher_decision_name(d.kind))
      .field("reason", d.worker.empty() ? d.reason : d.worker + ": " + d.reason);
  if (!error.empty()) w.field("error", error);
  w.end_object();
  fs::path tmp = watcher_state(s).string() + ".tmp";
  std::ofstream(tmp) << out << "\n";
  std::error_code ec;
  fs::rename(tmp, watcher_state(s), ec);
}

int run_loop(const infra::InfraSettings& s, const WatcherFlags& f) {
  auto provider = make_provider(s, f);
  if (!provider) return fail(provider.status(), kExitUsage);
  auto head = head_client(s, f.env_file);
  if (!head) return fail(head.status(), kExitUsage);
  cluster::WatcherOptions options;
  options.check_interval = seconds_of(f.check_interval);
  options.pending_threshold = f.pending_threshold;
  options.max_workers = f.max_workers;
  options.cooldown = seconds_of(f.cooldown);
  if (f.idle_timeout) options.idle_timeout = seconds_of(*f.idle_timeout);
  cluster::WatcherPolicy policy(options);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGINT, on_signal);
  SystemClock clock;
  std::cerr << "watcher: checking every " << f.check_interval << " s (pending threshold "
            << f.pending_threshold << ", max workers " << f.max_workers << ", cooldown "
            << f.cooldown << " s, provider " << f.provider << ")" << std::endl;
  std::string last_reported;
  while (!g_stop) {
    cluster::WatcherDecision d;
    std::string error;
    if (auto view = observe(*head); !view) {
      error = view.status().message();
      std::cerr << "watcher: " << error << std::endl;
    } else {
      std::set<std::string> starting = (*provider)->starting();
      for (const auto& w : view->workers) starting.erase(w.name);
      d = policy.check(clock.now(), view->pending, view->workers, starting);
      Status acted = Status::ok();
      if (d.kind == cluster::WatcherDecision::Kind::kAdd) acted = (*provider)->add(d.worker);
      if (d.kind == cluster::WatcherDecision::Kind::kRemove) acted = (*provider)->remove(d.worker);
      if (!acted.is_ok()) {
        error = acted.message();
        d.reason += "; failed: " + error;
      }
      std::string event = decision_json(d);
      std::cerr << "watcher: " << cluster::watcher_decision_name(d.kind) << " " << d.worker << " ("
                << d.reason << ")" << std::endl;
      // Every action is reported; a hold once for as long as its reason stays.
      bool report = d.kind == cluster::WatcherDecision::Kind::kAdd ||
                    d.kind == cluster::WatcherDecision::Kind::kRemove ||
                    (d.kind == cluster::WatcherDecision::Kind::kHold && d.reason != last_reported);
      if (report) {
        if (auto posted = head->post("/api/cluster/events", event); !posted) {
          std::cerr << "watcher: the head did not record the decision: "
                    << posted.status().message() << std::endl;
        }
        last_reported = d.reason;
      }
    }
    write_state(s, f, d, error);
    auto until = std::chrono::steady_clock::now() + seconds_of(f.check_interval);
    while (!g_stop && std::chrono::steady_clock::now() < until) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  std::cerr << "watcher: stopped" << std::endl;
  return 0;
}

std::vector<std::string> loop_args(const WatcherFlags& f) {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  std::vector<std::string> a{ec ? "tradecluster" : exe.string(),
                             "watcher",
                             "start",
                             "--foreground",
                             "--dir",
                             fs::absolute(f.dir).string(),
                             "--check-interval",
                             fmt::format("{:g}", f.check_interval),
                             "--pending-threshold",
                             std::to_string(f.pending_threshold),
                             "--max-workers",
                             std::to_string(f.max_workers),
                             "--cooldown",
                             fmt::format("{:g}", f.cooldown),
                             "--provider",
                             f.provider,
                             "--num-cpus",
                             f.num_cpus,
                             "--object-store-memory",
                             f.object_store_memory,
                             "--image",
                             f.image};
  if (!f.env_file.empty()) a.insert(a.end(), {"--env-file", f.env_file});
  if (f.idle_timeout) a.insert(a.end(), {"--idle-timeout", fmt::format("{:g}", *f.idle_timeout)});
  if (!f.command.empty()) a.insert(a.end(), {"--command", f.command});
  if (!f.remove_command.empty()) a.insert(a.end(), {"--remove-command", f.remove_command});
  return a;
}

}  // namespace

int run_watcher(const WatcherFlags& f) {
  auto settings = infra_settings(f.dir, f.env_file);
  if (!settings) return fail(settings.status(), kExitUsage);
  const infra::InfraSettings& s = *settings;
  if (f.action == "start") {
    if (f.check_interval <= 0 || f.cooldown < 0 || f.pending_threshold < 0 || f.max_workers < 1 ||
        (f.idle_timeout && *f.idle_timeout <= 0)) {
      return fail(invalid_argument("--check-interval and --idle-timeout must be positive, "
                                   "--cooldown and --pending-threshold not negative, "
                                   "--max-workers at least 1"),
                  kExitUsage);
    }
    if (f.foreground) return run_loop(s, f);
    if (auto running = infra::running_pid(watcher_pid(s))) {
      return fail(failed_precondition("a watcher already runs here (pid " +
                                      std::to_string(*running) + "): watcher stop first"));
    }
    if (auto provider = make_provider(s, f); !provider) return fail(provider.status(), kExitUsage);
    std::error_code ec;
    fs::create_directories(s.dir("logs"), ec);
    fs::create_directories(s.dir("data"), ec);
    auto pid = infra::spawn_detached(loop_args(f), s.dir("logs") / "watcher.log", watcher_pid(s));
    if (!pid) return fail(pid.status());
    std::cout << "watcher started (pid " << *pid << "), log "
              << (s.dir("logs") / "watcher.log").string() << "\n";
    return 0;
  }
  if (f.action == "stop") {
    auto pid = infra::running_pid(watcher_pid(s));
    if (!pid) {
      std::cout << "no watcher runs here\n";
      return 0;
    }
    if (!infra::terminate(*pid, std::chrono::seconds(10))) {
      return fail(unavailable("the watcher (pid " + std::to_string(*pid) + ") did not stop"));
    }
    std::error_code ec;
    fs::remove(watcher_pid(s), ec);
    std::cout << "watcher stopped\n";
    return 0;
  }
  // status
  auto pid = infra::running_pid(watcher_pid(s));
  std::ifstream in(watcher_state(s));
  std::string state((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (f.json) {
    std::cout << "{\"running\":" << (pid ? "true" : "false")
              << ",\"state\":" << (state.empty() ? "null" : state.substr(0, state.find('\n')))
              << "}\n";
  } else if (!pid) {
    std::cout << "the watcher is not running\n";
  } else {
    auto parsed = parse_json(state);
    std::cout << "watcher running (pid " << *pid << ")\n";
    if (parsed && parsed->is_object()) {
      for (const auto& [k, v] : parsed->as_object()) {
        std::cout << "  " << std::string(k) << ": " << to_json(v) << "\n";
      }
    }
  }
  return pid ? 0 : kExitFailure;
}

int run_add_worker(const WatcherFlags& f) {
  auto settings = infra_settings(f.dir, f.env_file);
  if (!settings) return fail(settings.status(), kExitUsage);
  const infra::InfraSettings& s = *settings;
  auto head = head_client(s, f.env_file);
  if (!head) return fail(head.status(), kExitUsage);
  auto view = observe(*head);
  if (!view) return fail(view.status());
  std::set<std::string> taken = local_workers_running(s);
  for (const auto& w : view->workers) taken.insert(w.name);
  std::string name = cluster::lowest_free_worker_name(taken);
  if (Status st = spawn_node(s, name, false, {f.num_cpus, f.object_store_memory}, f.env_file);
      !st.is_ok()) {
    return fail(st);
  }
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  std::cerr << "waiting for " << name << " to join" << std::flush;
  while (std::chrono::steady_clock::now() < until) {
    if (auto now = observe(*head)) {
      for (const auto& w : now->workers) {
        if (w.name != name) continue;
        std::cerr << " ok\n";
        cluster::WatcherDecision d;
        d.kind = cluster::WatcherDecision::Kind::kAdd;
        d.worker = name;
        d.pending = now->pending;
        d.workers = static_cast<int>(now->workers.size()) - 1;
        d.reason = "added by hand (add-worker)";
        (void)head->post("/api/cluster/events", decision_json(d));
        std::cout << name << " joined the cluster\n";
        return 0;
      }
    }
    std::cerr << "." << std::flush;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  std::cerr << " timed out\n";
  return fail(
      unavailable(name + " did not join; see " + (s.dir("logs") / (name + ".out")).string()));
}

}  // namespace tc::cli
