#include "sources/binance_source.hpp"

#include <gtest/gtest.h>

#include <set>

#include "support/fake_binance.hpp"

namespace tc::sources {
namespace {

TEST(BinanceParseTest, AnAggTradeKeepsEveryFieldExactly) {
  auto v = parse_json(
      R"({"a":26129,"p":"0.01633102","q":"4.70443515","f":27781,"l":27781,"T":1498793709153,"m":true,"M":true})");
  auto t = parse_agg_trade(*v, "BNBBTC", 0);
  ASSERT_TRUE(t.is_ok()) << t.status().to_string();
  EXPECT_EQ(t->trade_id, "26129");
  EXPECT_EQ(t->price.units, 1633102);
  EXPECT_EQ(t->price.scale, 8);
  EXPECT_EQ(market::to_string(t->size), "4.70443515");
  EXPECT_EQ(t->ts_event, 1498793709153LL * 1'000'000);
  EXPECT_EQ(t->aggressor_side, market::AggressorSide::kSeller);  // the buyer was the maker
  EXPECT_EQ(t->instrument_id, (market::InstrumentId{"BNBBTC", "binance"}));
  auto buyer = parse_agg_trade(*parse_json(R"({"a":1,"p":"1","q":"1","T":1,"m":false})"), "X", 0);
  EXPECT_EQ(buyer->aggressor_side, market::AggressorSide::kBuyer);
  for (const char* bad :
       {R"({"a":1,"p":1.5,"q":"1","T":1,"m":false})", R"({"a":1,"p":"1","q":"1","T":1})",
        R"({"a":"x","p":"1","q":"1","T":1,"m":true})", R"([1,2])"}) {
    EXPECT_FALSE(parse_agg_trade(*parse_json(bad), "X", 0).is_ok()) << bad;
  }
}

TEST(BinanceParseTest, AKlineBecomesABarWithItsVwap) {
  auto v = parse_json(
      R"([1499040000000,"0.01634790","0.80000000","0.01575800","0.01577100","148976.11427815",1499644799999,"2434.19055334",308,"1756.87402397","28.46694368","0"])");
  auto b = parse_kline(*v, "LTCBTC", *market::Interval::parse("1d"));
  ASSERT_TRUE(b.is_ok()) << b.status().to_string();
  EXPECT_EQ(b->open_time, 1499040000000LL * 1'000'000);
  EXPECT_EQ(market::to_string(b->high), "0.8");
  EXPECT_EQ(b->volume.scale, 8);
  EXPECT_EQ(b->trade_count, 308);
  EXPECT_NEAR(b->vwap, 2434.19055334 / 148976.11427815, 1e-12);
}

TEST(BinanceParseTest, ExchangeInfoGivesTradingSymbolsWithTheirPrecision) {
  auto info = parse_json(
      R"({"symbols":[{"symbol":"ETHBTC","status":"TRADING","baseAsset":"ETH","quoteAsset":"BTC",
          "filters":[{"filterType":"PRICE_FILTER","tickSize":"0.00001000"},
                     {"filterType":"LOT_SIZE","stepSize":"0.00010000"}]},
         {"symbol":"GONE","status":"BREAK","baseAsset":"G","quoteAsset":"BTC","filters":[]}]})");
  auto found = parse_exchange_info(*info);
  ASSERT_TRUE(found.is_ok());
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].price_precision, 5);
  EXPECT_EQ((*found)[0].size_precision, 4);
  EXPECT_EQ((*found)[0].currency, "BTC");
  EXPECT_EQ((*found)[0].name, "ETH / BTC");
  EXPECT_EQ(decimals_of_step("1.00000000"), 0);
  EXPECT_EQ(decimals_of_step("0.01"), 2);
}

TEST(BinanceSourceTest, PagesThroughEveryTradeOnceDespiteRateLimitsOverlapsAndDisorder) {
  // 2500 trades, two seconds apart: pages by time, then by id, across an hour's edge.
  const int64_t first = 1'700'000'000'000;
  testing::FakeBinance fake(2500, first, 2000);
  ManualClock clock(first * 1'000'000 + 86'400'000'000'000LL);
  BinanceOptions o;
  o.rest_url = fake.url();
  o.max_retry_wait = std::chrono::milliseconds(0);
  BinanceSource source(o, clock);
  auto instruments = source.instruments();
  ASSERT_TRUE(instruments.is_ok()) << instruments.status().to_string();
  ASSERT_EQ(instruments->size(), 1u);
  EXPECT_EQ((*instruments)[0].size_precision, 5);

  std::multiset<int64_t> ids;
  int64_t previous_page_last = 0;
  Status s =
      source.fetch_trades("BTCUSDT", {0, INT64_MAX}, [&](std::span<const market::TradeTick> page) {
        for (const auto& t : page) ids.insert(std::stoll(t.trade_id));
        previous_page_last = std::stoll(page.back().trade_id);
        return true;
      });
  ASSERT_TRUE(s.is_ok()) << s.to_string();
  std::set<int64_t> unique(ids.begin(), ids.end());
  EXPECT_EQ(unique.size(), 2500u);  // every id, though overlaps deliver some twice
  EXPECT_EQ(*unique.begin(), 1000);
  EXPECT_EQ(*unique.rbegin(), 3499);
  EXPECT_GT(fake.rate_limited(), 0);
  EXPECT_EQ(source.fetch_trades("NOPE", {0, INT64_MAX}, [](auto) { return true; }).code(),
            StatusCode::kNotFound);
}

TEST(BinanceSourceTest, ARangeTakesOnlyItsTrades) {
  const int64_t first = 1'700'000'000'000;
  testing::FakeBinance fake(3000, first, 2000);
  ManualClock clock(first * 1'000'000 + 86'400'000'000'000LL);
  BinanceOptions o;
  o.rest_url = fake.url();
  o.max_retry_wait = std::chrono::milliseconds(0);
  BinanceSource source(o, clock);
  int64_t start = (first + 1000 * 2000) * 1'000'000, end = (first + 1500 * 2000) * 1'000'000;
  std::set<int64_t> ids;
  ASSERT_TRUE(source
                  .fetch_trades("BTCUSDT", {start, end},
                                [&](std::span<const market::TradeTick> page) {
                                  for (const auto& t : page) {
                                    EXPECT_GE(t.ts_event, start);
                                    EXPECT_LT(t.ts_event, end);
                                    ids.insert(std::stoll(t.trade_id));
                                  }
                                  return true;
                                })
                  .is_ok());
  EXPECT_EQ(ids.size(), 500u);
  EXPECT_EQ(*ids.begin(), 2000);
}

}  // namespace
}  // namespace tc::sources

#include "support/fake_binance_ws.hpp"
#include "support/wait.hpp"

namespace tc::sources {
namespace {

// A live Binance feed against the fake exchange: `trades` trades (ids from 1000) on REST, swapping
// neighbours within each page, and a WebSocket scripted per connection; collects the ids the feed
// hands on.
class BinanceLiveTest : public ::testing::Test {
 protected:
  static constexpr int64_t kFirstMs = 1'700'000'000'000;

  void make_exchange(int trades) {
    rest_ = std::make_unique<testing::FakeBinance>(trades, kFirstMs, 1000);
  }

  std::string message(size_t i) const {
    const auto& t = rest_->trades()[i];
    return testing::FakeBinanceWs::message("BTCUSDT", t.id, t.price, t.qty, t.ms, t.buyer_maker);
  }

  // The feed of BTCUSDT through `ws`. The caller keeps it, declared after `ws` and `clock`, so
  // that it ends before they do.
  std::unique_ptr<market::LiveSubscription> subscribe(testing::FakeBinanceWs& ws,
                                                      const Clock& clock) {
    BinanceOptions o;
    o.rest_url = rest_->url();
    o.ws_url = ws.url();
    o.max_retry_wait = std::chrono::milliseconds(0);
    source_ = std::make_unique<BinanceSource>(o, clock);
    auto sub =
        source_->subscribe({"BTCUSDT"}, market::LiveOptions{}, [&](const market::TradeTick& t) {
          std::lock_guard lock(mu_);
          ids_.push_back(std::stoll(t.trade_id));
        });
    EXPECT_TRUE(sub.is_ok()) << sub.status().to_string();
    return sub.is_ok() ? std::move(sub).value() : nullptr;
  }

  // True once at least `n` trades were handed on, within 20 s.
  bool handed_on(size_t n) {
    return testing::wait_until(
        [&] {
          std::lock_guard lock(mu_);
          return ids_.size() >= n;
        },
        std::chrono::seconds(20));
  }

  // Ends `feed`, then checks ids 1000.. were each handed on once, in order, `n` in all.
  void expect_each_trade_once_in_order(std::unique_ptr<market::LiveSubscription>& feed, size_t n) {
    feed.reset();
    std::lock_guard lock(mu_);
    ASSERT_EQ(ids_.size(), n);  // none twice
    for (size_t i = 0; i < ids_.size(); ++i) EXPECT_EQ(ids_[i], 1000 + static_cast<int64_t>(i));
  }

  std::unique_ptr<testing::FakeBinance> rest_;
  SystemClock system_clock_;
  std::unique_ptr<BinanceSource> source_;
  std::mutex mu_;
  std::vector<int64_t> ids_;
};

TEST_F(BinanceLiveTest, AGapFillHandsOnTradesInIdOrderWhateverOrderRestSendsThem) {
  make_exchange(300);
  // One trade, a drop, then the feed from 250 on: 1001..1249 come from REST alone.
  testing::FakeBinanceWs ws([&](int connection) {
    testing::FakeBinanceWs::Script s;
    if (connection == 0) {
      s.messages.push_back(message(0));
    } else {
      for (size_t i = 250; i < 300; ++i) s.messages.push_back(message(i));
      s.drop = false;
    }
    return s;
  });
  auto feed = subscribe(ws, system_clock_);
  ASSERT_NE(feed, nullptr);
  ASSERT_TRUE(handed_on(300));
  expect_each_trade_once_in_order(feed, 300);
}

TEST_F(BinanceLiveTest, ADroppedFeedReconnectsAndFillsTheGapFromRestWithoutDuplicates) {
  make_exchange(300);
  // First connection: trades 0..99, then dropped. Second: from 150 (150 twice), held open.
  testing::FakeBinanceWs ws([&](int connection) {
    testing::FakeBinanceWs::Script s;
    if (connection == 0) {
      for (size_t i = 0; i < 100; ++i) s.messages.push_back(message(i));
    } else {
      s.messages.push_back(message(150));
      for (size_t i = 150; i < 300; ++i) s.messages.push_back(message(i));
      s.drop = false;
    }
    return s;
  });
  auto feed = subscribe(ws, system_clock_);
  ASSERT_NE(feed, nullptr);
  ASSERT_TRUE(handed_on(300));
  // A quiet feed is not a broken one: reads time out, the connection stays.
  EXPECT_FALSE(
      testing::wait_until([&] { return ws.connections() > 2; }, std::chrono::milliseconds(1500)));
  expect_each_trade_once_in_order(feed, 300);
  EXPECT_EQ(ws.connections(), 2);
  EXPECT_EQ(ws.last_target(), "/stream?streams=btcusdt@aggTrade");
}

TEST_F(BinanceLiveTest, AConnectionIsRenewedBeforeBinancesDayLimitWithoutAGap) {
  make_exchange(200);
  // Each connection is held open; the second starts at 150 (100..149 come from REST).
  testing::FakeBinanceWs ws([&](int connection) {
    testing::FakeBinanceWs::Script s;
    for (size_t i = connection == 0 ? 0 : 150; i < (connection == 0 ? 100u : 200u); ++i) {
      s.messages.push_back(message(i));
    }
    s.drop = false;
    return s;
  });
  ManualClock clock(kFirstMs * 1'000'000);
  auto feed = subscribe(ws, clock);
  ASSERT_NE(feed, nullptr);
  ASSERT_TRUE(handed_on(100));
  EXPECT_EQ(ws.connections(), 1);
  clock.advance(std::chrono::hours(23));  // the connection's age reaches the renewal point
  ASSERT_TRUE(handed_on(200));
  expect_each_trade_once_in_order(feed, 200);
  EXPECT_EQ(ws.connections(), 2);
}

}  // namespace
}  // namespace tc::sources
