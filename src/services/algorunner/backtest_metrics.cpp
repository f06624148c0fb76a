#include "services/algorunner/backtest_metrics.hpp"

#include <cmath>
#include <limits>

#include "core/time_parse.hpp"

namespace tc::services {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kYearNanos = 365.25 * 86400 * 1e9;

json::value number(double v) { return std::isfinite(v) ? json::value(v) : json::value(nullptr); }

}  // namespace

BacktestMetrics compute_metrics(const EquitySeries& s, double initial_capital,
                                std::span<const ClosedTrade> trades, int64_t fills, double fees,
                                double periods_per_year, int64_t start) {
  BacktestMetrics m;
  m.initial_capital = initial_capital;
  m.periods_per_year = periods_per_year;
  m.num_fills = fills;
  m.total_fees = fees;
  m.num_closed_trades = static_cast<int64_t>(trades.size());
  m.steps = static_cast<int64_t>(s.equity.size());
  m.start = start;
  m.end = s.times.empty() ? start : s.times.back();
  m.final_equity = s.equity.empty() ? initial_capital : s.equity.back();
  m.total_return = m.final_equity / initial_capital - 1;
  double years = static_cast<double>(m.end - m.start) / kYearNanos;
  m.cagr =
      years > 0
          ? (m.final_equity > 0 ? std::pow(m.final_equity / initial_capital, 1 / years) - 1 : -1)
          : kNaN;

  // Returns, their mean, sample deviation and downside deviation.
  const size_t n = s.equity.size();
  std::vector<double> returns(n);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    double previous = i == 0 ? initial_capital : s.equity[i - 1];
    returns[i] = s.equity[i] / previous - 1;
    sum += returns[i];
  }
  double mean = n > 0 ? sum / static_cast<double>(n) : kNaN;
  double squares = 0, downside = 0;
  for (double r : returns) {
    squares += (r - mean) * (r - mean);
    if (r < 0) downside += r * r;
  }
  double annual = std::sqrt(periods_per_year);
  double deviation = n > 1 ? std::sqrt(squares / static_cast<double>(n - 1)) : kNaN;
  double downside_deviation = n > 1 ? std::sqrt(downside / static_cast<double>(n - 1)) : kNaN;
  m.volatility = deviation * annual;
  m.sharpe = deviation > 0 ? mean / deviation * annual : kNaN;
  m.sortino = downside_deviation > 0 ? mean / downside_deviation * annual : kNaN;

  // Drawdowns from the running peak (the initial capital included).
  double peak = initial_capital;
  int64_t peak_time = start;
  size_t under_since = 0;
  bool under = false;
  for (size_t i = 0; i < n; ++i) {
    double e = s.equity[i];
    if (e >= peak) {
      peak = e;
      peak_time = s.times[i];
      under = false;
      continue;
    }
    if (!under) {
      under = true;
      under_since = i;
    }
    m.max_drawdown = std::max(m.max_drawdown, 1 - e / peak);
    int64_t bars = static_cast<int64_t>(i - under_since + 1);
    if (bars > m.max_drawdown_bars) {
      m.max_drawdown_bars = bars;
      m.max_drawdown_nanos = s.times[i] - peak_time;
    }
  }

  double wins = 0, gross_profit = 0, gross_loss = 0;
  for (const ClosedTrade& t : trades) {
    if (t.pnl > 0) {
      ++wins;
      gross_profit += t.pnl;
    } else {
      gross_loss -= t.pnl;
    }
  }
  m.win_rate = trades.empty() ? kNaN : wins / static_cast<double>(trades.size());
  m.profit_factor = gross_loss > 0 ? gross_profit / gross_loss : kNaN;
  m.exposure = n > 0 ? static_cast<double>(s.exposed_steps) / static_cast<double>(n) : kNaN;
  return m;
}

json::object metrics_json(const BacktestMetrics& m) {
  return json::object{
      {"initial_capital", m.initial_capital},
      {"final_equity", m.final_equity},
      {"total_return", number(m.total_return)},
      {"cagr", number(m.cagr)},
      {"volatility", number(m.volatility)},
      {"sharpe", number(m.sharpe)},
      {"sortino", number(m.sortino)},
      {"max_drawdown", m.max_drawdown},
      {"max_drawdown_bars", m.max_drawdown_bars},
      {"max_drawdown_duration_s", static_cast<double>(m.max_drawdown_nanos) / 1e9},
      {"win_rate", number(m.win_rate)},
      {"profit_factor", number(m.profit_factor)},
      {"exposure", number(m.exposure)},
      {"num_fills", m.num_fills},
      {"num_closed_trades", m.num_closed_trades},
      {"total_fees", m.total_fees},
      {"bars", m.steps},
      {"periods_per_year", m.periods_per_year},
      {"start", format_utc_time(m.start)},
      {"end", format_utc_time(m.end)},
  };
}

}  // namespace tc::services
