#include "market/indicators.hpp"

#include <algorithm>

namespace tc::market {

RollingWindow::RollingWindow(int capacity) : values_(static_cast<size_t>(std::max(capacity, 1))) {}

void RollingWindow::push(double x) {
  if (size_ == capacity()) {
    double oldest = values_[next_];
    if (is_missing(oldest)) {
      --missing_;
    } else {
      sum_.add(-oldest);
    }
  } else {
    ++size_;
  }
  values_[next_] = x;
  if (is_missing(x)) {
    ++missing_;
  } else {
    sum_.add(x);
  }
  next_ = next_ + 1 == capacity() ? 0 : next_ + 1;
  // Once the window holds no value, restart the sum: compensation is exact only while bounded.
  if (missing_ == size_) sum_.clear();
}

double RollingWindow::at(int back) const {
  int i = next_ - 1 - back;
  if (i < 0) i += capacity();
  return values_[i];
}

double Sma::update(double x) {
  window_.push(x);
  return window_.full() ? window_.sum() / window_.capacity() : kMissing;
}

double Ema::update(double x) {
  if (is_missing(x)) {
    count_ = 0;
    seed_.clear();
    return kMissing;
  }
  if (count_ < period_) {
    seed_.add(x);
    if (++count_ < period_) return kMissing;
    value_ = seed_.value() / period_;
    return value_;
  }
  value_ = (x - value_) * alpha_ + value_;
  return value_;
}

double Wma::update(double x) {
  window_.push(x);
  if (!window_.full()) return kMissing;
  int n = window_.capacity();
  CompensatedSum weighted;
  for (int back = 0; back < n; ++back) weighted.add(window_.at(back) * (n - back));
  return weighted.value() / (n * (n + 1) / 2.0);
}

double Rsi::update(double x) {
  if (is_missing(x)) {
    previous_ = kMissing;
    changes_ = 0;
    gain_ = loss_ = 0;
    return kMissing;
  }
  if (is_missing(previous_)) {
    previous_ = x;
    return kMissing;
  }
  double change = x - previous_;
  previous_ = x;
  double gain = change > 0 ? change : 0;
  double loss = change < 0 ? -change : 0;
  if (changes_ < period_) {
    gain_ += gain;
    loss_ += loss;
    if (++changes_ < period_) return kMissing;
    gain_ /= period_;
    loss_ /= period_;
  } else {
    // Wilder's smoothing, (previous * (n - 1) + value) / n, with the division taken out of the
    // recursion: a division per bar would bound the speed of a whole screen.
    gain_ = gain_ * keep_ + gain * weight_;
    loss_ = loss_ * keep_ + loss * weight_;
  }
  double total = gain_ + loss_;
  return total == 0 ? 0 : 100 * gain_ / total;
}

Macd::Macd(int fast, int slow, int signal)
    : fast_period_(std::min(fast, slow)),
      slow_period_(std::max(fast, slow)),
      fast_(fast_period_),
      slow_(slow_period_),
      signal_(signal) {}

MacdValue Macd::update(double x) {
  if (is_missing(x)) {
    seen_ = 0;
    fast_ = Ema(fast_period_);
    slow_ = Ema(slow_period_);
    signal_.update(kMissing);
    return {};
  }
  ++seen_;
  double slow = slow_.update(x);
  // The fast EMA's seed ends where the slow one's does (TA-Lib's alignment).
  double fast = seen_ > slow_period_ - fast_period_ ? fast_.update(x) : kMissing;
  if (is_missing(slow) || is_missing(fast)) return {};
  double line = fast - slow;
  double signal = signal_.update(line);
  if (is_missing(signal)) return {};
  return {line, signal, line - signal};
}

namespace {

// The population standard deviation of a full window, in two passes.
double window_stddev(const RollingWindow& w, double mean) {
  CompensatedSum squares;
  for (int back = 0; back < w.capacity(); ++back) {
    double d = w.at(back) - mean;
    squares.add(d * d);
  }
  return std::sqrt(std::max(squares.value() / w.capacity(), 0.0));
}

}  // namespace

BandsValue Bollinger::update(double x) {
  window_.push(x);
  if (!window_.full()) return {};
  double mean = window_.sum() / window_.capacity();
  double width = deviations_ * window_stddev(window_, mean);
  return {mean + width, mean, mean - width};
}

double StdDev::update(double x) {
  window_.push(x);
  if (!window_.full()) return kMissing;
  return window_stddev(window_, window_.sum() / window_.capacity());
}

double Atr::update(double high, double low, double close) {
  if (is_missing(high) || is_missing(low) || is_missing(close)) {
    previous_close_ = kMissing;
    ranges_ = 0;
    value_ = 0;
    return kMissing;
  }
  if (is_missing(previous_close_)) {
    previous_close_ = close;
    return kMissing;
  }
  double range =
      std::max({high - low, std::abs(high - previous_close_), std::abs(low - previous_close_)});
  previous_close_ = close;
  if (ranges_ < period_) {
    value_ += range;
    if (++ranges_ < period_) return kMissing;
    value_ /= period_;
    return value_;
  }
  value_ = value_ * keep_ + range * weight_;
  return value_;
}

double Extreme::update(double x) {
  ++index_;
  if (is_missing(x)) {
    last_missing_ = index_;
  } else {
    while (!candidates_.empty() && dominates(x, candidates_.back().second)) {
      candidates_.pop_back();
    }
    candidates_.emplace_back(index_, x);
  }
  while (!candidates_.empty() && candidates_.front().first <= index_ - period_) {
    candidates_.pop_front();
  }
  if (index_ < period_ - 1 || index_ - last_missing_ < period_) return kMissing;
  return candidates_.front().second;
}

StochasticValue Stochastic::update(double high, double low, double close) {
  double hh = highest_.update(high);
  double ll = lowest_.update(low);
  double raw = kMissing;
  if (!is_missing(hh) && !is_missing(ll) && !is_missing(close)) {
    raw = hh - ll > 0 ? 100 * (close - ll) / (hh - ll) : 0;
  }
  double k = k_.update(raw);
  double d = d_.update(k);
  if (is_missing(d)) return {};
  return {k, d};
}

double Roc::update(double x) {
  window_.push(x);
  if (!window_.filled()) return kMissing;
  double base = window_.at(window_.capacity() - 1);
  return base == 0 || is_missing(base) || is_missing(x) ? kMissing : (x / base - 1) * 100;
}

double Momentum::update(double x) {
  window_.push(x);
  if (!window_.filled()) return kMissing;
  return x - window_.at(window_.capacity() - 1);  // missing when either is
}

double RollingVwap::update(double price, double volume) {
  notional_.push(price * volume);
  volume_.push(volume);
  if (!notional_.full() || !volume_.full() || volume_.sum() == 0) return kMissing;
  return notional_.sum() / volume_.sum();
}

double Cross::update(double a, double b) {
  if (is_missing(a) || is_missing(b)) return kMissing;
  double d = a - b;
  bool crossed = direction_ == Direction::kOver ? d > 0 && last_sign_ < 0 : d < 0 && last_sign_ > 0;
  if (d != 0) last_sign_ = d > 0 ? 1 : -1;
  return crossed ? 1 : 0;
}

namespace {

template <typename State>
std::vector<double> over(std::span<const double> x, State state) {
  std::vector<double> out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = state.update(x[i]);
  return out;
}

template <typename State>
std::vector<double> over(std::span<const double> a, std::span<const double> b, State state) {
  std::vector<double> out(std::min(a.size(), b.size()));
  for (size_t i = 0; i < out.size(); ++i) out[i] = state.update(a[i], b[i]);
  return out;
}

}  // namespace

std::vector<double> sma(std::span<const double> x, int period) { return over(x, Sma(period)); }
std::vector<double> ema(std::span<const double> x, int period) { return over(x, Ema(period)); }
std::vector<double> wma(std::span<const double> x, int period) { return over(x, Wma(period)); }
std::vector<double> rsi(std::span<const double> x, int period) { return over(x, Rsi(period)); }
std::vector<double> stddev(std::span<const double> x, int period) {
  return over(x, StdDev(period));
}
std::vector<double> highest(std::span<const double> x, int period) {
  return over(x, Extreme(Extreme::Kind::kHighest, period));
}
std::vector<double> lowest(std::span<const double> x, int period) {
  return over(x, Extreme(Extreme::Kind::kLowest, period));
}
std::vector<double> roc(std::span<const double> x, int period) { return over(x, Roc(period)); }
std::vector<double> momentum(std::span<const double> x, int period) {
  return over(x, Momentum(period));
}
std::vector<double> rolling_vwap(std::span<const double> price, std::span<const double> volume,
                                 int period) {
  return over(price, volume, RollingVwap(period));
}
std::vector<double> crossover(std::span<const double> a, std::span<const double> b) {
  return over(a, b, Cross(Cross::Direction::kOver));
}
std::vector<double> crossunder(std::span<const double> a, std::span<const double> b) {
  return over(a, b, Cross(Cross::Direction::kUnder));
}

std::vector<double> atr(std::span<const double> high, std::span<const double> low,
                        std::span<const double> close, int period) {
  Atr state(period);
  std::vector<double> out(close.size());
  for (size_t i = 0; i < close.size(); ++i) out[i] = state.update(high[i], low[i], close[i]);
  return out;
}

std::vector<MacdValue> macd(std::span<const double> x, int fast, int slow, int signal) {
  Macd state(fast, slow, signal);
  std::vector<MacdValue> out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = state.update(x[i]);
  return out;
}

std::vector<BandsValue> bollinger(std::span<const double> x, int period, double deviations) {
  Bollinger state(period, deviations);
  std::vector<BandsValue> out(x.size());
  for (size_t i = 0; i < x.size(); ++i) out[i] = state.update(x[i]);
  return out;
}

std::vector<StochasticValue> stochastic(std::span<const double> high, std::span<const double> low,
                                        std::span<const double> close, int k_period, int k_smooth,
                                        int d_period) {
  Stochastic state(k_period, k_smooth, d_period);
  std::vector<StochasticValue> out(close.size());
  for (size_t i = 0; i < close.size(); ++i) out[i] = state.update(high[i], low[i], close[i]);
  return out;
}

}  // namespace tc::market
