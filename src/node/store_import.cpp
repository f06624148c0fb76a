#include "node/store_import.hpp"

#include <chrono>
#include <fstream>
#include <limits>

#include "storage/sqlite/sqlite_store.hpp"

namespace tc::node {
namespace {

constexpr int64_t kTradeBatch = 50'000;
constexpr int64_t kBarPage = 100'000;
constexpr int kInstrumentPage = 1000;

// Skips what the destination holds already (an earlier, interrupted copy).
Status unless_there(const Status& s) {
  return s.code() == StatusCode::kAlreadyExists ? Status::ok() : s;
}

}  // namespace

Result<StoreCopy> copy_store(storage::Store& from, storage::Store& to) {
  auto started = std::chrono::steady_clock::now();
  StoreCopy n;
  auto algorithms = from.catalog().algorithms();
  if (!algorithms) return algorithms.status();
  for (const auto& a : *algorithms) {
    TC_RETURN_IF_ERROR(to.catalog().put_algorithm(a));
    ++n.algorithms;
  }
  auto sources = from.catalog().data_sources();
  if (!sources) return sources.status();
  for (const auto& d : *sources) {
    TC_RETURN_IF_ERROR(to.catalog().put_data_source(d));
    ++n.data_sources;
  }
  auto filters = from.catalog().filters();
  if (!filters) return filters.status();
  for (const auto& f : *filters) {
    if (f.builtin) continue;
    TC_RETURN_IF_ERROR(unless_there(to.catalog().add_filter(f)));
    ++n.filters;
  }

  for (const auto& d : *sources) {
    storage::InstrumentQuery q;
    q.source = d.name;
    q.limit = kInstrumentPage;
    while (true) {
      auto page = from.instruments().instruments(q);
      if (!page) return page.status();
      if (page->empty()) break;
      TC_RETURN_IF_ERROR(to.instruments().put_instruments(*page));
      n.instruments += static_cast<int64_t>(page->size());
      q.after = page->back().id.symbol;
    }
  }

  auto traded = from.ticks().instruments_with_ticks();
  if (!traded) return traded.status();
  for (const auto& id : *traded) {
    std::vector<market::TradeTick> batch;
    Status written;
    storage::TickQuery q;
    q.id = id;
    auto flush = [&] {
      auto w = to.ticks().write_ticks(batch);
      if (!w) return w.status();
      n.trades += static_cast<int64_t>(batch.size());
      batch.clear();
      return Status::ok();
    };
    Status scanned = from.ticks().scan_ticks(q, [&](const market::TradeTick& t) {
      batch.push_back(t);
      if (static_cast<int64_t>(batch.size()) < kTradeBatch) return true;
      written = flush();
      return written.is_ok();
    });
    TC_RETURN_IF_ERROR(scanned);
    TC_RETURN_IF_ERROR(written);
    if (!batch.empty()) TC_RETURN_IF_ERROR(flush());
  }

  for (const auto& d : *sources) {
    auto series = from.bars().bar_series_changed(d.name, 0);
    if (!series) return series.status();
    for (const auto& s : *series) {
      storage::BarQuery q;
      q.id = {s.symbol, d.name};
      q.interval = s.interval;
      q.limit = kBarPage;
      while (true) {
        auto page = from.bars().bars(q);
        if (!page) return page.status();
        if (page->empty()) break;
        auto w = to.bars().write_bars(*page);
        if (!w) return w.status();
        n.bars += static_cast<int64_t>(page->size());
        q.after = page->back().open_time;
      }
    }
  }

  storage::JobQuery all;
  all.limit = std::numeric_limits<int>::max();
  auto jobs = from.jobs().list(all);
  if (!jobs) return jobs.status();
  for (const auto& j : *jobs) {
    TC_RETURN_IF_ERROR(unless_there(to.jobs().create(j, std::numeric_limits<int>::max())));
    ++n.jobs;
  }
  n.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return n;
}

Result<std::optional<StoreCopy>> import_embedded_store(const std::filesystem::path& data_dir,
                                                       storage::Store& to,
                                                       const std::string& destination) {
  auto path = data_dir / "tradecluster.db";
  auto marker = data_dir / "imported-to-postgres";
  if (!std::filesystem::exists(path)) return std::optional<StoreCopy>();
  std::ifstream in(marker);
  std::string done;
  std::getline(in, done);
  if (done == destination) return std::optional<StoreCopy>();
  auto from = storage::SqliteStore::open(path);
  if (!from) return from.status();
  auto copied = copy_store(**from, to);
  if (!copied) return copied.status();
  std::ofstream(marker) << destination << "\n";
  return std::optional<StoreCopy>(*copied);
}

}  // namespace tc::node
