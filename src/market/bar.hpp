// Bar: the trades of one instrument over one interval, summarised. An interval with no trade has
// no bar. Prices keep the precision of the trades they came from; VWAP is a mean, so a double.
//
// BarAggregator folds trades (or finer bars) into bars as they arrive, in time order — the one
// resampling routine behind history queries, crawls of bars, the simulator and live feeds.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "market/decimal.hpp"
#include "market/instrument.hpp"
#include "market/interval.hpp"
#include "market/trade_tick.hpp"

namespace tc::market {

struct Bar {
  InstrumentId instrument_id;
  Interval interval{60};
  int64_t open_time = 0;  // UTC nanoseconds, a multiple of the interval
  Decimal open, high, low, close;
  Decimal volume;
  int64_t trade_count = 0;
  double vwap = 0;

  bool operator==(const Bar&) const = default;
};

// ok for a bar fit to store; invalid_argument naming the first inconsistency otherwise (open
// time not aligned, a price that is not positive, high below another price, low above one,
// negative volume or trade count).
Status validate(const Bar& bar);

// A bar's four prices at one scale, the largest of theirs (a lossless rescale), as the stores
// keep them: one scale column beside four integer columns.
struct BarPrices {
  int scale = 0;
  int64_t open = 0, high = 0, low = 0, close = 0;
};
// invalid_argument when a price does not fit in 64 bits at that scale.
Result<BarPrices> prices_at_one_scale(const Bar& bar);

// Not thread-safe: one aggregator per feed.
class BarAggregator {
 public:
  BarAggregator(InstrumentId instrument_id, Interval interval)
      : instrument_id_(std::move(instrument_id)), interval_(interval) {}

  // Adds a trade at or after the previous one. Returns the previous bar once this trade opens a
  // later one (that bar is then complete).
  std::optional<Bar> add(int64_t ts_event, Decimal price, Decimal size);
  std::optional<Bar> add(const TradeTick& tick) {
    return add(tick.ts_event, tick.price, tick.size);
  }
  // Adds a bar of a finer interval that divides this one, opening at or after the previous one.
  std::optional<Bar> add(const Bar& finer);
  // The bar in progress, if any, ending it.
  std::optional<Bar> flush();
  // The open time of the bar in progress, if any.
  std::optional<int64_t> current_open_time() const {
    return open_ ? std::optional<int64_t>(bar_.open_time) : std::nullopt;
  }

 private:
  std::optional<Bar> roll(int64_t open_time);
  void add_volume(Decimal size);

  InstrumentId instrument_id_;
  Interval interval_;
  bool open_ = false;
  Bar bar_;
  int64_t bar_end_ = 0;      // open time of the next bar
  Int128 volume_units_ = 0;  // at volume_scale_
  int volume_scale_ = 0;
  Int128 notional_units_ = 0;  // sum of the trades' price * size, exact, at notional_scale_
  int notional_scale_ = 0;
  double notional_of_bars_ = 0;  // sum of the finer bars' vwap * volume
};

// Resamples trades in time order into bars (a convenience over BarAggregator).
std::vector<Bar> resample(std::span<const TradeTick> ticks, Interval interval);

}  // namespace tc::market
