#include "market/bar_series.hpp"

#include <algorithm>

namespace tc::market {

void BarSeries::append(std::span<const Bar> bars) {
  size_t n = size() + bars.size();
  for (auto* column : {&open, &high, &low, &close, &volume, &vwap}) column->reserve(n);
  open_time.reserve(n);
  for (const Bar& b : bars) {
    open_time.push_back(b.open_time);
    open.push_back(b.open.to_double());
    high.push_back(b.high.to_double());
    low.push_back(b.low.to_double());
    close.push_back(b.close.to_double());
    volume.push_back(b.volume.to_double());
    // A bar without trades behind it (seeded or crawled as a bar) has no VWAP of its own: its
    // typical price stands in.
    vwap.push_back(b.vwap > 0 ? b.vwap : (high.back() + low.back() + close.back()) / 3);
  }
}

std::optional<size_t> BarSeries::bar_at_or_before(int64_t time) const {
  auto it = std::upper_bound(open_time.begin(), open_time.end(), time);
  if (it == open_time.begin()) return std::nullopt;
  return static_cast<size_t>(it - open_time.begin() - 1);
}

}  // namespace tc::market
