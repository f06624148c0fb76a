// BarSeriesCache: each source's bar series held in memory as columns (market::BarSeries), so that
// a screen or a backtest over thousands of instruments reads no store. One per node, shared by
// its replicas; bounded by a memory budget (the node's --object-store-memory).
//
// universe() returns an immutable snapshot. Before answering it asks the bar store which series
// changed since it last looked (BarStore::bar_series_changed: one indexed query, whoever wrote
// the bars) and reloads only those, so new bars are seen on the next call. When the universes in
// memory exceed the budget, the least recently used ones are dropped (and loaded again when next
// asked for); a universe that alone exceeds the budget is refused.
//
// Thread-safe: loading runs under one lock (concurrent callers wait for the same load instead of
// repeating it); a snapshot, once returned, is never changed and may outlive the cache's entry.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "market/bar_series.hpp"
#include "storage/bar_store.hpp"
#include "storage/instrument_store.hpp"

namespace tc::services {

struct SeriesUniverse {
  std::string source;
  market::Interval interval{86400};
  std::vector<std::shared_ptr<const market::BarSeries>> series;  // by symbol, each with bars
  int64_t version = 0;                                           // of the newest change read
  size_t memory_bytes = 0;
};

struct SeriesCacheStats {
  int64_t series_loaded = 0;  // series read from the store since the start
  int64_t universes_dropped = 0;
  size_t memory_bytes = 0;
  size_t memory_budget = 0;
};

class BarSeriesCache {
 public:
  BarSeriesCache(storage::BarStore& bars, storage::InstrumentStore& instruments,
                 size_t memory_budget)
      : bars_(bars), instruments_(instruments), budget_(memory_budget) {}

  // Every series of `source` at `interval` as the store holds it now. unavailable when they do
  // not fit in the budget (this node cannot serve them); the store's error when a read fails.
  Result<std::shared_ptr<const SeriesUniverse>> universe(const std::string& source,
                                                         market::Interval interval);
  // Drops every universe held (the next call loads from the store).
  void clear();
  SeriesCacheStats stats() const;

 private:
  struct Entry {
    std::shared_ptr<const SeriesUniverse> snapshot;
  };
  Result<std::shared_ptr<const market::BarSeries>> load(const std::string& source,
                                                        const std::string& symbol,
                                                        market::Interval interval);
  void enforce_budget();

  storage::BarStore& bars_;
  storage::InstrumentStore& instruments_;
  const size_t budget_;
  mutable std::mutex mu_;
  std::list<Entry> entries_;  // most recently used first
  SeriesCacheStats stats_;
};

}  // namespace tc::services
