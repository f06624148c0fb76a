#include <gtest/gtest.h>

#include <random>

#include "market/expression_plan.hpp"
#include "market/reference_indicators.hpp"

namespace tc::market {
namespace {

namespace ref = reference;

BarSeries random_series(size_t n, uint32_t seed, const std::string& symbol = "RND") {
  std::mt19937 rng(seed);
  std::normal_distribution<double> step(0, 0.02);
  std::uniform_real_distribution<double> unit(0, 1);
  BarSeries s;
  s.instrument.id = {symbol, "test"};
  s.instrument.sector = "Technology";
  double price = 100;
  for (size_t i = 0; i < n; ++i) {
    double open = price;
    price *= std::exp(step(rng));
    s.open_time.push_back(static_cast<int64_t>(i) * 86'400'000'000'000);
    s.open.push_back(open);
    s.high.push_back(std::max(open, price) * (1 + 0.01 * unit(rng)));
    s.low.push_back(std::min(open, price) * (1 - 0.01 * unit(rng)));
    s.close.push_back(price);
    s.volume.push_back(std::round(1000 + 9000 * unit(rng)));
    s.vwap.push_back((s.high.back() + s.low.back() + price) / 3);
  }
  return s;
}

// The plan's value of `text` at every bar of `s`, evaluated one bar at a time.
std::vector<double> at_every_bar(const std::string& text, const BarSeries& s) {
  ExpressionCompiler compiler;
  EXPECT_TRUE(compiler.add(text).is_ok()) << text;
  ExpressionPlan plan = compiler.build();
  std::vector<ExpressionPlan::Target> targets;
  for (size_t i = 0; i < s.size(); ++i) targets.push_back({&s, i});
  return plan.evaluate(targets).value();
}

void expect_same(const std::vector<double>& expected, const std::vector<double>& actual,
                 const std::string& what) {
  ASSERT_EQ(expected.size(), actual.size()) << what;
  for (size_t i = 0; i < expected.size(); ++i) {
    if (std::isnan(expected[i])) {
      EXPECT_TRUE(std::isnan(actual[i])) << what << " at bar " << i << ": " << actual[i];
    } else {
      EXPECT_NEAR(expected[i], actual[i], 1e-9 * std::max(1.0, std::abs(expected[i])))
          << what << " at bar " << i;
    }
  }
}

TEST(ExpressionPlanTest, ValuesAtEveryBarMatchIndependentComputations) {
  // Each bar is evaluated on its own, so each operation computes only the bars the output at
  // that bar needs: this checks those ranges against whole-series textbook computations.
  BarSeries s = random_series(400, 11);
  expect_same(ref::rsi(s.close, 14), at_every_bar("rsi(close, 14)", s), "rsi");
  expect_same(ref::sma(s.volume, 20), at_every_bar("sma(volume, 20)", s), "sma");
  expect_same(ref::cross(ref::sma(s.close, 10), ref::sma(s.close, 30), true),
              at_every_bar("crossover(sma(close, 10), sma(close, 30))", s), "crossover");
  expect_same(ref::macd(s.close, 12, 26, 9).histogram, at_every_bar("macd_hist(close)", s), "macd");
  expect_same(ref::stochastic(s.high, s.low, s.close, 14, 3, 3).d, at_every_bar("stoch_d()", s),
              "stochastic");
  expect_same(ref::atr(s.high, s.low, s.close, 14), at_every_bar("atr()", s), "atr");

  // The benchmark's screen, with SQL's three-valued logic spelled out.
  auto sma200 = ref::sma(s.close, 200), rsi14 = ref::rsi(s.close, 14);
  auto vol20 = ref::sma(s.volume, 20), roc20 = ref::roc(s.close, 20);
  std::vector<double> expected(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    double parts[] = {std::isnan(sma200[i]) ? ref::kNaN : double(s.close[i] > sma200[i]),
                      std::isnan(rsi14[i]) ? ref::kNaN : double(rsi14[i] < 35),
                      std::isnan(vol20[i]) ? ref::kNaN : double(s.volume[i] > 2 * vol20[i]),
                      std::isnan(roc20[i]) ? ref::kNaN : double(roc20[i] > 0)};
    bool any_false = false, any_unknown = false;
    for (double p : parts) {
      any_false |= p == 0;
      any_unknown |= std::isnan(p);
    }
    expected[i] = any_false ? 0 : any_unknown ? ref::kNaN : 1;
  }
  expect_same(expected,
              at_every_bar("close > sma(close, 200) and rsi(close, 14) < 35 and "
                           "volume > 2 * sma(volume, 20) and roc(close, 20) > 0",
                           s),
              "screen");
}

TEST(ExpressionPlanTest, AWholeSeriesAtOnceEqualsEachBarOnItsOwn) {
  BarSeries s = random_series(300, 21);
  for (const char* text : {"rsi(close, 14) < 50 and close > sma(close, 20)",
                           "crossover(ema(close, 5), sma(close, 20))", "close[3] / close - 1"}) {
    ExpressionCompiler compiler;
    ASSERT_TRUE(compiler.add(text).is_ok());
    ExpressionPlan plan = compiler.build();
    auto columns = plan.evaluate_series(s);
    ASSERT_EQ(columns.size(), 1u);
    expect_same(at_every_bar(text, s), columns[0], text);
  }
}

TEST(ExpressionPlanTest, SharedOperationsAreComputedOnce) {
  ExpressionCompiler compiler;
  ASSERT_TRUE(compiler.add("sma(close, 50) > 1").is_ok());
  ASSERT_TRUE(compiler.add("bb_middle(close, 50) < 2").is_ok());  // the same average
  ASSERT_TRUE(compiler.add("volume + close > 1").is_ok());
  ASSERT_TRUE(compiler.add("close + volume > 1").is_ok());  // the same sum and comparison
  ExpressionPlan plan = compiler.build();
  // close, sma, 1, >, 2, <, volume, +, >
  EXPECT_EQ(plan.operations(), 9u);
  EXPECT_EQ(plan.outputs(), 4u);
}

TEST(ExpressionPlanTest, RefusedExpressionAddsNothing) {
  ExpressionCompiler compiler;
  ASSERT_TRUE(compiler.add("close > 1").is_ok());
  auto bad = compiler.add("sma(volume, 7) + ema(open, 3) > foo");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("unknown name 'foo'"), std::string::npos);
  ExpressionPlan plan = compiler.build();
  EXPECT_EQ(plan.operations(), 3u);
  EXPECT_EQ(plan.outputs(), 1u);
}

TEST(ExpressionPlanTest, RejectsExpressionDeeperThanLimit) {
  std::string deep = std::string(65, '(') + "close" + std::string(65, ')') + " > 1";
  auto r = ExpressionCompiler().add(deep);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message(), "the expression nests deeper than 64 levels at 1:65");
  std::string negations;
  for (int i = 0; i < 100; ++i) negations += "not ";
  EXPECT_FALSE(ExpressionCompiler().add(negations + "true").is_ok());
}

TEST(ExpressionPlanTest, RejectsExpressionLongerThanLimit) {
  ExpressionLimits limits;
  limits.max_length = 20;
  auto r = ExpressionCompiler(limits).add("close > sma(close, 200)");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message(), "the expression is 23 characters long; the limit is 20");
}

TEST(ExpressionPlanTest, RejectsPlansWithTooManyOperations) {
  std::string chain = "close";
  for (int i = 0; i < 510; ++i) chain += " + close";  // 4089 characters: under the length limit
  auto r = ExpressionCompiler().add(chain + " > 0");
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("more than 512 distinct operations"), std::string::npos);
}

TEST(ExpressionPlanTest, StopsAnEvaluationThatRunsPastItsTime) {
  ExpressionLimits limits;
  limits.max_evaluation_seconds = 0;
  ExpressionCompiler compiler(limits);
  ASSERT_TRUE(compiler.add("rsi(close, 14) < 30").is_ok());
  ExpressionPlan plan = compiler.build();
  BarSeries s = random_series(100, 1);
  std::vector<ExpressionPlan::Target> targets(4000, {&s, 99});
  auto r = plan.evaluate(targets, 2);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("took longer than"), std::string::npos);
}

TEST(ExpressionPlanTest, SplittingAUniverseAmongThreadsGivesTheSameValues) {
  ExpressionCompiler compiler;
  ASSERT_TRUE(compiler.add("rsi(close, 14) < 50 and close > sma(close, 20)").is_ok());
  ASSERT_TRUE(compiler.add("macd_hist(close)").is_ok());
  ExpressionPlan plan = compiler.build();
  std::vector<BarSeries> universe;
  for (uint32_t i = 0; i < 50; ++i) universe.push_back(random_series(120, i));
  std::vector<ExpressionPlan::Target> targets;
  for (size_t k = 0; k < 3 * ExpressionPlan::kTargetsPerThread; ++k) {
    targets.push_back({&universe[k % universe.size()], 60 + k % 60});
  }
  auto one = plan.evaluate(targets, 1);
  auto three = plan.evaluate(targets, 3);
  ASSERT_TRUE(one.is_ok() && three.is_ok());
  ASSERT_EQ(one->size(), three->size());
  for (size_t i = 0; i < one->size(); ++i) {
    if (std::isnan((*one)[i])) {
      EXPECT_TRUE(std::isnan((*three)[i])) << i;
    } else {
      EXPECT_EQ((*one)[i], (*three)[i]) << i;
    }
  }
}

TEST(ExpressionPlanTest, BarsBeyondTheSeriesAreMissing) {
  ExpressionCompiler compiler;
  ASSERT_TRUE(compiler.add("close").is_ok());
  ExpressionPlan plan = compiler.build();
  BarSeries s = random_series(3, 1);
  ExpressionPlan::Target target{&s, 7};
  EXPECT_TRUE(std::isnan(plan.evaluate({&target, 1}).value()[0]));
}

TEST(ErrorPositionTest, ReadsThePositionAnErrorNames) {
  ExpressionCompiler compiler;
  auto error = compiler.add("close >\n  smaa(close, 2)");
  ASSERT_FALSE(error);
  EXPECT_EQ(error_position(error.status().message()), (std::pair{2, 3}));
  // The first " at <line>:<column>", not a word "at" before it.
  EXPECT_EQ(error_position("look at this at 4:7; hint at 9:9"), (std::pair{4, 7}));
  EXPECT_FALSE(error_position("the expression is 5000 characters long; the limit is 4096"));
  EXPECT_FALSE(error_position("broken at :3"));
  EXPECT_FALSE(error_position("broken at 0:3"));
}

}  // namespace
}  // namespace tc::market
