#include "storage/postgres/pg_migrations.hpp"

#include <array>
#include <string>

namespace tc::storage {
namespace {

// The seed's schemas and extensions. pg_stat_statements is not a trusted extension: a role that
// may not create it (a managed server's ordinary user) goes on without it, with a warning in the
// server's log; `tradecluster infra` creates it as the superuser.
constexpr std::string_view kSchemas = R"sql(
CREATE SCHEMA IF NOT EXISTS algorunner;
CREATE SCHEMA IF NOT EXISTS screener;
CREATE SCHEMA IF NOT EXISTS tickscrawler;
CREATE EXTENSION IF NOT EXISTS "uuid-ossp";
CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE EXTENSION IF NOT EXISTS btree_gin;
CREATE EXTENSION IF NOT EXISTS btree_gist;
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_stat_statements;
EXCEPTION WHEN insufficient_privilege OR undefined_file THEN
  RAISE WARNING 'pg_stat_statements not created: %', SQLERRM;
END $$;
)sql";

// Times are UTC nanoseconds (bigint): ticks need more than timestamptz's microseconds. Prices and
// sizes are integer units with their decimal scale, so they come back exactly. Keys that are
// compared and ordered (symbols, sources, trade ids) use the C collation: byte order, as the
// embedded store and every client expect, whatever the database's locale.
constexpr std::string_view kTables = R"sql(
CREATE TABLE shared.deployments (
  name        text PRIMARY KEY,
  config      json NOT NULL,
  updated_at  bigint NOT NULL
);
CREATE TABLE shared.nodes (
  id          text PRIMARY KEY,
  address     text NOT NULL,
  resources   json NOT NULL DEFAULT '{}',
  labels      json NOT NULL DEFAULT '{}',
  last_seen   bigint NOT NULL
);
CREATE TABLE shared.jobs (
  id            uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
  kind          text NOT NULL,
  service       text NOT NULL,
  params        json NOT NULL DEFAULT '{}',
  state         text NOT NULL CHECK (state IN
                  ('pending','running','stopping','succeeded','failed','stopped','timed_out')),
  progress      double precision NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),
  owner_replica text NOT NULL DEFAULT '',
  owner_node    text NOT NULL DEFAULT '',
  created_at    bigint NOT NULL,
  started_at    bigint NOT NULL DEFAULT 0,
  finished_at   bigint NOT NULL DEFAULT 0,
  result        text NOT NULL DEFAULT '',
  error         text NOT NULL DEFAULT ''
);
CREATE INDEX jobs_kind_state ON shared.jobs (kind, state);
CREATE INDEX jobs_service_created ON shared.jobs (service, created_at DESC);
CREATE INDEX jobs_created ON shared.jobs (created_at DESC, id);

CREATE TABLE algorunner.algorithms (
  name        text COLLATE "C" PRIMARY KEY,
  description text NOT NULL,
  parameters  json NOT NULL DEFAULT '{}',
  enabled     boolean NOT NULL DEFAULT true,
  created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE screener.filters (
  name        text COLLATE "C" PRIMARY KEY,
  expression  text NOT NULL,
  description text NOT NULL DEFAULT '',
  builtin     boolean NOT NULL DEFAULT false,
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE screener.bars (
  source       text COLLATE "C" NOT NULL,
  symbol       text COLLATE "C" NOT NULL,
  interval_s   integer NOT NULL CHECK (interval_s > 0),
  open_time    bigint NOT NULL,
  open         bigint NOT NULL,
  high         bigint NOT NULL,
  low          bigint NOT NULL,
  close        bigint NOT NULL,
  price_scale  smallint NOT NULL CHECK (price_scale BETWEEN 0 AND 18),
  volume       bigint NOT NULL,
  volume_scale smallint NOT NULL CHECK (volume_scale BETWEEN 0 AND 18),
  trade_count  bigint NOT NULL,
  vwap         double precision NOT NULL,
  PRIMARY KEY (source, symbol, interval_s, open_time)
);
-- Which series changed since a reader loaded them: one version per write, in commit order.
CREATE TABLE screener.bar_series (
  source     text COLLATE "C" NOT NULL,
  symbol     text COLLATE "C" NOT NULL,
  interval_s integer NOT NULL,
  version    bigint NOT NULL,
  PRIMARY KEY (source, symbol, interval_s)
);
CREATE INDEX bar_series_version ON screener.bar_series (source, version);

CREATE TABLE tickscrawler.sources (
  name        text COLLATE "C" PRIMARY KEY,
  kind        text NOT NULL CHECK (kind IN ('simulator','csv','binance','replay')),
  description text NOT NULL DEFAULT '',
  config      json NOT NULL DEFAULT '{}',
  enabled     boolean NOT NULL DEFAULT true
);
CREATE TABLE tickscrawler.instruments (
  source          text COLLATE "C" NOT NULL,
  symbol          text COLLATE "C" NOT NULL,
  name            text NOT NULL DEFAULT '',
  asset_class     text NOT NULL CHECK (asset_class IN ('crypto','equity','fx','future')),
  sector          text NOT NULL DEFAULT '',
  currency        text NOT NULL DEFAULT '',
  price_precision smallint NOT NULL CHECK (price_precision BETWEEN 0 AND 18),
  size_precision  smallint NOT NULL CHECK (size_precision BETWEEN 0 AND 18),
  PRIMARY KEY (source, symbol)
);
-- Instrument search: symbol prefix or name substring in any case, by trigram.
CREATE INDEX instruments_search ON tickscrawler.instruments
  USING gin (lower(symbol) gin_trgm_ops, lower(name) gin_trgm_ops);

-- Trades: unique by trade key; read by instrument in (ts_event, trade_id) order; appended
-- roughly in time, so a BRIN index serves scans by time across instruments at a tiny size.
CREATE TABLE tickscrawler.ticks (
  source         text COLLATE "C" NOT NULL,
  symbol         text COLLATE "C" NOT NULL,
  trade_id       text COLLATE "C" NOT NULL,
  ts_event       bigint NOT NULL,
  ts_init        bigint NOT NULL,
  price          bigint NOT NULL,
  price_scale    smallint NOT NULL CHECK (price_scale BETWEEN 0 AND 18),
  size           bigint NOT NULL,
  size_scale     smallint NOT NULL CHECK (size_scale BETWEEN 0 AND 18),
  aggressor_side smallint NOT NULL CHECK (aggressor_side IN (0, 1, 2)),
  PRIMARY KEY (source, symbol, trade_id)
);
CREATE INDEX ticks_by_time ON tickscrawler.ticks (source, symbol, ts_event, trade_id);
CREATE INDEX ticks_time_brin ON tickscrawler.ticks USING brin (ts_event);
)sql";

constexpr std::string_view kSampleData = R"sql(
INSERT INTO algorunner.algorithms (name, description, parameters) VALUES
 ('sma_crossover', 'Long when the fast simple moving average crosses above the slow one, flat when it crosses below.',
  '{"fast_period":{"type":"int","default":10,"min":2,"max":500},"slow_period":{"type":"int","default":30,"min":3,"max":1000},"quantity":{"type":"number","default":1,"min":1e-8,"max":1e12},"fraction":{"type":"number","min":0.0001,"max":1}}'),
 ('rsi_mean_reversion', 'Buys when RSI falls below the oversold level and sells when it rises above the overbought level.',
  '{"period":{"type":"int","default":14,"min":2,"max":200},"oversold":{"type":"number","default":30,"min":1,"max":50},"overbought":{"type":"number","default":70,"min":50,"max":99},"quantity":{"type":"number","default":1,"min":1e-8,"max":1e12},"fraction":{"type":"number","min":0.0001,"max":1}}'),
 ('bollinger_breakout', 'Enters on a close outside the Bollinger bands, exits on the return to the middle band.',
  '{"period":{"type":"int","default":20,"min":2,"max":500},"num_std":{"type":"number","default":2.0,"min":0.5,"max":5},"quantity":{"type":"number","default":1,"min":1e-8,"max":1e12},"fraction":{"type":"number","min":0.0001,"max":1}}'),
 ('momentum', 'Holds instruments whose rate of change over the lookback is above the threshold.',
  '{"lookback":{"type":"int","default":20,"min":2,"max":500},"threshold":{"type":"number","default":0.0,"min":-1,"max":1},"quantity":{"type":"number","default":1,"min":1e-8,"max":1e12},"fraction":{"type":"number","min":0.0001,"max":1}}'),
 ('buy_and_hold', 'Buys at the first bar and holds: the benchmark every strategy is compared with.',
  '{"quantity":{"type":"number","default":1,"min":1e-8,"max":1e12},"fraction":{"type":"number","min":0.0001,"max":1}}'),
 ('ema_crossover', 'Long when the fast exponential moving average crosses above the slow one, flat when it crosses below.',
  '{"fast_period":{"type":"int","default":12,"min":2,"max":500},"slow_period":{"type":"int","default":26,"min":3,"max":1000},"quantity":{"type":"number","default":1,"min":1e-8,"max":1e12},"fraction":{"type":"number","min":0.0001,"max":1}}'),
 ('donchian_breakout', 'Long on a close above the highest high of the previous entry_period bars, flat on a close below the lowest low of the previous exit_period bars.',
  '{"entry_period":{"type":"int","default":20,"min":2,"max":500},"exit_period":{"type":"int","default":10,"min":2,"max":500},"quantity":{"type":"number","default":1,"min":1e-8,"max":1e12},"fraction":{"type":"number","min":0.0001,"max":1}}'),
 ('momentum_rank', 'Across the symbols of the run, holds the top_n with the highest rate of change over lookback bars, in equal shares of the equity, rebalanced every rebalance_every bars.',
  '{"lookback":{"type":"int","default":20,"min":2,"max":500},"top_n":{"type":"int","default":3,"min":1,"max":500},"rebalance_every":{"type":"int","default":20,"min":1,"max":1000},"fraction":{"type":"number","min":0.0001,"max":1}}'),
 ('rules', 'Long when the entry expression is true (in the screener''s language), flat when the exit expression is.',
  '{"entry":{"type":"expression","default":"crossover(sma(close, 10), sma(close, 50))"},"exit":{"type":"expression","default":"crossunder(sma(close, 10), sma(close, 50))"},"quantity":{"type":"number","default":1,"min":1e-8,"max":1e12},"fraction":{"type":"number","min":0.0001,"max":1}}');

INSERT INTO screener.filters (name, expression, description, builtin) VALUES
 ('rsi_oversold', 'rsi(close, 14) < 30', 'RSI(14) below 30', true),
 ('rsi_overbought', 'rsi(close, 14) > 70', 'RSI(14) above 70', true),
 ('above_sma_200', 'close > sma(close, 200)', 'Close above its 200-bar simple moving average', true),
 ('golden_cross', 'crossover(sma(close, 50), sma(close, 200))', 'The 50-bar SMA crossed above the 200-bar SMA', true),
 ('volume_spike', 'volume > 2 * sma(volume, 20)', 'Volume over twice its 20-bar average', true),
 ('new_high_20', 'close >= highest(high, 20)', 'Close at a 20-bar high', true),
 ('new_high_52w', 'high >= highest(high, 252)', 'A new 52-week high (252 bars)', true),
 ('new_low_52w', 'low <= lowest(low, 252)', 'A new 52-week low (252 bars)', true),
 ('unusual_volume', 'volume > 3 * sma(volume, 50)', 'Volume over three times its 50-bar average', true),
 ('top_gainers', 'pct_change(close, 1) >= 5', 'Up 5% or more since the previous close', true),
 ('top_losers', 'pct_change(close, 1) <= -5', 'Down 5% or more since the previous close', true),
 ('gap_up', 'open > high[1]', 'Opened above the previous bar''s high', true),
 ('gap_down', 'open < low[1]', 'Opened below the previous bar''s low', true),
 ('macd_bullish_cross', 'crossover(macd(close), macd_signal(close))', 'The MACD line crossed above its signal line', true);

INSERT INTO tickscrawler.sources (name, kind, description, config) VALUES
 ('simulator', 'simulator', 'Built-in deterministic market simulator: a seeded universe of instruments with history and a live feed.', '{"seed":42}'),
 ('csv', 'csv', 'Ticks imported from a user''s CSV files.', '{}'),
 ('binance', 'binance', 'Binance public market data: REST history and WebSocket trades.', '{"rest_url":"https://api.binance.com","ws_url":"wss://stream.binance.com:9443"}'),
 ('replay', 'replay', 'Stored ticks replayed as a live stream at a chosen speed.', '{}');
)sql";

constexpr std::array<Migration, 3> kMigrations{{
    {1, "schemas and extensions", kSchemas},
    {2, "tables", kTables},
    {3, "sample data", kSampleData},
}};

}  // namespace

std::span<const Migration> postgres_migrations() { return kMigrations; }

Result<int> migrate(PgConnection& conn, std::span<const Migration> migrations) {
  // One migrator at a time across every node sharing the database: the others wait on the lock
  // and then find nothing left to do. DDL is transactional: a failed step leaves no trace.
  int current = 0;
  Status status = in_transaction(conn, [&]() -> Status {
    TC_RETURN_IF_ERROR(
        conn.exec("SELECT pg_advisory_xact_lock(hashtext('tc.migrations')); "
                  "CREATE SCHEMA IF NOT EXISTS shared; "
                  "CREATE TABLE IF NOT EXISTS shared.schema_migrations ("
                  " version integer PRIMARY KEY, name text NOT NULL,"
                  " applied_at timestamptz NOT NULL DEFAULT now())"));
    auto rows = conn.query("SELECT COALESCE(MAX(version), 0) FROM shared.schema_migrations");
    if (!rows) return rows.status();
    current = static_cast<int>(rows->int64(0, 0));
    int newest = migrations.empty() ? 0 : migrations.back().version;
    if (current > newest) {
      return failed_precondition("the database is at schema version " + std::to_string(current) +
                                 " but this binary knows only up to " + std::to_string(newest) +
                                 "; use a newer tradecluster");
    }
    for (const Migration& m : migrations) {
      if (m.version <= current) continue;
      Status applied = conn.exec(m.sql);
      if (!applied.is_ok()) {
        return Status(applied.code(), "migration " + std::to_string(m.version) + " (" +
                                          std::string(m.name) + ") failed: " + applied.message());
      }
      auto recorded =
          conn.query("INSERT INTO shared.schema_migrations (version, name) VALUES ($1, $2)",
                     PgParams().add(m.version).add(m.name));
      if (!recorded) return recorded.status();
      current = m.version;
    }
    return Status::ok();
  });
  if (!status.is_ok()) return status;
  return current;
}

}  // namespace tc::storage
