#include <algorithm>
#include <charconv>

#include "storage/postgres/postgres_store.hpp"

namespace tc::storage {
namespace {

using market::Bar;
using market::Decimal;
using market::Instrument;
using market::InstrumentId;
using market::Interval;
using market::TradeTick;

// One COPY text-format row, built field by field.
class CopyRow {
 public:
  explicit CopyRow(std::string& out) : out_(out) {}
  CopyRow& text(std::string_view v) {
    separate();
    append_copy_text(out_, v);
    return *this;
  }
  CopyRow& number(int64_t v) {
    separate();
    char buf[24];
    out_.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
    return *this;
  }
  CopyRow& real(double v) {
    separate();
    char buf[32];
    out_.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr);
    return *this;
  }
  ~CopyRow() { out_ += '\n'; }

 private:
  void separate() {
    if (!first_) out_ += '\t';
    first_ = false;
  }
  std::string& out_;
  bool first_ = true;
};

// Creates (once per session) the temporary table `stage`, shaped like `table` and emptied at
// every commit, and copies `data` into it.
Status stage(PgConnection& c, std::string_view stage, std::string_view table,
             std::string_view columns, std::string_view data) {
  TC_RETURN_IF_ERROR(c.exec("CREATE TEMPORARY TABLE IF NOT EXISTS " + std::string(stage) +
                            " (LIKE " + std::string(table) + ") ON COMMIT DELETE ROWS"));
  auto copied =
      c.copy_in("COPY " + std::string(stage) + " (" + std::string(columns) + ") FROM STDIN", data);
  return copied.status();
}

constexpr std::string_view kInstrumentColumns =
    "symbol, source, name, asset_class, sector, currency, price_precision, size_precision";

Instrument read_instrument(const PgRows& rows, int r) {
  Instrument i;
  i.id = {std::string(rows.text(r, 0)), std::string(rows.text(r, 1))};
  i.name = rows.text(r, 2);
  i.asset_class = market::parse_asset_class(rows.text(r, 3)).value_or(market::AssetClass::kEquity);
  i.sector = rows.text(r, 4);
  i.currency = rows.text(r, 5);
  i.price_precision = static_cast<int>(rows.int64(r, 6));
  i.size_precision = static_cast<int>(rows.int64(r, 7));
  return i;
}

constexpr std::string_view kTickColumns =
    "source, symbol, trade_id, ts_event, ts_init, price, price_scale, size, size_scale, "
    "aggressor_side";

// The WHERE clause shared by the tick reads, its parameters added to `params`.
std::string tick_where(const TickQuery& q, PgParams& params) {
  params.add(q.id.source).add(q.id.symbol).add(q.start).add(q.end);
  std::string sql = " WHERE source = $1 AND symbol = $2 AND ts_event >= $3 AND ts_event < $4";
  if (q.after) {
    params.add(q.after->ts_event).add(q.after->trade_id);
    sql += " AND (ts_event, trade_id) > ($5, $6)";
  }
  return sql;
}

void read_tick(const PgRows& rows, int r, TradeTick& t) {
  t.trade_id = rows.text(r, 0);
  t.ts_event = rows.int64(r, 1);
  t.ts_init = rows.int64(r, 2);
  t.price = Decimal{rows.int64(r, 3), static_cast<int>(rows.int64(r, 4))};
  t.size = Decimal{rows.int64(r, 5), static_cast<int>(rows.int64(r, 6))};
  t.aggressor_side = static_cast<market::AggressorSide>(rows.int64(r, 7));
}

constexpr std::string_view kTickReadColumns =
    "trade_id, ts_event, ts_init, price, price_scale, size, size_scale, aggressor_side";

// A long scan reads in pages, each its own short query, so it holds a connection only briefly.
constexpr int64_t kScanPage = 20000;

}  // namespace

Status PgInstrumentStore::put_instruments(std::span<const Instrument> instruments) {
  if (instruments.empty()) return Status::ok();
  std::string data;
  for (const Instrument& i : instruments) {
    CopyRow(data)
        .text(i.id.symbol)
        .text(i.id.source)
        .text(i.name)
        .text(market::asset_class_name(i.asset_class))
        .text(i.sector)
        .text(i.currency)
        .number(i.price_precision)
        .number(i.size_precision);
  }
  return pool_.run([&](PgConnection& c) {
    return in_transaction(c, [&]() -> Status {
      TC_RETURN_IF_ERROR(
          stage(c, "stage_instruments", "tickscrawler.instruments", kInstrumentColumns, data));
      // The last of several rows for one instrument wins, as when they are put one by one.
      auto upserted = c.query(
          "INSERT INTO tickscrawler.instruments (" + std::string(kInstrumentColumns) +
          ") SELECT DISTINCT ON (source, symbol) " + std::string(kInstrumentColumns) +
          " FROM (SELECT *, ctid FROM stage_instruments) s ORDER BY source, symbol, ctid DESC "
          "ON CONFLICT (source, symbol) DO UPDATE SET name = excluded.name, "
          "asset_class = excluded.asset_class, sector = excluded.sector, "
          "currency = excluded.currency, price_precision = excluded.price_precision, "
          "size_precision = excluded.size_precision");
      return upserted.status();
    });
  });
}

Result<Instrument> PgInstrumentStore::instrument(const InstrumentId& id) {
  return pool_.run([&](PgConnection& c) -> Result<Instrument> {
    auto rows = c.query("SELECT " + std::string(kInstrumentColumns) +
                            " FROM tickscrawler.instruments WHERE source = $1 AND symbol = $2",
                        PgParams().add(id.source).add(id.symbol));
    if (!rows) return rows.status();
    if (rows->empty()) {
      return not_found("source '" + id.source + "' has no symbol '" + id.symbol + "'");
    }
    return read_instrument(*rows, 0);
  });
}

Result<std::vector<Instrument>> PgInstrumentStore::instruments(const InstrumentQuery& q) {
  PgParams params;
  params.add(q.source).add(q.after);
  std::string sql = "SELECT " + std::string(kInstrumentColumns) +
                    " FROM tickscrawler.instruments WHERE source = $1 AND symbol > $2";
  if (!q.search.empty()) {
    std::string escaped;
    for (char c : q.search) {
      if (c == '%' || c == '_' || c == '\\') escaped += '\\';
      escaped += c;
    }
    params.add(escaped);
    sql += " AND (lower(symbol) LIKE lower($3) || '%' OR lower(name) LIKE '%' || lower($3) || '%')";
  }
  if (!q.sector.empty()) {
    params.add(q.sector);
    sql += " AND sector = $" + std::to_string(params.size());
  }
  if (q.asset_class) {
    params.add(market::asset_class_name(*q.asset_class));
    sql += " AND asset_class = $" + std::to_string(params.size());
  }
  params.add(static_cast<int64_t>(q.limit));
  sql += " ORDER BY symbol LIMIT $" + std::to_string(params.size());
  return pool_.run([&](PgConnection& c) -> Result<std::vector<Instrument>> {
    auto rows = c.query(sql, params);
    if (!rows) return rows.status();
    std::vector<Instrument> out;
    for (int r = 0; r < rows->size(); ++r) out.push_back(read_instrument(*rows, r));
    return out;
  });
}

Result<int64_t> PgInstrumentStore::count_instruments(const std::string& source) {
  return pool_.run([&](PgConnection& c) -> Result<int64_t> {
    auto rows = c.query("SELECT COUNT(*) FROM tickscrawler.instruments WHERE source = $1",
                        PgParams().add(source));
    if (!rows) return rows.status();
    return rows->int64(0, 0);
  });
}

Result<WriteCounts> PgTickStore::write_ticks(std::span<const TradeTick> ticks) {
  WriteCounts counts;
  if (ticks.empty()) return counts;
  std::string data;
  data.reserve(ticks.size() * 80);
  for (const TradeTick& t : ticks) {
    CopyRow(data)
        .text(t.instrument_id.source)
        .text(t.instrument_id.symbol)
        .text(t.trade_id)
        .number(t.ts_event)
        .number(t.ts_init)
        .number(t.price.units)
        .number(t.price.scale)
        .number(t.size.units)
        .number(t.size.scale)
        .number(static_cast<int64_t>(t.aggressor_side));
  }
  const int64_t n = static_cast<int64_t>(ticks.size());
  return pool_.run([&](PgConnection& c) -> Result<WriteCounts> {
    if (!expect_duplicates_.load(std::memory_order_relaxed)) {
      // All new: straight in. The COPY and its commit are one statement's transaction.
      auto copied =
          c.copy_in("COPY tickscrawler.ticks (" + std::string(kTickColumns) + ") FROM STDIN", data);
      if (copied) return WriteCounts{*copied, n - *copied};
      if (copied.status().code() != StatusCode::kAlreadyExists) return copied.status();
      expect_duplicates_.store(true, std::memory_order_relaxed);
    }
    WriteCounts written;
    Status s = in_transaction(c, [&]() -> Status {
      TC_RETURN_IF_ERROR(stage(c, "stage_ticks", "tickscrawler.ticks", kTickColumns, data));
      auto inserted = c.query(
          "INSERT INTO tickscrawler.ticks SELECT * FROM stage_ticks "
          "ON CONFLICT DO NOTHING");
      if (!inserted) return inserted.status();
      written = WriteCounts{inserted->affected(), n - inserted->affected()};
      return Status::ok();
    });
    if (!s.is_ok()) return s;
    if (written.duplicates == 0) expect_duplicates_.store(false, std::memory_order_relaxed);
    return written;
  });
}

Status PgTickStore::scan_ticks(const TickQuery& q,
                               const std::function<bool(const TradeTick&)>& visit) {
  TickQuery page = q;
  int64_t left = q.limit;
  TradeTick t;
  t.instrument_id = q.id;
  while (left > 0) {
    PgParams params;
    std::string sql = "SELECT " + std::string(kTickReadColumns) + " FROM tickscrawler.ticks" +
                      tick_where(page, params);
    int64_t want = std::min(left, kScanPage);
    params.add(want);
    sql += " ORDER BY ts_event, trade_id LIMIT $" + std::to_string(params.size());
    auto rows = pool_.run([&](PgConnection& c) { return c.query(sql, params); });
    if (!rows) return rows.status();
    for (int r = 0; r < rows->size(); ++r) {
      read_tick(*rows, r, t);
      if (!visit(t)) return Status::ok();
    }
    if (rows->size() < want) return Status::ok();
    left -= rows->size();
    page.after = TickCursor{t.ts_event, t.trade_id};
  }
  return Status::ok();
}

Result<int64_t> PgTickStore::count_ticks(const TickQuery& q) {
  TickQuery range = q;
  range.after.reset();
  PgParams params;
  std::string sql = "SELECT COUNT(*) FROM tickscrawler.ticks" + tick_where(range, params);
  return pool_.run([&](PgConnection& c) -> Result<int64_t> {
    auto rows = c.query(sql, params);
    if (!rows) return rows.status();
    return rows->int64(0, 0);
  });
}

Result<std::vector<InstrumentId>> PgTickStore::instruments_with_ticks() {
  return pool_.run([&](PgConnection& c) -> Result<std::vector<InstrumentId>> {
    // A loose index scan: one probe of the trade key per instrument, not a pass over every trade.
    auto rows = c.query(
        "WITH RECURSIVE i AS ("
        " (SELECT source, symbol FROM tickscrawler.ticks ORDER BY source, symbol LIMIT 1)"
        " UNION ALL"
        " SELECT n.source, n.symbol FROM i, LATERAL (SELECT source, symbol FROM "
        "   tickscrawler.ticks t WHERE (t.source, t.symbol) > (i.source, i.symbol)"
        "   ORDER BY source, symbol LIMIT 1) n)"
        " SELECT source, symbol FROM i");
    if (!rows) return rows.status();
    std::vector<InstrumentId> out;
    for (int r = 0; r < rows->size(); ++r) {
      out.push_back({std::string(rows->text(r, 1)), std::string(rows->text(r, 0))});
    }
    return out;
  });
}

Result<std::optional<TradeTick>> PgTickStore::latest_tick(const InstrumentId& id) {
  return pool_.run([&](PgConnection& c) -> Result<std::optional<TradeTick>> {
    auto rows = c.query("SELECT " + std::string(kTickReadColumns) +
                            " FROM tickscrawler.ticks WHERE source = $1 AND symbol = $2 "
                            "ORDER BY ts_event DESC, trade_id DESC LIMIT 1",
                        PgParams().add(id.source).add(id.symbol));
    if (!rows) return rows.status();
    if (rows->empty()) return std::optional<TradeTick>();
    TradeTick t;
    t.instrument_id = id;
    read_tick(*rows, 0, t);
    return std::optional<TradeTick>(std::move(t));
  });
}

Result<WriteCounts> PgBarStore::write_bars(std::span<const Bar> bars) {
  WriteCounts counts;
  if (bars.empty()) return counts;
  std::string data;
  data.reserve(bars.size() * 120);
  for (const Bar& b : bars) {
    auto prices = market::prices_at_one_scale(b);
    if (!prices) return prices.status();
    CopyRow(data)
        .text(b.instrument_id.source)
        .text(b.instrument_id.symbol)
        .number(b.interval.seconds())
        .number(b.open_time)
        .number(prices->open)
        .number(prices->high)
        .number(prices->low)
        .number(prices->close)
        .number(prices->scale)
        .number(b.volume.units)
        .number(b.volume.scale)
        .number(b.trade_count)
        .real(b.vwap);
  }
  const int64_t n = static_cast<int64_t>(bars.size());
  return pool_.run([&](PgConnection& c) -> Result<WriteCounts> {
    WriteCounts written;
    Status s = in_transaction(c, [&]() -> Status {
      TC_RETURN_IF_ERROR(stage(c, "stage_bars", "screener.bars",
                               "source, symbol, interval_s, open_time, open, high, low, close, "
                               "price_scale, volume, volume_scale, trade_count, vwap",
                               data));
      // Versions follow commit order: bar writers take the next one in turn.
      TC_RETURN_IF_ERROR(c.exec("SELECT pg_advisory_xact_lock(hashtext('tc.bar_series'))"));
      auto inserted = c.query(
          "WITH inserted AS (INSERT INTO screener.bars SELECT * FROM stage_bars "
          "  ON CONFLICT DO NOTHING RETURNING source, symbol, interval_s), "
          "changed AS (SELECT source, symbol, interval_s, COUNT(*) AS n FROM inserted "
          "  GROUP BY source, symbol, interval_s), "
          "next_version AS (SELECT COALESCE(MAX(version), 0) + 1 AS v FROM screener.bar_series), "
          "marked AS (INSERT INTO screener.bar_series (source, symbol, interval_s, version) "
          "  SELECT source, symbol, interval_s, v FROM changed, next_version "
          "  ON CONFLICT (source, symbol, interval_s) DO UPDATE SET version = excluded.version) "
          "SELECT COALESCE(SUM(n), 0)::bigint FROM changed");
      if (!inserted) return inserted.status();
      int64_t stored = inserted->int64(0, 0);
      written = WriteCounts{stored, n - stored};
      return Status::ok();
    });
    if (!s.is_ok()) return s;
    return written;
  });
}

Result<std::vector<BarSeriesChange>> PgBarStore::bar_series_changed(const std::string& source,
                                                                    int64_t since) {
  return pool_.run([&](PgConnection& c) -> Result<std::vector<BarSeriesChange>> {
    auto rows = c.query(
        "SELECT symbol, interval_s, version FROM screener.bar_series WHERE source = $1 AND "
        "version > $2 ORDER BY version, symbol, interval_s",
        PgParams().add(source).add(since));
    if (!rows) return rows.status();
    std::vector<BarSeriesChange> out;
    for (int r = 0; r < rows->size(); ++r) {
      out.push_back(
          {std::string(rows->text(r, 0)), Interval(rows->int64(r, 1)), rows->int64(r, 2)});
    }
    return out;
  });
}

Result<std::vector<Bar>> PgBarStore::bars(const BarQuery& q) {
  PgParams params;
  params.add(q.id.source).add(q.id.symbol).add(q.interval.seconds()).add(q.start).add(q.end);
  std::string sql =
      "SELECT open_time, open, high, low, close, price_scale, volume, volume_scale, "
      "trade_count, vwap FROM screener.bars WHERE source = $1 AND symbol = $2 AND "
      "interval_s = $3 AND open_time >= $4 AND open_time < $5";
  if (q.after) {
    params.add(*q.after);
    sql += " AND open_time > $6";
  }
  params.add(q.limit);
  sql += std::string(q.newest_first ? " ORDER BY open_time DESC" : " ORDER BY open_time") +
         " LIMIT $" + std::to_string(params.size());
  return pool_.run([&](PgConnection& c) -> Result<std::vector<Bar>> {
    auto rows = c.query(sql, params);
    if (!rows) return rows.status();
    std::vector<Bar> out;
    out.reserve(rows->size());
    for (int r = 0; r < rows->size(); ++r) {
      Bar b;
      b.instrument_id = q.id;
      b.interval = q.interval;
      b.open_time = rows->int64(r, 0);
      int scale = static_cast<int>(rows->int64(r, 5));
      b.open = Decimal{rows->int64(r, 1), scale};
      b.high = Decimal{rows->int64(r, 2), scale};
      b.low = Decimal{rows->int64(r, 3), scale};
      b.close = Decimal{rows->int64(r, 4), scale};
      b.volume = Decimal{rows->int64(r, 6), static_cast<int>(rows->int64(r, 7))};
      b.trade_count = rows->int64(r, 8);
      b.vwap = rows->real(r, 9);
      out.push_back(std::move(b));
    }
    if (q.newest_first) std::reverse(out.begin(), out.end());
    return out;
  });
}

Result<std::vector<Interval>> PgBarStore::bar_intervals(const InstrumentId& id) {
  return pool_.run([&](PgConnection& c) -> Result<std::vector<Interval>> {
    // Every series with bars has its row in bar_series (written with its bars).
    auto rows = c.query(
        "SELECT interval_s FROM screener.bar_series WHERE source = $1 AND symbol = $2 "
        "ORDER BY interval_s",
        PgParams().add(id.source).add(id.symbol));
    if (!rows) return rows.status();
    std::vector<Interval> out;
    for (int r = 0; r < rows->size(); ++r) out.emplace_back(rows->int64(r, 0));
    return out;
  });
}

Result<std::optional<int64_t>> PgBarStore::latest_bar_time(const InstrumentId& id,
                                                           Interval interval) {
  return pool_.run([&](PgConnection& c) -> Result<std::optional<int64_t>> {
    auto rows = c.query(
        "SELECT MAX(open_time) FROM screener.bars WHERE source = $1 AND symbol = $2 AND "
        "interval_s = $3",
        PgParams().add(id.source).add(id.symbol).add(interval.seconds()));
    if (!rows) return rows.status();
    if (rows->is_null(0, 0)) return std::optional<int64_t>();
    return std::optional<int64_t>(rows->int64(0, 0));
  });
}

}  // namespace tc::storage
