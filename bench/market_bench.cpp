// Market-data benchmarks, each beside a reference measured in the same run:
//   ingest   trades/s through the real path (validation at entry, batches, the SQLite tick store)
//            beside a bare prepared-statement insert of the same rows into the same table in
//            the same batches (sqlite3 C API, no validation, no dedupe counting);
//   history  1 M stored trades served as 1-minute bars through the history endpoint's code,
//            beside the same aggregation written in SQL.
//   stream   trades/s through a stream job (a replay of stored trades as fast as it can: the
//            stream checks, stores in batches, publishes and caches each), beside the bare insert
//            rate above; and the latency from a trade's arrival (ts_init) to its delivery on the
//            bus subject event streams relay, at 2000 trades/s (p50/p99).
//
//   market_bench [trades, default 1000000] [rounds, default 3]
//
// Each figure is the median of the rounds; the rounds alternate the two sides.
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "cluster/inproc_bus.hpp"
#include "core/time_parse.hpp"
#include "market/simulator.hpp"
#include "market/tick_validator.hpp"
#include "serve/request.hpp"
#include "services/tickscrawler/history.hpp"
#include "services/tickscrawler/stream.hpp"
#include "sources/replay_source.hpp"
#include "storage/memory_cache.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace {

using namespace tc;
using Clock = std::chrono::steady_clock;

constexpr size_t kBatch = 10000;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "market_bench: %s\n", what);
    std::exit(1);
  }
}

std::filesystem::path fresh_db(const std::filesystem::path& dir, const std::string& name) {
  std::filesystem::remove(dir / name);
  std::filesystem::remove(dir / (name + "-wal"));
  std::filesystem::remove(dir / (name + "-shm"));
  return dir / name;
}

// The real path: every trade validated where it enters, then stored in batches.
double ingest_real(const std::filesystem::path& path, const std::vector<market::TradeTick>& ticks) {
  auto store = storage::SqliteStore::open(path);
  check(store.is_ok(), "cannot open the store");
  auto start = Clock::now();
  market::TickValidator validator({ticks.front().instrument_id.symbol});
  std::vector<market::TradeTick> batch;
  batch.reserve(kBatch);
  int64_t stored = 0;
  for (size_t i = 0; i < ticks.size(); i += kBatch) {
    batch.clear();
    for (size_t k = i; k < std::min(ticks.size(), i + kBatch); ++k) {
      if (validator.check(ticks[k]).is_ok()) batch.push_back(ticks[k]);
    }
    auto w = (*store)->ticks().write_ticks(batch);
    check(w.is_ok(), "write failed");
    stored += w->written;
  }
  double s = seconds_since(start);
  check(stored == static_cast<int64_t>(ticks.size()), "not every trade was stored");
  return s;
}

// The reference: the same rows into the same table with a bare prepared statement.
double ingest_bare(const std::filesystem::path& path, const std::vector<market::TradeTick>& ticks) {
  check(storage::SqliteStore::open(path).is_ok(), "cannot create the schema");
  sqlite3* db = nullptr;
  check(sqlite3_open(path.c_str(), &db) == SQLITE_OK, "cannot open sqlite");
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", nullptr, nullptr,
               nullptr);
  sqlite3_stmt* stmt = nullptr;
  check(sqlite3_prepare_v2(db,
                           "INSERT INTO tickscrawler_ticks (source, symbol, ts_event, trade_id, "
                           "ts_init, price, price_scale, size, size_scale, aggressor_side) "
                           "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           -1, &stmt, nullptr) == SQLITE_OK,
        "prepare failed");
  auto start = Clock::now();
  for (size_t i = 0; i < ticks.size(); i += kBatch) {
    sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr);
    for (size_t k = i; k < std::min(ticks.size(), i + kBatch); ++k) {
      const market::TradeTick& t = ticks[k];
      sqlite3_bind_text(stmt, 1, t.instrument_id.source.data(),
                        static_cast<int>(t.instrument_id.source.size()), SQLITE_STATIC);
      sqlite3_bind_text(stmt, 2, t.instrument_id.symbol.data(),
                        static_cast<int>(t.instrument_id.symbol.size()), SQLITE_STATIC);
      sqlite3_bind_int64(stmt, 3, t.ts_event);
      sqlite3_bind_text(stmt, 4, t.trade_id.data(), static_cast<int>(t.trade_id.size()),
                        SQLITE_STATIC);
      sqlite3_bind_int64(stmt, 5, t.ts_init);
      sqlite3_bind_int64(stmt, 6, t.price.units);
      sqlite3_bind_int64(stmt, 7, t.price.scale);
      sqlite3_bind_int64(stmt, 8, t.size.units);
      sqlite3_bind_int64(stmt, 9, t.size.scale);
      sqlite3_bind_int64(stmt, 10, static_cast<int64_t>(t.aggressor_side));
      check(sqlite3_step(stmt) == SQLITE_DONE, "insert failed");
      sqlite3_reset(stmt);
    }
    sqlite3_exec(db, "COMMIT", nullptr, nullptr, nullptr);
  }
  double s = seconds_since(start);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return s;
}

// 1-minute bars of every stored trade through the history endpoint's code, page by page.
double bars_real(storage::Store& store, const market::Instrument& instrument, size_t* bars) {
  auto start = Clock::now();
  *bars = 0;
  std::string cursor;
  while (true) {
    serve::Request r;
    r.query = {{"symbol", instrument.id.symbol},
               {"source", instrument.id.source},
               {"interval", "1m"},
               {"limit", "100000"}};
    if (!cursor.empty()) r.query.emplace_back("cursor", cursor);
    auto q = services::read_history_request(r);
    check(q.is_ok(), "bad history request");
    auto resp = services::answer_history(store, *q, instrument);
    check(resp.is_ok() && resp->status == 200, "history failed");
    *bars += static_cast<size_t>(std::count(resp->body.begin(), resp->body.end(), '{')) - 1;
    size_t at = resp->body.rfind("\"next_cursor\":\"");
    if (at == std::string::npos) break;
    at += 15;
    cursor = resp->body.substr(at, resp->body.find('"', at) - at);
  }
  return seconds_since(start);
}

// The reference: the same bars aggregated by SQLite.
double bars_sql(const std::filesystem::path& path, const market::InstrumentId& id, size_t* bars) {
  sqlite3* db = nullptr;
  check(sqlite3_open(path.c_str(), &db) == SQLITE_OK, "cannot open sqlite");
  sqlite3_stmt* stmt = nullptr;
  check(sqlite3_prepare_v2(
            db,
            "SELECT m, MAX(CASE WHEN first = 1 THEN price END), MAX(price), MIN(price), "
            "MAX(CASE WHEN last = 1 THEN price END), SUM(size), COUNT(*), "
            "SUM(price * size) * 1.0 / SUM(size) FROM ("
            " SELECT ts_event - ts_event % 60000000000 AS m, price, size,"
            "  ROW_NUMBER() OVER (PARTITION BY ts_event - ts_event % 60000000000"
            "   ORDER BY ts_event, trade_id) AS first,"
            "  ROW_NUMBER() OVER (PARTITION BY ts_event - ts_event % 60000000000"
            "   ORDER BY ts_event DESC, trade_id DESC) AS last"
            " FROM tickscrawler_ticks WHERE source = ? AND symbol = ?) "
            "GROUP BY m ORDER BY m",
            -1, &stmt, nullptr) == SQLITE_OK,
        sqlite3_errmsg(db));
  auto start = Clock::now();
  sqlite3_bind_text(stmt, 1, id.source.c_str(), -1, SQLITE_STATIC);
  sqlite3_bind_text(stmt, 2, id.symbol.c_str(), -1, SQLITE_STATIC);
  *bars = 0;
  while (sqlite3_step(stmt) == SQLITE_ROW) ++*bars;
  double s = seconds_since(start);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return s;
}

// A stream of a replay of `ticks` (stored under "bench"): the seconds until every trade is
// stored under "replay" at `speed` 0, or the arrival-to-bus latencies at a paced `speed`.
struct StreamFigures {
  double seconds = 0;
  std::vector<double> latencies_us;
};

StreamFigures run_stream(const std::filesystem::path& path,
                         const std::vector<market::TradeTick>& ticks, double speed, size_t count) {
  auto store = storage::SqliteStore::open(path);
  check(store.is_ok(), "cannot open the store");
  market::Instrument instrument;
  instrument.id = {ticks.front().instrument_id.symbol, "bench"};
  check((*store)->instruments().put_instruments({&instrument, 1}).is_ok(), "instrument");
  std::vector<market::TradeTick> source_rows(ticks.begin(),
                                             ticks.begin() + static_cast<long>(count));
  for (auto& t : source_rows) t.instrument_id.source = "bench";
  for (size_t i = 0; i < source_rows.size(); i += kBatch) {
    std::span<const market::TradeTick> batch(source_rows.data() + i,
                                             std::min(kBatch, source_rows.size() - i));
    check((*store)->ticks().write_ticks(batch).is_ok(), "seed");
  }
  SystemClock clock;
  cluster::InProcBus bus;
  storage::MemoryCache cache(clock, 64 << 20);
  serve::JobRegistry jobs((*store)->jobs(), bus, clock);
  serve::JobRunner runner(jobs, bus, clock);
  sources::ReplaySource replay((*store)->ticks(), (*store)->instruments(), clock);
  StreamFigures figures;
  std::mutex mu;
  const int64_t first_ts = source_rows.front().ts_event;
  int64_t started_ns = 0;  // when the replay began, on the wall clock
  auto sub = bus.subscribe(
      services::trades_subject("replay", instrument.id.symbol), "", [&](const cluster::Message& m) {
        if (speed <= 0) return;
        int64_t now = clock.unix_nanos();
        size_t at = m.data.find("\"ts_event\":\"") + 12;
        auto ts = parse_utc_time(m.data.substr(at, m.data.find('"', at) - at));
        if (!ts) return;
        // The replay delivers each trade when its offset from the first has passed.
        double due = static_cast<double>(started_ns) + static_cast<double>(*ts - first_ts) / speed;
        std::lock_guard lock(mu);
        figures.latencies_us.push_back((static_cast<double>(now) - due) / 1000.0);
      });
  (void)sub;
  services::StreamRequest request;
  request.source = "replay";
  request.of = "bench";
  request.symbols = {instrument.id.symbol};
  request.speed = speed;
  serve::JobSpec spec;
  spec.kind = "stream";
  spec.service = "tickscrawler";
  spec.params = request.to_params();
  spec.max_active = 10;
  spec.timeout = std::chrono::hours(1);
  auto start = Clock::now();
  started_ns = clock.unix_nanos();
  auto job = runner.submit(spec, services::stream_work({**store, cache, bus}, replay, request, 0));
  check(job.is_ok(), "stream");
  storage::TickQuery q;
  q.id = {instrument.id.symbol, "replay"};
  while (*(*store)->ticks().count_ticks(q) < static_cast<int64_t>(count)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  figures.seconds = seconds_since(start);
  (void)jobs.request_stop(job->id, "done");
  runner.stop(std::chrono::seconds(10));
  return figures;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  size_t want = argc > 1 ? std::stoul(argv[1]) : 1000000;
  int rounds = argc > 2 ? std::stoi(argv[2]) : 3;
  auto dir =
      std::filesystem::temp_directory_path() / ("tc-market-bench-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);

  // The trades: the simulator's most liquid pair, day after day until there are enough.
  ManualClock clock(*parse_utc_time("2024-06-01"));
  market::MarketSimulator sim({42, 13}, clock);
  const market::Instrument& instrument = sim.universe()[0];
  std::vector<market::TradeTick> ticks;
  ticks.reserve(want);
  int64_t from = *parse_utc_time("2024-01-01");
  check(sim.fetch_trades(instrument.id.symbol, {from, clock.unix_nanos()},
                         [&](std::span<const market::TradeTick> page) {
                           for (const auto& t : page) {
                             if (ticks.size() == want) return false;
                             ticks.push_back(t);
                           }
                           return ticks.size() < want;
                         })
            .is_ok(),
        "simulator failed");
  std::printf("ingest: %zu trades of %s, batches of %zu, %d rounds\n", ticks.size(),
              instrument.id.symbol.c_str(), kBatch, rounds);

  std::vector<double> real, bare;
  for (int r = 0; r < rounds; ++r) {
    bare.push_back(ingest_bare(fresh_db(dir, "bare.db"), ticks));
    real.push_back(ingest_real(fresh_db(dir, "real.db"), ticks));
  }
  double n = static_cast<double>(ticks.size());
  double real_rate = n / median(real), bare_rate = n / median(bare);
  std::printf("  tradecluster ingest (validate + batch + store): %10.0f trades/s\n", real_rate);
  std::printf("  bare SQLite prepared insert, same table:        %10.0f trades/s\n", bare_rate);
  std::printf("  ratio: %.2f\n", real_rate / bare_rate);

  auto store = storage::SqliteStore::open(dir / "real.db");
  check(store.is_ok(), "cannot reopen the store");
  check((*store)->instruments().put_instruments({&instrument, 1}).is_ok(), "instrument");
  std::vector<double> served, sql;
  size_t bars = 0, sql_bars = 0;
  for (int r = 0; r < rounds; ++r) {
    sql.push_back(bars_sql(dir / "real.db", instrument.id, &sql_bars));
    served.push_back(bars_real(**store, instrument, &bars));
  }
  std::printf("history: %zu stored trades as 1-minute bars\n", ticks.size());
  std::printf("  tradecluster (scan + resample + JSON): %7.3f s for %zu bars\n", median(served),
              bars);
  std::printf("  the same aggregation in SQL:           %7.3f s for %zu bars\n", median(sql),
              sql_bars);
  std::vector<double> stream_runs;
  size_t stream_count = std::min<size_t>(ticks.size(), 200000);
  for (int r = 0; r < rounds; ++r) {
    stream_runs.push_back(run_stream(fresh_db(dir, "stream.db"), ticks, 0, stream_count).seconds);
  }
  std::printf("stream: %zu trades replayed as fast as possible through a stream job\n",
              stream_count);
  std::printf("  tradecluster stream (check + store + publish + cache): %10.0f trades/s\n",
              static_cast<double>(stream_count) / median(stream_runs));
  std::printf("  bare SQLite prepared insert (above):                   %10.0f trades/s\n",
              bare_rate);
  // Latency: 20 000 trades half a millisecond apart, replayed in real time (2000 trades/s).
  std::vector<market::TradeTick> paced(ticks.begin(), ticks.begin() + 20000);
  for (size_t i = 0; i < paced.size(); ++i) {
    paced[i].ts_event = paced[i].ts_init = paced[0].ts_event + static_cast<int64_t>(i) * 500'000;
  }
  StreamFigures lat = run_stream(fresh_db(dir, "latency.db"), paced, 1, paced.size());
  std::printf(
      "  arrival to bus (what event streams relay), 2000 trades/s: p50 %.1f ms, p99 %.1f ms\n",
      percentile(lat.latencies_us, 0.5) / 1000, percentile(lat.latencies_us, 0.99) / 1000);
  std::filesystem::remove_all(dir);
  return 0;
}
