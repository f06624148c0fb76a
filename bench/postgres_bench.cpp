// Trades/s written through the PostgreSQL store (write_ticks: COPY, a commit per batch) beside
// `psql \copy` of the same rows into the same table, with the same unique key and indexes, in
// one transaction — on a PostgreSQL of its own started by the same code as
// `tradecluster infra start`. Then the store's rate when half the rows are stored already.
//
//   postgres_bench [rows, default 1000000] [rounds, default 3]
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <vector>

#include "infra/infra.hpp"
#include "infra/process.hpp"
#include "storage/postgres/postgres_store.hpp"
#include "support/raw_http.hpp"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

// Trades of 20 symbols, in time order, as a crawl stores them.
std::vector<tc::market::TradeTick> make_ticks(int n) {
  std::vector<tc::market::TradeTick> out(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto& t = out[static_cast<size_t>(i)];
    t.instrument_id = {"SYM" + std::to_string(i % 20), "bench"};
    t.trade_id = std::to_string(1'000'000'000 + i);
    t.ts_event = 1'700'000'000'000'000'000 + int64_t{i} * 1'000'000;
    t.ts_init = t.ts_event + 5000;
    t.price = tc::market::Decimal{2'500'000'000 + (i * 7919) % 100'000, 6};
    t.size = tc::market::Decimal{1 + i % 1000, 3};
    t.aggressor_side = static_cast<tc::market::AggressorSide>(1 + i % 2);
  }
  return out;
}

// The same rows as COPY text, the file psql \copy reads.
void write_tsv(const fs::path& path, const std::vector<tc::market::TradeTick>& ticks,
               int every = 1) {
  std::string out;
  out.reserve(ticks.size() * 90);
  char buf[24];
  auto num = [&](int64_t v) { out.append(buf, std::to_chars(buf, buf + sizeof buf, v).ptr); };
  for (size_t i = 0; i < ticks.size(); i += static_cast<size_t>(every)) {
    const auto& t = ticks[i];
    out += t.instrument_id.source + '\t' + t.instrument_id.symbol + '\t' + t.trade_id + '\t';
    num(t.ts_event), out += '\t', num(t.ts_init), out += '\t', num(t.price.units), out += '\t';
    num(t.price.scale), out += '\t', num(t.size.units), out += '\t', num(t.size.scale);
    out += '\t', num(static_cast<int64_t>(t.aggressor_side)), out += '\n';
  }
  std::ofstream(path, std::ios::binary) << out;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  int rows = argc > 1 ? std::atoi(argv[1]) : 1'000'000;
  int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  char dir_template[] = "/tmp/tc-pgbench-XXXXXX";
  fs::path dir = mkdtemp(dir_template);
  using tc::testing::free_port;
  std::ofstream(dir / ".env") << "POSTGRES_PORT=" << free_port() << "\nREDIS_PORT=" << free_port()
                              << "\nNATS_PORT=" << free_port() << "\nPGADMIN_PORT=" << free_port()
                              << "\nPOSTGRES_PASSWORD=bench\n";
  auto source = tc::ConfigSource::load({}, dir / ".env");
  auto settings = tc::infra::load_infra_settings(*source, dir);
  auto services = tc::infra::make_services(*settings);
  tc::infra::Service& postgres = *services.front();
  auto quiet = [](const std::string&) {};
  if (auto s = postgres.start(quiet); !s.is_ok()) {
    std::cerr << "postgres_bench: " << s.message() << "\n";
    return 1;
  }
  tc::storage::PgOptions options;
  options.port = settings->postgres_port;
  options.password = settings->postgres_password;
  auto store = tc::storage::PostgresStore::open(options);
  if (!store) {
    std::cerr << "postgres_bench: " << store.status().message() << "\n";
    return 1;
  }
  auto ticks = make_ticks(rows);
  write_tsv(dir / "all.tsv", ticks);
  write_tsv(dir / "half.tsv", ticks, 2);
  auto conn = tc::storage::PgConnection::connect(options.conninfo());
  auto sql = [&](const std::string& s) {
    if (auto st = (*conn)->exec(s); !st.is_ok()) std::cerr << st.message() << "\n";
  };
  auto psql_copy = [&](const fs::path& file) {
    tc::infra::RunOptions o;
    o.env = {{"PGPASSWORD", options.password}};
    auto start = Clock::now();
    auto r = tc::infra::run(
        {"/usr/lib/postgresql/15/bin/psql", "-X", "-q", "-h", "127.0.0.1", "-p",
         std::to_string(options.port), "-U", options.user, "-d", options.dbname, "-c",
         "\\copy tickscrawler.ticks (source, symbol, trade_id, ts_event, "
         "ts_init, price, price_scale, size, size_scale, aggressor_side) "
         "FROM '" +
             file.string() + "'"},
        o);
    if (!r || r->exit_code != 0) std::cerr << "psql: " << (r ? r->output : "not run") << "\n";
    return std::chrono::duration<double>(Clock::now() - start).count();
  };
  auto through_store = [&](size_t batch) {
    auto start = Clock::now();
    for (size_t at = 0; at < ticks.size(); at += batch) {
      size_t n = std::min(batch, ticks.size() - at);
      auto w = (*store)->ticks().write_ticks({ticks.data() + at, n});
      if (!w) std::cerr << "write_ticks: " << w.status().message() << "\n";
    }
    return std::chrono::duration<double>(Clock::now() - start).count();
  };
  // Each measurement starts from an empty, vacuumed table.
  auto empty = [&] {
    sql("TRUNCATE tickscrawler.ticks");
    sql("VACUUM ANALYZE tickscrawler.ticks");
  };

  std::vector<double> psql_s, store_big_s, store_small_s, half_s;
  for (int round = 0; round < rounds; ++round) {
    empty();
    psql_s.push_back(psql_copy(dir / "all.tsv"));
    empty();
    store_big_s.push_back(through_store(100'000));
    empty();
    store_small_s.push_back(through_store(10'000));
    empty();
    psql_copy(dir / "half.tsv");
    sql("VACUUM ANALYZE tickscrawler.ticks");
    half_s.push_back(through_store(100'000));
  }
  auto rate = [&](double seconds) { return rows / seconds / 1e6; };
  double ref = rate(median(psql_s));
  std::printf(
      "postgres ingest: %d trades into tickscrawler.ticks (unique trade key, time index, "
      "BRIN), median of %d rounds\n",
      rows, rounds);
  std::printf("  psql \\copy (one transaction)          %6.3f M trades/s   (reference)\n", ref);
  std::printf("  store, batches of 100,000 (a commit each) %6.3f M trades/s   %.2fx psql\n",
              rate(median(store_big_s)), rate(median(store_big_s)) / ref);
  std::printf("  store, batches of 10,000 (a commit each)  %6.3f M trades/s   %.2fx psql\n",
              rate(median(store_small_s)), rate(median(store_small_s)) / ref);
  std::printf(
      "  store, half of them stored already        %6.3f M trades/s   %.2fx psql's new-data rate\n",
      rate(median(half_s)), rate(median(half_s)) / ref);
  conn->reset();
  store->reset();
  (void)postgres.stop(quiet);
  std::error_code ec;
  fs::remove_all(dir, ec);
  return 0;
}
