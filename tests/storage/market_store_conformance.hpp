// The conformance suites of the market-data stores — InstrumentStore, TickStore and BarStore —
// each its own suite (see store_factory.hpp).
#pragma once

#include <atomic>
#include <thread>

#include "core/time_parse.hpp"
#include "market/bar.hpp"
#include "storage/store_factory.hpp"

namespace tc::storage {

inline market::TradeTick make_tick(const std::string& symbol, int64_t ts, const char* price,
                                   const char* size, const std::string& id,
                                   const std::string& source = "test") {
  market::TradeTick t;
  t.instrument_id = {symbol, source};
  t.price = *market::parse_decimal(price);
  t.size = *market::parse_decimal(size);
  t.aggressor_side = market::AggressorSide::kSeller;
  t.trade_id = id;
  t.ts_event = ts;
  t.ts_init = ts + 5;
  return t;
}

constexpr int64_t kSecond = 1'000'000'000;

class InstrumentStoreConformanceTest : public StoreTest {
 protected:
  static market::Instrument instrument(const std::string& symbol, const std::string& name,
                                       const std::string& sector, market::AssetClass c) {
    market::Instrument i;
    i.id = {symbol, "test"};
    i.name = name;
    i.asset_class = c;
    i.sector = sector;
    i.currency = c == market::AssetClass::kCrypto ? "USDT" : "USD";
    i.price_precision = c == market::AssetClass::kCrypto ? 8 : 2;
    i.size_precision = c == market::AssetClass::kCrypto ? 5 : 0;
    return i;
  }
  void put_three() {
    std::vector<market::Instrument> all{
        instrument("BTCUSDT", "Bitcoin / Tether", "Crypto", market::AssetClass::kCrypto),
        instrument("ACME", "Acme Systems", "Technology", market::AssetClass::kEquity),
        instrument("BOKA", "Boka Foods", "Consumer Staples", market::AssetClass::kEquity)};
    ASSERT_TRUE(store_->instruments().put_instruments(all).is_ok());
  }
};

TEST_P(InstrumentStoreConformanceTest, PutInstrumentsReadBackExactly) {
  put_three();
  auto got = store_->instruments().instrument({"BTCUSDT", "test"});
  ASSERT_TRUE(got.is_ok()) << got.status().to_string();
  EXPECT_EQ(*got, instrument("BTCUSDT", "Bitcoin / Tether", "Crypto", market::AssetClass::kCrypto));
  EXPECT_EQ(store_->instruments().instrument({"BTCUSDT", "other"}).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(*store_->instruments().count_instruments("test"), 3);
  EXPECT_EQ(*store_->instruments().count_instruments("other"), 0);
}

TEST_P(InstrumentStoreConformanceTest, PutReplacesAnInstrument) {
  put_three();
  auto renamed = instrument("ACME", "Acme Holdings", "Industrials", market::AssetClass::kEquity);
  ASSERT_TRUE(store_->instruments().put_instruments({&renamed, 1}).is_ok());
  EXPECT_EQ(store_->instruments().instrument({"ACME", "test"})->sector, "Industrials");
  EXPECT_EQ(*store_->instruments().count_instruments("test"), 3);
}

TEST_P(InstrumentStoreConformanceTest, QueriesFilterSearchAndPage) {
  put_three();
  InstrumentQuery q;
  q.source = "test";
  auto all = store_->instruments().instruments(q);
  ASSERT_TRUE(all.is_ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].id.symbol, "ACME");  // ordered by symbol
  q.search = "bo";                         // symbol prefix or name substring, any case
  auto found = store_->instruments().instruments(q);
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].id.symbol, "BOKA");
  q.search = "tether";
  EXPECT_EQ(store_->instruments().instruments(q)->at(0).id.symbol, "BTCUSDT");
  q.search = "%";
  EXPECT_TRUE(store_->instruments().instruments(q)->empty());
  q.search.clear();
  q.asset_class = market::AssetClass::kEquity;
  EXPECT_EQ(store_->instruments().instruments(q)->size(), 2u);
  q.sector = "Technology";
  EXPECT_EQ(store_->instruments().instruments(q)->size(), 1u);
  InstrumentQuery page;
  page.source = "test";
  page.limit = 2;
  auto first = store_->instruments().instruments(page);
  ASSERT_EQ(first->size(), 2u);
  page.after = first->back().id.symbol;
  auto second = store_->instruments().instruments(page);
  ASSERT_EQ(second->size(), 1u);
  EXPECT_EQ((*second)[0].id.symbol, "BTCUSDT");
}

TEST_P(InstrumentStoreConformanceTest, HostileTextIsStoredAsAValue) {
  std::vector<market::Instrument> all;
  for (const std::string& text : hostile_strings()) {
    auto i = instrument(text, text, text, market::AssetClass::kEquity);
    i.currency = text;
    all.push_back(i);
  }
  ASSERT_TRUE(store_->instruments().put_instruments(all).is_ok());
  for (const market::Instrument& i : all) {
    auto got = store_->instruments().instrument(i.id);
    ASSERT_TRUE(got.is_ok()) << i.id.symbol;
    EXPECT_EQ(*got, i);
    InstrumentQuery q;
    q.source = "test";
    q.search = i.name;
    q.sector = i.sector;
    auto found = store_->instruments().instruments(q);
    ASSERT_TRUE(found.is_ok());
    ASSERT_EQ(found->size(), 1u) << i.name;
    EXPECT_EQ(found->at(0).id.symbol, i.id.symbol);
  }
  EXPECT_EQ(*store_->instruments().count_instruments("test"),
            static_cast<int64_t>(hostile_strings().size()));
}

class TickStoreConformanceTest : public StoreTest {
 protected:
  std::vector<market::TradeTick> read_all(TickQuery q) {
    auto got = store_->ticks().ticks(q);
    EXPECT_TRUE(got.is_ok()) << got.status().to_string();
    return got.is_ok() ? *got : std::vector<market::TradeTick>{};
  }
};

TEST_P(TickStoreConformanceTest, TradesReadBackExactlyInTimeOrder) {
  std::vector<market::TradeTick> ticks{
      make_tick("BTCUSDT", 3 * kSecond, "30000.01000000", "0.00100000", "3"),
      make_tick("BTCUSDT", 1 * kSecond, "0.00000001", "123456.789", "1"),
      make_tick("BTCUSDT", 2 * kSecond, "29999.99", "2", "2"),
  };
  ticks[2].aggressor_side = market::AggressorSide::kBuyer;
  ticks[1].aggressor_side = market::AggressorSide::kNone;
  auto counts = store_->ticks().write_ticks(ticks);
  ASSERT_TRUE(counts.is_ok()) << counts.status().to_string();
  EXPECT_EQ(counts->written, 3);
  EXPECT_EQ(counts->duplicates, 0);
  TickQuery q;
  q.id = {"BTCUSDT", "test"};
  auto got = read_all(q);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], ticks[1]);
  EXPECT_EQ(got[1], ticks[2]);
  EXPECT_EQ(got[2], ticks[0]);
  // The scale a source reported comes back too.
  EXPECT_EQ(got[2].price.scale, 8);
  EXPECT_EQ(got[2].price.units, 3000001000000);
}

TEST_P(TickStoreConformanceTest, HostileTextIsStoredAsAValue) {
  std::vector<market::TradeTick> ticks;
  int64_t ts = 0;
  for (const std::string& text : hostile_strings()) {
    ticks.push_back(make_tick(text, ++ts, "1.5", "2", text, text));
    ticks.push_back(make_tick("SAFE", ts, "1.5", "2", text));
  }
  auto counts = store_->ticks().write_ticks(ticks);
  ASSERT_TRUE(counts.is_ok()) << counts.status().to_string();
  EXPECT_EQ(counts->written, static_cast<int64_t>(ticks.size()));
  EXPECT_EQ(store_->ticks().write_ticks(ticks)->duplicates, static_cast<int64_t>(ticks.size()));
  for (const std::string& text : hostile_strings()) {
    TickQuery q;
    q.id = {text, text};
    auto got = read_all(q);
    ASSERT_EQ(got.size(), 1u) << text;
    EXPECT_EQ(got[0].trade_id, text);
    EXPECT_EQ(got[0].instrument_id, q.id);
  }
  TickQuery safe;
  safe.id = {"SAFE", "test"};
  EXPECT_EQ(read_all(safe).size(), hostile_strings().size());
}

TEST_P(TickStoreConformanceTest, InstrumentsWithTicksAreListedInOrder) {
  EXPECT_TRUE(store_->ticks().instruments_with_ticks()->empty());
  std::vector<market::TradeTick> ticks{make_tick("ETHUSDT", 1, "1", "1", "a", "binance"),
                                       make_tick("BTCUSDT", 2, "1", "1", "b", "binance"),
                                       make_tick("BTCUSDT", 3, "1", "1", "c", "binance"),
                                       make_tick("AAA", 4, "1", "1", "d", "csv")};
  ASSERT_TRUE(store_->ticks().write_ticks(ticks).is_ok());
  auto listed = store_->ticks().instruments_with_ticks();
  ASSERT_TRUE(listed.is_ok()) << listed.status().to_string();
  EXPECT_EQ(*listed, (std::vector<market::InstrumentId>{
                         {"BTCUSDT", "binance"}, {"ETHUSDT", "binance"}, {"AAA", "csv"}}));
}

TEST_P(TickStoreConformanceTest, WritingTheSameTradesTwiceStoresThemOnce) {
  std::vector<market::TradeTick> ticks;
  for (int i = 0; i < 100; ++i) {
    ticks.push_back(make_tick("ETHUSDT", i * kSecond, "2000.5", "1", std::to_string(i)));
  }
  ASSERT_EQ(store_->ticks().write_ticks(ticks)->written, 100);
  // Half old, half new; a re-sent trade with another time is still the same trade.
  std::vector<market::TradeTick> again(ticks.begin() + 50, ticks.end());
  again[0].ts_event += 7;
  for (int i = 100; i < 150; ++i) {
    again.push_back(make_tick("ETHUSDT", i * kSecond, "2000.5", "1", std::to_string(i)));
  }
  auto counts = store_->ticks().write_ticks(again);
  ASSERT_TRUE(counts.is_ok());
  EXPECT_EQ(counts->written, 50);
  EXPECT_EQ(counts->duplicates, 50);
  TickQuery q;
  q.id = {"ETHUSDT", "test"};
  EXPECT_EQ(*store_->ticks().count_ticks(q), 150);
  // The same trade id under another symbol or source is another trade.
  auto other = make_tick("ETHUSDT", 0, "1", "1", "0", "elsewhere");
  EXPECT_EQ(store_->ticks().write_ticks({&other, 1})->written, 1);
}

TEST_P(TickStoreConformanceTest, ABatchIsAllOrNothing) {
  std::vector<market::TradeTick> ticks{make_tick("ABC", kSecond, "1", "1", "1"),
                                       make_tick("ABC", 2 * kSecond, "1", "1", "2")};
  ticks[1].aggressor_side = static_cast<market::AggressorSide>(9);  // refused by the store
  EXPECT_FALSE(store_->ticks().write_ticks(ticks).is_ok());
  TickQuery q;
  q.id = {"ABC", "test"};
  EXPECT_EQ(*store_->ticks().count_ticks(q), 0);
}

TEST_P(TickStoreConformanceTest, RangesWorkBefore1970AndAfter2100) {
  int64_t t1900 = *parse_utc_time("1900-01-01T00:00:00.000000001Z");
  int64_t t2150 = *parse_utc_time("2150-01-01");
  std::vector<market::TradeTick> ticks{
      make_tick("OLD", t1900, "1", "1", "a"), make_tick("OLD", -1, "2", "1", "b"),
      make_tick("OLD", 0, "3", "1", "c"), make_tick("OLD", t2150, "4", "1", "d")};
  ASSERT_TRUE(store_->ticks().write_ticks(ticks).is_ok());
  TickQuery q;
  q.id = {"OLD", "test"};
  EXPECT_EQ(read_all(q).size(), 4u);
  q.start = t1900;
  q.end = 0;
  auto before = read_all(q);
  ASSERT_EQ(before.size(), 2u);
  EXPECT_EQ(before[0].trade_id, "a");
  EXPECT_EQ(before[1].trade_id, "b");
  q.start = 0;
  q.end = t2150 + 1;
  EXPECT_EQ(read_all(q).size(), 2u);
}

TEST_P(TickStoreConformanceTest, CursorPagesThroughTradesOfTheSameTime) {
  std::vector<market::TradeTick> ticks;
  for (int i = 0; i < 25; ++i) {
    // Five trades share each time: the cursor must tell them apart.
    ticks.push_back(make_tick("PAGE", (i / 5) * kSecond, "1", "1", "id" + std::to_string(100 + i)));
  }
  ASSERT_TRUE(store_->ticks().write_ticks(ticks).is_ok());
  TickQuery q;
  q.id = {"PAGE", "test"};
  q.limit = 7;
  std::vector<market::TradeTick> paged;
  for (int page = 0; page < 10; ++page) {
    auto got = read_all(q);
    paged.insert(paged.end(), got.begin(), got.end());
    if (static_cast<int64_t>(got.size()) < q.limit) break;
    q.after = TickCursor{got.back().ts_event, got.back().trade_id};
  }
  TickQuery whole;
  whole.id = q.id;
  EXPECT_EQ(paged, read_all(whole));
  EXPECT_EQ(paged.size(), 25u);
}

TEST_P(TickStoreConformanceTest, LatestTickIsTheLastInTimeOrder) {
  EXPECT_FALSE(store_->ticks().latest_tick({"LAST", "test"})->has_value());
  std::vector<market::TradeTick> ticks{
      make_tick("LAST", 5 * kSecond, "1", "1", "a"), make_tick("LAST", 9 * kSecond, "2", "1", "b"),
      make_tick("LAST", 9 * kSecond, "3", "1", "c"), make_tick("LAST", 7 * kSecond, "4", "1", "d"),
      make_tick("OTHER", 99 * kSecond, "5", "1", "e")};
  ASSERT_TRUE(store_->ticks().write_ticks(ticks).is_ok());
  auto latest = store_->ticks().latest_tick({"LAST", "test"});
  ASSERT_TRUE(latest.is_ok() && latest->has_value());
  EXPECT_EQ(**latest, ticks[2]);
}

TEST_P(TickStoreConformanceTest, ScanStopsWhenTheVisitorSaysSo) {
  std::vector<market::TradeTick> ticks;
  for (int i = 0; i < 10; ++i) ticks.push_back(make_tick("SCAN", i, "1", "1", std::to_string(i)));
  ASSERT_TRUE(store_->ticks().write_ticks(ticks).is_ok());
  TickQuery q;
  q.id = {"SCAN", "test"};
  int seen = 0;
  ASSERT_TRUE(
      store_->ticks().scan_ticks(q, [&](const market::TradeTick&) { return ++seen < 4; }).is_ok());
  EXPECT_EQ(seen, 4);
}

TEST_P(TickStoreConformanceTest, ConcurrentOverlappingWritesStoreEachTradeOnce) {
  std::atomic<int64_t> written{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int batch = 0; batch < 5; ++batch) {
        std::vector<market::TradeTick> ticks;
        for (int i = 0; i < 200; ++i) {
          int n = (t * 100 + batch * 200 + i) % 1500;  // threads overlap
          ticks.push_back(make_tick("RACE", n * kSecond, "1", "1", std::to_string(n)));
        }
        auto counts = store_->ticks().write_ticks(ticks);
        EXPECT_TRUE(counts.is_ok()) << counts.status().to_string();
        if (counts.is_ok()) written += counts->written;
      }
    });
  }
  for (auto& t : threads) t.join();
  TickQuery q;
  q.id = {"RACE", "test"};
  int64_t stored = *store_->ticks().count_ticks(q);
  EXPECT_EQ(written.load(), stored);
  EXPECT_EQ(stored, static_cast<int64_t>(read_all(q).size()));
}

class BarStoreConformanceTest : public StoreTest {
 protected:
  static market::Bar bar(const std::string& symbol, const char* interval, int64_t open_time,
                         const char* close) {
    market::Bar b;
    b.instrument_id = {symbol, "test"};
    b.interval = *market::Interval::parse(interval);
    b.open_time = open_time;
    b.open = *market::parse_decimal("100.5");
    b.high = *market::parse_decimal("101.25");
    b.low = *market::parse_decimal("99");
    b.close = *market::parse_decimal(close);
    b.volume = *market::parse_decimal("1234.5678");
    b.trade_count = 42;
    b.vwap = 100.123;
    return b;
  }
};

TEST_P(BarStoreConformanceTest, HostileTextIsStoredAsAValue) {
  std::vector<market::Bar> bars;
  for (const std::string& text : hostile_strings()) bars.push_back(bar(text, "1h", 0, "100"));
  auto counts = store_->bars().write_bars(bars);
  ASSERT_TRUE(counts.is_ok()) << counts.status().to_string();
  EXPECT_EQ(counts->written, static_cast<int64_t>(bars.size()));
  for (const market::Bar& b : bars) {
    BarQuery q;
    q.id = b.instrument_id;
    q.interval = b.interval;
    auto got = store_->bars().bars(q);
    ASSERT_TRUE(got.is_ok());
    ASSERT_EQ(got->size(), 1u) << b.instrument_id.symbol;
    EXPECT_EQ(got->at(0), b);
    EXPECT_EQ(store_->bars().bar_intervals(b.instrument_id)->size(), 1u);
  }
  EXPECT_EQ(store_->bars().bar_series_changed("test", 0)->size(), bars.size());
}

TEST_P(BarStoreConformanceTest, BarsReadBackExactly) {
  int64_t day = 86400 * kSecond;
  std::vector<market::Bar> bars{bar("SPY", "1d", 0, "100"), bar("SPY", "1d", day, "100.75")};
  auto counts = store_->bars().write_bars(bars);
  ASSERT_TRUE(counts.is_ok()) << counts.status().to_string();
  EXPECT_EQ(counts->written, 2);
  BarQuery q;
  q.id = {"SPY", "test"};
  q.interval = *market::Interval::parse("1d");
  auto got = store_->bars().bars(q);
  ASSERT_TRUE(got.is_ok());
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0], bars[0]);
  EXPECT_EQ((*got)[1], bars[1]);
  EXPECT_EQ(market::to_string((*got)[1].close), "100.75");
  EXPECT_EQ(market::to_string((*got)[0].volume), "1234.5678");
}

TEST_P(BarStoreConformanceTest, WritingTheSameBarsTwiceStoresThemOnce) {
  std::vector<market::Bar> bars;
  for (int i = 0; i < 10; ++i) bars.push_back(bar("QQQ", "1m", i * 60 * kSecond, "100"));
  ASSERT_EQ(store_->bars().write_bars(bars)->written, 10);
  bars.push_back(bar("QQQ", "1m", 10 * 60 * kSecond, "100"));
  auto counts = store_->bars().write_bars(bars);
  EXPECT_EQ(counts->written, 1);
  EXPECT_EQ(counts->duplicates, 10);
  // Another interval is another bar.
  auto hourly = bar("QQQ", "1h", 0, "100");
  EXPECT_EQ(store_->bars().write_bars({&hourly, 1})->written, 1);
  auto intervals = store_->bars().bar_intervals({"QQQ", "test"});
  ASSERT_TRUE(intervals.is_ok());
  EXPECT_EQ(*intervals, (std::vector<market::Interval>{*market::Interval::parse("1m"),
                                                       *market::Interval::parse("1h")}));
}

TEST_P(BarStoreConformanceTest, RangesCursorsAndTheNewestBars) {
  int64_t day = 86400 * kSecond;
  int64_t t1900 = *parse_utc_time("1900-01-01");
  std::vector<market::Bar> bars;
  for (int i = 0; i < 30; ++i) bars.push_back(bar("DIA", "1d", t1900 + i * day, "100"));
  bars.push_back(bar("DIA", "1d", *parse_utc_time("2150-06-01"), "100"));
  ASSERT_TRUE(store_->bars().write_bars(bars).is_ok());
  BarQuery q;
  q.id = {"DIA", "test"};
  q.interval = *market::Interval::parse("1d");
  q.start = t1900 + 10 * day;
  q.end = t1900 + 20 * day;
  auto range = store_->bars().bars(q);
  ASSERT_EQ(range->size(), 10u);
  EXPECT_EQ(range->front().open_time, t1900 + 10 * day);
  q.limit = 4;
  q.after = range->at(3).open_time;
  auto page = store_->bars().bars(q);
  ASSERT_EQ(page->size(), 4u);
  EXPECT_EQ(page->front().open_time, t1900 + 14 * day);
  BarQuery newest;
  newest.id = q.id;
  newest.interval = q.interval;
  newest.limit = 3;
  newest.newest_first = true;
  auto last = store_->bars().bars(newest);
  ASSERT_EQ(last->size(), 3u);
  EXPECT_EQ(last->back().open_time, *parse_utc_time("2150-06-01"));  // still oldest first
  EXPECT_EQ(last->front().open_time, t1900 + 28 * day);
  auto latest = store_->bars().latest_bar_time(q.id, q.interval);
  ASSERT_TRUE(latest.is_ok());
  EXPECT_EQ(*latest, *parse_utc_time("2150-06-01"));
  EXPECT_FALSE(store_->bars().latest_bar_time({"NONE", "test"}, q.interval)->has_value());
}

TEST_P(BarStoreConformanceTest, SeriesChangesNameEachWriteThatStoredBars) {
  int64_t day = 86400 * kSecond;
  auto& bars = store_->bars();
  auto none = bars.bar_series_changed("test", 0);
  ASSERT_TRUE(none.is_ok()) << none.status().to_string();
  EXPECT_TRUE(none->empty());

  std::vector<market::Bar> first{bar("AAA", "1d", 0, "1"), bar("AAA", "1d", day, "2"),
                                 bar("BBB", "1d", 0, "3"), bar("AAA", "1h", 0, "4")};
  ASSERT_TRUE(bars.write_bars(first).is_ok());
  auto all = bars.bar_series_changed("test", 0);
  ASSERT_TRUE(all.is_ok());
  ASSERT_EQ(all->size(), 3u);
  int64_t v1 = (*all)[0].version;
  EXPECT_GT(v1, 0);
  for (const auto& change : *all) EXPECT_EQ(change.version, v1);  // one write, one version

  // Writing only bars already stored changes nothing.
  ASSERT_TRUE(bars.write_bars(first).is_ok());
  EXPECT_TRUE(bars.bar_series_changed("test", v1)->empty());

  std::vector<market::Bar> second{bar("BBB", "1d", day, "5")};
  ASSERT_TRUE(bars.write_bars(second).is_ok());
  auto changed = bars.bar_series_changed("test", v1);
  ASSERT_TRUE(changed.is_ok());
  ASSERT_EQ(changed->size(), 1u);
  EXPECT_EQ((*changed)[0].symbol, "BBB");
  EXPECT_EQ((*changed)[0].interval, *market::Interval::parse("1d"));
  EXPECT_GT((*changed)[0].version, v1);
  EXPECT_TRUE(bars.bar_series_changed("other", 0)->empty());  // per source
}

}  // namespace tc::storage
