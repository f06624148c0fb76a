// A cluster of real processes on the run's nats-server: a head (`node --head`) with no room of
// its own for replicas, and workers (`node --address`) that run them. Each test names its own
// cluster, so tests sharing the server never meet.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <set>
#include <thread>

#include "core/ids.hpp"
#include "support/nats_server.hpp"
#include "support/node_process.hpp"
#include "support/test_servers.hpp"
#include "support/worker_process.hpp"

namespace tc {
namespace {

using testing::NodeProcess;
using testing::WorkerProcess;

class ClusterTest : public ::testing::Test {
 protected:
  ClusterTest() : nats_(testing::test_server("TC_TEST_NATS")) {
    env_ = {{"TC_CLUSTER_NAME", "t" + random_hex(8)},
            {"TC_HEARTBEAT_INTERVAL", "0.2"},
            {"TC_NODE_DEAD_AFTER", "1.5"},
            {"SCREENER_HEALTH_CHECK_PERIOD", "0.5"},
            {"SCREENER_HEALTH_CHECK_TIMEOUT", "1"}};
  }

  // The head: only the router's 0.3 CPU, so every replica runs on a worker.
  std::unique_ptr<NodeProcess> start_head(std::map<std::string, std::string> extra = {}) {
    auto env = env_;
    env["TC_NUM_CPUS"] = "0.3";
    env["TC_CLUSTER_CONTROL_PORT"] = std::to_string(testing::free_port());
    for (auto& [k, v] : extra) env[k] = v;
    auto head = std::make_unique<NodeProcess>(env, std::vector<std::string>{"--address", nats_});
    head->set_command({"node", "--head"});
    EXPECT_TRUE(head->start()) << head->output();
    return head;
  }

  std::unique_ptr<WorkerProcess> start_worker(const std::string& name, std::string cpus = "2") {
    auto worker = std::make_unique<WorkerProcess>(nats_, name, env_, std::move(cpus));
    EXPECT_TRUE(worker->start());
    return worker;
  }

  static json::object status_of(NodeProcess& head) {
    auto parsed = parse_json(head.cluster_status());
    return parsed && parsed->is_object() ? parsed->as_object() : json::object{};
  }

  // node -> state, from the head's status.
  static std::map<std::string, std::string> nodes(NodeProcess& head) {
    std::map<std::string, std::string> out;
    auto s = status_of(head);
    if (!s.contains("nodes")) return out;
    for (const auto& n : s.at("nodes").as_array()) {
      out[std::string(n.at("id").as_string())] = std::string(n.at("state").as_string());
    }
    return out;
  }

  // The nodes of `deployment`'s running replicas.
  static std::multiset<std::string> running_on(NodeProcess& head, const std::string& deployment) {
    std::multiset<std::string> out;
    auto s = status_of(head);
    if (!s.contains("deployments")) return out;
    for (const auto& d : s.at("deployments").as_array()) {
      if (d.at("name").as_string() != deployment) continue;
      for (const auto& r : d.at("replicas").as_array()) {
        if (r.at("state").as_string() == "running") {
          out.insert(std::string(r.at("node").as_string()));
        }
      }
    }
    return out;
  }

  // The pid of the process that answered GET /api/screener/status, or -1.
  static int64_t answering_pid(NodeProcess& head) {
    auto r = head.request("GET", "/api/screener/status");
    if (!r.is_ok() || r->status != 200) return -1;
    auto body = parse_json(r->body);
    return body && body->is_object() ? body->as_object().at("pid").as_int64() : -1;
  }

  std::string nats_;
  std::map<std::string, std::string> env_;
};

TEST_F(ClusterTest, ReplicasSpreadOverTheWorkersAndAnswerFromTheirProcesses) {
  env_["SCREENER_REPLICAS"] = "2";
  auto head = start_head();
  auto w1 = start_worker("worker-1");
  auto w2 = start_worker("worker-2");
  ASSERT_TRUE(testing::wait_until(
      [&] {
        return running_on(*head, "screener") == std::multiset<std::string>{"worker-1", "worker-2"};
      },
      std::chrono::seconds(60)))
      << head->cluster_status() << w1->output();
  EXPECT_EQ(nodes(*head), (std::map<std::string, std::string>{
                              {"head", "alive"}, {"worker-1", "alive"}, {"worker-2", "alive"}}));
  // The calls run in the workers' processes, never in the head's.
  std::set<int64_t> pids;
  for (int i = 0; i < 40 && pids.size() < 2; ++i) pids.insert(answering_pid(*head));
  EXPECT_EQ(pids, (std::set<int64_t>{w1->pid(), w2->pid()}));
  // Real work crosses too: a screen over the store the head named.
  auto screen =
      head->request("POST", "/api/screener/screen", R"({"expression":"close > 0","limit":5})");
  ASSERT_EQ(screen->status, 200) << screen->body;
  EXPECT_EQ(parse_json(screen->body)->as_object().at("universe_size").as_int64(), 13);
  // A worker that leaves says so: its replicas are re-placed at once, on the other worker.
  ASSERT_TRUE(w2->stop());
  EXPECT_TRUE(testing::wait_until([&] { return nodes(*head)["worker-2"] == "dead"; }));
  EXPECT_TRUE(testing::wait_until(
      [&] {
        return running_on(*head, "screener") == std::multiset<std::string>{"worker-1", "worker-1"};
      },
      std::chrono::seconds(30)))
      << head->cluster_status();
}

TEST_F(ClusterTest, ReplicasThatFitNowhereWaitUntilAWorkerJoins) {
  auto head = start_head();
  // Nothing placed yet: the head has no room.
  EXPECT_TRUE(running_on(*head, "screener").empty());
  auto r = head->request("GET", "/api/screener/status", "", std::chrono::seconds(1));
  EXPECT_TRUE(!r.is_ok() || r->status >= 500);
  auto w1 = start_worker("worker-1");
  EXPECT_TRUE(testing::wait_until(
      [&] { return running_on(*head, "screener") == std::multiset<std::string>{"worker-1"}; },
      std::chrono::seconds(60)))
      << head->cluster_status() << w1->output();
  EXPECT_EQ(answering_pid(*head), w1->pid());
}

TEST_F(ClusterTest, KillingAWorkerUnderLoadLosesAlmostNoRequest) {
  env_["SCREENER_REPLICAS"] = "2";
  auto head = start_head();
  auto w1 = start_worker("worker-1");
  auto w2 = start_worker("worker-2");
  ASSERT_TRUE(testing::wait_until([&] { return running_on(*head, "screener").size() == 2; },
                                  std::chrono::seconds(60)))
      << head->cluster_status();

  // Four clients send GETs without pause; failures are counted by when they happened.
  using Clock = std::chrono::steady_clock;
  std::atomic<bool> done{false};
  std::mutex mu;
  std::vector<std::pair<Clock::time_point, bool>> results;  // when, ok
  std::string first_failure;
  std::vector<std::thread> clients;
  for (int c = 0; c < 4; ++c) {
    clients.emplace_back([&] {
      while (!done) {
        auto r = head->request("GET", "/api/screener/status", "", std::chrono::seconds(10));
        bool ok = r.is_ok() && r->status == 200;
        std::lock_guard lock(mu);
        if (!ok && first_failure.empty()) {
          first_failure =
              r.is_ok() ? std::to_string(r->status) + " " + r->body : r.status().to_string();
        }
        results.emplace_back(Clock::now(), ok);
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const auto killed_at = Clock::now();
  w1->kill9();
  // Recovery: two replicas running again, both on the surviving worker.
  bool recovered = testing::wait_until(
      [&] {
        return running_on(*head, "screener") == std::multiset<std::string>{"worker-2", "worker-2"};
      },
      std::chrono::seconds(30));
  const auto recovered_at = Clock::now();
  std::this_thread::sleep_for(std::chrono::seconds(1));
  done = true;
  for (auto& t : clients) t.join();
  ASSERT_TRUE(recovered) << head->cluster_status();

  int after = 0, failed_after = 0, failed_since_recovery = 0, since_recovery = 0;
  for (const auto& [when, ok] : results) {
    if (when >= killed_at && when < killed_at + std::chrono::seconds(5)) {
      ++after;
      failed_after += ok ? 0 : 1;
    }
    if (when >= recovered_at) {
      ++since_recovery;
      failed_since_recovery += ok ? 0 : 1;
    }
  }
  std::cout << "[ figures  ] requests in the 5 s after kill -9: " << after << ", failed "
            << failed_after << "; replicas serving again after "
            << std::chrono::duration<double>(recovered_at - killed_at).count() << " s\n";
  ASSERT_GT(after, 100);
  EXPECT_LT(failed_after * 100, after) << failed_after << " of " << after << " failed";
  EXPECT_GT(since_recovery, 0);
  EXPECT_EQ(failed_since_recovery, 0) << first_failure;
  EXPECT_TRUE(testing::wait_until([&] { return nodes(*head)["worker-1"] == "dead"; }));
  std::string events = head->cluster_status();
  EXPECT_NE(events.find("\"node_lost\""), std::string::npos) << events;
  EXPECT_NE(events.find("\"replica_lost\""), std::string::npos) << events;
}

// The head crashes and comes back: the replicas running on workers, and the work they do, go on;
// the new head takes them back under the same ids instead of building new ones.
TEST_F(ClusterTest, ARestartedHeadTakesBackTheRunningReplicasAndTheirWork) {
  auto head = start_head();
  auto w1 = start_worker("worker-1");
  auto ids = [&] {
    std::set<std::string> out;
    auto s = status_of(*head);
    if (!s.contains("deployments")) return out;
    for (const auto& d : s.at("deployments").as_array()) {
      for (const auto& r : d.at("replicas").as_array()) {
        if (r.at("state").as_string() == "running") out.insert(std::string(r.at("id").as_string()));
      }
    }
    return out;
  };
  ASSERT_TRUE(testing::wait_until([&] { return ids().size() == 3; }, std::chrono::seconds(60)))
      << head->cluster_status();
  const std::set<std::string> before = ids();
  // Work on the worker: a live stream its tickscrawler replica runs.
  std::string symbols = head->crypto_symbols();
  auto started = head->request("POST", "/api/tickscrawler/stream",
                               R"({"source":"simulator","symbols":[)" + symbols + "]}");
  ASSERT_EQ(started->status, 202) << started->body;
  std::string id(parse_json(started->body)->as_object().at("id").as_string());
  auto stored = [&]() -> int64_t {
    auto r = head->request("GET", "/api/tickscrawler/streams/" + id);
    if (!r.is_ok() || r->status != 200) return -1;
    auto job = parse_json(r->body);
    const auto* result = job->as_object().if_contains("result");
    if (result == nullptr || !result->is_object()) return 0;
    const auto* n = result->as_object().if_contains("ticks_stored");
    return n != nullptr && n->is_int64() ? n->as_int64() : 0;
  };
  ASSERT_TRUE(testing::wait_until([&] { return stored() > 0; }, std::chrono::seconds(60)));

  head->signal(SIGKILL);
  ASSERT_TRUE(head->wait_exit(std::chrono::seconds(10)));
  ASSERT_TRUE(head->start()) << head->output();
  EXPECT_TRUE(testing::wait_until([&] { return ids() == before; }, std::chrono::seconds(30)))
      << head->cluster_status();
  EXPECT_NE(head->cluster_status().find("replica_adopted"), std::string::npos);
  EXPECT_EQ(answering_pid(*head) > 0 ? answering_pid(*head) : -1, w1->pid());
  // The stream never stopped: it is still running and still storing.
  int64_t after_restart = stored();
  EXPECT_TRUE(
      testing::wait_until([&] { return stored() > after_restart; }, std::chrono::seconds(60)));
  auto stop = head->request("DELETE", "/api/tickscrawler/stream/" + id);
  EXPECT_EQ(stop->status, 200) << stop->body;
}

// A worker running a live stream dies: the head takes the stream over and fetches what it
// missed, so that the stored trades of the symbol run on without a gap or a repeat.
TEST_F(ClusterTest, AStreamOfALostWorkerGoesOnElsewhereWithoutGapsOrRepeats) {
  auto head = start_head();
  std::map<std::string, std::unique_ptr<WorkerProcess>> workers;
  workers["worker-1"] = start_worker("worker-1");
  workers["worker-2"] = start_worker("worker-2");
  ASSERT_TRUE(testing::wait_until([&] { return running_on(*head, "tickscrawler").size() == 1; },
                                  std::chrono::seconds(60)));
  std::string symbols = head->crypto_symbols();
  std::string symbol = symbols.substr(1, symbols.find('"', 1) - 1);
  auto started = head->request("POST", "/api/tickscrawler/stream",
                               R"({"source":"simulator","symbols":[")" + symbol + R"("]})");
  ASSERT_EQ(started->status, 202) << started->body;
  std::string id(parse_json(started->body)->as_object().at("id").as_string());
  auto job = [&] {
    auto r = head->request("GET", "/api/tickscrawler/streams/" + id);
    auto parsed = r.is_ok() ? parse_json(r->body) : Result<json::value>(r.status());
    return parsed && parsed->is_object() ? parsed->as_object() : json::object{};
  };
  auto owner = [&] {
    auto j = job();
    return j.contains("owner") ? std::string(j.at("owner").at("node").as_string()) : "";
  };
  auto stored = [&]() -> int64_t {
    auto j = job();
    const auto* result = j.if_contains("result");
    if (result == nullptr || !result->is_object()) return 0;
    const auto* n = result->as_object().if_contains("ticks_stored");
    return n != nullptr && n->is_int64() ? n->as_int64() : 0;
  };
  ASSERT_TRUE(testing::wait_until([&] { return stored() > 0; }, std::chrono::seconds(60)));
  const std::string first_owner = owner();
  ASSERT_TRUE(workers.contains(first_owner)) << first_owner;
  std::string since(job().at("started_at").as_string());

  workers[first_owner]->kill9();
  ASSERT_TRUE(testing::wait_until([&] { return owner() == "head"; }, std::chrono::seconds(30)))
      << head->cluster_status();
  EXPECT_EQ(std::string(job().at("state").as_string()), "running");
  int64_t taken_at = stored();
  EXPECT_TRUE(testing::wait_until([&] { return stored() > taken_at; }, std::chrono::seconds(60)));
  auto stop = head->request("DELETE", "/api/tickscrawler/stream/" + id);
  ASSERT_EQ(stop->status, 200) << stop->body;
  ASSERT_TRUE(
      testing::wait_until([&] { return std::string(job().at("state").as_string()) == "stopped"; }));

  auto history =
      head->request("GET", "/api/tickscrawler/historical?source=simulator&symbol=" + symbol +
                               "&start=" + since + "&limit=100000");
  ASSERT_EQ(history->status, 200) << history->body;
  auto parsed = parse_json(history->body);
  ASSERT_TRUE(parsed.is_ok());
  const auto& ticks = parsed->as_object().at("ticks").as_array();
  ASSERT_GT(ticks.size(), 2u);
  auto trade_id = [](const json::value& t) {
    return std::stoll(std::string(t.at("trade_id").as_string()));
  };
  int64_t previous = trade_id(ticks[0]);
  int gaps = 0, repeats = 0;
  for (size_t i = 1; i < ticks.size(); ++i) {
    int64_t trade = trade_id(ticks[i]);
    if (trade == previous) ++repeats;
    if (trade > previous + 1) ++gaps;
    previous = trade;
  }
  EXPECT_EQ(gaps, 0);
  EXPECT_EQ(repeats, 0);
}

// A CSV import sent to a tickscrawler replica on a worker runs on the head, which holds the
// import directory.
TEST_F(ClusterTest, ACsvImportRunsOnTheHeadWhereTheFilesAre) {
  auto head = start_head();
  auto w1 = start_worker("worker-1");
  ASSERT_TRUE(testing::wait_until(
      [&] { return running_on(*head, "tickscrawler") == std::multiset<std::string>{"worker-1"}; },
      std::chrono::seconds(60)));
  std::filesystem::create_directories(head->dir() / "data" / "import");
  std::ofstream(head->dir() / "data" / "import" / "trades.csv")
      << "symbol,time,price,quantity,trade_id\n"
         "ACME,2024-01-02T14:30:00Z,101.25,10,1\n"
         "ACME,2024-01-02T14:30:01Z,101.5,5,2\n";
  auto r = head->request("POST", "/api/tickscrawler/crawl",
                         R"({"source":"csv","file":"trades.csv","wait":true})");
  ASSERT_EQ(r->status, 200) << r->body;
  auto job = parse_json(r->body);
  ASSERT_TRUE(job.is_ok());
  EXPECT_EQ(job->at("state").as_string(), "succeeded") << r->body;
  EXPECT_EQ(job->at("owner").at("node").as_string(), "head") << r->body;
  EXPECT_EQ(job->at("result").at("ticks_stored").as_int64(), 2);
  // A file that is not there is said so, from the head.
  auto missing = head->request("POST", "/api/tickscrawler/crawl",
                               R"({"source":"csv","file":"nope.csv","wait":true})");
  EXPECT_EQ(missing->status / 100, 4) << missing->body;
}

// Server-sent events of a stream a worker runs reach a client of the head: the worker's replica
// answers with bus subjects, the head relays what the worker publishes on them.
TEST_F(ClusterTest, EventsOfAStreamOnAWorkerReachAClientThroughTheHead) {
  auto head = start_head();
  auto w1 = start_worker("worker-1");
  ASSERT_TRUE(testing::wait_until(
      [&] { return running_on(*head, "tickscrawler") == std::multiset<std::string>{"worker-1"}; },
      std::chrono::seconds(60)));
  std::string symbols = head->crypto_symbols();
  std::string symbol = symbols.substr(1, symbols.find('"', 1) - 1);
  auto started = head->request("POST", "/api/tickscrawler/stream",
                               R"({"source":"simulator","symbols":[")" + symbol + R"("]})");
  ASSERT_EQ(started->status, 202) << started->body;
  std::string id(parse_json(started->body)->as_object().at("id").as_string());
  EXPECT_EQ(parse_json(started->body)->at("owner").at("node").as_string(), "worker-1");
  testing::RawConnection sse(head->port());
  ASSERT_TRUE(sse.send_text("GET /api/tickscrawler/stream/" + id +
                            "/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n"));
  ASSERT_TRUE(sse.read_until("\r\n\r\n"));
  EXPECT_TRUE(sse.received().starts_with("HTTP/1.1 200")) << sse.received();
  ASSERT_TRUE(sse.read_until("event: trade\ndata: ", std::chrono::seconds(60))) << sse.received();
  // Stopping the stream on the worker ends the client's event stream on the head.
  ASSERT_EQ(head->request("DELETE", "/api/tickscrawler/stream/" + id)->status, 200);
  ASSERT_TRUE(sse.read_until_closed(std::chrono::seconds(20)));
  EXPECT_NE(sse.received().find("event: end\ndata: "), std::string::npos);
}

// A cluster that outgrew one nats-server runs a NATS cluster of its own: a worker that loses its
// server reconnects to the other, and requests through the head reach it again.
TEST_F(ClusterTest, AWorkerRidesOutTheLossOfOneOfTwoClusteredServers) {
  uint16_t route1 = testing::free_port(), route2 = testing::free_port();
  testing::NatsServer s1(0, route1), s2(0, route2);
  ASSERT_TRUE(s1.start({route2}));
  // The worker knows both servers; only the first runs yet, so it connects there.
  WorkerProcess worker(s1.url() + "," + s2.url(), "worker-1", env_);
  ASSERT_TRUE(worker.start());
  ASSERT_TRUE(testing::wait_until([&] {
    return worker.output().find("event=bus_connected backend=nats server=" + s1.url()) !=
           std::string::npos;
  })) << worker.output();
  ASSERT_TRUE(s2.start({route1}));
  nats_ = s2.url();  // the head knows only the server that stays
  auto head = start_head();
  ASSERT_TRUE(testing::wait_until([&] { return answering_pid(*head) == worker.pid(); },
                                  std::chrono::seconds(60)))
      << head->cluster_status() << worker.output();
  s1.stop();
  EXPECT_TRUE(testing::wait_until([&] { return answering_pid(*head) == worker.pid(); },
                                  std::chrono::seconds(30)))
      << head->cluster_status() << worker.output();
  int failures = 0;
  for (int i = 0; i < 50; ++i) failures += answering_pid(*head) == worker.pid() ? 0 : 1;
  EXPECT_EQ(failures, 0);
  EXPECT_NE(worker.output().find("event=bus_reconnected"), std::string::npos) << worker.output();
}

// A worker dies with an algorithm running on it: the run cannot go on elsewhere half done, so it
// ends failed, naming the lost node.
TEST_F(ClusterTest, ARunOnALostWorkerEndsFailedNamingTheNode) {
  auto head = start_head();
  std::map<std::string, std::unique_ptr<WorkerProcess>> workers;
  workers["worker-1"] = start_worker("worker-1");
  workers["worker-2"] = start_worker("worker-2");
  ASSERT_TRUE(testing::wait_until([&] { return running_on(*head, "algorunner").size() == 1; },
                                  std::chrono::seconds(60)));
  std::string symbols = head->crypto_symbols();
  std::string symbol = symbols.substr(1, symbols.find('"', 1) - 1);
  auto started = head->request(
      "POST", "/api/algorunner/run",
      R"({"algorithm": "sma_crossover", "mode": "paper", "source": "simulator", "symbols": [")" +
          symbol + R"("], "interval": "1s", "parameters": {"fast_period": 2, "slow_period": 3}})");
  ASSERT_EQ(started->status, 202) << started->body;
  auto run = parse_json(started->body);
  std::string id(run->at("id").as_string());
  std::string owner(run->at("owner").at("node").as_string());
  ASSERT_TRUE(workers.contains(owner)) << started->body;
  workers[owner]->kill9();
  json::value ended;
  ASSERT_TRUE(testing::wait_until(
      [&] {
        auto r = head->request("GET", "/api/algorunner/runs/" + id);
        if (!r.is_ok() || r->status != 200) return false;
        auto job = parse_json(r->body);
        if (!job || job->at("state").as_string() != "failed") return false;
        ended = *job;
        return true;
      },
      std::chrono::seconds(30)))
      << head->cluster_status();
  EXPECT_NE(to_json(ended).find("node " + owner + " was lost"), std::string::npos)
      << to_json(ended);
}

// The seed's infra.py start-ray / status-ray / logs-ray / stop-ray: nats-server, a head and two
// workers as local processes of one directory.
TEST(ClusterCommandTest, StartsAClusterOfProcessesShowsItAndStopsIt) {
  testing::TempDir dir;
  uint16_t api = testing::free_port(), control = testing::free_port(), nats = testing::free_port();
  uint16_t remote_control = testing::free_port();
  std::ofstream(dir.path() / ".env")
      << "NATS_PORT=" << nats << "\nTC_PORT=" << api << "\nTC_DASHBOARD_PORT=" << control
      << "\nTC_CLUSTER_CONTROL_PORT=" << remote_control
      << "\nTC_SIMULATOR_INSTRUMENTS=13\n"
         "TC_SIMULATOR_HISTORY_DAYS=30\n";
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), TC_BINARY);
    return testing::run_command(args, {}, dir.path(), std::chrono::seconds(180));
  };
  auto started = run({"cluster", "start", "--num-workers", "2", "--num-cpus", "1",
                      "--object-store-memory", "256MB"});
  ASSERT_EQ(started.exit_code, 0) << started.output;
  EXPECT_NE(started.output.find("http://127.0.0.1:" + std::to_string(api)), std::string::npos)
      << started.output;
  // A second start refuses: one cluster per directory.
  EXPECT_NE(run({"start-ray"}).exit_code, 0);

  auto status = run({"status-ray", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.output;
  auto parsed = parse_json(status.output.substr(0, status.output.find('\n')));
  ASSERT_TRUE(parsed.is_ok()) << status.output;
  std::set<std::string> alive;
  for (const auto& n : parsed->as_object().at("nodes").as_array()) {
    if (n.at("state").as_string() == "alive") alive.insert(std::string(n.at("id").as_string()));
  }
  EXPECT_EQ(alive, (std::set<std::string>{"head", "worker-1", "worker-2"}));
  // Remote CLI clients reach the same control API on the cluster control port.
  auto remote = run({"status", "--dashboard-port", std::to_string(remote_control), "--json"});
  EXPECT_EQ(remote.exit_code, 0) << remote.output;
  EXPECT_NE(remote.output.find("\"worker-2\""), std::string::npos);
  net::HttpCall call;
  call.port = api;
  call.target = "/api/screener/status";
  auto answered = net::http_request(call);
  ASSERT_TRUE(answered.is_ok());
  EXPECT_EQ(answered->status, 200) << answered->body;

  testing::CommandResult logs;
  EXPECT_TRUE(testing::wait_until([&] {  // logs are flushed every second
    logs = run({"logs-ray", "--service", "worker-1", "--lines", "5"});
    return logs.output.find("node=worker-1 role=worker") != std::string::npos;
  })) << logs.output;
  EXPECT_EQ(logs.exit_code, 0);
  for (const char* f :
       {"data/head", "data/worker-1", "data/worker-2", "logs/head.log", "logs/worker-2.log"}) {
    EXPECT_TRUE(std::filesystem::exists(dir.path() / f)) << f;
  }

  // `restart` and `stop` against the head act on the whole cluster, as it was started.
  auto restarted = run({"restart"});
  ASSERT_EQ(restarted.exit_code, 0) << restarted.output;
  EXPECT_NE(restarted.output.find("head and 2 workers"), std::string::npos) << restarted.output;
  auto again = net::http_request(call);
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(again->status, 200);

  auto stopped = run({"stop"});
  ASSERT_EQ(stopped.exit_code, 0) << stopped.output;
  EXPECT_FALSE(net::http_request(call).is_ok());                // the head is gone
  EXPECT_EQ(testing::raw_exchange(nats, "PING\r\n", 500), "");  // and nats-server
}

// The seed's start-watcher / add-worker / watcher-status: the watcher adds a worker while
// replicas are pending beyond the threshold, and removes one that stays idle.
TEST(ClusterCommandTest, TheWatcherAddsAWorkerForPendingReplicasAndRemovesAnIdleOne) {
  testing::TempDir dir;
  uint16_t control = testing::free_port();
  std::ofstream(dir.path() / ".env")
      << "NATS_PORT=" << testing::free_port() << "\nTC_PORT=" << testing::free_port()
      << "\nTC_DASHBOARD_PORT=" << control << "\nTC_CLUSTER_CONTROL_PORT=" << testing::free_port()
      << "\nTC_SIMULATOR_INSTRUMENTS=13\n"
         "TC_SIMULATOR_HISTORY_DAYS=30\n";
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), TC_BINARY);
    return testing::run_command(args, {}, dir.path(), std::chrono::seconds(180));
  };
  // A head with no room: its three replicas are pending.
  auto started = run({"cluster", "start", "--num-workers", "0", "--num-cpus", "0.3"});
  ASSERT_EQ(started.exit_code, 0) << started.output;
  auto status = [&] {
    net::HttpCall call;
    call.port = control;
    call.target = "/api/cluster/status";
    auto r = net::http_request(call);
    return r.is_ok() ? r->body : std::string();
  };
  EXPECT_NE(run({"watcher-status"}).exit_code, 0);  // not running yet
  auto watching = run({"start-watcher", "--check-interval", "0.3", "--pending-threshold", "2",
                       "--cooldown", "1", "--idle-timeout", "2", "--max-workers", "3", "--num-cpus",
                       "1", "--object-store-memory", "256MB"});
  ASSERT_EQ(watching.exit_code, 0) << watching.output;
  EXPECT_TRUE(testing::wait_until(
      [&] {
        std::string s = status();
        return s.find("\"watcher_add_worker\"") != std::string::npos &&
               s.find("\"pending_replicas\":1") == std::string::npos &&
               s.find("placed on node worker-1") != std::string::npos;
      },
      std::chrono::seconds(60)))
      << status();
  EXPECT_NE(status().find("3 replicas pending > threshold 2"), std::string::npos) << status();
  auto watcher_status = run({"watcher-status", "--json"});
  EXPECT_EQ(watcher_status.exit_code, 0) << watcher_status.output;
  EXPECT_NE(watcher_status.output.find("\"running\":true"), std::string::npos);

  // A second worker by hand: nothing to run, so the watcher removes it after the idle timeout.
  auto added = run({"add-worker", "--num-cpus", "1", "--object-store-memory", "256MB"});
  ASSERT_EQ(added.exit_code, 0) << added.output;
  EXPECT_NE(added.output.find("worker-2 joined"), std::string::npos) << added.output;
  EXPECT_TRUE(testing::wait_until(
      [&] { return status().find("worker-2: worker-2 has run no replica") != std::string::npos; },
      std::chrono::seconds(60)))
      << status();
  EXPECT_TRUE(testing::wait_until([&] {
    return status().find("\"id\":\"worker-2\",\"address\"") == std::string::npos ||
           status().find("node worker-2: it stopped") != std::string::npos;
  }));
  // worker-1 runs the replicas: it stays.
  EXPECT_EQ(status().find("worker-1 has run no replica"), std::string::npos);

  EXPECT_EQ(run({"stop-watcher"}).exit_code, 0);
  EXPECT_EQ(run({"cluster", "stop"}).exit_code, 0);
}

}  // namespace
}  // namespace tc
