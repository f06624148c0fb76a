// Compiling expressions (expression.hpp) into a plan, and evaluating the plan over a universe.
//
// ExpressionCompiler resolves names, checks types and merges what several expressions share:
// `sma(close, 50)` written in a filter, a returned field and a sort key is one operation of the
// plan, computed once per instrument. Each operation computes only the bars the outputs need:
// `close > sma(close, 200)` at the newest bar reads 200 closes, while a recursive indicator
// (EMA, RSI, ATR, MACD) or a crossover runs over the whole stored series, as TA-Lib does.
//
// Types: a number, a condition (true, false or unknown) and text. Missing values follow SQL's
// three-valued logic: arithmetic and comparisons with a missing value are missing (unknown);
// `false and unknown` is false, `true or unknown` is true, `not unknown` is unknown; only true
// selects. Division by zero is missing. Conditions are evaluated as 1, 0 or NaN.
//
// Names:
//   bar fields (numbers): open high low close volume vwap (the bar's own VWAP)
//   instrument fields (text): symbol sector asset_class
//   functions (series first; periods are whole numbers; defaults in brackets):
//     sma ema wma (x, n)   rsi(x, n[14])   stddev(x, n)   roc(x, n[10])   pct_change(x, n[1])
//     highest lowest (x, n)       momentum mom (x, n[10])
//     macd macd_signal macd_hist (x, fast[12], slow[26], signal[9])
//     bb_upper bb_lower (x, n[20], k[2])   bb_middle(x, n[20])
//     atr(n[14])   stoch_k stoch_d (k[14], smooth[3], d[3])   vwap(n)   (over the bar fields)
//     dist_high(n) dist_low(n): percent from the n-bar high of highs (low of lows) to the close
//     crossover crossunder (a, b)   abs(x)   min max (a, b)
// indicators.hpp defines each indicator, its units and its warm-up.
//
// A plan is immutable once built and may be evaluated from several threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"
#include "market/bar_series.hpp"
#include "market/expression.hpp"

namespace tc::market {

enum class ValueType { kNumber, kCondition, kText };
// "a number", "a condition", "text".
std::string_view value_type_name(ValueType type);

namespace plan_detail {
struct Operation;
}

class ExpressionPlan {
 public:
  struct Target {
    const BarSeries* series;
    size_t bar;  // the bar to evaluate at: an index into the series
  };

  ExpressionPlan();
  ExpressionPlan(ExpressionPlan&&) noexcept;
  ExpressionPlan& operator=(ExpressionPlan&&) noexcept;
  ~ExpressionPlan();

  size_t outputs() const { return outputs_.size(); }
  ValueType output_type(size_t output) const;
  // Distinct operations in the plan (bar fields and constants included).
  size_t operations() const;

  // Every output at each target's bar: values[target * outputs() + output]. NaN is missing.
  // invalid_argument when the evaluation runs past the limits' evaluation time. With `threads`
  // above 1, a universe of several thousand targets is split among that many threads (the
  // caller's and threads of its own, joined before it returns).
  Result<std::vector<double>> evaluate(std::span<const Target> targets, int threads = 1) const;

  // Every output at every bar of `series`, oldest first (what a rule strategy reads as it
  // steps through a backtest). Each value depends on its bar and the bars before it only.
  std::vector<std::vector<double>> evaluate_series(const BarSeries& series) const;

  // Fewer targets than this per thread are evaluated on fewer threads: a thread costs more than
  // it saves on small universes.
  static constexpr size_t kTargetsPerThread = 1000;

 private:
  friend class ExpressionCompiler;
  struct Scratch;
  // With `every_bar`, every operation computes every bar up to the target's; `out` may be null.
  void evaluate_one(const Target& target, Scratch& scratch, double* out,
                    bool every_bar = false) const;

  std::vector<plan_detail::Operation> operations_;
  std::vector<int> outputs_;  // operation index of each output
  ExpressionLimits limits_;
};

class ExpressionCompiler {
 public:
  explicit ExpressionCompiler(ExpressionLimits limits = {});

  // Parses and checks `text` and adds it as the plan's next output. Returns the output's index,
  // or invalid_argument naming the position of the first error; on error nothing is added.
  Result<size_t> add(std::string_view text);
  // As add(), refusing an expression that is not of type `type`.
  Result<size_t> add(std::string_view text, ValueType type);

  // The plan of everything added. The compiler is empty afterwards.
  ExpressionPlan build();

 private:
  class Session;
  ExpressionPlan plan_;
  std::map<std::string, int> by_key_;  // canonical form -> operation, to share operations
};

}  // namespace tc::market
