#include "storage/sqlite/sqlite_market_stores.hpp"

#include <algorithm>

namespace tc::storage {
namespace {

using market::Bar;
using market::Decimal;
using market::Instrument;
using market::InstrumentId;
using market::Interval;
using market::TradeTick;

Instrument read_instrument(const Statement& s) {
  Instrument i;
  i.id = {s.column_text(0), s.column_text(1)};
  i.name = s.column_text(2);
  i.asset_class = market::parse_asset_class(s.column_text(3)).value_or(market::AssetClass::kEquity);
  i.sector = s.column_text(4);
  i.currency = s.column_text(5);
  i.price_precision = static_cast<int>(s.column_int(6));
  i.size_precision = static_cast<int>(s.column_int(7));
  return i;
}

constexpr std::string_view kInstrumentColumns =
    "symbol, source, name, asset_class, sector, currency, price_precision, size_precision";

// The WHERE clause and bindings shared by the tick reads.
std::string tick_where(const TickQuery& q) {
  std::string sql = " WHERE source = ? AND symbol = ? AND ts_event >= ? AND ts_event < ?";
  if (q.after) sql += " AND (ts_event, trade_id) > (?, ?)";
  return sql;
}

int bind_tick_where(Statement& s, const TickQuery& q) {
  s.bind(1, q.id.source).bind(2, q.id.symbol).bind(3, q.start).bind(4, q.end);
  if (!q.after) return 5;
  s.bind(5, q.after->ts_event).bind(6, q.after->trade_id);
  return 7;
}

constexpr std::string_view kTickColumns =
    "ts_event, trade_id, ts_init, price, price_scale, size, size_scale, aggressor_side";

void read_tick(const Statement& s, TradeTick& t) {
  t.ts_event = s.column_int(0);
  t.trade_id = s.column_text(1);
  t.ts_init = s.column_int(2);
  t.price = Decimal{s.column_int(3), static_cast<int>(s.column_int(4))};
  t.size = Decimal{s.column_int(5), static_cast<int>(s.column_int(6))};
  t.aggressor_side = static_cast<market::AggressorSide>(s.column_int(7));
}

// Inserts each row with `insert` (ON CONFLICT DO NOTHING) in one transaction on `conn`, binding
// it with `bind(statement, row)`; counts the rows stored and the ones already there. Calls
// `stored(row)` for each row stored, and then `finish()` inside the same transaction.
template <typename Row, typename Bind, typename Stored, typename Finish>
Result<WriteCounts> write_batch(SqliteConnection& conn, std::string_view insert,
                                std::span<const Row> rows, Bind bind, Stored stored,
                                Finish finish) {
  WriteCounts counts;
  if (rows.empty()) return counts;
  std::lock_guard lock(conn.mu);
  Status status = in_transaction(*conn.db, [&]() -> Status {
    auto s = conn.db->prepare(insert);
    if (!s) return s.status();
    for (const Row& row : rows) {
      s->reset();
      TC_RETURN_IF_ERROR(bind(*s, row));
      TC_RETURN_IF_ERROR(s->run());
      if (conn.db->changes() > 0) {
        ++counts.written;
        stored(row);
      } else {
        ++counts.duplicates;
      }
    }
    return finish();
  });
  if (!status.is_ok()) return status;
  return counts;
}

}  // namespace

Status SqliteInstrumentStore::put_instruments(std::span<const Instrument> instruments) {
  std::lock_guard lock(writer_.mu);
  return in_transaction(*writer_.db, [&]() -> Status {
    auto s = writer_.db->prepare(
        "INSERT OR REPLACE INTO tickscrawler_instruments (symbol, source, name, asset_class, "
        "sector, currency, price_precision, size_precision) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    if (!s) return s.status();
    for (const Instrument& i : instruments) {
      s->reset();
      s->bind_view(1, i.id.symbol)
          .bind_view(2, i.id.source)
          .bind_view(3, i.name)
          .bind_view(4, market::asset_class_name(i.asset_class))
          .bind_view(5, i.sector)
          .bind_view(6, i.currency)
          .bind(7, static_cast<int64_t>(i.price_precision))
          .bind(8, static_cast<int64_t>(i.size_precision));
      TC_RETURN_IF_ERROR(s->run());
    }
    return Status::ok();
  });
}

Result<Instrument> SqliteInstrumentStore::instrument(const InstrumentId& id) {
  auto reader = readers_.acquire();
  auto s = reader->prepare("SELECT " + std::string(kInstrumentColumns) +
                           " FROM tickscrawler_instruments WHERE source = ? AND symbol = ?");
  if (!s) return s.status();
  s->bind(1, id.source).bind(2, id.symbol);
  auto row = s->step();
  if (!row) return row.status();
  if (!*row) return not_found("source '" + id.source + "' has no symbol '" + id.symbol + "'");
  return read_instrument(*s);
}

Result<std::vector<Instrument>> SqliteInstrumentStore::instruments(const InstrumentQuery& q) {
  std::string sql = "SELECT " + std::string(kInstrumentColumns) +
                    " FROM tickscrawler_instruments WHERE source = ? AND symbol > ?";
  if (!q.search.empty()) {
    sql += " AND (symbol LIKE ? ESCAPE '\\' OR name LIKE ? ESCAPE '\\')";
  }
  if (!q.sector.empty()) sql += " AND sector = ?";
  if (q.asset_class) sql += " AND asset_class = ?";
  sql += " ORDER BY symbol LIMIT ?";
  std::string escaped;
  for (char c : q.search) {
    if (c == '%' || c == '_' || c == '\\') escaped += '\\';
    escaped += c;
  }
  auto reader = readers_.acquire();
  auto s = reader->prepare(sql);
  if (!s) return s.status();
  int i = 1;
  s->bind(i++, q.source);
  s->bind(i++, q.after);
  if (!q.search.empty()) {
    s->bind(i++, escaped + "%");
    s->bind(i++, "%" + escaped + "%");
  }
  if (!q.sector.empty()) s->bind(i++, q.sector);
  if (q.asset_class) s->bind(i++, market::asset_class_name(*q.asset_class));
  s->bind(i, static_cast<int64_t>(q.limit));
  return read_all(*s, read_instrument);
}

Result<int64_t> SqliteInstrumentStore::count_instruments(const std::string& source) {
  auto reader = readers_.acquire();
  auto s = reader->prepare("SELECT COUNT(*) FROM tickscrawler_instruments WHERE source = ?");
  if (!s) return s.status();
  s->bind(1, source);
  auto row = s->step();
  if (!row) return row.status();
  return s->column_int(0);
}

Result<WriteCounts> SqliteTickStore::write_ticks(std::span<const TradeTick> ticks) {
  return write_batch(
      writer_,
      "INSERT INTO tickscrawler_ticks (source, symbol, ts_event, trade_id, ts_init, price, "
      "price_scale, size, size_scale, aggressor_side) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
      "ON CONFLICT DO NOTHING",
      ticks,
      [](Statement& s, const TradeTick& t) {
        s.bind_view(1, t.instrument_id.source)
            .bind_view(2, t.instrument_id.symbol)
            .bind(3, t.ts_event)
            .bind_view(4, t.trade_id)
            .bind(5, t.ts_init)
            .bind(6, t.price.units)
            .bind(7, static_cast<int64_t>(t.price.scale))
            .bind(8, t.size.units)
            .bind(9, static_cast<int64_t>(t.size.scale))
            .bind(10, static_cast<int64_t>(t.aggressor_side));
        return Status::ok();
      },
      [](const TradeTick&) {}, [] { return Status::ok(); });
}

Status SqliteTickStore::scan_ticks(const TickQuery& q,
                                   const std::function<bool(const TradeTick&)>& visit) {
  std::string sql = "SELECT " + std::string(kTickColumns) + " FROM tickscrawler_ticks" +
                    tick_where(q) + " ORDER BY ts_event, trade_id LIMIT ?";
  auto reader = readers_.acquire();
  auto s = reader->prepare(sql);
  if (!s) return s.status();
  s->bind(bind_tick_where(*s, q), q.limit);
  TradeTick t;
  t.instrument_id = q.id;
  while (true) {
    auto row = s->step();
    if (!row) return row.status();
    if (!*row) return Status::ok();
    read_tick(*s, t);
    if (!visit(t)) return Status::ok();
  }
}

Result<int64_t> SqliteTickStore::count_ticks(const TickQuery& q) {
  TickQuery range = q;
  range.after.reset();
  auto reader = readers_.acquire();
  auto s = reader->prepare("SELECT COUNT(*) FROM tickscrawler_ticks" + tick_where(range));
  if (!s) return s.status();
  bind_tick_where(*s, range);
  auto row = s->step();
  if (!row) return row.status();
  return s->column_int(0);
}

Result<std::vector<InstrumentId>> SqliteTickStore::instruments_with_ticks() {
  auto reader = readers_.acquire();
  // A skip-scan over the primary key: one probe per instrument.
  auto s = reader->prepare(
      "SELECT DISTINCT source, symbol FROM tickscrawler_ticks ORDER BY source, symbol");
  if (!s) return s.status();
  return read_all(*s, [](const Statement& row) {
    return InstrumentId{row.column_text(1), row.column_text(0)};
  });
}

Result<std::optional<TradeTick>> SqliteTickStore::latest_tick(const InstrumentId& id) {
  auto reader = readers_.acquire();
  auto s = reader->prepare("SELECT " + std::string(kTickColumns) +
                           " FROM tickscrawler_ticks WHERE source = ? AND symbol = ? "
                           "ORDER BY ts_event DESC, trade_id DESC LIMIT 1");
  if (!s) return s.status();
  s->bind(1, id.source).bind(2, id.symbol);
  auto row = s->step();
  if (!row) return row.status();
  if (!*row) return std::optional<TradeTick>();
  TradeTick t;
  t.instrument_id = id;
  read_tick(*s, t);
  return std::optional<TradeTick>(std::move(t));
}

Result<WriteCounts> SqliteBarStore::write_bars(std::span<const Bar> bars) {
  std::vector<std::pair<InstrumentId, Interval>> changed;  // in batch order, adjacent ones merged
  return write_batch(
      writer_,
      "INSERT INTO screener_bars (source, symbol, interval_s, open_time, open, high, low, close, "
      "price_scale, volume, volume_scale, trade_count, vwap) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
      bars,
      [](Statement& s, const Bar& b) -> Status {
        auto prices = market::prices_at_one_scale(b);
        if (!prices) return prices.status();
        s.bind_view(1, b.instrument_id.source)
            .bind_view(2, b.instrument_id.symbol)
            .bind(3, b.interval.seconds())
            .bind(4, b.open_time)
            .bind(5, prices->open)
            .bind(6, prices->high)
            .bind(7, prices->low)
            .bind(8, prices->close)
            .bind(9, static_cast<int64_t>(prices->scale))
            .bind(10, b.volume.units)
            .bind(11, static_cast<int64_t>(b.volume.scale))
            .bind(12, b.trade_count)
            .bind(13, b.vwap);
        return Status::ok();
      },
      [&](const Bar& b) {
        if (changed.empty() || changed.back().first != b.instrument_id ||
            changed.back().second != b.interval) {
          changed.emplace_back(b.instrument_id, b.interval);
        }
      },
      [&]() -> Status {
        if (changed.empty()) return Status::ok();
        // One version per write: the next after the newest, taken under the writer's lock.
        auto next =
            writer_.db->prepare("SELECT COALESCE(MAX(version), 0) + 1 FROM screener_bar_series");
        if (!next) return next.status();
        auto row = next->step();
        if (!row) return row.status();
        int64_t version = next->column_int(0);
        auto upsert = writer_.db->prepare(
            "INSERT INTO screener_bar_series (source, symbol, interval_s, version) "
            "VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET version = excluded.version");
        if (!upsert) return upsert.status();
        for (const auto& [id, interval] : changed) {
          upsert->reset();
          upsert->bind(1, id.source)
              .bind(2, id.symbol)
              .bind(3, interval.seconds())
              .bind(4, version);
          TC_RETURN_IF_ERROR(upsert->run());
        }
        return Status::ok();
      });
}

Result<std::vector<BarSeriesChange>> SqliteBarStore::bar_series_changed(const std::string& source,
                                                                        int64_t since) {
  auto reader = readers_.acquire();
  auto s = reader->prepare(
      "SELECT symbol, interval_s, version FROM screener_bar_series WHERE source = ? AND "
      "version > ? ORDER BY version, symbol, interval_s");
  if (!s) return s.status();
  s->bind(1, source).bind(2, since);
  return read_all(*s, [](const Statement& row) {
    return BarSeriesChange{row.column_text(0), Interval(row.column_int(1)), row.column_int(2)};
  });
}

Result<std::vector<Bar>> SqliteBarStore::bars(const BarQuery& q) {
  std::string sql =
      "SELECT open_time, open, high, low, close, price_scale, volume, volume_scale, "
      "trade_count, vwap FROM screener_bars WHERE source = ? AND symbol = ? AND interval_s = ? "
      "AND open_time >= ? AND open_time < ?";
  if (q.after) sql += " AND open_time > ?";
  sql += q.newest_first ? " ORDER BY open_time DESC LIMIT ?" : " ORDER BY open_time LIMIT ?";
  auto reader = readers_.acquire();
  auto s = reader->prepare(sql);
  if (!s) return s.status();
  int i = 1;
  s->bind(1, q.id.source).bind(2, q.id.symbol).bind(3, q.interval.seconds());
  s->bind(4, q.start).bind(5, q.end);
  i = 6;
  if (q.after) s->bind(i++, *q.after);
  s->bind(i, q.limit);
  auto out = read_all(*s, [&](const Statement& row) {
    Bar b;
    b.instrument_id = q.id;
    b.interval = q.interval;
    b.open_time = row.column_int(0);
    int scale = static_cast<int>(row.column_int(5));
    b.open = Decimal{row.column_int(1), scale};
    b.high = Decimal{row.column_int(2), scale};
    b.low = Decimal{row.column_int(3), scale};
    b.close = Decimal{row.column_int(4), scale};
    b.volume = Decimal{row.column_int(6), static_cast<int>(row.column_int(7))};
    b.trade_count = row.column_int(8);
    b.vwap = row.column_double(9);
    return b;
  });
  if (out && q.newest_first) std::reverse(out->begin(), out->end());
  return out;
}

Result<std::vector<Interval>> SqliteBarStore::bar_intervals(const InstrumentId& id) {
  auto reader = readers_.acquire();
  // A skip-scan over the primary key: one probe per distinct interval.
  auto s = reader->prepare(
      "SELECT DISTINCT interval_s FROM screener_bars WHERE source = ? AND symbol = ? "
      "ORDER BY interval_s");
  if (!s) return s.status();
  s->bind(1, id.source).bind(2, id.symbol);
  return read_all(*s, [](const Statement& row) { return Interval(row.column_int(0)); });
}

Result<std::optional<int64_t>> SqliteBarStore::latest_bar_time(const InstrumentId& id,
                                                               Interval interval) {
  auto reader = readers_.acquire();
  auto s = reader->prepare(
      "SELECT MAX(open_time) FROM screener_bars WHERE source = ? AND symbol = ? AND "
      "interval_s = ?");
  if (!s) return s.status();
  s->bind(1, id.source).bind(2, id.symbol).bind(3, interval.seconds());
  auto row = s->step();
  if (!row) return row.status();
  if (s->column_text(0).empty()) return std::optional<int64_t>();
  return std::optional<int64_t>(s->column_int(0));
}

}  // namespace tc::storage
