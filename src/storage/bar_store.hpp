// BarStore: bars as collected or seeded, unique by (source, symbol, interval, open time), read
// back by time. Writes are batched and idempotent. Implementations are thread-safe, and a read
// never waits for a long write batch to finish.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
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
};

}  // namespace tc::storage
