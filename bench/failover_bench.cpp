// How fast a cluster of real processes recovers and grows, on a nats-server of its own: a head
// (no room of its own) and two workers.
//   failover  a worker holding one of two probe replicas is killed (SIGKILL) under load: the
//             time until the lost replica is replaced and running on the other worker, the
//             requests that failed meanwhile, and the time until a request fails no more.
//   scale-up  load crosses the autoscaling target (slow requests, target 1 ongoing per
//             replica): the time until a new replica serves.
// Each is the median of several rounds.
//
//   failover_bench [rounds, default 3]
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

#include "support/nats_server.hpp"
#include "support/node_process.hpp"
#include "support/worker_process.hpp"

namespace {

namespace testing = tc::testing;
using tc::parse_json;
using Clock = std::chrono::steady_clock;
using tc::testing::NodeProcess;
using tc::testing::WorkerProcess;

double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// The probe replicas running, by node.
std::multiset<std::string> probe_replicas(NodeProcess& head) {
  std::multiset<std::string> out;
  auto parsed = parse_json(head.cluster_status());
  if (!parsed || !parsed->is_object()) return out;
  for (const auto& d : parsed->as_object().at("deployments").as_array()) {
    if (d.at("name").as_string() != "probe") continue;
    for (const auto& r : d.at("replicas").as_array()) {
      if (r.at("state").as_string() == "running") out.insert(std::string(r.at("node").as_string()));
    }
  }
  return out;
}

struct Cluster {
  testing::NatsServer nats;
  std::map<std::string, std::string> env;
  std::unique_ptr<NodeProcess> head;
  std::vector<std::unique_ptr<WorkerProcess>> workers;

  bool start(std::map<std::string, std::string> extra) {
    if (!nats.start()) return false;
    env = {{"TC_CLUSTER_NAME", "bench"},      {"TC_HEARTBEAT_INTERVAL", "0.2"},
           {"TC_NODE_DEAD_AFTER", "1.5"},     {"TC_PROBE_DEPLOYMENT", "1"},
           {"TC_ACCESS_LOG_LEVEL", "off"},    {"TC_LOG_LEVEL", "warn"},
           {"PROBE_HEALTH_CHECK_PERIOD", "1"}};
    for (auto& [k, v] : extra) env[k] = v;
    auto head_env = env;
    head_env["TC_NUM_CPUS"] = "0.3";
    head_env["TC_CLUSTER_CONTROL_PORT"] = std::to_string(testing::free_port());
    head =
        std::make_unique<NodeProcess>(head_env, std::vector<std::string>{"--address", nats.url()});
    head->set_command({"node", "--head"});
    if (!head->start()) return false;
    for (const char* name : {"worker-1", "worker-2"}) {
      workers.push_back(std::make_unique<WorkerProcess>(nats.url(), name, env, "2"));
      if (!workers.back()->start()) return false;
    }
    return true;
  }
};

struct Failover {
  double replaced_s = 0;
  double last_failure_s = 0;  // after the kill; 0 when none failed
  int failed = 0, sent = 0;
};

bool failover_round(Failover& out) {
  Cluster c;
  if (!c.start(
          {{"PROBE_REPLICAS", "2"}, {"PROBE_MIN_REPLICAS", "2"}, {"PROBE_MAX_REPLICAS", "2"}})) {
    return false;
  }
  if (!testing::wait_until([&] { return probe_replicas(*c.head).size() == 2; },
                           std::chrono::seconds(60))) {
    return false;
  }
  std::atomic<bool> done{false};
  std::atomic<int> failed{0}, sent{0};
  std::atomic<int64_t> last_failure_ns{0};
  Clock::time_point killed_at{};
  std::vector<std::thread> load;
  for (int i = 0; i < 4; ++i) {
    load.emplace_back([&] {
      while (!done) {
        auto r = c.head->request("GET", "/api/probe/sleep?ms=5", "", std::chrono::seconds(10));
        ++sent;
        if (!r.is_ok() || r->status != 200) {
          ++failed;
          last_failure_ns =
              std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
                  .count();
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  std::string victim = *probe_replicas(*c.head).begin();
  std::string survivor = victim == "worker-1" ? "worker-2" : "worker-1";
  killed_at = Clock::now();
  for (auto& w : c.workers) {
    if (w->name() == victim) w->kill9();
  }
  bool replaced = testing::wait_until(
      [&] {
        return probe_replicas(*c.head) == std::multiset<std::string>{survivor, survivor};
      },
      std::chrono::seconds(60));
  out.replaced_s = since(killed_at);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  done = true;
  for (auto& t : load) t.join();
  out.failed = failed;
  out.sent = sent;
  int64_t last = last_failure_ns;
  int64_t killed_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(killed_at.time_since_epoch()).count();
  out.last_failure_s = last > killed_ns ? static_cast<double>(last - killed_ns) / 1e9 : 0;
  return replaced;
}

bool scale_up_round(double& seconds) {
  Cluster c;
  if (!c.start({{"PROBE_REPLICAS", "1"},
                {"PROBE_MIN_REPLICAS", "1"},
                {"PROBE_MAX_REPLICAS", "4"},
                {"PROBE_TARGET_REQUESTS", "1"},
                {"PROBE_SCALE_UP_DELAY", "0"},
                {"PROBE_LOOK_BACK_PERIOD", "0.5"}})) {
    return false;
  }
  if (!testing::wait_until([&] { return probe_replicas(*c.head).size() == 1; },
                           std::chrono::seconds(60))) {
    return false;
  }
  std::atomic<bool> done{false};
  std::vector<std::thread> load;
  auto start = Clock::now();
  for (int i = 0; i < 3; ++i) {
    load.emplace_back([&] {
      while (!done) (void)c.head->request("GET", "/api/probe/sleep?ms=200");
    });
  }
  bool grew = testing::wait_until([&] { return probe_replicas(*c.head).size() >= 2; },
                                  std::chrono::seconds(60));
  seconds = since(start);
  done = true;
  for (auto& t : load) t.join();
  return grew;
}

template <typename T, typename Key>
T median_by(std::vector<T> v, Key key) {
  std::sort(v.begin(), v.end(), [&](const T& a, const T& b) { return key(a) < key(b); });
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int rounds = argc > 1 ? std::atoi(argv[1]) : 3;
  std::vector<Failover> failovers;
  std::vector<double> scale_ups;
  for (int r = 0; r < rounds; ++r) {
    Failover f;
    if (!failover_round(f)) {
      std::fprintf(stderr, "failover_bench: a failover round did not complete\n");
      return 1;
    }
    failovers.push_back(f);
    double s = 0;
    if (!scale_up_round(s)) {
      std::fprintf(stderr, "failover_bench: a scale-up round did not complete\n");
      return 1;
    }
    scale_ups.push_back(s);
  }
  Failover f = median_by(failovers, [](const Failover& x) { return x.replaced_s; });
  std::printf(
      "failover and scale-up: a head and two workers on one nats-server, median of %d rounds\n",
      rounds);
  std::printf(
      "  worker killed (SIGKILL) under load: replica replaced and running after %.2f s; "
      "%d of %d requests failed (last %.2f s after the kill)\n",
      f.replaced_s, f.failed, f.sent, f.last_failure_s);
  std::printf(
      "  load over the target (3 slow callers, target 1 per replica, look-back 0.5 s, no upscale "
      "delay): a new replica serving after %.2f s\n",
      median_by(scale_ups, [](double x) { return x; }));
  return 0;
}
