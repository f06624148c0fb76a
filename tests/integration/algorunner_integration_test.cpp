// The algorunner end to end through the real binary: a backtest on the seeded history and on a
// CSV file through the API, and `tradecluster backtest` from a shell with no server.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "core/json.hpp"
#include "support/fake_binance.hpp"
#include "support/fake_binance_ws.hpp"
#include "support/node_process.hpp"
#include "support/wait.hpp"

namespace tc {
namespace {

using testing::body_of;
using testing::NodeProcess;

void write_bars(const std::filesystem::path& path, int days) {
  std::ofstream out(path);
  out << "time,open,high,low,close,volume\n";
  // A slow wave: averages of different lengths cross every few weeks.
  double price = 100;
  for (int i = 0; i < days; ++i) {
    double open = price;
    price = 100 + 20 * std::sin(i / 15.0);
    char line[128];
    std::snprintf(line, sizeof line, "%lld,%.2f,%.2f,%.2f,%.2f,1000\n",
                  static_cast<long long>(1'599'955'200'000LL + i * 86'400'000LL), open,
                  std::max(open, price) + 0.5, std::min(open, price) - 0.5, price);
    out << line;
  }
}

TEST(AlgorunnerIntegrationTest, BacktestsRunThroughTheApiOnStoredHistoryAndOnACsv) {
  NodeProcess node;
  ASSERT_TRUE(node.start()) << node.output();
  json::object listed = body_of(node.request("GET", "/api/tickscrawler/instruments?limit=1"));
  std::string symbol(listed.at("instruments").as_array()[0].at("symbol").as_string());
  auto run = node.request("POST", "/api/algorunner/run",
                          R"({"algorithm": "sma_crossover", "symbols": [")" + symbol +
                              R"("], "parameters": {"fast_period": 3, "slow_period": 8},
                                  "fee_rate": 0.001, "wait": true})");
  ASSERT_EQ(run->status, 200) << run->body;
  json::object job = body_of(run);
  EXPECT_EQ(job.at("state").as_string(), "succeeded");
  EXPECT_TRUE(job.at("result").at("metrics").as_object().contains("sharpe"));

  write_bars(node.dir() / "data" / "import" / "walk.csv", 300);
  auto csv = node.request("POST", "/api/algorunner/run",
                          R"({"algorithm": "donchian_breakout", "csv": "walk.csv",
                              "symbols": ["WALK"], "wait": true})");
  ASSERT_EQ(csv->status, 200) << csv->body;
  EXPECT_EQ(body_of(csv).at("result").at("metrics").at("bars").as_int64(), 300);
}

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A paper run on a live stream: an exchange (the fake Binance) sends trades as they happen, the
// run's stream carries them onto the bus, and the run trades them until stopped.
TEST(AlgorunnerIntegrationTest, APaperRunTradesALiveStreamUntilStopped) {
  testing::FakeBinance rest(1, wall_ms() - 3'600'000, 1);
  testing::FakeBinanceWs ws([](int) {
    testing::FakeBinanceWs::Script s;
    // 100 trades a second for 20 s, on a wave with a 4-second period: 1-second bars cross.
    s.paced_count = 2000;
    s.spacing = std::chrono::milliseconds(10);
    s.paced = [](int i) {
      char price[32];
      std::snprintf(price, sizeof price, "%.2f", 30000 + 200 * std::sin(i * 2 * M_PI / 400));
      return testing::FakeBinanceWs::message("BTCUSDT", 5'000'000 + i, price, "0.01", wall_ms(),
                                             i % 2 == 0);
    };
    s.drop = false;
    return s;
  });
  NodeProcess node(std::map<std::string, std::string>{{"TICKSCRAWLER_BINANCE_REST_URL", rest.url()},
                                                      {"TICKSCRAWLER_BINANCE_WS_URL", ws.url()}});
  ASSERT_TRUE(node.start()) << node.output();
  auto started =
      node.request("POST", "/api/algorunner/run",
                   R"({"algorithm": "sma_crossover", "mode": "paper", "source": "binance",
                                  "symbols": ["BTCUSDT"], "interval": "1s",
                                  "parameters": {"fast_period": 2, "slow_period": 3}})");
  ASSERT_EQ(started->status, 202) << started->body;
  json::object run = body_of(started);
  std::string id(run.at("id").as_string());
  ASSERT_TRUE(run.at("params").as_object().contains("stream_id"));
  // It shows its equity while it runs, and trades.
  ASSERT_TRUE(testing::wait_until(
      [&] {
        json::object now = body_of(node.request("GET", "/api/algorunner/runs/" + id));
        return now.contains("result") && now.at("result").is_object() &&
               now.at("result").at("metrics").at("num_fills").as_int64() >= 1;
      },
      std::chrono::seconds(30)))
      << node.output().substr(0, 2000);
  auto stop = node.request("POST", "/api/algorunner/stop", "{\"run_id\": \"" + id + "\"}");
  ASSERT_EQ(stop->status, 200) << stop->body;
  ASSERT_TRUE(testing::wait_until([&] {
    return body_of(node.request("GET", "/api/algorunner/runs/" + id)).at("state").as_string() ==
           "stopped";
  }));
  json::object done = body_of(node.request("GET", "/api/algorunner/runs/" + id));
  EXPECT_GE(done.at("result").at("trades_processed").as_int64(), 100);
  EXPECT_GE(done.at("result").at("metrics").at("num_fills").as_int64(), 1);
}

TEST(AlgorunnerIntegrationTest, TheBacktestCommandNeedsNoServer) {
  testing::TempDir dir;
  write_bars(dir.path() / "walk.csv", 300);
  auto ok = testing::run_command(
      {TC_BINARY, "backtest", "--algorithm", "sma_crossover", "--csv", "walk.csv", "--param",
       "fast_period=5", "--param", "slow_period=20", "--fee-rate", "0.001", "--json"},
      {}, dir.path());
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  auto result = parse_json(ok.output);
  ASSERT_TRUE(result.is_ok()) << ok.output;
  EXPECT_EQ(result->at("metrics").at("bars").as_int64(), 300);
  EXPECT_GT(result->at("metrics").at("num_fills").as_int64(), 0);

  auto table = testing::run_command(
      {TC_BINARY, "backtest", "--algorithm", "sma_crossover", "--csv", "walk.csv"}, {}, dir.path());
  EXPECT_EQ(table.exit_code, 0) << table.output;
  EXPECT_NE(table.output.find("final_equity"), std::string::npos) << table.output;

  auto bad =
      testing::run_command({TC_BINARY, "backtest", "--algorithm", "sma_crossover", "--csv",
                            "walk.csv", "--param", "fast_period=30", "--param", "slow_period=20"},
                           {}, dir.path());
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("must be above 'fast_period'"), std::string::npos) << bad.output;
  auto missing = testing::run_command(
      {TC_BINARY, "backtest", "--algorithm", "sma_crossover", "--csv", "none.csv"}, {}, dir.path());
  EXPECT_EQ(missing.exit_code, 1);
}

}  // namespace
}  // namespace tc
