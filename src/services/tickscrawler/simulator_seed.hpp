// Seeding the embedded default with a market: the simulator's instruments, and daily bars from
// `history_days` ago up to yesterday (UTC), so that the screener and the algorunner have data on
// a bare machine at once. Run at every start: it adds only the days missing since the last run.
#pragma once

#include <cstdint>

#include "core/clock.hpp"
#include "market/source.hpp"
#include "storage/store.hpp"

namespace tc::services {

struct SeedReport {
  int64_t instruments = 0;
  int64_t bars_written = 0;
  double seconds = 0;
};

// Stores `source`'s instruments and its daily bars for the days not stored yet, using
// `threads` threads. Returns what it stored, or the first store or source error.
Result<SeedReport> seed_daily_history(market::Source& source, storage::Store& store,
                                      const Clock& clock, int history_days, int threads);

}  // namespace tc::services
