// Screener benchmark, beside the same screen in SQL measured in the same run on the same data:
// N instruments x B daily bars in a SQLite store, and the four-indicator screen
//
//   close > sma(close, 200) and rsi(close, 14) < 35 and volume > 2 * sma(volume, 20)
//     and roc(close, 20) > 0
//
//   screen (memory)  the screener's code (parse, compile, evaluate, sort) over series held in
//                    memory; no result is cached between screens
//   screen (cold)    the same after dropping the series: every series loaded from the store first
//   SQL              the same filter in SQLite over the same table: window functions for the
//                    averages and the rate of change, Wilder's RSI as a recursive CTE over an
//                    indexed temporary table of the daily changes
//
// Both sides must select the same symbols; the benchmark fails otherwise.
//
//   screener_bench [instruments, default 5000] [bars, default 500] [rounds, default 5]
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "services/common/bar_series_cache.hpp"
#include "services/screener/screen.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace {

using namespace tc;
using Steady = std::chrono::steady_clock;

constexpr const char* kExpression =
    "close > sma(close, 200) and rsi(close, 14) < 35 and volume > 2 * sma(volume, 20) and "
    "roc(close, 20) > 0";

double ms_since(Steady::time_point t) {
  return std::chrono::duration<double, std::milli>(Steady::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void check(bool ok, const std::string& what) {
  if (!ok) {
    std::fprintf(stderr, "screener_bench: %s\n", what.c_str());
    std::exit(1);
  }
}

// A random walk per instrument with volume spikes; one instrument in fifty ends in the pattern
// the screen looks for (an uptrend, an 80% jump 19 bars ago and a steady pullback since, on
// rising volume), so that the screen selects some and each clause removes some.
void write_universe(storage::Store& store, int instruments, int bars) {
  std::mt19937_64 rng(42);
  std::normal_distribution<double> noise(0, 1);
  std::uniform_real_distribution<double> unit(0, 1);
  const int64_t day = 86'400'000'000'000;
  const int64_t first = (20000 - bars) * day;
  std::vector<market::Instrument> listed;
  std::vector<market::Bar> batch;
  for (int i = 0; i < instruments; ++i) {
    market::Instrument instrument;
    char symbol[16];
    std::snprintf(symbol, sizeof symbol, "S%05d", i);
    instrument.id = {symbol, "bench"};
    instrument.asset_class = market::AssetClass::kEquity;
    instrument.sector = "Sector" + std::to_string(i % 11);
    listed.push_back(instrument);
    double price = 20 + 200 * unit(rng);
    bool pattern = i % 50 == 7;
    double drift = pattern ? 0.003 : (unit(rng) - 0.5) * 0.002;
    for (int b = 0; b < bars; ++b) {
      double open = price;
      double step = drift + 0.02 * noise(rng);
      if (pattern && b > bars - 20) step = (b == bars - 19 ? 0.6 : -0.031) + 0.002 * noise(rng);
      price = std::max(0.01, price * std::exp(step));
      double high = std::max(open, price) * (1 + 0.005 * unit(rng));
      double low = std::min(open, price) * (1 - 0.005 * unit(rng));
      double volume = std::round(1e5 * (unit(rng) < 0.05 ? 3 + 2 * unit(rng) : 0.5 + unit(rng)));
      if (pattern && b == bars - 1) volume *= 4;
      auto decimal = [](double v) { return market::Decimal{std::llround(v * 100), 2}; };
      market::Bar bar;
      bar.instrument_id = instrument.id;
      bar.interval = market::Interval(86400);
      bar.open_time = first + b * day;
      bar.open = decimal(open);
      bar.high = decimal(high);
      bar.low = decimal(low);
      bar.close = decimal(price);
      bar.high = std::max({bar.high, bar.open, bar.close});
      bar.low = std::min({bar.low, bar.open, bar.close});
      bar.volume = market::Decimal{static_cast<int64_t>(volume), 0};
      bar.trade_count = 1;
      batch.push_back(bar);
    }
    if (batch.size() >= 200'000 || i + 1 == instruments) {
      check(store.bars().write_bars(batch).is_ok(), "cannot write bars");
      batch.clear();
    }
  }
  check(store.instruments().put_instruments(listed).is_ok(), "cannot write instruments");
}

std::set<std::string> screen_once(services::BarSeriesCache& cache,
                                  const services::ScreenRequest& request,
                                  const std::vector<storage::FilterRecord>& catalog, int threads) {
  auto universe = cache.universe("bench", market::Interval(86400));
  check(universe.is_ok(), "cannot load the universe: " + universe.status().to_string());
  auto result = services::screen(request, **universe, catalog, {}, threads);
  check(result.is_ok(), "screen failed: " + result.status().to_string());
  std::set<std::string> symbols;
  for (const auto& m : result->at("matches").as_array()) {
    symbols.emplace(m.at("symbol").as_string());
  }
  return symbols;
}

// The same screen in SQL, as an analyst would write it for SQLite.
constexpr const char* kSqlPrepare = R"sql(
CREATE TEMP TABLE screen_days AS
  SELECT symbol, ROW_NUMBER() OVER w AS rn, c, v, c - LAG(c) OVER w AS change,
         AVG(c) OVER (w ROWS 199 PRECEDING) AS sma200,
         COUNT(*) OVER (w ROWS 199 PRECEDING) AS n200,
         AVG(v) OVER (w ROWS 19 PRECEDING) AS vsma20,
         COUNT(*) OVER (w ROWS 19 PRECEDING) AS n20,
         (c / LAG(c, 20) OVER w - 1) * 100 AS roc20
  FROM (SELECT symbol, open_time, close * 1.0 / pow(10, price_scale) AS c,
               volume * 1.0 / pow(10, volume_scale) AS v
        FROM screener_bars WHERE source = 'bench' AND interval_s = 86400)
  WINDOW w AS (PARTITION BY symbol ORDER BY open_time);
CREATE INDEX screen_days_key ON screen_days (symbol, rn);
)sql";

constexpr const char* kSqlScreen = R"sql(
WITH RECURSIVE
  wilder(symbol, rn, gain, loss) AS (
    SELECT symbol, 15, AVG(MAX(change, 0)), AVG(MAX(-change, 0))
    FROM screen_days WHERE rn BETWEEN 2 AND 15 GROUP BY symbol HAVING COUNT(*) = 14
    UNION ALL
    SELECT w.symbol, w.rn + 1, (w.gain * 13 + MAX(d.change, 0)) / 14,
           (w.loss * 13 + MAX(-d.change, 0)) / 14
    FROM wilder w JOIN screen_days d ON d.symbol = w.symbol AND d.rn = w.rn + 1),
  newest AS (SELECT symbol, MAX(rn) AS rn FROM screen_days GROUP BY symbol)
SELECT d.symbol
FROM newest n
JOIN screen_days d ON d.symbol = n.symbol AND d.rn = n.rn
JOIN wilder r ON r.symbol = n.symbol AND r.rn = n.rn
WHERE d.n200 = 200 AND d.c > d.sma200
  AND (CASE WHEN r.gain + r.loss = 0 THEN 0 ELSE 100 * r.gain / (r.gain + r.loss) END) < 35
  AND d.n20 = 20 AND d.v > 2 * d.vsma20
  AND d.roc20 > 0
ORDER BY d.symbol
)sql";

std::set<std::string> screen_sql(sqlite3* db) {
  char* error = nullptr;
  check(sqlite3_exec(db, kSqlPrepare, nullptr, nullptr, &error) == SQLITE_OK,
        std::string("SQL: ") + (error ? error : "?"));
  sqlite3_stmt* stmt = nullptr;
  check(sqlite3_prepare_v2(db, kSqlScreen, -1, &stmt, nullptr) == SQLITE_OK, sqlite3_errmsg(db));
  std::set<std::string> symbols;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    symbols.emplace(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)));
  }
  check(rc == SQLITE_DONE, sqlite3_errmsg(db));
  sqlite3_finalize(stmt);
  check(sqlite3_exec(db, "DROP TABLE screen_days", nullptr, nullptr, nullptr) == SQLITE_OK, "drop");
  return symbols;
}

}  // namespace

int main(int argc, char** argv) {
  int instruments = argc > 1 ? std::atoi(argv[1]) : 5000;
  int bars = argc > 2 ? std::atoi(argv[2]) : 500;
  int rounds = argc > 3 ? std::atoi(argv[3]) : 5;
  check(instruments > 0 && bars > 0 && rounds > 0,
        "usage: screener_bench [instruments] [bars] [rounds]");

  auto dir =
      std::filesystem::temp_directory_path() / ("screener_bench_" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto store = storage::SqliteStore::open(dir / "bench.db");
  check(store.is_ok(), "cannot open the store");
  auto written = Steady::now();
  write_universe(**store, instruments, bars);
  std::printf("screener: %d instruments x %d daily bars written in %.1f s\n", instruments, bars,
              ms_since(written) / 1000);

  services::ScreenRequest request;
  request.source = "bench";
  request.expression = kExpression;
  request.limit = 1000000;
  auto catalog = (*store)->catalog().filters();
  check(catalog.is_ok(), "catalog");
  services::BarSeriesCache cache((*store)->bars(), (*store)->instruments(), size_t{8} << 30);

  // The screener uses every core for a large universe; the one-thread figure is shown too.
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::vector<double> cold, warm, warm_one_thread;
  std::set<std::string> ours;
  for (int r = 0; r < rounds; ++r) {
    cache.clear();
    auto t = Steady::now();
    ours = screen_once(cache, request, *catalog, cores);
    cold.push_back(ms_since(t));
    for (int k = 0; k < 5; ++k) {
      t = Steady::now();
      screen_once(cache, request, *catalog, cores);
      warm.push_back(ms_since(t));
      t = Steady::now();
      check(screen_once(cache, request, *catalog, 1) == ours, "one thread selected otherwise");
      warm_one_thread.push_back(ms_since(t));
    }
  }
  sqlite3* db = nullptr;
  check(sqlite3_open((dir / "bench.db").c_str(), &db) == SQLITE_OK, "open");
  std::vector<double> sql;
  std::set<std::string> theirs;
  int sql_rounds = std::min(rounds, 3);
  for (int r = 0; r < sql_rounds; ++r) {
    auto t = Steady::now();
    theirs = screen_sql(db);
    sql.push_back(ms_since(t));
  }
  sqlite3_close(db);
  check(ours == theirs, "the screener and SQL selected different symbols (" +
                            std::to_string(ours.size()) + " vs " + std::to_string(theirs.size()) +
                            ")");

  double w = median(warm), c = median(cold), s = median(sql);
  std::printf("screener: the four-indicator screen selects %zu of %d instruments (SQL agrees)\n",
              ours.size(), instruments);
  std::printf("  screen, series in memory   %9.2f ms   (median of %zu, %d threads)\n", w,
              warm.size(), cores);
  std::printf("  the same on one thread     %9.2f ms\n", median(warm_one_thread));
  std::printf("  screen, series from store  %9.2f ms   (median of %zu)\n", c, cold.size());
  std::printf("  same screen in SQL         %9.2f ms   (median of %zu)\n", s, sql.size());
  std::printf("  speed-up over SQL: %.0fx in memory, %.1fx from the store\n", s / w, s / c);
  std::filesystem::remove_all(dir);
  return 0;
}
