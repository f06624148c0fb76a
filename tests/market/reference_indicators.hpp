// Indicators written straight from their textbook definitions, one output at a time and without
// running state: the independent computation the incremental indicators and the filter language
// are checked against. Slow on purpose (each value recomputed from its window); for tests only.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

namespace tc::market::reference {

inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
using Series = std::vector<double>;

inline double mean(const Series& x, int from, int to) {  // [from, to]
  long double sum = 0;
  for (int j = from; j <= to; ++j) sum += x[j];
  return static_cast<double>(sum / (to - from + 1));
}

inline Series sma(const Series& x, int n) {
  Series out(x.size(), kNaN);
  for (int i = n - 1; i < static_cast<int>(x.size()); ++i) out[i] = mean(x, i - n + 1, i);
  return out;
}

// EMA from its first value on: the first is the mean of the `n` values ending at `start`.
inline Series ema_from(const Series& x, int n, int start) {
  Series out(x.size(), kNaN);
  double alpha = 2.0 / (n + 1);
  if (start >= static_cast<int>(x.size())) return out;
  out[start] = mean(x, start - n + 1, start);
  for (int i = start + 1; i < static_cast<int>(x.size()); ++i) {
    out[i] = alpha * x[i] + (1 - alpha) * out[i - 1];
  }
  return out;
}

inline Series ema(const Series& x, int n) { return ema_from(x, n, n - 1); }

inline Series wma(const Series& x, int n) {
  Series out(x.size(), kNaN);
  for (int i = n - 1; i < static_cast<int>(x.size()); ++i) {
    long double num = 0;
    for (int w = 1; w <= n; ++w) num += static_cast<long double>(w) * x[i - n + w];
    out[i] = static_cast<double>(num / (n * (n + 1) / 2.0L));
  }
  return out;
}

// Wilder: RS = average gain / average loss; RSI = 100 - 100 / (1 + RS).
inline Series rsi(const Series& x, int n) {
  Series out(x.size(), kNaN);
  double gain = 0, loss = 0;
  for (int i = 1; i < static_cast<int>(x.size()); ++i) {
    double d = x[i] - x[i - 1];
    double g = std::max(d, 0.0), l = std::max(-d, 0.0);
    if (i <= n) {
      gain += g / n;
      loss += l / n;
      if (i < n) continue;
    } else {
      gain = (gain * (n - 1) + g) / n;
      loss = (loss * (n - 1) + l) / n;
    }
    out[i] = loss == 0 ? (gain == 0 ? 0 : 100) : 100 - 100 / (1 + gain / loss);
  }
  return out;
}

inline double population_stddev(const Series& x, int from, int to) {
  double m = mean(x, from, to);
  long double sq = 0;
  for (int j = from; j <= to; ++j) sq += (x[j] - m) * (x[j] - m);
  return std::sqrt(static_cast<double>(sq / (to - from + 1)));
}

inline Series stddev(const Series& x, int n) {
  Series out(x.size(), kNaN);
  for (int i = n - 1; i < static_cast<int>(x.size()); ++i) {
    out[i] = population_stddev(x, i - n + 1, i);
  }
  return out;
}

inline Series highest(const Series& x, int n) {
  Series out(x.size(), kNaN);
  for (int i = n - 1; i < static_cast<int>(x.size()); ++i) {
    out[i] = *std::max_element(x.begin() + i - n + 1, x.begin() + i + 1);
  }
  return out;
}

inline Series lowest(const Series& x, int n) {
  Series out(x.size(), kNaN);
  for (int i = n - 1; i < static_cast<int>(x.size()); ++i) {
    out[i] = *std::min_element(x.begin() + i - n + 1, x.begin() + i + 1);
  }
  return out;
}

inline Series roc(const Series& x, int n) {
  Series out(x.size(), kNaN);
  for (int i = n; i < static_cast<int>(x.size()); ++i) out[i] = (x[i] - x[i - n]) / x[i - n] * 100;
  return out;
}

inline Series momentum(const Series& x, int n) {
  Series out(x.size(), kNaN);
  for (int i = n; i < static_cast<int>(x.size()); ++i) out[i] = x[i] - x[i - n];
  return out;
}

inline Series true_range(const Series& h, const Series& l, const Series& c) {
  Series out(c.size(), kNaN);
  for (int i = 1; i < static_cast<int>(c.size()); ++i) {
    out[i] = std::max({h[i] - l[i], std::abs(h[i] - c[i - 1]), std::abs(l[i] - c[i - 1])});
  }
  return out;
}

inline Series atr(const Series& h, const Series& l, const Series& c, int n) {
  Series tr = true_range(h, l, c);
  Series out(c.size(), kNaN);
  if (static_cast<int>(c.size()) <= n) return out;
  out[n] = mean(tr, 1, n);
  for (int i = n + 1; i < static_cast<int>(c.size()); ++i) {
    out[i] = (out[i - 1] * (n - 1) + tr[i]) / n;
  }
  return out;
}

struct Macd {
  Series line, signal, histogram;
};

// TA-Lib's alignment: both EMAs start at bar slow - 1; outputs start with the signal.
inline Macd macd(const Series& x, int fast, int slow, int signal) {
  Series f = ema_from(x, fast, slow - 1), s = ema_from(x, slow, slow - 1);
  Series line(x.size(), kNaN);
  for (size_t i = slow - 1; i < x.size(); ++i) line[i] = f[i] - s[i];
  Macd out{Series(x.size(), kNaN), Series(x.size(), kNaN), Series(x.size(), kNaN)};
  int first = slow - 1 + signal - 1;
  if (first >= static_cast<int>(x.size())) return out;
  double alpha = 2.0 / (signal + 1);
  double sig = mean(line, slow - 1, first);
  for (int i = first; i < static_cast<int>(x.size()); ++i) {
    if (i > first) sig = alpha * line[i] + (1 - alpha) * sig;
    out.line[i] = line[i];
    out.signal[i] = sig;
    out.histogram[i] = line[i] - sig;
  }
  return out;
}

struct Stochastic {
  Series k, d;
};

inline Stochastic stochastic(const Series& h, const Series& l, const Series& c, int kp, int ks,
                             int dp) {
  Series hh = highest(h, kp), ll = lowest(l, kp);
  Series raw(c.size(), kNaN);
  for (size_t i = kp - 1; i < c.size(); ++i) {
    raw[i] = hh[i] > ll[i] ? (c[i] - ll[i]) / (hh[i] - ll[i]) * 100 : 0;
  }
  Series k(c.size(), kNaN), d(c.size(), kNaN);
  for (int i = kp - 1 + ks - 1; i < static_cast<int>(c.size()); ++i)
    k[i] = mean(raw, i - ks + 1, i);
  Stochastic out{Series(c.size(), kNaN), Series(c.size(), kNaN)};
  for (int i = kp - 1 + ks - 1 + dp - 1; i < static_cast<int>(c.size()); ++i) {
    out.k[i] = k[i];
    out.d[i] = mean(k, i - dp + 1, i);
  }
  return out;
}

inline Series vwap(const Series& price, const Series& volume, int n) {
  Series out(price.size(), kNaN);
  for (int i = n - 1; i < static_cast<int>(price.size()); ++i) {
    long double pv = 0, v = 0;
    for (int j = i - n + 1; j <= i; ++j) {
      pv += static_cast<long double>(price[j]) * volume[j];
      v += volume[j];
    }
    out[i] = static_cast<double>(pv / v);
  }
  return out;
}

// 1 where a - b > 0 and, looking back, the first non-zero difference is negative.
inline Series cross(const Series& a, const Series& b, bool over) {
  Series out(a.size(), kNaN);
  for (int i = 0; i < static_cast<int>(a.size()); ++i) {
    if (std::isnan(a[i]) || std::isnan(b[i])) continue;
    double d = a[i] - b[i];
    int previous = 0;
    for (int j = i - 1; j >= 0 && previous == 0; --j) {
      if (std::isnan(a[j]) || std::isnan(b[j])) continue;
      double dj = a[j] - b[j];
      previous = dj > 0 ? 1 : dj < 0 ? -1 : 0;
    }
    out[i] = over ? (d > 0 && previous < 0) : (d < 0 && previous > 0);
  }
  return out;
}

}  // namespace tc::market::reference
