// The golden backtest: sma_crossover with fees and slippage over a fixed file of 600 daily bars
// must give, byte for byte, the result stored in golden/sma_crossover_walk_600d.json. The
// expected file changes only with a change to the engine's results, explained in the commit that
// changes it; TC_UPDATE_GOLDEN=1 rewrites it.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "services/algorunner/algorithms.hpp"
#include "services/algorunner/run.hpp"
#include "sources/csv_source.hpp"

namespace tc::services {
namespace {

const std::filesystem::path kDir = TC_SERVICES_GOLDEN_DIR;

std::string run_golden() {
  sources::CsvSource csv(kDir);
  market::FetchOptions options;
  options.file = "walk_600d.csv";
  market::BarSeries series;
  series.instrument.id = {"WALK", "csv"};
  series.instrument.asset_class = market::AssetClass::kEquity;
  Status read = csv.fetch_bars("WALK", market::Interval(86400), {INT64_MIN, INT64_MAX}, options,
                               [&](std::span<const market::Bar> page) {
                                 series.append(page);
                                 return true;
                               });
  EXPECT_TRUE(read.is_ok()) << read.to_string();
  RunRequest run;
  run.algorithm = "sma_crossover";
  run.symbols = {"WALK"};
  run.parameters = json::object{{"fast_period", 10}, {"slow_period", 30}, {"quantity", 25}};
  run.engine.initial_capital = 50000;
  run.engine.fee_rate = 0.001;
  run.engine.slippage_bps = 5;
  run.engine.max_curve_points = 50;
  auto strategy = make_algorithm(run.algorithm, run.parameters, json::object{});
  EXPECT_TRUE(strategy.is_ok());
  Engine engine({series.instrument}, run.interval, run.engine);
  return to_json(result_json(run, engine.run_bars(**strategy, {&series, 1}))) + "\n";
}

TEST(BacktestGoldenTest, TheSameInputsGiveTheStoredResultByteForByte) {
  std::string got = run_golden();
  EXPECT_EQ(got, run_golden());  // and twice in a row the same
  auto path = kDir / "sma_crossover_walk_600d.json";
  if (const char* update = std::getenv("TC_UPDATE_GOLDEN"); update && std::string(update) == "1") {
    std::ofstream(path) << got;
  }
  std::ifstream in(path);
  ASSERT_TRUE(in) << path << " is missing (TC_UPDATE_GOLDEN=1 writes it)";
  std::stringstream expected;
  expected << in.rdbuf();
  EXPECT_EQ(expected.str(), got);
}

}  // namespace
}  // namespace tc::services
