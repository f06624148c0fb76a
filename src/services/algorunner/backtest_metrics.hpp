// The figures of a run, computed from its equity at every step and its closed trades.
//
// Conventions (those of the established engines): per-step returns r_i = e_i / e_(i-1) - 1 with
// e_(-1) the initial capital; volatility, Sharpe and Sortino use the sample standard deviation
// (n - 1), a risk-free rate of 0, and are annualised by sqrt(periods per year); Sortino's
// downside deviation is sqrt(sum(min(r, 0)^2) / (n - 1)). CAGR runs over calendar time, from the
// first bar's open to the last bar's close. Drawdowns are measured from the running peak, the
// initial capital included; the drawdown duration is the longest time under a peak (until it is
// regained, or the end). Win rate and profit factor use closed trades net of fees. A figure
// that does not exist (no trades, no variance) is NaN, written as null.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/json.hpp"
#include "services/algorunner/portfolio.hpp"

namespace tc::services {

struct BacktestMetrics {
  double initial_capital = 0;
  double final_equity = 0;
  double total_return = 0;
  double cagr = 0;
  double volatility = 0;
  double sharpe = 0;
  double sortino = 0;
  double max_drawdown = 0;  // a fraction of the peak, 0..1
  int64_t max_drawdown_bars = 0;
  int64_t max_drawdown_nanos = 0;
  double win_rate = 0;
  double profit_factor = 0;
  double exposure = 0;  // fraction of steps that ended with a position open
  int64_t num_fills = 0;
  int64_t num_closed_trades = 0;
  double total_fees = 0;
  int64_t steps = 0;
  double periods_per_year = 0;
  int64_t start = 0, end = 0;  // UTC nanoseconds
};

struct EquitySeries {
  std::vector<int64_t> times;  // the close of each step
  std::vector<double> equity;
  int64_t exposed_steps = 0;
};

BacktestMetrics compute_metrics(const EquitySeries& series, double initial_capital,
                                std::span<const ClosedTrade> trades, int64_t fills, double fees,
                                double periods_per_year, int64_t start);

json::object metrics_json(const BacktestMetrics& m);

}  // namespace tc::services
