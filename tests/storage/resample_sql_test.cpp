// Resampling checked against SQL: the 1-minute bars BarAggregator builds from stored trades equal
// an aggregation of the same rows written in SQL, which shares no code with it.
#include <gtest/gtest.h>

#include <cmath>

#include "core/time_parse.hpp"
#include "market/bar.hpp"
#include "market/simulator.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "support/temp_dir.hpp"

namespace tc::storage {
namespace {

TEST(ResampleSqlTest, MinuteBarsEqualTheSqlAggregationOfTheSameTrades) {
  testing::TempDir dir;
  auto store = SqliteStore::open(dir.path() / "r.db");
  ASSERT_TRUE(store.is_ok());
  ManualClock clock(*parse_utc_time("2024-06-01T12:00:00Z"));
  market::MarketSimulator sim({42, 13}, clock);
  const market::InstrumentId id = sim.universe()[12].id;  // a crypto pair: trades all day
  int64_t start = *parse_utc_time("2024-05-20T10:00:00Z");
  Status fetched = sim.fetch_trades(id.symbol, {start, start + 3 * 3600'000'000'000LL},
                                    [&](std::span<const market::TradeTick> page) {
                                      EXPECT_TRUE((*store)->ticks().write_ticks(page).is_ok());
                                      return true;
                                    });
  ASSERT_TRUE(fetched.is_ok());

  TickQuery q;
  q.id = id;
  auto ticks = (*store)->ticks().ticks(q);
  ASSERT_TRUE(ticks.is_ok());
  ASSERT_GT(ticks->size(), 100u);
  auto bars = market::resample(*ticks, *market::Interval::parse("1m"));

  auto db = SqliteDatabase::open(dir.path() / "r.db");
  ASSERT_TRUE(db.is_ok());
  auto sql = (*db)->prepare(R"sql(
    WITH t AS (SELECT ts_event - ts_event % 60000000000 AS m, ts_event, trade_id, price, size
               FROM tickscrawler_ticks WHERE source = ? AND symbol = ?)
    SELECT m,
      (SELECT price FROM t AS f WHERE f.m = t.m ORDER BY ts_event, trade_id LIMIT 1),
      MAX(price), MIN(price),
      (SELECT price FROM t AS l WHERE l.m = t.m ORDER BY ts_event DESC, trade_id DESC LIMIT 1),
      SUM(size), COUNT(*), SUM(price * size) * 1.0 / SUM(size)
    FROM t GROUP BY m ORDER BY m)sql");
  ASSERT_TRUE(sql.is_ok()) << sql.status().to_string();
  sql->bind(1, id.source).bind(2, id.symbol);
  size_t i = 0;
  const double price_unit = std::pow(10.0, -sim.universe()[12].price_precision);
  while (*sql->step()) {
    ASSERT_LT(i, bars.size());
    const market::Bar& b = bars[i++];
    EXPECT_EQ(b.open_time, sql->column_int(0));
    EXPECT_EQ(b.open.units, sql->column_int(1));
    EXPECT_EQ(b.high.units, sql->column_int(2));
    EXPECT_EQ(b.low.units, sql->column_int(3));
    EXPECT_EQ(b.close.units, sql->column_int(4));
    EXPECT_EQ(b.volume.units, sql->column_int(5));
    EXPECT_EQ(b.trade_count, sql->column_int(6));
    EXPECT_NEAR(b.vwap, sql->column_double(7) * price_unit, 1e-9 * b.vwap);
  }
  EXPECT_EQ(i, bars.size());
}

}  // namespace
}  // namespace tc::storage
