// End-to-end tests of the real binary on free loopback ports.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "core/ids.hpp"
#include "core/json.hpp"
#include "support/node_process.hpp"
#include "support/raw_http.hpp"

namespace tc {
namespace {

using testing::NodeProcess;
using testing::wait_until;
using Env = std::map<std::string, std::string>;

json::object body_of(const net::HttpResult& r) {
  auto v = parse_json(r.body);
  EXPECT_TRUE(v.is_ok() && v->is_object()) << r.body;
  return v.is_ok() && v->is_object() ? v->as_object() : json::object{};
}

std::string error_code(const net::HttpResult& r) {
  auto b = body_of(r);
  if (!b.contains("error")) return "";
  return std::string(b.at("error").as_object().at("code").as_string());
}

class TradeclusterTest : public ::testing::Test {};

using TempDirForCli = testing::TempDir;

TEST_F(TradeclusterTest, ServesEverySeedEndpoint) {
  NodeProcess node;
  ASSERT_TRUE(node.start()) << node.output();
  auto listed = node.request("GET", "/api/tickscrawler/instruments?asset_class=crypto&limit=1");
  ASSERT_TRUE(listed.is_ok());
  std::string symbol(
      body_of(*listed).at("instruments").as_array()[0].as_object().at("symbol").as_string());
  struct Case {
    const char* method;
    std::string target;
    std::string body;
    int status;
  };
  std::string uuid = new_uuid();
  std::vector<Case> cases{
      {"GET", "/health", "", 200},
      {"POST", "/api/algorunner/run",
       R"({"algorithm":"sma_crossover","symbols":[")" + symbol + R"("]})", 202},
      {"GET", "/api/algorunner/status", "", 200},
      {"GET", "/api/algorunner/algorithms", "", 200},
      {"POST", "/api/algorunner/stop", "{\"run_id\":\"" + uuid + "\"}", 404},
      {"GET", "/api/algorunner/runs", "", 200},
      {"POST", "/api/screener/screen", R"({"filters":["rsi_oversold"]})", 200},
      {"GET", "/api/screener/filters", "", 200},
      {"GET", "/api/screener/status", "", 200},
      {"POST", "/api/screener/custom-filter", R"({"name":"mine","expression":"close > 1"})", 201},
      {"GET", "/api/screener/custom-filter/mine", "", 200},
      {"DELETE", "/api/screener/custom-filter/mine", "", 200},
      {"GET", "/api/screener/market-overview", "", 200},
      {"POST", "/api/tickscrawler/crawl",
       R"({"source":"simulator","symbols":[")" + symbol + R"("]})", 202},
      {"GET", "/api/tickscrawler/sources", "", 200},
      {"GET", "/api/tickscrawler/status", "", 200},
      {"POST", "/api/tickscrawler/stream",
       R"({"source":"simulator","symbols":[")" + symbol + R"("]})", 202},
      {"POST", "/api/tickscrawler/stream", R"({"source":"csv","symbols":["BTCUSDT"]})", 409},
      {"DELETE", "/api/tickscrawler/stream/" + uuid, "", 404},
      {"GET", "/api/tickscrawler/historical?symbol=" + symbol, "", 200},
      {"GET", "/api/tickscrawler/historical?symbol=BTCUSDT", "", 404},
      {"GET", "/openapi.json", "", 200},
  };
  for (const Case& c : cases) {
    auto r = node.request(c.method, c.target, c.body);
    ASSERT_TRUE(r.is_ok()) << c.target << ": " << r.status().to_string();
    EXPECT_EQ(r->status, c.status) << c.method << " " << c.target << ": " << r->body;
    EXPECT_EQ(r->header("Content-Type"), "application/json") << c.target;
    EXPECT_FALSE(r->header("X-Request-Id").empty()) << c.target;
    if (c.status >= 400) {
      EXPECT_FALSE(error_code(*r).empty()) << c.target << ": " << r->body;
    }
  }
  auto status = node.request("GET", "/api/screener/status");
  json::object d = body_of(*status).at("deployment").as_object();
  EXPECT_EQ(d.at("num_replicas").as_int64(), 1);
  EXPECT_EQ(d.at("config").as_object().at("max_ongoing_requests").as_int64(), 100);
  EXPECT_TRUE(d.at("replicas").as_array()[0].as_object().contains("health"));
}

TEST_F(TradeclusterTest, BadInputsGetClearErrors) {
  NodeProcess node;
  ASSERT_TRUE(node.start()) << node.output();
  auto malformed = node.request("POST", "/api/algorunner/run", "{\"algorithm\": }");
  EXPECT_EQ(malformed->status, 400);
  EXPECT_NE(malformed->body.find("line 1, column 15"), std::string::npos) << malformed->body;
  auto wrong_type = node.request("POST", "/api/algorunner/run", R"({"algorithm": 7})");
  EXPECT_EQ(wrong_type->status, 400);
  EXPECT_NE(wrong_type->body.find("must be a string"), std::string::npos);
  auto unknown = node.request("POST", "/api/tickscrawler/crawl",
                              R"({"source":"simulator","symbols":["A"],"speed":2})");
  EXPECT_EQ(unknown->status, 400);
  EXPECT_NE(unknown->body.find("unknown field 'speed'"), std::string::npos);
  auto huge = node.request("POST", "/api/algorunner/run", std::string(2 << 20, ' '));
  if (huge.is_ok()) {  // else the server closed while we were still sending
    EXPECT_EQ(huge->status, 413);
  }
  std::string big_header =
      "GET /health HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 << 10, 'a') + "\r\n\r\n";
  EXPECT_TRUE(testing::raw_exchange(node.port(), big_header).starts_with("HTTP/1.1 431"));
  auto missing = node.request("GET", "/api/nothing/here");
  EXPECT_EQ(missing->status, 404);
  auto wrong_method = node.request("PUT", "/api/screener/screen");
  EXPECT_EQ(wrong_method->status, 405);
  EXPECT_EQ(wrong_method->header("Allow"), "POST");
  // Nothing crashed: the node still answers.
  EXPECT_EQ(node.request("GET", "/health")->status, 200);
}

TEST_F(TradeclusterTest, MetricsInPrometheusFormat) {
  NodeProcess node;
  ASSERT_TRUE(node.start()) << node.output();
  ASSERT_EQ(node.request("GET", "/api/screener/status")->status, 200);
  auto m = node.request("GET", "/metrics");
  ASSERT_EQ(m->status, 200);
  EXPECT_NE(m->body.find("tc_http_requests_total{deployment=\"screener\",code=\"200\"} 1"),
            std::string::npos)
      << m->body;
  EXPECT_NE(m->body.find("# TYPE tc_http_request_duration_seconds histogram"), std::string::npos);
  EXPECT_NE(m->body.find("tc_deployment_replicas{deployment=\"algorunner\"} 1"), std::string::npos);
  EXPECT_NE(m->body.find("tc_deployment_queued_requests"), std::string::npos);
}

TEST_F(TradeclusterTest, StatusCommandPrintsClusterAndFailsWhenUnreachable) {
  NodeProcess node;
  ASSERT_TRUE(node.start()) << node.output();
  auto text = node.cli({"status"});
  EXPECT_EQ(text.exit_code, 0) << text.output;
  EXPECT_NE(text.output.find("algorunner"), std::string::npos);
  EXPECT_NE(text.output.find("DEPLOYMENTS"), std::string::npos);
  auto json_out = node.cli({"status", "--json"});
  ASSERT_EQ(json_out.exit_code, 0);
  auto status = parse_json(json_out.output);
  ASSERT_TRUE(status.is_ok()) << json_out.output;
  json::object s = status->as_object();
  ASSERT_EQ(s.at("nodes").as_array().size(), 1u);
  EXPECT_TRUE(s.at("nodes").as_array()[0].as_object().contains("resources"));
  ASSERT_EQ(s.at("deployments").as_array().size(), 3u);
  json::object d = s.at("deployments").as_array()[0].as_object();
  for (const char* key : {"name", "num_replicas", "target_replicas", "min_replicas", "max_replicas",
                          "replicas", "queued"}) {
    EXPECT_TRUE(d.contains(key)) << key;
  }
  EXPECT_TRUE(s.at("events").is_array());

  node.signal(SIGTERM);
  ASSERT_TRUE(node.wait_exit(std::chrono::seconds(30)));
  auto gone = node.cli({"status"});
  EXPECT_EQ(gone.exit_code, 1);
  EXPECT_NE(gone.output.find("no tradecluster node answers"), std::string::npos) << gone.output;
}

TEST_F(TradeclusterTest, InvalidSettingStopsStartupNamingVariable) {
  NodeProcess node(Env{{"ALGORUNNER_MAX_REPLICAS", "lots"}});
  ASSERT_TRUE(node.start(false));
  ASSERT_TRUE(node.wait_exit(std::chrono::seconds(30)));
  EXPECT_EQ(node.exit_code(), 2);
  EXPECT_NE(node.output().find("ALGORUNNER_MAX_REPLICAS"), std::string::npos) << node.output();
}

TEST_F(TradeclusterTest, DotenvFileIsRead) {
  NodeProcess node;
  {
    std::ofstream env(node.dir() / ".env");
    env << "# the seed's settings\nSCREENER_MAX_REPLICAS=3\nSCREENER_MAX_RESULTS=250\n";
  }
  ASSERT_TRUE(node.start()) << node.output();
  auto status = node.request("GET", "/api/screener/status");
  json::object b = body_of(*status);
  EXPECT_EQ(b.at("limits").as_object().at("max_results").as_int64(), 250);
  EXPECT_EQ(b.at("deployment").as_object().at("max_replicas").as_int64(), 3);
}

TEST_F(TradeclusterTest, SecondStartOnBusyPortFailsAtOnce) {
  NodeProcess first;
  ASSERT_TRUE(first.start()) << first.output();
  auto second = testing::run_command(
      {TC_BINARY, "start", "--port", std::to_string(first.port()), "--dashboard-port",
       std::to_string(testing::free_port()), "--data-dir", "other-data"},
      {}, first.dir(), std::chrono::seconds(30));
  EXPECT_EQ(second.exit_code, 1) << second.output;
  EXPECT_NE(second.output.find("port " + std::to_string(first.port())), std::string::npos)
      << second.output;
  EXPECT_EQ(first.request("GET", "/health")->status, 200);
}

TEST_F(TradeclusterTest, SigtermDrainsInFlightRequestsAndExitsZero) {
  NodeProcess node(Env{{"TC_PROBE_DEPLOYMENT", "1"}});
  ASSERT_TRUE(node.start()) << node.output();
  std::atomic<int> status{0};
  std::thread slow([&] {
    auto r = node.request("GET", "/api/probe/sleep?ms=1000");
    status = r.is_ok() ? r->status : -1;
  });
  ASSERT_TRUE(wait_until([&] {
    auto s = node.cli({"status", "--json"});
    return s.output.find("\"ongoing\":1") != std::string::npos;
  }));
  node.signal(SIGTERM);
  slow.join();
  EXPECT_EQ(status.load(), 200);
  ASSERT_TRUE(node.wait_exit(std::chrono::seconds(30)));
  EXPECT_EQ(node.exit_code(), 0) << node.output();
  EXPECT_NE(node.output().find("event=node_stopped drained=true"), std::string::npos);
}

TEST_F(TradeclusterTest, SecondSignalExitsWithoutWaitingForDrain) {
  NodeProcess node(Env{{"TC_PROBE_DEPLOYMENT", "1"}});
  ASSERT_TRUE(node.start()) << node.output();
  std::thread slow([&] { (void)node.request("GET", "/api/probe/sleep?ms=20000"); });
  ASSERT_TRUE(wait_until([&] {
    return node.cli({"status", "--json"}).output.find("\"ongoing\":1") != std::string::npos;
  }));
  node.signal(SIGTERM);
  ASSERT_TRUE(
      wait_until([&] { return node.output().find("event=node_draining") != std::string::npos; }));
  node.signal(SIGTERM);
  ASSERT_TRUE(node.wait_exit(std::chrono::seconds(10)));
  EXPECT_EQ(node.exit_code(), 1);
  EXPECT_NE(node.output().find("action=exit_without_draining"), std::string::npos);
  slow.join();
}

TEST_F(TradeclusterTest, RequestPastDeadlineGets504) {
  NodeProcess node(Env{{"TC_PROBE_DEPLOYMENT", "1"}, {"TC_REQUEST_TIMEOUT", "0.3"}});
  ASSERT_TRUE(node.start()) << node.output();
  auto r = node.request("GET", "/api/probe/sleep?ms=2000");
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->status, 504);
  EXPECT_EQ(error_code(*r), "deadline_exceeded");
}

TEST_F(TradeclusterTest, OverloadSheds503ThenScalesUpAndDown) {
  NodeProcess node(Env{{"TC_PROBE_DEPLOYMENT", "1"},
                       {"TC_WORKER_THREADS", "16"},
                       {"TC_NUM_CPUS", "4"},
                       {"PROBE_MAX_ONGOING_REQUESTS", "2"},
                       {"PROBE_MAX_QUEUED_REQUESTS", "2"},
                       {"PROBE_MIN_REPLICAS", "1"},
                       {"PROBE_MAX_REPLICAS", "3"},
                       {"PROBE_TARGET_REQUESTS", "1"},
                       {"PROBE_SCALE_UP_DELAY", "0.3"},
                       {"PROBE_SCALE_DOWN_DELAY", "1"}});
  ASSERT_TRUE(node.start()) << node.output();
  // More concurrent requests than replicas x max_ongoing + queue.
  constexpr int kClients = 12;
  std::vector<int> statuses(kClients, 0);
  std::vector<std::string> retry_after(kClients);
  std::vector<std::thread> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.emplace_back([&, i] {
      auto r = node.request("GET", "/api/probe/sleep?ms=1500", "", std::chrono::seconds(30));
      statuses[i] = r.is_ok() ? r->status : -1;
      if (r.is_ok()) retry_after[i] = r->header("Retry-After");
    });
  }
  for (auto& c : clients) c.join();
  int ok = 0, shed = 0;
  for (int i = 0; i < kClients; ++i) {
    EXPECT_TRUE(statuses[i] == 200 || statuses[i] == 503) << statuses[i];  // none lost or hung
    if (statuses[i] == 200) ++ok;
    if (statuses[i] == 503) {
      ++shed;
      EXPECT_EQ(retry_after[i], "1");
    }
  }
  EXPECT_GE(ok, 4);  // 1 replica x 2 ongoing + 2 queued, at the least
  EXPECT_GE(shed, 1);

  auto probe_status = [&] {
    auto s = node.cli({"status", "--json"});
    auto v = parse_json(s.output);
    json::object out;
    if (!v.is_ok()) return out;
    for (const auto& d : v->as_object().at("deployments").as_array()) {
      if (d.as_object().at("name").as_string() == "probe") out = d.as_object();
    }
    out["events"] = v->as_object().at("events");
    return out;
  };
  auto scaled_to = [&](int64_t target) {
    json::object status = probe_status();
    for (const auto& e : status.at("events").as_array()) {
      const json::object& o = e.as_object();
      if (o.at("kind").as_string() == "autoscale" && o.at("deployment").as_string() == "probe" &&
          o.at("to").as_int64() == target) {
        return true;
      }
    }
    return false;
  };
  EXPECT_TRUE(scaled_to(3)) << to_json(probe_status());
  // After the load, back down to the minimum once the downscale delay has passed.
  EXPECT_TRUE(wait_until([&] { return probe_status().at("num_replicas").as_int64() == 1; },
                         std::chrono::seconds(20)))
      << to_json(probe_status());
  EXPECT_TRUE(scaled_to(1));
}

// The probe deployment's status from the control API.
json::object probe_status(NodeProcess& node) {
  auto s = node.cli({"status", "--json"});
  auto v = parse_json(s.output);
  if (!v || !v->is_object()) return {};
  for (const auto& d : v->as_object().at("deployments").as_array()) {
    if (d.as_object().at("name").as_string() == "probe") return d.as_object();
  }
  return {};
}

TEST_F(TradeclusterTest, ThrowingHandlersAnswer500AndTheReplicaStays) {
  NodeProcess node(Env{{"TC_PROBE_DEPLOYMENT", "1"}, {"PROBE_MAX_REPLICAS", "1"}});
  ASSERT_TRUE(node.start()) << node.output();
  json::object before = probe_status(node);
  ASSERT_FALSE(before.empty());
  std::string replica(before.at("replicas").as_array()[0].as_object().at("id").as_string());
  for (int i = 0; i < 10; ++i) {
    auto crash = node.request("POST", "/api/probe/crash", "{}");
    ASSERT_TRUE(crash.is_ok());
    EXPECT_EQ(crash->status, 500);
    EXPECT_EQ(error_code(*crash), "internal");
  }
  json::object after = probe_status(node);
  const auto& replicas = after.at("replicas").as_array();
  ASSERT_EQ(replicas.size(), 1u);
  EXPECT_EQ(replicas[0].as_object().at("id").as_string(), replica);
  EXPECT_EQ(replicas[0].as_object().at("errors").as_int64(), 10);
  EXPECT_EQ(after.at("errors_total").as_int64(), 10);
  EXPECT_EQ(node.request("GET", "/health")->status, 200);
  EXPECT_EQ(node.request("GET", "/api/probe/sleep?ms=1")->status, 200);
  auto metrics = node.request("GET", "/metrics");
  EXPECT_NE(metrics->body.find("tc_deployment_handler_errors_total{deployment=\"probe\"} 10"),
            std::string::npos);
}

TEST_F(TradeclusterTest, StopCommandStopsTheNode) {
  NodeProcess node;
  ASSERT_TRUE(node.start()) << node.output();
  auto stop = node.cli({"stop"});
  EXPECT_EQ(stop.exit_code, 0) << stop.output;
  // `stop` returns once the process is gone, not when its port closes.
  EXPECT_TRUE(node.exited());
  EXPECT_EQ(node.exit_code(), 0);
}

TEST_F(TradeclusterTest, ReplicaRunsMaxOngoingCallsAtOnceAndOthersStayHealthy) {
  // One probe replica admitting 50 calls; every other deployment checks its health every 50 ms
  // with a 500 ms timeout. Health checks must not wait behind the probe's calls.
  Env env{{"TC_PROBE_DEPLOYMENT", "1"},
          {"PROBE_MAX_REPLICAS", "1"},
          {"PROBE_MAX_ONGOING_REQUESTS", "50"}};
  for (const char* service : {"ALGORUNNER", "SCREENER", "TICKSCRAWLER", "PROBE"}) {
    env[std::string(service) + "_HEALTH_CHECK_PERIOD"] = "0.05";
    env[std::string(service) + "_HEALTH_CHECK_TIMEOUT"] = "0.5";
  }
  NodeProcess node(env);
  ASSERT_TRUE(node.start()) << node.output();
  std::vector<std::thread> callers;
  std::atomic<int> ok{0};
  std::atomic<int> most_running{0};  // in the handler at once, as the replica counted
  for (int i = 0; i < 50; ++i) {
    callers.emplace_back([&] {
      auto r = node.request("GET", "/api/probe/sleep?ms=2000");
      if (!r.is_ok() || r->status != 200) return;
      ++ok;
      int running = static_cast<int>(body_of(*r).at("running").as_int64());
      int seen = most_running.load();
      while (running > seen && !most_running.compare_exchange_weak(seen, running)) {
      }
    });
  }
  int most = 0;
  EXPECT_TRUE(wait_until([&] {
    json::object probe = probe_status(node);
    if (probe.empty()) return false;
    most = std::max(most, static_cast<int>(probe.at("ongoing").as_int64()));
    return most == 50;
  })) << "most ongoing at once: "
      << most;
  for (auto& t : callers) t.join();
  EXPECT_EQ(ok.load(), 50);
  EXPECT_EQ(most_running.load(), 50);
  auto events = node.cli({"status", "--json"});
  EXPECT_EQ(events.output.find("replica_unhealthy"), std::string::npos) << events.output;
  EXPECT_EQ(node.request("GET", "/health")->status, 200);
}

TEST_F(TradeclusterTest, StopWithAStuckHandlerExitsAtTheDrainTimeout) {
  NodeProcess node(Env{{"TC_PROBE_DEPLOYMENT", "1"}, {"TC_DRAIN_TIMEOUT", "1"}});
  ASSERT_TRUE(node.start()) << node.output();
  std::atomic<int> status{0};
  std::thread stuck([&] {
    auto r = node.request("GET", "/api/probe/sleep?ms=60000", "", std::chrono::seconds(90));
    status = r.is_ok() ? r->status : -1;
  });
  ASSERT_TRUE(wait_until([&] {
    json::object probe = probe_status(node);
    return !probe.empty() && probe.at("ongoing").as_int64() == 1;
  }));
  node.signal(SIGTERM);
  // Well before the handler's minute is up.
  ASSERT_TRUE(node.wait_exit(std::chrono::seconds(30))) << node.output();
  stuck.join();
  EXPECT_EQ(status.load(), 503);
  EXPECT_EQ(node.exit_code(), 3) << node.output();
  EXPECT_NE(node.output().find("event=call_abandoned"), std::string::npos) << node.output();
}

TEST_F(TradeclusterTest, TwoNodesCannotShareADataDirectory) {
  NodeProcess first;
  ASSERT_TRUE(first.start()) << first.output();
  auto second =
      testing::run_command({TC_BINARY, "start", "--port", std::to_string(testing::free_port()),
                            "--dashboard-port", std::to_string(testing::free_port())},
                           {}, first.dir(), std::chrono::seconds(30));
  EXPECT_EQ(second.exit_code, 1) << second.output;
  EXPECT_NE(second.output.find("in use by another tradecluster node"), std::string::npos)
      << second.output;
  EXPECT_EQ(first.request("GET", "/health")->status, 200);
}

TEST_F(TradeclusterTest, StatusJsonPrintsAJsonErrorWhenTheNodeIsGone) {
  TempDirForCli dir;
  auto status = testing::run_command(
      {TC_BINARY, "status", "--json", "--dashboard-port", std::to_string(testing::free_port())}, {},
      dir.path(), std::chrono::seconds(30));
  EXPECT_EQ(status.exit_code, 1);
  auto first_line = status.output.substr(0, status.output.find('\n'));
  auto v = parse_json(first_line);
  ASSERT_TRUE(v.is_ok()) << status.output;
  EXPECT_EQ(v->as_object().at("error").as_object().at("code").as_string(), "unavailable");
}

TEST_F(TradeclusterTest, AccessLogIsFlushedWhileRunningAndRotatedBySize) {
  NodeProcess node(Env{{"TC_LOG_MAX_SIZE", "4KB"}, {"TC_LOG_MAX_FILES", "2"}});
  ASSERT_TRUE(node.start()) << node.output();
  for (int i = 0; i < 100; ++i) ASSERT_EQ(node.request("GET", "/health")->status, 200);
  auto logs = node.dir() / "logs";
  EXPECT_TRUE(wait_until([&] {
    return std::filesystem::exists(logs / "access.1.log") &&
           std::filesystem::exists(logs / "access.log") &&
           std::filesystem::file_size(logs / "access.log") > 0;
  })) << "access.log is written within seconds, without a stop, and rotates past 4 KB";
  EXPECT_FALSE(std::filesystem::exists(logs / "access.3.log"));
  std::ifstream current(logs / "access.log");
  std::string line;
  ASSERT_TRUE(std::getline(current, line));
  // "2026-11-26T08:05:42.794083Z server=gateway request_id=... method=GET target=..."
  EXPECT_EQ(line.size() > 28 ? line.substr(26, 2) : "", "Z ") << line;
  EXPECT_NE(line.find(" method=GET target=\"/health\" status=200 ms="), std::string::npos) << line;
  EXPECT_LE(std::filesystem::file_size(logs / "access.1.log"), 4096u);
}

TEST_F(TradeclusterTest, ShutdownAndDeployCommands) {
  NodeProcess node;
  ASSERT_TRUE(node.start()) << node.output();
  ASSERT_EQ(node.cli({"shutdown"}).exit_code, 0);
  EXPECT_TRUE(wait_until([&] { return node.request("GET", "/health")->status == 503; }));
  EXPECT_EQ(node.request("GET", "/api/screener/status")->status, 503);
  ASSERT_EQ(node.cli({"deploy"}).exit_code, 0);
  EXPECT_TRUE(wait_until([&] { return node.request("GET", "/health")->status == 200; }));
}

TEST_F(TradeclusterTest, TokenProtectsMutatingEndpoints) {
  NodeProcess node(Env{{"TC_API_TOKEN", "t0ken"}});
  ASSERT_TRUE(node.start()) << node.output();
  EXPECT_EQ(node.request("POST", "/api/algorunner/stop", "{}")->status, 401);
  auto authed = node.request("POST", "/api/algorunner/stop", "{}", std::chrono::seconds(5),
                             {{"Authorization", "Bearer t0ken"}});
  EXPECT_EQ(authed->status, 400);  // past authentication: the body is what is wrong
  EXPECT_EQ(node.request("GET", "/api/screener/status")->status, 200);
}

TEST_F(TradeclusterTest, IdleConnectionFloodLeavesHealthAndControlApiReachable) {
  NodeProcess node(Env{{"TC_MAX_CONNECTIONS", "20"}});
  ASSERT_TRUE(node.start()) << node.output();
  std::vector<int> idle;
  for (int i = 0; i < 60; ++i) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(node.port());
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    idle.push_back(fd);
  }
  auto health = node.request("GET", "/health");
  ASSERT_TRUE(health.is_ok()) << health.status().to_string();
  EXPECT_EQ(health->status, 200);
  EXPECT_TRUE(node.ready());  // the control API has connections of its own
  auto metrics = node.request("GET", "/metrics");
  ASSERT_TRUE(metrics.is_ok());
  const std::string name = "\ntc_http_connections_evicted_total ";
  auto evicted = metrics->body.find(name);
  ASSERT_NE(evicted, std::string::npos) << metrics->body;
  EXPECT_GE(std::stoi(metrics->body.substr(evicted + name.size())), 40)
      << metrics->body.substr(evicted);
  for (int fd : idle) close(fd);
}

TEST_F(TradeclusterTest, DeploymentAtZeroIsHealthyAndTheFirstRequestStartsAReplica) {
  NodeProcess node(Env{{"TC_PROBE_DEPLOYMENT", "1"},
                       {"PROBE_REPLICAS", "0"},
                       {"PROBE_MIN_REPLICAS", "0"},
                       {"PROBE_SCALE_UP_DELAY", "3600"}});
  ASSERT_TRUE(node.start()) << node.output();
  auto health = node.request("GET", "/health");
  ASSERT_TRUE(health.is_ok());
  EXPECT_EQ(health->status, 200) << health->body;
  auto probe = body_of(*health).at("deployments").as_object().at("probe").as_object();
  EXPECT_EQ(probe.at("status").as_string(), "scaled_to_zero");
  EXPECT_EQ(probe.at("num_replicas").as_int64(), 0);
  // An hour's upscale delay does not apply to a cold start.
  auto first = node.request("GET", "/api/probe/sleep?ms=1");
  ASSERT_TRUE(first.is_ok());
  EXPECT_EQ(first->status, 200) << first->body;
  auto status = node.cli({"status", "--json"});
  EXPECT_NE(status.output.find("cold start"), std::string::npos) << status.output;
}

TEST_F(TradeclusterTest, HostileFramingIsRefusedAtTheEdge) {
  NodeProcess node;
  ASSERT_TRUE(node.start()) << node.output();
  std::string many = "GET /health HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 5000; ++i) many += "X-" + std::to_string(i) + ": a\r\n";
  many += "\r\n";
  std::string out = testing::raw_exchange(node.port(), many);
  EXPECT_EQ(out.rfind("HTTP/1.1 431", 0), 0u) << out.substr(0, 200);
  std::string smuggle =
      "POST /api/screener/screen HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"
      "POST /api/serve/shutdown HTTP/1.1\r\nHost: x\r\n\r\n";
  out = testing::raw_exchange(node.port(), smuggle);
  EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0u) << out;
  EXPECT_EQ(out.find("HTTP/1.1", 1), std::string::npos) << "one answer, then the close: " << out;
  EXPECT_EQ(node.request("GET", "/health")->status, 200);
}

}  // namespace
}  // namespace tc
