#include "storage/sqlite/sqlite_migrations.hpp"

#include <array>
#include <string>

namespace tc::storage {
namespace {

constexpr std::string_view kCoreSchema = R"sql(
CREATE TABLE shared_deployments (
  name        TEXT PRIMARY KEY,
  config      TEXT NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE TABLE shared_nodes (
  id          TEXT PRIMARY KEY,
  address     TEXT NOT NULL,
  resources   TEXT NOT NULL DEFAULT '{}',
  labels      TEXT NOT NULL DEFAULT '{}',
  last_seen   INTEGER NOT NULL
);
CREATE TABLE shared_jobs (
  id            TEXT PRIMARY KEY,
  kind          TEXT NOT NULL,
  service       TEXT NOT NULL,
  params        TEXT NOT NULL DEFAULT '{}',
  state         TEXT NOT NULL CHECK (state IN
                  ('pending','running','succeeded','failed','stopped','timed_out')),
  progress      REAL NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
  owner_replica TEXT NOT NULL DEFAULT '',
  owner_node    TEXT NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL,
  started_at    INTEGER NOT NULL DEFAULT 0,
  finished_at   INTEGER NOT NULL DEFAULT 0,
  result        TEXT NOT NULL DEFAULT '',
  error         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX shared_jobs_kind_state ON shared_jobs (kind, state);
CREATE INDEX shared_jobs_service_created ON shared_jobs (service, created_at DESC);

CREATE TABLE algorunner_algorithms (
  name        TEXT PRIMARY KEY,
  description TEXT NOT NULL,
  parameters  TEXT NOT NULL DEFAULT '{}',
  enabled     INTEGER NOT NULL DEFAULT 1,
  created_at  INTEGER NOT NULL
);

CREATE TABLE screener_filters (
  name        TEXT PRIMARY KEY,
  expression  TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  builtin     INTEGER NOT NULL DEFAULT 0,
  created_at  INTEGER NOT NULL
);
CREATE TABLE screener_bars (
  source      TEXT NOT NULL,
  symbol      TEXT NOT NULL,
  interval_s  INTEGER NOT NULL,
  open_time   INTEGER NOT NULL,
  open        REAL NOT NULL,
  high        REAL NOT NULL,
  low         REAL NOT NULL,
  close       REAL NOT NULL,
  volume      REAL NOT NULL,
  trade_count INTEGER NOT NULL,
  vwap        REAL NOT NULL,
  PRIMARY KEY (source, symbol, interval_s, open_time)
) WITHOUT ROWID;

CREATE TABLE tickscrawler_sources (
  name        TEXT PRIMARY KEY,
  kind        TEXT NOT NULL CHECK (kind IN ('simulator','csv','binance','replay')),
  description TEXT NOT NULL DEFAULT '',
  config      TEXT NOT NULL DEFAULT '{}',
  enabled     INTEGER NOT NULL DEFAULT 1
);
CREATE TABLE tickscrawler_instruments (
  source      TEXT NOT NULL,
  symbol      TEXT NOT NULL,
  asset_class TEXT NOT NULL,
  sector      TEXT NOT NULL DEFAULT '',
  currency    TEXT NOT NULL,
  tick_size   REAL NOT NULL,
  PRIMARY KEY (source, symbol)
) WITHOUT ROWID;
CREATE TABLE tickscrawler_ticks (
  source         TEXT NOT NULL,
  symbol         TEXT NOT NULL,
  trade_id       TEXT NOT NULL,
  ts_event       INTEGER NOT NULL,
  ts_init        INTEGER NOT NULL,
  price          REAL NOT NULL,
  quantity       REAL NOT NULL,
  aggressor_side TEXT NOT NULL CHECK (aggressor_side IN ('buyer','seller','none')),
  PRIMARY KEY (source, symbol, trade_id)
) WITHOUT ROWID;
CREATE INDEX tickscrawler_ticks_time ON tickscrawler_ticks (source, symbol, ts_event);
)sql";

constexpr std::string_view kSampleData = R"sql(
INSERT INTO algorunner_algorithms (name, description, parameters, created_at) VALUES
 ('sma_crossover', 'Long when the fast simple moving average crosses above the slow one, flat when it crosses below.',
  '{"fast_period":{"type":"int","default":10,"min":2,"max":500},"slow_period":{"type":"int","default":30,"min":3,"max":1000}}',
  unixepoch() * 1000000000),
 ('rsi_mean_reversion', 'Buys when RSI falls below the oversold level and sells when it rises above the overbought level.',
  '{"period":{"type":"int","default":14,"min":2,"max":200},"oversold":{"type":"number","default":30,"min":1,"max":50},"overbought":{"type":"number","default":70,"min":50,"max":99}}',
  unixepoch() * 1000000000),
 ('bollinger_breakout', 'Enters on a close outside the Bollinger bands, exits on the return to the middle band.',
  '{"period":{"type":"int","default":20,"min":2,"max":500},"num_std":{"type":"number","default":2.0,"min":0.5,"max":5}}',
  unixepoch() * 1000000000),
 ('momentum', 'Holds instruments whose rate of change over the lookback is above the threshold.',
  '{"lookback":{"type":"int","default":20,"min":2,"max":500},"threshold":{"type":"number","default":0.0,"min":-1,"max":1}}',
  unixepoch() * 1000000000),
 ('buy_and_hold', 'Buys at the first bar and holds: the benchmark every strategy is compared with.',
  '{}', unixepoch() * 1000000000);

INSERT INTO screener_filters (name, expression, description, builtin, created_at) VALUES
 ('rsi_oversold', 'rsi(close, 14) < 30', 'RSI(14) below 30', 1, unixepoch() * 1000000000),
 ('rsi_overbought', 'rsi(close, 14) > 70', 'RSI(14) above 70', 1, unixepoch() * 1000000000),
 ('above_sma_200', 'close > sma(close, 200)', 'Close above its 200-bar simple moving average', 1, unixepoch() * 1000000000),
 ('golden_cross', 'crossover(sma(close, 50), sma(close, 200))', 'The 50-bar SMA crossed above the 200-bar SMA', 1, unixepoch() * 1000000000),
 ('volume_spike', 'volume > 2 * sma(volume, 20)', 'Volume over twice its 20-bar average', 1, unixepoch() * 1000000000),
 ('new_high_20', 'close >= highest(high, 20)', 'Close at a 20-bar high', 1, unixepoch() * 1000000000);

INSERT INTO tickscrawler_sources (name, kind, description, config) VALUES
 ('simulator', 'simulator', 'Built-in deterministic market simulator: a seeded universe of instruments with history and a live feed.', '{"seed":42}'),
 ('csv', 'csv', 'Ticks imported from a user''s CSV files.', '{}'),
 ('binance', 'binance', 'Binance public market data: REST history and WebSocket trades.', '{"rest_url":"https://api.binance.com","ws_url":"wss://stream.binance.com:9443"}'),
 ('replay', 'replay', 'Stored ticks replayed as a live stream at a chosen speed.', '{}');
)sql";

// Jobs gain the stopping state and a JSON error; instruments, trades and bars take exact decimal
// prices (integer units and a scale), and trades are clustered by time.
constexpr std::string_view kMarketData = R"sql(
CREATE TABLE shared_jobs_v3 (
  id            TEXT PRIMARY KEY,
  kind          TEXT NOT NULL,
  service       TEXT NOT NULL,
  params        TEXT NOT NULL DEFAULT '{}',
  state         TEXT NOT NULL CHECK (state IN
                  ('pending','running','stopping','succeeded','failed','stopped','timed_out')),
  progress      REAL NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
  owner_replica TEXT NOT NULL DEFAULT '',
  owner_node    TEXT NOT NULL DEFAULT '',
  created_at    INTEGER NOT NULL,
  started_at    INTEGER NOT NULL DEFAULT 0,
  finished_at   INTEGER NOT NULL DEFAULT 0,
  result        TEXT NOT NULL DEFAULT '',
  error         TEXT NOT NULL DEFAULT ''
);
INSERT INTO shared_jobs_v3 SELECT id, kind, service, params, state, progress, owner_replica,
  owner_node, created_at, started_at, finished_at, result,
  CASE WHEN error = '' OR json_valid(error) THEN error
       ELSE json_object('code', 'failed', 'message', error) END
  FROM shared_jobs;
DROP TABLE shared_jobs;
ALTER TABLE shared_jobs_v3 RENAME TO shared_jobs;
CREATE INDEX shared_jobs_kind_state ON shared_jobs (kind, state);
CREATE INDEX shared_jobs_service_created ON shared_jobs (service, created_at DESC);

DROP TABLE tickscrawler_instruments;
CREATE TABLE tickscrawler_instruments (
  source          TEXT NOT NULL,
  symbol          TEXT NOT NULL,
  name            TEXT NOT NULL DEFAULT '',
  asset_class     TEXT NOT NULL CHECK (asset_class IN ('crypto','equity','fx','future')),
  sector          TEXT NOT NULL DEFAULT '',
  currency        TEXT NOT NULL DEFAULT '',
  price_precision INTEGER NOT NULL CHECK (price_precision BETWEEN 0 AND 18),
  size_precision  INTEGER NOT NULL CHECK (size_precision BETWEEN 0 AND 18),
  PRIMARY KEY (source, symbol)
) WITHOUT ROWID;

DROP TABLE tickscrawler_ticks;
CREATE TABLE tickscrawler_ticks (
  source         TEXT NOT NULL,
  symbol         TEXT NOT NULL,
  ts_event       INTEGER NOT NULL,
  trade_id       TEXT NOT NULL,
  ts_init        INTEGER NOT NULL,
  price          INTEGER NOT NULL,
  price_scale    INTEGER NOT NULL,
  size           INTEGER NOT NULL,
  size_scale     INTEGER NOT NULL,
  aggressor_side INTEGER NOT NULL CHECK (aggressor_side IN (0, 1, 2)),
  PRIMARY KEY (source, symbol, ts_event, trade_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX tickscrawler_ticks_trade ON tickscrawler_ticks (source, symbol, trade_id);

DROP TABLE screener_bars;
CREATE TABLE screener_bars (
  source       TEXT NOT NULL,
  symbol       TEXT NOT NULL,
  interval_s   INTEGER NOT NULL,
  open_time    INTEGER NOT NULL,
  open         INTEGER NOT NULL,
  high         INTEGER NOT NULL,
  low          INTEGER NOT NULL,
  close        INTEGER NOT NULL,
  price_scale  INTEGER NOT NULL,
  volume       INTEGER NOT NULL,
  volume_scale INTEGER NOT NULL,
  trade_count  INTEGER NOT NULL,
  vwap         REAL NOT NULL,
  PRIMARY KEY (source, symbol, interval_s, open_time)
) WITHOUT ROWID;
)sql";

// The screener: which bar series changed since a reader loaded them (one version per write), and
// finviz-like preset filters.
constexpr std::string_view kScreener = R"sql(
CREATE TABLE screener_bar_series (
  source     TEXT NOT NULL,
  symbol     TEXT NOT NULL,
  interval_s INTEGER NOT NULL,
  version    INTEGER NOT NULL,
  PRIMARY KEY (source, symbol, interval_s)
) WITHOUT ROWID;
CREATE INDEX screener_bar_series_version ON screener_bar_series (source, version);
INSERT INTO screener_bar_series (source, symbol, interval_s, version)
  SELECT DISTINCT source, symbol, interval_s, 1 FROM screener_bars;

INSERT INTO screener_filters (name, expression, description, builtin, created_at) VALUES
 ('new_high_52w', 'high >= highest(high, 252)', 'A new 52-week high (252 bars)', 1, unixepoch() * 1000000000),
 ('new_low_52w', 'low <= lowest(low, 252)', 'A new 52-week low (252 bars)', 1, unixepoch() * 1000000000),
 ('unusual_volume', 'volume > 3 * sma(volume, 50)', 'Volume over three times its 50-bar average', 1, unixepoch() * 1000000000),
 ('top_gainers', 'pct_change(close, 1) >= 5', 'Up 5% or more since the previous close', 1, unixepoch() * 1000000000),
 ('top_losers', 'pct_change(close, 1) <= -5', 'Down 5% or more since the previous close', 1, unixepoch() * 1000000000),
 ('gap_up', 'open > high[1]', 'Opened above the previous bar''s high', 1, unixepoch() * 1000000000),
 ('gap_down', 'open < low[1]', 'Opened below the previous bar''s low', 1, unixepoch() * 1000000000),
 ('macd_bullish_cross', 'crossover(macd(close), macd_signal(close))', 'The MACD line crossed above its signal line', 1, unixepoch() * 1000000000);
)sql";

// The algorunner's engine: every algorithm takes a quantity (units per order) or a fraction (of
// equity per position), and four more are built in (rules: entry and exit expressions).
constexpr std::string_view kAlgorithms = R"sql(
UPDATE algorunner_algorithms SET parameters = json_set(parameters,
  '$.quantity', json('{"type":"number","default":1,"min":1e-8,"max":1e12}'),
  '$.fraction', json('{"type":"number","min":0.0001,"max":1}'));

INSERT INTO algorunner_algorithms (name, description, parameters, created_at) VALUES
 ('ema_crossover', 'Long when the fast exponential moving average crosses above the slow one, flat when it crosses below.',
  '{"fast_period":{"type":"int","default":12,"min":2,"max":500},"slow_period":{"type":"int","default":26,"min":3,"max":1000},"quantity":{"type":"number","default":1,"min":1e-8,"max":1e12},"fraction":{"type":"number","min":0.0001,"max":1}}',
  unixepoch() * 1000000000),
 ('donchian_breakout', 'Long on a close above the highest high of the previous entry_period bars, flat on a close below the lowest low of the previous exit_period bars.',
  '{"entry_period":{"type":"int","default":20,"min":2,"max":500},"exit_period":{"type":"int","default":10,"min":2,"max":500},"quantity":{"type":"number","default":1,"min":1e-8,"max":1e12},"fraction":{"type":"number","min":0.0001,"max":1}}',
  unixepoch() * 1000000000),
 ('momentum_rank', 'Across the symbols of the run, holds the top_n with the highest rate of change over lookback bars, in equal shares of the equity, rebalanced every rebalance_every bars.',
  '{"lookback":{"type":"int","default":20,"min":2,"max":500},"top_n":{"type":"int","default":3,"min":1,"max":500},"rebalance_every":{"type":"int","default":20,"min":1,"max":1000},"fraction":{"type":"number","min":0.0001,"max":1}}',
  unixepoch() * 1000000000),
 ('rules', 'Long when the entry expression is true (in the screener''s language), flat when the exit expression is.',
  '{"entry":{"type":"expression","default":"crossover(sma(close, 10), sma(close, 50))"},"exit":{"type":"expression","default":"crossunder(sma(close, 10), sma(close, 50))"},"quantity":{"type":"number","default":1,"min":1e-8,"max":1e12},"fraction":{"type":"number","min":0.0001,"max":1}}',
  unixepoch() * 1000000000);
)sql";

constexpr std::array<Migration, 5> kMigrations{{
    {1, "core schema", kCoreSchema},
    {2, "sample data", kSampleData},
    {3, "market data", kMarketData},
    {4, "screener", kScreener},
    {5, "algorithms", kAlgorithms},
}};

}  // namespace

std::span<const Migration> sqlite_migrations() { return kMigrations; }

Result<int> migrate(SqliteDatabase& db, std::span<const Migration> migrations) {
  TC_RETURN_IF_ERROR(
      db.exec("CREATE TABLE IF NOT EXISTS shared_schema_migrations ("
              " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)"));
  int current = 0;
  {
    // Finalized before any step runs: a live statement would lock the tables a step drops.
    auto current_stmt =
        db.prepare("SELECT COALESCE(MAX(version), 0) FROM shared_schema_migrations");
    if (!current_stmt) return current_stmt.status();
    auto row = current_stmt->step();
    if (!row) return row.status();
    current = static_cast<int>(current_stmt->column_int(0));
  }
  int newest = migrations.empty() ? 0 : migrations.back().version;
  if (current > newest) {
    return failed_precondition("the database is at schema version " + std::to_string(current) +
                               " but this binary knows only up to " + std::to_string(newest) +
                               "; use a newer tradecluster");
  }
  for (const Migration& m : migrations) {
    if (m.version <= current) continue;
    Status s = in_transaction(db, [&]() -> Status {
      TC_RETURN_IF_ERROR(db.exec(m.sql));
      auto record = db.prepare(
          "INSERT INTO shared_schema_migrations (version, name, applied_at) "
          "VALUES (?, ?, unixepoch() * 1000000000)");
      if (!record) return record.status();
      record->bind(1, static_cast<int64_t>(m.version)).bind(2, m.name);
      return record->run();
    });
    if (!s.is_ok()) {
      return Status(s.code(), "migration " + std::to_string(m.version) + " (" +
                                  std::string(m.name) + ") failed: " + s.message());
    }
    current = m.version;
  }
  return current;
}

}  // namespace tc::storage
