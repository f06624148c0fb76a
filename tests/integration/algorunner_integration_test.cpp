// The algorunner end to end through the real binary: a backtest on the seeded history and on a
// CSV file through the API, and `tradecluster backtest` from a shell with no server.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

#include "core/json.hpp"
#include "support/node_process.hpp"

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
