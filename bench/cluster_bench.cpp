// A routed call to a replica on another node beside raw NATS request/reply between the same two
// processes, on a nats-server of its own. The worker process (forked first) runs a ReplicaHost
// with an echo deployment and a raw nats.c echo; the head process sends raw requests, then
// Deployment::submit calls that its router sends to the replica placed on the worker (the head
// has no room of its own). Requests/s with one call outstanding (p50, p99) and with 8 callers.
//
//   cluster_bench [seconds per measurement, default 3] [rounds, default 3]
#include <nats/nats.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <thread>
#include <vector>

#include "cluster/nats/nats_bus.hpp"
#include "core/elastic_pool.hpp"
#include "nats_measure.hpp"
#include "serve/deployment.hpp"
#include "serve/http_error.hpp"
#include "serve/remote_replica.hpp"
#include "support/nats_server.hpp"

namespace {

using namespace tc;
using namespace tc::bench;

class Echo final : public serve::ReplicaHandler {
 public:
  serve::Response handle(int, const serve::Request& r) override {
    serve::Response out;
    out.body = r.body;
    return out;
  }
};

serve::DeploymentSpec echo_spec() {
  serve::DeploymentSpec spec;
  spec.name = "echo";
  spec.routes = {{"POST", "/echo", 1, false, ""}};
  spec.make_replica = [](const serve::ReplicaInfo&) { return std::make_unique<Echo>(); };
  return spec;
}

// The worker: answers until killed.
[[noreturn]] void run_worker(const std::string& url) {
  natsConnection* raw = raw_connect(url);
  natsSubscription* raw_sub = nullptr;
  natsConnection_Subscribe(&raw_sub, raw, "bench.raw", raw_echo, nullptr);
  natsConnection_Flush(raw);
  cluster::NatsOptions options;
  options.servers = {url};
  auto bus = cluster::NatsBus::connect(options);
  SystemClock clock;
  ElasticPool requests(ElasticPoolOptions{"requests"});
  ElasticPool lifecycle(ElasticPoolOptions{"lifecycle"});
  serve::ReplicaHost host(**bus, clock, requests, lifecycle, "bench", "worker-1");
  host.add(echo_spec());
  (void)host.start("{}");
  while (true) pause();
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 3;
  int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  tc::testing::NatsServer server;
  if (!server.start()) {
    std::fprintf(stderr, "cluster_bench: nats-server did not start\n");
    return 1;
  }
  pid_t worker = fork();
  if (worker == 0) run_worker(server.url());
  const std::string payload(64, 'x');

  natsConnection* raw = raw_connect(server.url());
  auto raw_one = [&] {
    natsMsg* reply = nullptr;
    natsStatus s = natsConnection_Request(&reply, raw, "bench.raw", payload.data(),
                                          static_cast<int>(payload.size()), 2000);
    if (reply != nullptr) natsMsg_Destroy(reply);
    return s == NATS_OK;
  };

  cluster::NatsOptions options;
  options.servers = {server.url()};
  auto bus = cluster::NatsBus::connect(options);
  if (!bus) {
    std::fprintf(stderr, "cluster_bench: cannot connect\n");
    return 1;
  }
  SystemClock clock;
  ElasticPool requests(ElasticPoolOptions{"requests"});
  ElasticPool lifecycle(ElasticPoolOptions{"lifecycle"});
  cluster::NodeRegistry nodes;
  auto total = cluster::ResourceSet::from_cpu(8, 8LL << 30);
  (void)nodes.add(cluster::NodeInfo{"worker-1", "", false, true, total, total, 0, {}});
  serve::EventLog events;
  serve::ClusterLauncher launcher(**bus, clock, requests, "bench", "head");
  serve::DeploymentConfig config;
  config.name = "echo";
  config.num_replicas = 1;
  config.max_ongoing_requests = 100;
  serve::Deployment deployment(echo_spec(), config,
                               {clock, requests, lifecycle, nodes, events, launcher});
  deployment.deploy();
  for (int i = 0; i < 200 && deployment.health().running == 0; ++i) {
    deployment.reconcile();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (deployment.health().running == 0) {
    std::fprintf(stderr, "cluster_bench: the replica on the worker did not start\n");
    kill(worker, SIGKILL);
    return 1;
  }
  auto routed_one = [&] {
    serve::Request r;
    r.method = "POST";
    r.body = payload;
    std::promise<int> answered;
    deployment.submit(1, std::move(r), clock.now() + std::chrono::seconds(2),
                      [&](serve::Response res) { answered.set_value(res.status); });
    return answered.get_future().get() == 200;
  };

  std::printf(
      "cluster: a call routed to a replica on another process beside raw nats.c request/reply "
      "between the same two processes (64 bytes), median of %d rounds of %.0f s\n",
      rounds, seconds);
  for (int threads : {1, 8}) {
    std::vector<Figures> a, b;
    for (int r = 0; r < rounds; ++r) {
      a.push_back(measure(threads, seconds, raw_one));
      b.push_back(measure(threads, seconds, routed_one));
    }
    Figures x = median(a), y = median(b);
    std::printf(
        "  %d caller%s  raw nats.c %8.0f req/s (p50 %5.0f us, p99 %5.0f us)   routed %8.0f "
        "req/s (p50 %5.0f us, p99 %5.0f us)   %.2fx\n",
        threads, threads == 1 ? " " : "s", x.per_second, x.p50_us, x.p99_us, y.per_second, y.p50_us,
        y.p99_us, y.per_second / x.per_second);
  }
  deployment.undeploy();
  kill(worker, SIGKILL);
  waitpid(worker, nullptr, 0);
  natsConnection_Destroy(raw);
  (void)requests.stop(std::chrono::seconds(2));
  (void)lifecycle.stop(std::chrono::seconds(2));
  return 0;
}
