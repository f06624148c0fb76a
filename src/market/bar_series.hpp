// BarSeries: one instrument's bars at one interval as columns of doubles, oldest first — the
// form indicators and expressions compute over. Prices are converted from their exact decimals
// once, when a series is loaded. Plain value; not synchronised.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "market/bar.hpp"
#include "market/instrument.hpp"

namespace tc::market {

struct BarSeries {
  Instrument instrument;
  Interval interval{86400};
  std::vector<int64_t> open_time;  // UTC nanoseconds, ascending
  std::vector<double> open, high, low, close, volume, vwap;

  size_t size() const { return open_time.size(); }
  // Appends `bars` (same instrument and interval, each opening after the last one held).
  void append(std::span<const Bar> bars);
  // The index of the newest bar opening at or before `time`; nullopt when none does.
  std::optional<size_t> bar_at_or_before(int64_t time) const;
  // Approximate bytes held, for memory budgets.
  size_t memory_bytes() const { return open_time.capacity() * 8 * 7 + sizeof(*this); }
};

}  // namespace tc::market
