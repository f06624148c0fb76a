#include "market/simulator.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <numeric>
#include <set>

#include "core/time_parse.hpp"

namespace tc::market {
namespace {

constexpr int64_t kDay = 86'400'000'000'000LL;

std::vector<TradeTick> trades(MarketSimulator& sim, const std::string& symbol, int64_t start,
                              int64_t end) {
  std::vector<TradeTick> out;
  Status s = sim.fetch_trades(symbol, {start, end}, [&](std::span<const TradeTick> page) {
    out.insert(out.end(), page.begin(), page.end());
    return true;
  });
  EXPECT_TRUE(s.is_ok()) << s.to_string();
  return out;
}

std::vector<Bar> bars(MarketSimulator& sim, const std::string& symbol, Interval interval,
                      int64_t start, int64_t end) {
  std::vector<Bar> out;
  Status s = sim.fetch_bars(symbol, interval, {start, end}, [&](std::span<const Bar> page) {
    out.insert(out.end(), page.begin(), page.end());
    return true;
  });
  EXPECT_TRUE(s.is_ok()) << s.to_string();
  return out;
}

class SimulatorTest : public ::testing::Test {
 protected:
  ManualClock clock_{*parse_utc_time("2024-06-01T12:00:00Z")};
};

TEST_F(SimulatorTest, UniverseHasFiveHundredReadableTickersAcrossElevenSectors) {
  MarketSimulator sim({42, 500}, clock_);
  const auto& u = sim.universe();
  ASSERT_EQ(u.size(), 500u);
  std::set<std::string> symbols, sectors;
  int crypto = 0;
  for (const Instrument& i : u) {
    EXPECT_TRUE(is_valid_symbol(i.id.symbol)) << i.id.symbol;
    EXPECT_LE(i.id.symbol.size(), 8u);
    EXPECT_EQ(i.id.source, "simulator");
    EXPECT_FALSE(i.name.empty());
    symbols.insert(i.id.symbol);
    sectors.insert(i.sector);
    crypto += i.asset_class == AssetClass::kCrypto;
  }
  EXPECT_EQ(symbols.size(), 500u);
  EXPECT_GE(sectors.size(), 10u);
  EXPECT_GT(crypto, 20);
  EXPECT_LT(crypto, 100);
}

TEST_F(SimulatorTest, SameSeedGivesTheSameMarketWheneverItIsGenerated) {
  MarketSimulator a({7, 24}, clock_);
  const std::string eq = a.universe()[1].id.symbol;
  int64_t day = *parse_utc_time("2024-05-14");
  auto first = trades(a, eq, day, day + kDay);
  ASSERT_GT(first.size(), 10u);
  // Another simulator that has walked other days first, and a later clock, give the same day.
  clock_.advance(std::chrono::hours(24 * 30));
  MarketSimulator b({7, 24}, clock_);
  trades(b, eq, *parse_utc_time("2001-01-01"), *parse_utc_time("2001-01-03"));
  EXPECT_EQ(trades(b, eq, day, day + kDay), first);
  // Split fetches add up to the whole.
  int64_t mid = first[first.size() / 2].ts_event;
  auto left = trades(b, eq, day, mid);
  auto right = trades(b, eq, mid, day + kDay);
  left.insert(left.end(), right.begin(), right.end());
  EXPECT_EQ(left, first);
  // Another seed, another market.
  MarketSimulator c({8, 24}, clock_);
  EXPECT_NE(trades(c, c.universe()[1].id.symbol, day, day + kDay), first);
}

TEST_F(SimulatorTest, BarsAreTheTradesAggregated) {
  MarketSimulator sim({42, 24}, clock_);
  const std::string crypto = sim.universe()[12].id.symbol;
  int64_t day = *parse_utc_time("2024-05-20");
  auto ticks = trades(sim, crypto, day, day + kDay);
  auto daily = bars(sim, crypto, *Interval::parse("1d"), day, day + kDay);
  ASSERT_EQ(daily.size(), 1u);
  EXPECT_EQ(daily[0], resample(ticks, *Interval::parse("1d"))[0]);
  auto minutes = bars(sim, crypto, *Interval::parse("5m"), day, day + kDay);
  EXPECT_EQ(minutes, resample(ticks, *Interval::parse("5m")));
}

TEST_F(SimulatorTest, NothingAfterNowAndNoBarInProgress) {
  MarketSimulator sim({42, 24}, clock_);
  const std::string crypto = sim.universe()[0].id.symbol;
  int64_t now = clock_.unix_nanos();
  auto ticks = trades(sim, crypto, now - 3600'000'000'000LL, now + kDay);
  ASSERT_FALSE(ticks.empty());
  EXPECT_LT(ticks.back().ts_event, now);
  auto hours = bars(sim, crypto, *Interval::parse("1h"), now - 5 * 3600'000'000'000LL, now + kDay);
  ASSERT_FALSE(hours.empty());
  EXPECT_LE(hours.back().open_time + 3600'000'000'000LL, now);
}

TEST_F(SimulatorTest, EquitiesTradeOnWeekdaysInTheSessionAndCryptoEveryDay) {
  MarketSimulator sim({42, 24}, clock_);
  const std::string equity = sim.universe()[1].id.symbol;
  const std::string crypto = sim.universe()[0].id.symbol;
  int64_t saturday = *parse_utc_time("2024-05-18");
  EXPECT_TRUE(trades(sim, equity, saturday, saturday + 2 * kDay).empty());
  EXPECT_FALSE(trades(sim, crypto, saturday, saturday + kDay).empty());
  auto monday = trades(sim, equity, saturday + 2 * kDay, saturday + 3 * kDay);
  ASSERT_FALSE(monday.empty());
  EXPECT_GE(monday.front().ts_event, *parse_utc_time("2024-05-20T14:30:00Z"));
  EXPECT_LT(monday.back().ts_event, *parse_utc_time("2024-05-20T21:00:00Z"));
}

TEST_F(SimulatorTest, TradesAreValidWithDenseIdsAcrossDays) {
  MarketSimulator sim({42, 24}, clock_);
  for (size_t index : {0, 1, 13}) {
    const Instrument& inst = sim.universe()[index];
    int64_t day = *parse_utc_time("2024-05-16");
    auto ticks = trades(sim, inst.id.symbol, day, day + 5 * kDay);
    ASSERT_GT(ticks.size(), 100u);
    int64_t previous_id = std::stoll(ticks.front().trade_id) - 1;
    int64_t previous_ts = ticks.front().ts_event;
    for (const TradeTick& t : ticks) {
      ASSERT_TRUE(validate(t).is_ok()) << validate(t).to_string();
      EXPECT_EQ(std::stoll(t.trade_id), previous_id + 1);
      EXPECT_GE(t.ts_event, previous_ts);
      EXPECT_EQ(t.price.scale, inst.price_precision);
      EXPECT_EQ(t.size.scale, inst.size_precision);
      previous_id = std::stoll(t.trade_id);
      previous_ts = t.ts_event;
    }
  }
}

struct Moments {
  double mean = 0, sd = 0;
};

Moments moments(const std::vector<double>& x) {
  Moments m;
  m.mean = std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
  double v = 0;
  for (double e : x) v += (e - m.mean) * (e - m.mean);
  m.sd = std::sqrt(v / static_cast<double>(x.size()));
  return m;
}

double correlation(const std::vector<double>& a, const std::vector<double>& b) {
  Moments ma = moments(a), mb = moments(b);
  double c = 0;
  for (size_t i = 0; i < a.size(); ++i) c += (a[i] - ma.mean) * (b[i] - mb.mean);
  return c / static_cast<double>(a.size()) / (ma.sd * mb.sd);
}

TEST_F(SimulatorTest, ReturnsHaveFatTailsClusteredVolatilityAndSectorCorrelation) {
  MarketSimulator sim({42, 36}, clock_);
  int64_t start = *parse_utc_time("2021-06-01");
  int64_t end = *parse_utc_time("2024-06-01");
  std::map<int64_t, int> day_count;
  std::vector<std::vector<double>> returns;
  std::vector<std::string> sectors;
  for (const Instrument& inst : sim.universe()) {
    if (inst.asset_class != AssetClass::kEquity) continue;
    auto daily = bars(sim, inst.id.symbol, *Interval::parse("1d"), start, end);
    ASSERT_GT(daily.size(), 700u);
    std::vector<double> r;
    for (size_t i = 1; i < daily.size(); ++i) {
      r.push_back(std::log(daily[i].close.to_double() / daily[i - 1].close.to_double()));
    }
    returns.push_back(std::move(r));
    sectors.push_back(inst.sector);
  }
  // Every equity trades the same days, so the series line up.
  for (const auto& r : returns) ASSERT_EQ(r.size(), returns[0].size());

  std::vector<double> kurtosis, abs_autocorrelation;
  for (const auto& r : returns) {
    Moments m = moments(r);
    double k = 0;
    for (double e : r) k += std::pow((e - m.mean) / m.sd, 4);
    kurtosis.push_back(k / static_cast<double>(r.size()));
    std::vector<double> a(r.size());
    for (size_t i = 0; i < r.size(); ++i) a[i] = std::fabs(r[i]);
    abs_autocorrelation.push_back(correlation(std::vector<double>(a.begin(), a.end() - 1),
                                              std::vector<double>(a.begin() + 1, a.end())));
  }
  std::sort(kurtosis.begin(), kurtosis.end());
  EXPECT_GT(kurtosis[kurtosis.size() / 2], 3.5);
  EXPECT_GT(moments(abs_autocorrelation).mean, 0.05);

  double within = 0, across = 0;
  int n_within = 0, n_across = 0;
  for (size_t i = 0; i < returns.size(); ++i) {
    for (size_t j = i + 1; j < returns.size(); ++j) {
      double c = correlation(returns[i], returns[j]);
      if (sectors[i] == sectors[j]) {
        within += c;
        ++n_within;
      } else {
        across += c;
        ++n_across;
      }
    }
  }
  ASSERT_GT(n_within, 0);
  EXPECT_GT(within / n_within, across / n_across + 0.1);
  // Prices stay in a realistic range.
  for (const Instrument& inst : sim.universe()) {
    auto d = bars(sim, inst.id.symbol, *Interval::parse("1d"), end - 5 * kDay, end);
    ASSERT_FALSE(d.empty());
    EXPECT_GT(d.back().close.to_double(), 0.001);
    EXPECT_LT(d.back().close.to_double(), 1e6);
  }
}

TEST_F(SimulatorTest, LiveFeedDeliversTheTradesAFetchReturnsLater) {
  SystemClock wall;
  MarketSimulator sim({42, 24}, wall);
  const std::string liquid = sim.universe()[0].id.symbol;
  std::mutex mu;
  std::vector<TradeTick> live;
  int64_t from = wall.unix_nanos();
  {
    auto sub = sim.subscribe({liquid}, [&](const TradeTick& t) {
      std::lock_guard lock(mu);
      live.push_back(t);
    });
    ASSERT_TRUE(sub.is_ok());
    for (int i = 0; i < 200; ++i) {
      {
        std::lock_guard lock(mu);
        if (!live.empty()) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  std::lock_guard lock(mu);
  ASSERT_GE(live.size(), 1u) << "no live trade in 10 s";
  auto fetched = trades(sim, liquid, from, live.back().ts_event + 1);
  ASSERT_GE(fetched.size(), live.size());
  EXPECT_EQ(std::vector<TradeTick>(fetched.end() - static_cast<long>(live.size()), fetched.end()),
            live);
  EXPECT_EQ(sim.subscribe({"NOPE"}, [](const TradeTick&) {}).status().code(),
            StatusCode::kNotFound);
}

}  // namespace
}  // namespace tc::market
