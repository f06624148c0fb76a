// TickStore: trades as collected, unique by (source, symbol, trade id), read back by time.
// Writes are batched and idempotent: storing the same trades twice stores nothing twice.
// Implementations are thread-safe, and a read never waits for a long write batch to finish.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/status.hpp"
#include "market/trade_tick.hpp"
#include "storage/write_counts.hpp"

namespace tc::storage {

// A position in the (ts_event, trade_id) order of one instrument's trades.
struct TickCursor {
  int64_t ts_event = 0;
  std::string trade_id;
};

struct TickQuery {
  market::InstrumentId id;
  int64_t start = std::numeric_limits<int64_t>::min();  // ts_event >= start
  int64_t end = std::numeric_limits<int64_t>::max();    // ts_event < end
  std::optional<TickCursor> after;                      // only trades after this position
  int64_t limit = std::numeric_limits<int64_t>::max();
};

class TickStore {
 public:
  virtual ~TickStore() = default;

  // Stores the trades not stored yet, in one transaction (all or nothing). The trades must
  // have passed validation. Returns how many were new and how many were already there.
  virtual Result<WriteCounts> write_ticks(std::span<const market::TradeTick> ticks) = 0;
  // Trades matching `query` in (ts_event, trade_id) order, at most query.limit: scan_ticks()
  // collected.
  Result<std::vector<market::TradeTick>> ticks(const TickQuery& query) {
    std::vector<market::TradeTick> out;
    Status scanned = scan_ticks(query, [&](const market::TradeTick& t) {
      out.push_back(t);
      return true;
    });
    if (!scanned.is_ok()) return scanned;
    return out;
  }
  // Calls `visit` with each trade matching `query`, in order, until it returns false — for
  // resampling large ranges without holding them in memory.
  virtual Status scan_ticks(const TickQuery& query,
                            const std::function<bool(const market::TradeTick&)>& visit) = 0;
  // Number of stored trades of `query.id` in [query.start, query.end) (cursor and limit ignored).
  virtual Result<int64_t> count_ticks(const TickQuery& query) = 0;
  // Every instrument with stored trades, ordered by source and symbol.
  virtual Result<std::vector<market::InstrumentId>> instruments_with_ticks() = 0;
  // The newest stored trade of `id` (last in (ts_event, trade_id) order); nullopt when none.
  virtual Result<std::optional<market::TradeTick>> latest_tick(const market::InstrumentId& id) = 0;
};

}  // namespace tc::storage
