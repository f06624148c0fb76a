// The market overview of a universe at each instrument's newest bar: top gainers and losers,
// the most active, advancers and decliners, new 52-week highs and lows, and performance by
// sector. The logic behind GET /api/screener/market-overview, without HTTP or caching.
#pragma once

#include "core/json.hpp"
#include "services/common/bar_series_cache.hpp"

namespace tc::services {

struct OverviewOptions {
  int top = 10;             // instruments in each top list
  int high_low_bars = 252;  // a 52-week high or low: over this many bars, the current included
  int64_t computed_at = 0;  // UTC nanoseconds, reported as computed_at
};

// The overview body: as_of (the newest bar used), universe_size, breadth {advancers, decliners,
// unchanged}, top_gainers, top_losers, most_active (by traded value, close x volume), new_highs,
// new_lows ({count, symbols}), sectors [{sector, instruments, advancers, decliners,
// average_change_pct}] best first. A change is the close against the previous bar's close, in
// percent; instruments with a single bar have none.
Result<json::object> market_overview(const SeriesUniverse& universe,
                                     const OverviewOptions& options);

}  // namespace tc::services
