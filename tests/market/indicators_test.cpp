#include "market/indicators.hpp"

#include <gtest/gtest.h>

#include <random>

#include "market/reference_indicators.hpp"

namespace tc::market {
namespace {

namespace ref = reference;
using Series = std::vector<double>;

// A random walk with the daily range and volume of a stock, positive throughout.
struct Bars {
  Series open, high, low, close, volume;
};

Bars random_bars(size_t n, uint32_t seed, double start = 100) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> step(0, 0.02);
  std::uniform_real_distribution<double> unit(0, 1);
  Bars b;
  double price = start;
  for (size_t i = 0; i < n; ++i) {
    double open = price;
    price *= std::exp(step(rng));
    double high = std::max(open, price) * (1 + 0.01 * unit(rng));
    double low = std::min(open, price) * (1 - 0.01 * unit(rng));
    b.open.push_back(open);
    b.high.push_back(high);
    b.low.push_back(low);
    b.close.push_back(price);
    b.volume.push_back(std::round(1000 + 9000 * unit(rng)));
  }
  return b;
}

// The same values where both exist, and missing at the same bars.
void expect_series_eq(const Series& expected, const Series& actual, double tolerance = 1e-9) {
  ASSERT_EQ(expected.size(), actual.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    if (std::isnan(expected[i])) {
      EXPECT_TRUE(std::isnan(actual[i])) << "bar " << i << " should be missing, got " << actual[i];
    } else {
      double scale = std::max(1.0, std::abs(expected[i]));
      EXPECT_NEAR(expected[i], actual[i], tolerance * scale) << "bar " << i;
    }
  }
}

size_t first_present(const Series& x) {
  size_t i = 0;
  while (i < x.size() && std::isnan(x[i])) ++i;
  return i;
}

class IndicatorsTest : public ::testing::Test {
 protected:
  Bars bars_ = random_bars(600, 7);
};

TEST_F(IndicatorsTest, MovingAveragesMatchTheirDefinitions) {
  for (int n : {1, 2, 5, 20, 200}) {
    SCOPED_TRACE(n);
    expect_series_eq(ref::sma(bars_.close, n), sma(bars_.close, n));
    expect_series_eq(ref::ema(bars_.close, n), ema(bars_.close, n));
    expect_series_eq(ref::wma(bars_.close, n), wma(bars_.close, n));
    EXPECT_EQ(first_present(sma(bars_.close, n)), static_cast<size_t>(n - 1));
    EXPECT_EQ(first_present(ema(bars_.close, n)), static_cast<size_t>(n - 1));
  }
}

TEST_F(IndicatorsTest, RsiIsWildersSeededWithTheSimpleAverage) {
  for (int n : {2, 14, 50}) {
    SCOPED_TRACE(n);
    Series r = rsi(bars_.close, n);
    expect_series_eq(ref::rsi(bars_.close, n), r);
    EXPECT_EQ(first_present(r), static_cast<size_t>(n));  // TA-Lib's lookback
  }
  // A series that only rises has no losses: RSI 100; a flat one has neither: 0, as TA-Lib.
  EXPECT_DOUBLE_EQ(rsi(Series{1, 2, 3, 4}, 3)[3], 100);
  EXPECT_DOUBLE_EQ(rsi(Series{5, 5, 5, 5}, 3)[3], 0);
}

TEST_F(IndicatorsTest, MacdAlignsItsAveragesAsTaLibDoes) {
  auto values = macd(bars_.close, 12, 26, 9);
  ref::Macd expected = ref::macd(bars_.close, 12, 26, 9);
  Series line, signal, histogram;
  for (const MacdValue& v : values) {
    line.push_back(v.macd);
    signal.push_back(v.signal);
    histogram.push_back(v.histogram);
  }
  expect_series_eq(expected.line, line);
  expect_series_eq(expected.signal, signal);
  expect_series_eq(expected.histogram, histogram);
  EXPECT_EQ(first_present(line), 33u);  // 26 - 1 + 9 - 1
  // Periods given the wrong way round are swapped, as TA-Lib does.
  EXPECT_EQ(macd(bars_.close, 26, 12, 9)[100].macd, values[100].macd);
}

TEST_F(IndicatorsTest, BandsAndDeviationUseThePopulationStandardDeviation) {
  auto bands = bollinger(bars_.close, 20, 2);
  Series mid = ref::sma(bars_.close, 20), sd = ref::stddev(bars_.close, 20);
  Series upper, middle, lower, expected_upper, expected_lower;
  for (size_t i = 0; i < bands.size(); ++i) {
    upper.push_back(bands[i].upper);
    middle.push_back(bands[i].middle);
    lower.push_back(bands[i].lower);
    expected_upper.push_back(mid[i] + 2 * sd[i]);
    expected_lower.push_back(mid[i] - 2 * sd[i]);
  }
  expect_series_eq(mid, middle);
  expect_series_eq(expected_upper, upper);
  expect_series_eq(expected_lower, lower);
  expect_series_eq(sd, stddev(bars_.close, 20));
}

TEST_F(IndicatorsTest, StandardDeviationStaysExactAtHighPriceLevels) {
  // A sum-of-squares formula loses every digit here; two passes over the window do not.
  Series x;
  for (int i = 0; i < 50; ++i) x.push_back(1e9 + (i % 3) * 0.001);
  expect_series_eq(ref::stddev(x, 10), stddev(x, 10), 1e-6);
  EXPECT_GT(stddev(x, 10).back(), 0);
}

TEST_F(IndicatorsTest, AtrAndStochasticFollowHighLowAndClose) {
  for (int n : {1, 14}) {
    SCOPED_TRACE(n);
    Series a = atr(bars_.high, bars_.low, bars_.close, n);
    expect_series_eq(ref::atr(bars_.high, bars_.low, bars_.close, n), a);
    EXPECT_EQ(first_present(a), static_cast<size_t>(n));
  }
  auto values = stochastic(bars_.high, bars_.low, bars_.close, 14, 3, 3);
  ref::Stochastic expected = ref::stochastic(bars_.high, bars_.low, bars_.close, 14, 3, 3);
  Series k, d;
  for (const auto& v : values) {
    k.push_back(v.k);
    d.push_back(v.d);
  }
  expect_series_eq(expected.k, k);
  expect_series_eq(expected.d, d);
  EXPECT_EQ(first_present(k), 17u);  // 13 + 2 + 2
}

TEST_F(IndicatorsTest, ChangesAndExtremesMatchTheirDefinitions) {
  for (int n : {1, 10, 252}) {
    SCOPED_TRACE(n);
    expect_series_eq(ref::roc(bars_.close, n), roc(bars_.close, n));
    expect_series_eq(ref::momentum(bars_.close, n), momentum(bars_.close, n));
    expect_series_eq(ref::highest(bars_.high, n), highest(bars_.high, n));
    expect_series_eq(ref::lowest(bars_.low, n), lowest(bars_.low, n));
    expect_series_eq(ref::vwap(bars_.close, bars_.volume, n),
                     rolling_vwap(bars_.close, bars_.volume, n));
  }
  EXPECT_DOUBLE_EQ(roc(Series{50, 60}, 1)[1], 20);  // percent, as TA-Lib's ROC
}

TEST_F(IndicatorsTest, CrossesLookBackToTheLastNonZeroDifference) {
  Series fast = sma(bars_.close, 10), slow = sma(bars_.close, 30);
  expect_series_eq(ref::cross(fast, slow, true), crossover(fast, slow));
  expect_series_eq(ref::cross(fast, slow, false), crossunder(fast, slow));
  // Touching and staying equal is not a cross; leaving upwards after a touch from below is.
  Series a{1, 2, 2, 3, 2, 2, 1};
  Series b{2, 2, 2, 2, 2, 2, 2};
  Series expected_over{0, 0, 0, 1, 0, 0, 0};
  Series expected_under{0, 0, 0, 0, 0, 0, 1};
  expect_series_eq(expected_over, crossover(a, b));
  expect_series_eq(expected_under, crossunder(a, b));
  // The first bar where both sides exist cannot be a cross: nothing came before it.
  Series c = crossover(Series{ref::kNaN, 3}, Series{ref::kNaN, 1});
  EXPECT_TRUE(std::isnan(c[0]));
  EXPECT_EQ(c[1], 0);
}

TEST_F(IndicatorsTest, WindowsAreMissingWhileTheyHoldAMissingValue) {
  Series x{1, 2, ref::kNaN, 4, 5, 6, 7};
  Series s = sma(x, 2);
  EXPECT_TRUE(std::isnan(s[2]));
  EXPECT_TRUE(std::isnan(s[3]));
  EXPECT_DOUBLE_EQ(s[4], 4.5);
  EXPECT_TRUE(std::isnan(highest(x, 3)[4]));
  EXPECT_DOUBLE_EQ(highest(x, 3)[5], 6);
}

TEST_F(IndicatorsTest, RecursiveIndicatorsWarmUpAgainAfterAMissingValue) {
  // ema(rsi(...)) seeds over the RSI's first values, as TA-Lib starts at the input's first value.
  Series r = rsi(bars_.close, 14);
  Series e = ema(r, 5);
  EXPECT_EQ(first_present(e), 14u + 4u);
  Series tail(r.begin() + 14, r.end());
  Series expected_tail = ref::ema(tail, 5);
  expect_series_eq(expected_tail, Series(e.begin() + 14, e.end()));
}

TEST_F(IndicatorsTest, IncrementalAndBatchFormsAgree) {
  Sma sma_state(20);
  Rsi rsi_state(14);
  Series batch_sma = sma(bars_.close, 20), batch_rsi = rsi(bars_.close, 14);
  for (size_t i = 0; i < bars_.close.size(); ++i) {
    double s = sma_state.update(bars_.close[i]);
    double r = rsi_state.update(bars_.close[i]);
    if (std::isnan(batch_sma[i])) {
      EXPECT_TRUE(std::isnan(s));
    } else {
      EXPECT_EQ(batch_sma[i], s);
    }
    if (std::isnan(batch_rsi[i])) {
      EXPECT_TRUE(std::isnan(r));
    } else {
      EXPECT_EQ(batch_rsi[i], r);
    }
  }
}

TEST_F(IndicatorsTest, MovingAverageDoesNotDriftOverLongSeries) {
  // Two million values far from zero: a plain running sum drifts by many ulps; the compensated
  // one stays within a few of the window's exact mean.
  std::mt19937 rng(3);
  std::uniform_real_distribution<double> noise(-1, 1);
  Sma state(50);
  Series window;
  double last = 0;
  for (int i = 0; i < 2'000'000; ++i) {
    double x = 1e8 + noise(rng) * 1e-3 + (i % 7) * 1e5;
    last = state.update(x);
    window.push_back(x);
    if (window.size() > 50) window.erase(window.begin());
  }
  double exact = ref::mean(window, 0, 49);
  EXPECT_NEAR(exact, last, 1e-15 * exact * 8);
}

}  // namespace
}  // namespace tc::market
