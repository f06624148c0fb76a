// The built-in algorithms: strategies written against strategy.hpp, made from a run's parameters.
//
//   sma_crossover, ema_crossover (fast_period, slow_period): long when the fast average crosses
//       above the slow one, flat when it crosses below. A cross up is fast > slow now with the
//       last non-zero difference (fast - slow) before this bar negative, so the first possible
//       signal is the bar after both averages first exist.
//   rsi_mean_reversion (period, oversold, overbought): buy when flat and RSI < oversold; close
//       when long and RSI > overbought.
//   bollinger_breakout (period, num_std): buy when flat and the close is above the upper band;
//       close when long and the close is below the middle band.
//   momentum (lookback, threshold): hold while the rate of change over `lookback` bars (a
//       fraction) is above `threshold`.
//   donchian_breakout (entry_period, exit_period): buy when flat and the close is above the
//       highest high of the previous `entry_period` bars; close when long and the close is below
//       the lowest low of the previous `exit_period` bars.
//   momentum_rank (lookback, top_n, rebalance_every): across the run's instruments, every
//       `rebalance_every` steps hold the `top_n` with the highest rate of change over
//       `lookback` bars, each with an equal share of the equity (times `fraction`, default 1).
//   rules (entry, exit): buy when flat and the entry expression (the screener's language, a
//       condition) is true at a bar; close when long and the exit expression is true. Both are
//       checked when the algorithm is made, with the position of an error.
//   buy_and_hold: buys at the first bar and holds.
//
// Every algorithm is long-only and trades market orders; each takes `quantity` (units per order,
// default 1) or `fraction` (of equity per position, rounded down to the instrument's size
// precision).
#pragma once

#include <memory>
#include <string_view>

#include "core/json.hpp"
#include "services/algorunner/strategy.hpp"

namespace tc::services {

// The strategy `name` with `parameters` (defaults filled in, as resolve_parameters gives them);
// `given` are the parameters as the request gave them. invalid_argument for parameters that
// contradict each other (slow_period <= fast_period, quantity and fraction both given);
// not_found for a name that is not built in.
Result<std::unique_ptr<Strategy>> make_algorithm(std::string_view name,
                                                 const json::object& parameters,
                                                 const json::object& given);

}  // namespace tc::services
