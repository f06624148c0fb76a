#include "services/common/bar_series_cache.hpp"

#include <algorithm>
#include <map>

namespace tc::services {

Result<std::shared_ptr<const market::BarSeries>> BarSeriesCache::load(const std::string& source,
                                                                      const std::string& symbol,
                                                                      market::Interval interval) {
  auto series = std::make_shared<market::BarSeries>();
  market::InstrumentId id{symbol, source};
  auto instrument = instruments_.instrument(id);
  if (instrument) {
    series->instrument = std::move(instrument).value();
  } else if (instrument.status().code() == StatusCode::kNotFound) {
    series->instrument.id = id;  // bars without a listed instrument: no sector or class
  } else {
    return instrument.status();
  }
  series->interval = interval;
  storage::BarQuery q;
  q.id = id;
  q.interval = interval;
  auto bars = bars_.bars(q);
  if (!bars) return bars.status();
  series->append(*bars);
  ++stats_.series_loaded;
  return std::shared_ptr<const market::BarSeries>(std::move(series));
}

Result<std::shared_ptr<const SeriesUniverse>> BarSeriesCache::universe(const std::string& source,
                                                                       market::Interval interval) {
  std::lock_guard lock(mu_);
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) {
    return e.snapshot->source == source && e.snapshot->interval == interval;
  });
  std::shared_ptr<const SeriesUniverse> current;
  if (it != entries_.end()) {
    current = it->snapshot;
    entries_.splice(entries_.begin(), entries_, it);  // most recently used
  }
  int64_t since = current ? current->version : 0;
  auto changes = bars_.bar_series_changed(source, since);
  if (!changes) return changes.status();
  if (current && changes->empty()) return current;

  std::map<std::string, std::shared_ptr<const market::BarSeries>> by_symbol;
  if (current) {
    for (const auto& s : current->series) by_symbol[s->instrument.id.symbol] = s;
  }
  auto next = std::make_shared<SeriesUniverse>();
  next->source = source;
  next->interval = interval;
  next->version = since;
  for (const storage::BarSeriesChange& change : *changes) {
    next->version = std::max(next->version, change.version);
    if (change.interval != interval) continue;
    auto series = load(source, change.symbol, interval);
    if (!series) return series.status();
    by_symbol[change.symbol] = std::move(series).value();
  }
  for (auto& [symbol, series] : by_symbol) {
    next->memory_bytes += series->memory_bytes();
    next->series.push_back(std::move(series));
  }
  if (next->memory_bytes > budget_) {
    if (it != entries_.end()) entries_.erase(entries_.begin());
    return unavailable("the " + std::to_string(next->series.size()) + " series of source '" +
                       source + "' need " + std::to_string(next->memory_bytes >> 20) +
                       " MiB in memory; this node holds at most " + std::to_string(budget_ >> 20) +
                       " MiB (--object-store-memory)");
  }
  std::shared_ptr<const SeriesUniverse> snapshot = std::move(next);
  if (it != entries_.end()) {
    entries_.front().snapshot = snapshot;
  } else {
    entries_.push_front(Entry{snapshot});
  }
  enforce_budget();
  return snapshot;
}

void BarSeriesCache::enforce_budget() {
  size_t total = 0;
  for (const Entry& e : entries_) total += e.snapshot->memory_bytes;
  while (total > budget_ && entries_.size() > 1) {
    total -= entries_.back().snapshot->memory_bytes;
    entries_.pop_back();
    ++stats_.universes_dropped;
  }
  stats_.memory_bytes = total;
}

void BarSeriesCache::clear() {
  std::lock_guard lock(mu_);
  entries_.clear();
  stats_.memory_bytes = 0;
}

SeriesCacheStats BarSeriesCache::stats() const {
  std::lock_guard lock(mu_);
  SeriesCacheStats s = stats_;
  s.memory_budget = budget_;
  return s;
}

}  // namespace tc::services
