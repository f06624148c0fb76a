#include "services/algorunner/engine.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <functional>
#include <optional>
#include <random>

#include "market/reference_indicators.hpp"
#include "services/algorunner/algorithms.hpp"

namespace tc::services {
namespace {

constexpr int64_t kDay = 86'400'000'000'000;

// Daily bars from rows of open, high, low, close.
market::BarSeries bars(std::vector<std::array<double, 4>> rows, const std::string& symbol = "AAA") {
  market::BarSeries s;
  s.instrument.id = {symbol, "test"};
  s.instrument.asset_class = market::AssetClass::kEquity;
  for (size_t i = 0; i < rows.size(); ++i) {
    s.open_time.push_back(static_cast<int64_t>(i) * kDay);
    s.open.push_back(rows[i][0]);
    s.high.push_back(rows[i][1]);
    s.low.push_back(rows[i][2]);
    s.close.push_back(rows[i][3]);
    s.volume.push_back(100);
    s.vwap.push_back(rows[i][3]);
  }
  return s;
}

// A strategy scripted per bar index: `on(i)` may submit orders.
class Scripted final : public Strategy {
 public:
  using Step = std::function<void(StrategyContext&, const BarEvent&)>;
  explicit Scripted(Step step) : step_(std::move(step)) {}
  void on_bar(StrategyContext& ctx, const BarEvent& bar) override { step_(ctx, bar); }
  void on_fill(StrategyContext&, const Fill& f) override { fills.push_back(f); }
  std::vector<Fill> fills;

 private:
  Step step_;
};

OrderRequest market_order(OrderSide side, double quantity) {
  return {0, side, OrderType::kMarket, TimeInForce::kGtc, quantity, 0, 0};
}

BacktestResult run(const market::BarSeries& s, Strategy& strategy, EngineOptions o = {}) {
  Engine engine({s.instrument}, s.interval, o);
  return engine.run_bars(strategy, {&s, 1});
}

TEST(EngineTest, AMarketOrderAtACloseFillsAtTheNextOpen) {
  auto s = bars({{10, 11, 9, 10}, {12, 13, 11, 12}, {13, 14, 12, 14}, {15, 15, 13, 13}});
  Scripted strategy([](StrategyContext& ctx, const BarEvent& bar) {
    if (bar.index == 0) ctx.submit(market_order(OrderSide::kBuy, 2));
    if (bar.index == 2) ctx.submit(market_order(OrderSide::kSell, 2));
  });
  EngineOptions o;
  o.initial_capital = 1000;
  BacktestResult r = run(s, strategy, o);
  ASSERT_EQ(strategy.fills.size(), 2u);
  EXPECT_EQ(strategy.fills[0].price, 12);  // bar 1's open
  EXPECT_EQ(strategy.fills[0].time, 1 * kDay);
  EXPECT_EQ(strategy.fills[1].price, 15);  // bar 3's open
  EXPECT_DOUBLE_EQ(r.metrics.final_equity, 1000 + 2 * (15 - 12));
  ASSERT_EQ(r.trades.size(), 1u);
  EXPECT_DOUBLE_EQ(r.trades[0].pnl, 6);
  EXPECT_EQ(r.metrics.num_fills, 2);
  EXPECT_EQ(r.metrics.num_closed_trades, 1);
  EXPECT_TRUE(r.complete);
}

TEST(EngineTest, AnOrderOnTheLastBarNeverFills) {
  auto s = bars({{10, 11, 9, 10}, {12, 13, 11, 12}});
  Scripted strategy([](StrategyContext& ctx, const BarEvent& bar) {
    if (bar.index == 1) ctx.submit(market_order(OrderSide::kBuy, 1));
  });
  BacktestResult r = run(s, strategy);
  EXPECT_TRUE(strategy.fills.empty());
  EXPECT_DOUBLE_EQ(r.metrics.final_equity, 100000);
}

TEST(EngineTest, LimitAndStopOrdersFillAtTheirPriceOrAtAGappedOpen) {
  // Bar 1 trades down to 9 (a buy limit at 9.5 fills at 9.5); bar 2 opens at 8, below a buy
  // limit at 8.5 (fills at 8). A sell stop at 7 fills at 7 on bar 3's touch; one at 7 on a bar
  // opening at 6 fills at 6.
  auto s =
      bars({{10, 10, 10, 10}, {10, 10, 9, 9.8}, {8, 9, 8, 8.5}, {8, 8, 6.5, 7.5}, {6, 6.5, 5, 6}});
  Scripted strategy([](StrategyContext& ctx, const BarEvent& bar) {
    auto order = [&](OrderSide side, OrderType type, double limit, double stop) {
      ctx.submit({0, side, type, TimeInForce::kGtc, 1, limit, stop});
    };
    if (bar.index == 0) order(OrderSide::kBuy, OrderType::kLimit, 9.5, 0);
    if (bar.index == 1) order(OrderSide::kBuy, OrderType::kLimit, 8.5, 0);
    if (bar.index == 2) order(OrderSide::kSell, OrderType::kStop, 0, 7);
    if (bar.index == 3) order(OrderSide::kSell, OrderType::kStop, 0, 7);
  });
  run(s, strategy);
  ASSERT_EQ(strategy.fills.size(), 4u);
  EXPECT_EQ(strategy.fills[0].price, 9.5);
  EXPECT_EQ(strategy.fills[1].price, 8);
  EXPECT_EQ(strategy.fills[2].price, 7);
  EXPECT_EQ(strategy.fills[3].price, 6);
}

TEST(EngineTest, StopLimitOrdersTriggerThenRestAsLimits) {
  // Buy stop 11 limit 11.5: bar 1 opens at 12 (triggered above the limit: rests as a limit at
  // 11.5), bar 2 trades down to 11 and fills it at 11.5.
  auto s = bars({{10, 10, 10, 10}, {12, 12.5, 11.8, 12}, {12, 12, 11, 11.2}});
  Scripted strategy([](StrategyContext& ctx, const BarEvent& bar) {
    if (bar.index == 0) {
      ctx.submit({0, OrderSide::kBuy, OrderType::kStopLimit, TimeInForce::kGtc, 1, 11.5, 11});
    }
  });
  run(s, strategy);
  ASSERT_EQ(strategy.fills.size(), 1u);
  EXPECT_EQ(strategy.fills[0].price, 11.5);
  EXPECT_EQ(strategy.fills[0].time, 2 * kDay);
}

TEST(EngineTest, ImmediateOrCancelAndDayOrdersExpire) {
  auto s = bars({{10, 10, 10, 10}, {10, 10, 9.5, 10}, {10, 10, 8, 9}});
  Scripted strategy([](StrategyContext& ctx, const BarEvent& bar) {
    if (bar.index == 0) {
      ctx.submit({0, OrderSide::kBuy, OrderType::kLimit, TimeInForce::kIoc, 1, 9, 0});
      ctx.submit({0, OrderSide::kBuy, OrderType::kLimit, TimeInForce::kDay, 1, 9, 0});
      ctx.submit({0, OrderSide::kBuy, OrderType::kLimit, TimeInForce::kGtc, 1, 9, 0});
    }
  });
  run(s, strategy);
  ASSERT_EQ(strategy.fills.size(), 1u);  // only the GTC one lives to bar 2, which reaches 9
  EXPECT_EQ(strategy.fills[0].time, 2 * kDay);
}

TEST(EngineTest, CancelledOrdersDoNotFill) {
  auto s = bars({{10, 10, 10, 10}, {10, 10, 10, 10}, {10, 10, 10, 10}});
  Scripted strategy([](StrategyContext& ctx, const BarEvent& bar) {
    if (bar.index == 0) {
      int64_t id = ctx.submit({0, OrderSide::kBuy, OrderType::kLimit, TimeInForce::kGtc, 1, 5, 0});
      EXPECT_TRUE(ctx.cancel(id));
      EXPECT_FALSE(ctx.cancel(id));
      EXPECT_EQ(ctx.submit(market_order(OrderSide::kBuy, 0)), 0);  // refused at once
    }
  });
  run(s, strategy);
  EXPECT_TRUE(strategy.fills.empty());
}

TEST(EngineTest, FeesAndSlippageAreCharged) {
  auto s = bars(
      {{100, 100, 100, 100}, {100, 100, 100, 100}, {110, 110, 110, 110}, {120, 120, 120, 120}});
  Scripted strategy([](StrategyContext& ctx, const BarEvent& bar) {
    if (bar.index == 0) ctx.submit(market_order(OrderSide::kBuy, 10));
    if (bar.index == 1) ctx.submit(market_order(OrderSide::kSell, 10));
  });
  EngineOptions o;
  o.fee_rate = 0.001;
  o.slippage_bps = 10;
  BacktestResult r = run(s, strategy, o);
  ASSERT_EQ(strategy.fills.size(), 2u);
  EXPECT_DOUBLE_EQ(strategy.fills[0].price, 100 * 1.001);  // bought 10 bps higher
  EXPECT_DOUBLE_EQ(strategy.fills[1].price, 110 * 0.999);  // sold 10 bps lower
  double fees = 10 * 100.1 * 0.001 + 10 * 109.89 * 0.001;
  EXPECT_NEAR(r.metrics.total_fees, fees, 1e-9);
  EXPECT_NEAR(r.metrics.final_equity, 100000 + 10 * (109.89 - 100.1) - fees, 1e-9);
  EXPECT_NEAR(r.trades[0].pnl, 10 * (109.89 - 100.1) - fees, 1e-9);
}

TEST(EngineTest, ShortPositionsGainWhenThePriceFalls) {
  auto s = bars(
      {{50, 50, 50, 50}, {50, 50, 50, 50}, {45, 45, 45, 45}, {40, 40, 40, 40}, {40, 40, 40, 40}});
  Scripted strategy([](StrategyContext& ctx, const BarEvent& bar) {
    if (bar.index == 0) ctx.submit(market_order(OrderSide::kSell, 4));
    // Cross from short 4 to long 2 in one order.
    if (bar.index == 1) ctx.submit(market_order(OrderSide::kBuy, 6));
  });
  BacktestResult r = run(s, strategy);
  ASSERT_EQ(strategy.fills.size(), 2u);
  ASSERT_EQ(r.trades.size(), 1u);
  EXPECT_FALSE(r.trades[0].long_side);
  EXPECT_DOUBLE_EQ(r.trades[0].pnl, 4 * (50 - 45));
  // Long 2 from 45 to the last close, 40.
  EXPECT_DOUBLE_EQ(r.metrics.final_equity, 100000 + 20 + 2 * (40 - 45));
}

TEST(EngineTest, PositionLimitAndCashRejectFills) {
  auto s = bars({{10, 10, 10, 10}, {10, 10, 10, 10}, {10, 10, 10, 10}});
  Scripted strategy([](StrategyContext& ctx, const BarEvent& bar) {
    if (bar.index == 0) ctx.submit(market_order(OrderSide::kBuy, 6));    // over the limit
    if (bar.index == 1) ctx.submit(market_order(OrderSide::kBuy, 200));  // more than the cash
  });
  EngineOptions o;
  o.initial_capital = 1000;
  o.max_position = 5;
  BacktestResult r = run(s, strategy, o);
  EXPECT_TRUE(strategy.fills.empty());
  EXPECT_EQ(r.orders_rejected, 2);  // the second is over the limit too
  o.max_position = 1000;
  Scripted again([](StrategyContext& ctx, const BarEvent& bar) {
    if (bar.index == 0) ctx.submit(market_order(OrderSide::kBuy, 200));
  });
  EXPECT_EQ(run(s, again, o).orders_rejected, 1);
}

TEST(EngineTest, MetricsFollowTheirDefinitions) {
  // Hold 100 units from bar 1's open at 10: equity after each bar, worked by hand.
  auto s =
      bars({{10, 10, 10, 10}, {10, 11, 10, 11}, {11, 11, 9, 9}, {9, 12, 9, 12}, {12, 12, 10, 10}});
  Scripted strategy([](StrategyContext& ctx, const BarEvent& bar) {
    if (bar.index == 0) ctx.submit(market_order(OrderSide::kBuy, 100));
  });
  EngineOptions o;
  o.initial_capital = 10000;
  BacktestResult r = run(s, strategy, o);
  std::vector<double> equity{10000, 10100, 9900, 10200, 10000};
  ASSERT_EQ(r.metrics.steps, 5);
  std::vector<double> returns;
  double previous = 10000;
  for (double e : equity) {
    returns.push_back(e / previous - 1);
    previous = e;
  }
  double mean = 0;
  for (double x : returns) mean += x / 5;
  double var = 0, down = 0;
  for (double x : returns) {
    var += (x - mean) * (x - mean) / 4;
    if (x < 0) down += x * x / 4;
  }
  EXPECT_NEAR(r.metrics.sharpe, mean / std::sqrt(var) * std::sqrt(252.0), 1e-12);
  EXPECT_NEAR(r.metrics.sortino, mean / std::sqrt(down) * std::sqrt(252.0), 1e-12);
  EXPECT_NEAR(r.metrics.volatility, std::sqrt(var) * std::sqrt(252.0), 1e-12);
  EXPECT_NEAR(r.metrics.max_drawdown, 1 - 9900.0 / 10100, 1e-12);
  // Under water one bar at a time: bar 2 (below 10100) and bar 4 (below 10200).
  EXPECT_EQ(r.metrics.max_drawdown_bars, 1);
  EXPECT_EQ(r.metrics.max_drawdown_nanos, kDay);
  EXPECT_NEAR(r.metrics.exposure, 4.0 / 5, 1e-12);
  EXPECT_DOUBLE_EQ(r.metrics.total_return, 0);
  EXPECT_TRUE(std::isnan(r.metrics.win_rate));  // no closed trade
}

// sma_crossover against a plain loop written from the convention: signals from textbook
// averages, fills at the next open, final equity = cash + position x last close.
TEST(EngineTest, SmaCrossoverMatchesAPlainLoop) {
  std::mt19937 rng(5);
  std::normal_distribution<double> step(0, 0.02);
  std::vector<std::array<double, 4>> rows;
  double price = 100;
  for (int i = 0; i < 3000; ++i) {
    double open = price;
    price *= std::exp(step(rng));
    rows.push_back({open, std::max(open, price), std::min(open, price), price});
  }
  auto s = bars(rows);
  auto strategy = make_algorithm(
      "sma_crossover", json::object{{"fast_period", 10}, {"slow_period", 30}, {"quantity", 1}},
      json::object{});
  ASSERT_TRUE(strategy.is_ok());
  BacktestResult r = run(s, **strategy);

  auto fast = market::reference::sma(s.close, 10), slow = market::reference::sma(s.close, 30);
  auto up = market::reference::cross(fast, slow, true);
  auto down = market::reference::cross(fast, slow, false);
  double cash = 100000, position = 0;
  int fills = 0;
  std::optional<int> pending;  // +1 buy, -1 sell at the next open
  for (size_t i = 0; i < s.size(); ++i) {
    if (pending) {
      cash -= *pending * s.open[i];
      position += *pending;
      ++fills;
      pending.reset();
    }
    if (up[i] == 1 && position == 0) pending = 1;
    if (down[i] == 1 && position > 0) pending = -1;
  }
  double final_equity = cash + position * s.close.back();
  EXPECT_EQ(r.metrics.num_fills, fills);
  EXPECT_NEAR(r.metrics.final_equity, final_equity, 1e-6);
  EXPECT_GT(fills, 10);
}

TEST(EngineTest, HistoriesFrom1900ToPast2100Run) {
  auto s = bars({{10, 10, 10, 10}, {10, 10, 10, 10}, {12, 12, 12, 12}});
  const int64_t y1900 = -2'208'988'800'000'000'000;  // 1900-01-01
  const int64_t y2150 = 5'680'281'600'000'000'000;   // 2150-01-01
  s.open_time = {y1900, y1900 + kDay, y2150};
  Scripted strategy([](StrategyContext& ctx, const BarEvent& bar) {
    if (bar.index == 0) ctx.submit(market_order(OrderSide::kBuy, 1));
  });
  BacktestResult r = run(s, strategy);
  EXPECT_EQ(r.metrics.start, y1900);
  EXPECT_EQ(r.metrics.end, y2150 + kDay);
  EXPECT_DOUBLE_EQ(r.metrics.final_equity, 100000 + 2);
  EXPECT_GT(r.metrics.cagr, 0);  // over 250 calendar years
  std::string text = to_json(metrics_json(r.metrics));
  EXPECT_NE(text.find("\"start\":\"1900-01-01T00:00:00"), std::string::npos) << text;
  EXPECT_NE(text.find("\"end\":\"2150-01-02T00:00:00"), std::string::npos) << text;
}

TEST(EngineTest, AStoppedRunReturnsWhatItDid) {
  std::vector<std::array<double, 4>> rows(10000, {10, 10, 10, 10});
  auto s = bars(rows);
  Scripted strategy([](StrategyContext& ctx, const BarEvent& bar) {
    if (bar.index == 0) ctx.submit(market_order(OrderSide::kBuy, 1));
  });
  Engine engine({s.instrument}, s.interval, {});
  RunControl control;
  double progress = 0;
  control.should_stop = [] { return true; };
  control.progress = [&](double p) { progress = p; };
  BacktestResult r = engine.run_bars(strategy, {&s, 1}, control);
  EXPECT_FALSE(r.complete);
  EXPECT_EQ(r.events, 4096);  // stopped at the first check
  EXPECT_EQ(r.metrics.num_fills, 1);
  EXPECT_GT(r.metrics.steps, 0);
  EXPECT_NEAR(progress, 4096.0 / 10000, 1e-12);
}

TEST(EngineTest, TheSameInputsGiveTheSameResultsToTheBit) {
  auto s = bars(
      {{10, 11, 9, 10}, {12, 13, 11, 12}, {13, 14, 12, 14}, {15, 15, 13, 13}, {14, 16, 13, 15}});
  auto once = [&] {
    auto strategy = make_algorithm(
        "sma_crossover", json::object{{"fast_period", 2}, {"slow_period", 3}}, json::object{});
    BacktestResult r = run(s, **strategy);
    return to_json(metrics_json(r.metrics));
  };
  EXPECT_EQ(once(), once());
}

// Trade ticks: an order fills at the next tick of its instrument.
class VectorFeed final : public TradeFeed {
 public:
  explicit VectorFeed(std::vector<TradeEvent> events) : events_(std::move(events)) {}
  bool next(TradeEvent& e) override {
    if (at_ == events_.size()) return false;
    e = events_[at_++];
    return true;
  }

 private:
  std::vector<TradeEvent> events_;
  size_t at_ = 0;
};

class BuyOnFirstTick final : public Strategy {
 public:
  void on_trade(StrategyContext& ctx, const TradeEvent& t) override {
    if (!sent_)
      ctx.submit({t.instrument, OrderSide::kBuy, OrderType::kMarket, TimeInForce::kGtc, 1, 0, 0});
    sent_ = true;
  }
  void on_fill(StrategyContext&, const Fill& f) override { fills.push_back(f); }
  std::vector<Fill> fills;

 private:
  bool sent_ = false;
};

TEST(EngineTest, OnTicksAnOrderFillsAtTheNextTick) {
  market::Instrument i;
  i.id = {"BTC", "test"};
  i.asset_class = market::AssetClass::kCrypto;
  Engine engine({i}, market::Interval(60), {});
  VectorFeed feed(
      {{0, 1'000'000'000, 100, 1}, {0, 2'000'000'000, 101, 1}, {0, 61'000'000'000, 105, 1}});
  BuyOnFirstTick strategy;
  BacktestResult r = engine.run_trades(strategy, feed);
  ASSERT_EQ(strategy.fills.size(), 1u);
  EXPECT_EQ(strategy.fills[0].price, 101);
  EXPECT_DOUBLE_EQ(r.metrics.final_equity, 100000 + 105 - 101);
  EXPECT_EQ(r.metrics.steps, 2);  // two one-minute steps
  EXPECT_EQ(r.events, 3);
}

}  // namespace
}  // namespace tc::services
