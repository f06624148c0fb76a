// Engine: runs a Strategy over market data, event by event, for a backtest or a paper run — one
// code path, on the run's clock (the data's own times).
//
// Over bars, the instruments' series are merged in time order; at each bar the engine matches the
// instrument's open orders against it, marks the position at the close, then hands the bar to the
// strategy. Over trade ticks, each tick matches the open orders of its instrument and is handed
// to the strategy; ticks are also aggregated into bars of the run's interval for on_bar.
//
// Fill model. On a bar: a market order fills at the open; a limit order fills when the bar's
// range reaches its price, at that price, or at the open when the bar opened beyond it (gapped
// through); a stop order becomes a market order when the range reaches its stop, filling at the
// stop, or at the open when the bar gapped through it; a stop-limit order becomes a limit order
// at its stop (filling at the stop or the open, whichever it triggered at, if that is within its
// limit; otherwise resting as a limit order). On a tick: at the tick's price, when it satisfies
// the order. Market and stop fills pay `slippage_bps` (buys higher, sells lower); every fill pays
// `fee_rate` x notional. A fill that would take a position beyond `max_position` units, or cash
// below zero, is rejected.
//
// Equity is recorded at the end of every step (all the bars of one time, or a bar's worth of
// ticks); the figures are computed from those steps (backtest_metrics.hpp). The same inputs give
// the same results, to the bit.
//
// Not thread-safe: one engine per run, on the run's thread.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <span>
#include <vector>

#include "market/bar.hpp"
#include "market/bar_series.hpp"
#include "market/interval.hpp"
#include "services/algorunner/backtest_metrics.hpp"
#include "services/algorunner/strategy.hpp"

namespace tc::services {

struct EngineOptions {
  double initial_capital = 100000;
  double fee_rate = 0;                                            // fraction of notional per fill
  double slippage_bps = 0;                                        // on market and stop fills
  double max_position = std::numeric_limits<double>::infinity();  // units, long or short
  double periods_per_year = 0;    // 0: 252 a year for equities, 365 for crypto, per bar interval
  size_t max_curve_points = 500;  // the equity curve returned is downsampled to this
};

struct EquityPoint {
  int64_t time = 0;
  double equity = 0;
};

struct BacktestResult {
  BacktestMetrics metrics;
  std::vector<EquityPoint> equity_curve;
  std::vector<ClosedTrade> trades;
  int64_t events = 0;  // bars or ticks processed
  int64_t orders_rejected = 0;
  bool complete = false;  // false when stopped before the end of the data
};

// Asked between events (every few thousand): stop now, and the progress so far (0..1).
struct RunControl {
  std::function<bool()> should_stop;
  std::function<void(double)> progress;
};

// Trade ticks in time order across the run's instruments; next() false at the end.
class TradeFeed {
 public:
  virtual ~TradeFeed() = default;
  virtual bool next(TradeEvent& event) = 0;
};

class Engine final : private StrategyContext {
 public:
  Engine(std::vector<market::Instrument> instruments, market::Interval interval,
         EngineOptions options);

  // Runs over `series` (one per instrument, in the instruments' order). Returns what was done up
  // to the end of the data, or to a stop.
  BacktestResult run_bars(Strategy& strategy, std::span<const market::BarSeries> series,
                          const RunControl& control = {});
  // Runs over the ticks of `feed`; `expected` (when known) scales the progress.
  BacktestResult run_trades(Strategy& strategy, TradeFeed& feed, const RunControl& control = {},
                            int64_t expected = 0);

  // The results so far, while a run goes on (a paper run shows its equity as it trades).
  BacktestResult results(bool complete = false) const;

  // The periods per year a run over `instruments` at `interval` annualises by.
  static double default_periods_per_year(std::span<const market::Instrument> instruments,
                                         market::Interval interval);

 private:
  // StrategyContext
  int64_t now() const override { return now_; }
  int instruments() const override { return static_cast<int>(instruments_.size()); }
  const market::Instrument& instrument(int i) const override { return instruments_[i]; }
  const Position& position(int i) const override { return portfolio_.position(i); }
  double cash() const override { return portfolio_.cash(); }
  double equity() const override { return portfolio_.equity(marks_); }
  double mark(int i) const override { return marks_[i]; }
  int64_t submit(const OrderRequest& order) override;
  bool cancel(int64_t order_id) override;
  std::span<const Order> open_orders() const override { return open_; }

  // Matches the open orders of `instrument` against a bar (open, high, low) or, when `tick`,
  // a trade at `open`.
  void match(int instrument, double open, double high, double low, int64_t time, bool tick);
  void fill(Order& order, double price, int64_t time);
  void end_step(int64_t time);
  BacktestResult finish(bool complete) { return results(complete); }

  std::vector<market::Instrument> instruments_;
  market::Interval interval_;
  EngineOptions options_;
  Strategy* strategy_ = nullptr;
  Portfolio portfolio_;
  std::vector<double> marks_;
  std::vector<Order> open_;  // open orders, oldest first
  int64_t next_order_id_ = 1;
  int64_t now_ = 0;
  int64_t start_ = 0;
  bool started_ = false;
  int64_t events_ = 0;
  int64_t fills_ = 0;
  int64_t rejected_ = 0;
  EquitySeries steps_;
};

}  // namespace tc::services
