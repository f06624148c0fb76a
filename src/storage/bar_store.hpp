// BarStore: bars as collected or seeded, unique by (source, symbol, interval, open time), read
// back by time. Writes are batched and idempotent. Implementations are thread-safe, and a read
// never waits for a long write batch to finish.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "market/bar.hpp"
#include "storage/write_counts.hpp"

namespace tc::storage {

struct BarQuery {
  market::InstrumentId id;
  market::Interval interval{86400};
  int64_t start = std::numeric_limits<int64_t>::min();  // open_time >= start
  int64_t end = std::numeric_limits<int64_t>::max();    // open_time < end
  std::optional<int64_t> after;                         // keyset: open_time > after
  int64_t limit = std::numeric_limits<int64_t>::max();
  bool newest_first = false;  // the newest `limit` bars, still returned oldest first
};

// A series (one instrument at one interval) that gained bars, and the write that last changed it.
struct BarSeriesChange {
  std::string symbol;
  market::Interval interval{86400};
  int64_t version = 0;  // increases with every write that stores new bars, across all series

  bool operator==(const BarSeriesChange&) const = default;
};

class BarStore {
 public:
  virtual ~BarStore() = default;

  // Stores the bars not stored yet, in one transaction (all or nothing). The bars must have
  // passed validation. Returns how many were new and how many were already there.
  virtual Result<WriteCounts> write_bars(std::span<const market::Bar> bars) = 0;
  // Bars matching `query`, oldest first, at most query.limit.
  virtual Result<std::vector<market::Bar>> bars(const BarQuery& query) = 0;
  // The intervals stored for `id`, shortest first.
  virtual Result<std::vector<market::Interval>> bar_intervals(const market::InstrumentId& id) = 0;
  // The open time of the newest stored bar of `id` at `interval`; nullopt when none is stored.
  virtual Result<std::optional<int64_t>> latest_bar_time(const market::InstrumentId& id,
                                                         market::Interval interval) = 0;
  // The series of `source` that write_bars() stored new bars in after version `since` (0: every
  // series with bars), oldest change first — how a reader holding series in memory learns what
  // to reload, on this node or written by another. The largest version returned is the `since`
  // of the next call. Cheap when nothing changed.
  virtual Result<std::vector<BarSeriesChange>> bar_series_changed(const std::string& source,
                                                                  int64_t since) = 0;
};

}  // namespace tc::storage
