// Technical indicators over bar series, as TA-Lib defines them: the same formulas, units and
// warm-up periods, so that a value here can be checked against TA-Lib on the same data.
//
// Each indicator is an incremental state: feed it one bar's values at a time, oldest first, and
// it returns the indicator's value at that bar. The same state computes a whole stored series
// (the batch helpers below) and follows a live feed bar by bar, so both give the same numbers.
//
// A value that does not exist yet (inside the warm-up period) is missing: a quiet NaN, never
// zero. Missing inputs are handled as SQL handles NULL, with one rule per kind of indicator:
// - windowed ones (SMA, WMA, Bollinger, standard deviation, highest/lowest, VWAP) are missing
//   while their window holds a missing value; ROC and momentum when either value they compare is;
// - recursive ones (EMA, RSI, ATR, MACD) are missing at a missing input and warm up again
//   after it, since a recursion cannot step over a gap;
// - crossover/crossunder are missing when either side is missing, and skip missing bars when
//   looking back for the last non-zero difference.
//
// Warm-up ("lookback": how many bars before the first value), as TA-Lib's:
//   sma, ema, wma, highest, lowest, stddev, bollinger, vwap(n): n - 1
//   rsi, atr, roc, momentum: n          macd: slow - 1 + signal - 1
//   stochastic %K and %D: k - 1 + k_smooth - 1 + d - 1 (TA-Lib gives both from the same bar)
// Differences from TA-Lib, on purpose: a rate of change over a zero value is missing (TA-Lib
// writes 0), and RSI is 0 only when gains and losses are exactly zero (TA-Lib rounds sums under
// 1e-8 to zero, which is wrong for instruments priced under a millionth).
//
// None of these classes is thread-safe: one state per series.
#pragma once

#include <cmath>
#include <cstdint>
#include <deque>
#include <limits>
#include <span>
#include <vector>

namespace tc::market {

inline constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();
inline bool is_missing(double v) { return std::isnan(v); }

// A sum that does not drift: Neumaier's compensated summation. Adding and later subtracting
// the same values over millions of steps leaves the sum as exact as one pass over the window.
class CompensatedSum {
 public:
  void add(double x) {
    double t = sum_ + x;
    if (std::abs(sum_) >= std::abs(x)) {
      compensation_ += (sum_ - t) + x;
    } else {
      compensation_ += (x - t) + sum_;
    }
    sum_ = t;
  }
  double value() const { return sum_ + compensation_; }
  void clear() { sum_ = compensation_ = 0; }

 private:
  double sum_ = 0;
  double compensation_ = 0;
};

// The last `capacity` values of a series, oldest dropped first, with a count of the missing ones
// and a compensated sum of the present ones.
class RollingWindow {
 public:
  explicit RollingWindow(int capacity);

  void push(double x);
  // The capacity is filled and no value in it is missing.
  bool full() const { return size_ == capacity() && missing_ == 0; }
  // The capacity is filled, missing values or not.
  bool filled() const { return size_ == capacity(); }
  int size() const { return size_; }
  int capacity() const { return static_cast<int>(values_.size()); }
  double sum() const { return sum_.value(); }
  // The value `back` steps before the newest (0: the newest); back < size().
  double at(int back) const;

 private:
  std::vector<double> values_;
  int next_ = 0;  // where the next value goes
  int size_ = 0;
  int missing_ = 0;
  CompensatedSum sum_;
};

class Sma {
 public:
  explicit Sma(int period) : window_(period) {}
  double update(double x);

 private:
  RollingWindow window_;
};

// Exponential moving average, alpha = 2 / (period + 1), seeded with the simple average of its
// first `period` values.
class Ema {
 public:
  explicit Ema(int period) : period_(period), alpha_(2.0 / (period + 1)) {}
  double update(double x);
  bool ready() const { return count_ >= period_; }

 private:
  int period_;
  double alpha_;
  int count_ = 0;
  CompensatedSum seed_;
  double value_ = 0;
};

// Linearly weighted moving average: weights 1 (oldest) to period (newest).
class Wma {
 public:
  explicit Wma(int period) : window_(period) {}
  double update(double x);

 private:
  RollingWindow window_;
};

// Wilder's relative strength index, 0-100: average gain and loss seeded with the simple average
// of the first `period` changes, then smoothed by (previous * (period - 1) + change) / period.
class Rsi {
 public:
  explicit Rsi(int period)
      : period_(period), keep_((period - 1.0) / period), weight_(1.0 / period) {}
  double update(double x);

 private:
  int period_;
  double keep_, weight_;  // (period - 1) / period and 1 / period
  double previous_ = kMissing;
  int changes_ = 0;
  double gain_ = 0, loss_ = 0;  // sums while seeding, then the averages
};

struct MacdValue {
  double macd = kMissing, signal = kMissing, histogram = kMissing;
};

// MACD as TA-Lib computes it: the fast EMA starts at the slow EMA's first bar, seeded with the
// simple average of the `fast` values ending there; the signal is an EMA of the MACD line; all
// three outputs start when the signal does.
class Macd {
 public:
  Macd(int fast, int slow, int signal);
  MacdValue update(double x);

 private:
  int fast_period_, slow_period_;
  Ema fast_, slow_, signal_;
  int seen_ = 0;
};

struct BandsValue {
  double upper = kMissing, middle = kMissing, lower = kMissing;
};

// Bollinger bands: the simple average of `period` values, plus and minus `deviations` times
// their population standard deviation.
class Bollinger {
 public:
  Bollinger(int period, double deviations) : window_(period), deviations_(deviations) {}
  BandsValue update(double x);

 private:
  RollingWindow window_;
  double deviations_;
};

// The population standard deviation of the last `period` values (TA-Lib's STDDEV with one
// deviation), computed in two passes over the window so that it stays exact at any price level.
class StdDev {
 public:
  explicit StdDev(int period) : window_(period) {}
  double update(double x);

 private:
  RollingWindow window_;
};

// Average true range, Wilder-smoothed and seeded with the simple average of the first `period`
// true ranges (the first bar has none: it has no previous close).
class Atr {
 public:
  explicit Atr(int period)
      : period_(period), keep_((period - 1.0) / period), weight_(1.0 / period) {}
  double update(double high, double low, double close);

 private:
  int period_;
  double keep_, weight_;  // (period - 1) / period and 1 / period
  double previous_close_ = kMissing;
  int ranges_ = 0;
  double value_ = 0;  // the sum while seeding, then the average
};

// The highest (or lowest) of the last `period` values, the current one included.
class Extreme {
 public:
  enum class Kind { kHighest, kLowest };
  Extreme(Kind kind, int period) : kind_(kind), period_(period) {}
  double update(double x);

 private:
  bool dominates(double a, double b) const { return kind_ == Kind::kHighest ? a >= b : a <= b; }

  Kind kind_;
  int period_;
  int64_t index_ = -1;
  int64_t last_missing_ = std::numeric_limits<int64_t>::min() / 2;
  std::deque<std::pair<int64_t, double>> candidates_;  // index, value: decreasing dominance
};

struct StochasticValue {
  double k = kMissing, d = kMissing;
};

// Slow stochastic: raw %K = 100 * (close - lowest low) / (highest high - lowest low) over
// `k_period` bars (0 when the range is 0), %K its `k_smooth`-bar SMA, %D the `d_period`-bar SMA
// of %K; both from the first bar %D exists, as TA-Lib's STOCH gives them.
class Stochastic {
 public:
  Stochastic(int k_period, int k_smooth, int d_period)
      : highest_(Extreme::Kind::kHighest, k_period),
        lowest_(Extreme::Kind::kLowest, k_period),
        k_(k_smooth),
        d_(d_period) {}
  StochasticValue update(double high, double low, double close);

 private:
  Extreme highest_, lowest_;
  Sma k_, d_;
};

// Rate of change in percent: (x / x[period] - 1) * 100. Missing over a zero value.
class Roc {
 public:
  explicit Roc(int period) : window_(period + 1) {}
  double update(double x);

 private:
  RollingWindow window_;
};

// Momentum: x - x[period].
class Momentum {
 public:
  explicit Momentum(int period) : window_(period + 1) {}
  double update(double x);

 private:
  RollingWindow window_;
};

// Volume-weighted average price over the last `period` bars: sum(price * volume) / sum(volume),
// where price is each bar's own VWAP. Missing when the volume is zero.
class RollingVwap {
 public:
  explicit RollingVwap(int period) : notional_(period), volume_(period) {}
  double update(double price, double volume);

 private:
  RollingWindow notional_, volume_;
};

// crossover(a, b): a - b is above zero now and the last non-zero difference before this bar was
// below zero (crossunder mirrored). 1 for a cross, 0 for none, missing when a or b is.
class Cross {
 public:
  enum class Direction { kOver, kUnder };
  explicit Cross(Direction direction) : direction_(direction) {}
  double update(double a, double b);

 private:
  Direction direction_;
  int last_sign_ = 0;
};

// Batch helpers: the indicator over a whole series (values.size() outputs, oldest first).
std::vector<double> sma(std::span<const double> x, int period);
std::vector<double> ema(std::span<const double> x, int period);
std::vector<double> wma(std::span<const double> x, int period);
std::vector<double> rsi(std::span<const double> x, int period);
std::vector<double> stddev(std::span<const double> x, int period);
std::vector<double> highest(std::span<const double> x, int period);
std::vector<double> lowest(std::span<const double> x, int period);
std::vector<double> roc(std::span<const double> x, int period);
std::vector<double> momentum(std::span<const double> x, int period);
std::vector<double> atr(std::span<const double> high, std::span<const double> low,
                        std::span<const double> close, int period);
std::vector<MacdValue> macd(std::span<const double> x, int fast, int slow, int signal);
std::vector<BandsValue> bollinger(std::span<const double> x, int period, double deviations);
std::vector<StochasticValue> stochastic(std::span<const double> high, std::span<const double> low,
                                        std::span<const double> close, int k_period, int k_smooth,
                                        int d_period);
std::vector<double> rolling_vwap(std::span<const double> price, std::span<const double> volume,
                                 int period);
std::vector<double> crossover(std::span<const double> a, std::span<const double> b);
std::vector<double> crossunder(std::span<const double> a, std::span<const double> b);

}  // namespace tc::market
