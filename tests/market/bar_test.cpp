#include "market/bar.hpp"

#include <gtest/gtest.h>

#include <map>

#include "core/time_parse.hpp"
#include "market/tick_validator.hpp"

namespace tc::market {
namespace {

TradeTick trade(int64_t ts, const char* price, const char* size, int id) {
  TradeTick t;
  t.instrument_id = {"ABC", "test"};
  t.price = *parse_decimal(price);
  t.size = *parse_decimal(size);
  t.trade_id = std::to_string(id);
  t.ts_event = ts;
  return t;
}

constexpr int64_t kSec = 1'000'000'000;

TEST(IntervalTest, ParsesTheElevenSpellingsOnly) {
  EXPECT_EQ(Interval::all().size(), 11u);
  for (Interval i : Interval::all()) EXPECT_EQ(Interval::parse(i.name()), i);
  EXPECT_EQ(Interval::parse("1m")->seconds(), 60);
  EXPECT_EQ(Interval::parse("4h")->seconds(), 14400);
  for (const char* bad : {"", "2m", "1M", "60", "1 m", "1w"}) {
    EXPECT_FALSE(Interval::parse(bad).has_value()) << bad;
  }
}

TEST(IntervalTest, OpenTimesAreUtcAlignedAlsoBefore1970) {
  Interval day = *Interval::parse("1d");
  int64_t noon = *parse_utc_time("2024-03-05T12:00:00Z");
  EXPECT_EQ(day.open_time(noon), *parse_utc_time("2024-03-05"));
  int64_t before = *parse_utc_time("1969-07-20T20:17:00Z");
  EXPECT_EQ(day.open_time(before), *parse_utc_time("1969-07-20"));
  EXPECT_EQ(Interval::parse("1h")->open_time(-1), -3600 * kSec);
  EXPECT_EQ(Interval::parse("1h")->open_time(0), 0);
}

TEST(BarAggregatorTest, FoldsTradesIntoBarsAndSkipsEmptyIntervals) {
  std::vector<TradeTick> ticks{
      trade(0 * kSec, "10.00", "1", 1),
      trade(10 * kSec, "10.50", "2", 2),
      trade(20 * kSec, "9.75", "1.5", 3),
      trade(59 * kSec, "10.25", "0.5", 4),
      // no trade in the second minute
      trade(125 * kSec, "11", "3", 5),
  };
  auto bars = resample(ticks, *Interval::parse("1m"));
  ASSERT_EQ(bars.size(), 2u);
  const Bar& b = bars[0];
  EXPECT_EQ(b.open_time, 0);
  EXPECT_EQ(to_string(b.open), "10");
  EXPECT_EQ(to_string(b.high), "10.5");
  EXPECT_EQ(to_string(b.low), "9.75");
  EXPECT_EQ(to_string(b.close), "10.25");
  EXPECT_EQ(to_string(b.volume), "5");
  EXPECT_EQ(b.trade_count, 4);
  EXPECT_DOUBLE_EQ(b.vwap, (10.0 * 1 + 10.5 * 2 + 9.75 * 1.5 + 10.25 * 0.5) / 5);
  EXPECT_EQ(bars[1].open_time, 120 * kSec);
  EXPECT_EQ(bars[1].trade_count, 1);
  for (const Bar& bar : bars) EXPECT_TRUE(validate(bar).is_ok());
}

TEST(BarAggregatorTest, BarsOfFinerBarsEqualBarsOfTheTrades) {
  std::vector<TradeTick> ticks;
  uint64_t h = 7;
  for (int i = 0; i < 3000; ++i) {
    h = h * 6364136223846793005ULL + 1442695040888963407ULL;
    int cents = 10000 + static_cast<int>((h >> 33) % 500);
    ticks.push_back(trade(i * 7 * kSec + static_cast<int64_t>(h % kSec),
                          (std::to_string(cents / 100) + "." + std::to_string(cents % 100 / 10) +
                           std::to_string(cents % 10))
                              .c_str(),
                          std::to_string(1 + (h >> 40) % 9).c_str(), i));
  }
  Interval hour = *Interval::parse("1h");
  auto direct = resample(ticks, hour);
  BarAggregator from_minutes(ticks.front().instrument_id, hour);
  std::vector<Bar> folded;
  for (const Bar& m : resample(ticks, *Interval::parse("1m"))) {
    if (auto b = from_minutes.add(m)) folded.push_back(*b);
  }
  if (auto b = from_minutes.flush()) folded.push_back(*b);
  ASSERT_EQ(folded.size(), direct.size());
  for (size_t i = 0; i < direct.size(); ++i) {
    EXPECT_EQ(folded[i].open, direct[i].open);
    EXPECT_EQ(folded[i].high, direct[i].high);
    EXPECT_EQ(folded[i].low, direct[i].low);
    EXPECT_EQ(folded[i].close, direct[i].close);
    EXPECT_EQ(folded[i].volume, direct[i].volume);
    EXPECT_EQ(folded[i].trade_count, direct[i].trade_count);
    EXPECT_NEAR(folded[i].vwap, direct[i].vwap, 1e-9 * direct[i].vwap);
  }
}

TEST(BarAggregatorTest, VolumeSumsSizesOfMixedScalesExactly) {
  std::vector<TradeTick> ticks{trade(1, "1", "0.1", 1), trade(2, "1", "0.02", 2),
                               trade(3, "1", "3", 3)};
  auto bars = resample(ticks, *Interval::parse("1s"));
  ASSERT_EQ(bars.size(), 1u);
  EXPECT_EQ(to_string(bars[0].volume), "3.12");
}

TEST(BarTest, ValidationRefusesInconsistentBars) {
  Bar bar = resample(std::vector<TradeTick>{trade(0, "2", "1", 1)}, *Interval::parse("1m"))[0];
  EXPECT_TRUE(validate(bar).is_ok());
  Bar b = bar;
  b.high = *parse_decimal("1");
  EXPECT_FALSE(validate(b).is_ok());
  b = bar;
  b.open_time = 5;
  EXPECT_FALSE(validate(b).is_ok());
  b = bar;
  b.low = Decimal{0, 0};
  EXPECT_FALSE(validate(b).is_ok());
}

TEST(TickValidatorTest, RefusesBadTradesWithReasonsAndCountsThem) {
  TickValidator v({"ABC"});
  EXPECT_TRUE(v.check(trade(100 * kSec, "1.5", "2", 1)).is_ok());
  EXPECT_FALSE(v.check(trade(100 * kSec, "0", "2", 2)).is_ok());
  EXPECT_FALSE(v.check(trade(100 * kSec, "-1", "2", 3)).is_ok());
  EXPECT_FALSE(v.check(trade(100 * kSec, "1", "0", 4)).is_ok());
  TradeTick unknown = trade(100 * kSec, "1", "1", 5);
  unknown.instrument_id.symbol = "XYZ";
  EXPECT_EQ(v.check(unknown).code(), StatusCode::kNotFound);
  TradeTick lower = trade(100 * kSec, "1", "1", 6);
  lower.instrument_id.symbol = "abc";
  EXPECT_FALSE(v.check(lower).is_ok());
  // A little out of order is a feed's jitter; far out of order is corruption.
  EXPECT_TRUE(v.check(trade(70 * kSec, "1", "1", 7)).is_ok());
  Status old = v.check(trade(30 * kSec, "1", "1", 8));
  EXPECT_NE(old.message().find("out of order"), std::string::npos);
  EXPECT_EQ(v.rejected(), 6);
  EXPECT_EQ(v.rejected_by_reason().at("price must be positive"), 2);
}

}  // namespace
}  // namespace tc::market
