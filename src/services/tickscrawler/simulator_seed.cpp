#include "services/tickscrawler/simulator_seed.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

namespace tc::services {

Result<SeedReport> seed_daily_history(market::Source& source, storage::Store& store,
                                      const Clock& clock, int history_days, int threads) {
  auto started = std::chrono::steady_clock::now();
  SeedReport report;
  auto instruments = source.instruments();
  if (!instruments) return instruments.status();
  TC_RETURN_IF_ERROR(store.instruments().put_instruments(*instruments));
  report.instruments = static_cast<int64_t>(instruments->size());

  const market::Interval day = *market::Interval::parse("1d");
  const int64_t today = day.open_time(clock.unix_nanos());
  const int64_t first = today - static_cast<int64_t>(history_days) * day.nanos();
  std::atomic<size_t> next{0};
  std::atomic<int64_t> written{0};
  std::mutex mu;
  Status failure;
  auto work = [&] {
    for (size_t i = next++; i < instruments->size(); i = next++) {
      const market::InstrumentId& id = (*instruments)[i].id;
      auto latest = store.bars().latest_bar_time(id, day);
      Status s = latest.status();
      if (s.is_ok()) {
        int64_t from = *latest ? std::max(first, **latest + day.nanos()) : first;
        if (from >= today) continue;
        s = source.fetch_bars(id.symbol, day, {from, today},
                              [&](std::span<const market::Bar> page) {
                                auto w = store.bars().write_bars(page);
                                if (!w) {
                                  std::lock_guard lock(mu);
                                  failure = w.status();
                                  return false;
                                }
                                written += w->written;
                                return true;
                              });
      }
      std::lock_guard lock(mu);
      if (!s.is_ok() && failure.is_ok()) failure = s;
      if (!failure.is_ok()) return;
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < std::max(1, threads); ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (!failure.is_ok()) return failure;
  report.bars_written = written.load();
  report.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return report;
}

}  // namespace tc::services
