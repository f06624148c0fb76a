#include "market/bar.hpp"

#include <algorithm>
#include <cmath>

namespace tc::market {
namespace {

Decimal to_decimal(Int128 units, int scale) {
  // Volumes beyond int64 at this scale lose decimal places rather than wrap.
  while ((units > INT64_MAX || units < INT64_MIN) && scale > 0) {
    units /= 10;
    --scale;
  }
  if (units > INT64_MAX) units = INT64_MAX;
  return Decimal{static_cast<int64_t>(units), scale};
}

// Adds `units` at `scale` to an accumulator, raising the accumulator's scale when needed.
void accumulate(Int128& acc, int& acc_scale, Int128 units, int scale) {
  if (acc_scale == scale) {
    acc += units;
    return;
  }
  for (; acc_scale < scale; ++acc_scale) acc *= 10;
  for (int i = scale; i < acc_scale; ++i) units *= 10;
  acc += units;
}

}  // namespace

Status validate(const Bar& bar) {
  TC_RETURN_IF_ERROR(check_symbol(bar.instrument_id.symbol));
  if (bar.interval.open_time(bar.open_time) != bar.open_time) {
    return invalid_argument("bar open time is not aligned to its interval");
  }
  for (const Decimal* p : {&bar.open, &bar.high, &bar.low, &bar.close}) {
    if (!p->is_positive()) return invalid_argument("bar prices must be positive");
  }
  if (bar.high < bar.open || bar.high < bar.close || bar.high < bar.low) {
    return invalid_argument("bar high is below another of its prices");
  }
  if (bar.low > bar.open || bar.low > bar.close) {
    return invalid_argument("bar low is above another of its prices");
  }
  if (bar.volume.units < 0 || bar.trade_count < 0) {
    return invalid_argument("bar volume and trade count must not be negative");
  }
  return Status::ok();
}

std::optional<Bar> BarAggregator::roll(int64_t open_time) {
  std::optional<Bar> done;
  if (open_) done = flush();
  open_ = true;
  bar_ = Bar{};
  bar_.instrument_id = instrument_id_;
  bar_.interval = interval_;
  bar_.open_time = open_time;
  bar_end_ = open_time + interval_.nanos();
  volume_units_ = 0;
  volume_scale_ = 0;
  notional_units_ = 0;
  notional_scale_ = 0;
  notional_of_bars_ = 0;
  return done;
}

void BarAggregator::add_volume(Decimal size) {
  accumulate(volume_units_, volume_scale_, size.units, size.scale);
}

std::optional<Bar> BarAggregator::add(int64_t ts_event, Decimal price, Decimal size) {
  std::optional<Bar> done;
  if (!open_ || ts_event < bar_.open_time || ts_event >= bar_end_) {
    done = roll(interval_.open_time(ts_event));
    bar_.open = bar_.high = bar_.low = price;
  } else {
    if (price > bar_.high) bar_.high = price;
    if (price < bar_.low) bar_.low = price;
  }
  bar_.close = price;
  ++bar_.trade_count;
  add_volume(size);
  accumulate(notional_units_, notional_scale_, static_cast<Int128>(price.units) * size.units,
             price.scale + size.scale);
  return done;
}

std::optional<Bar> BarAggregator::add(const Bar& finer) {
  int64_t open_time = interval_.open_time(finer.open_time);
  std::optional<Bar> done;
  if (!open_ || open_time != bar_.open_time) {
    done = roll(open_time);
    bar_.open = finer.open;
    bar_.high = finer.high;
    bar_.low = finer.low;
  } else {
    if (finer.high > bar_.high) bar_.high = finer.high;
    if (finer.low < bar_.low) bar_.low = finer.low;
  }
  bar_.close = finer.close;
  bar_.trade_count += finer.trade_count;
  add_volume(finer.volume);
  notional_of_bars_ += finer.vwap * finer.volume.to_double();
  return done;
}

std::optional<Bar> BarAggregator::flush() {
  if (!open_) return std::nullopt;
  open_ = false;
  bar_.volume = to_decimal(volume_units_, volume_scale_);
  double volume = bar_.volume.to_double();
  double notional =
      static_cast<double>(notional_units_) / std::pow(10.0, notional_scale_) + notional_of_bars_;
  bar_.vwap = volume > 0 ? notional / volume : bar_.close.to_double();
  // Rounding in the sum must not put the mean outside the bar's range.
  bar_.vwap = std::clamp(bar_.vwap, bar_.low.to_double(), bar_.high.to_double());
  return std::move(bar_);
}

std::vector<Bar> resample(std::span<const TradeTick> ticks, Interval interval) {
  std::vector<Bar> out;
  if (ticks.empty()) return out;
  BarAggregator aggregator(ticks.front().instrument_id, interval);
  for (const TradeTick& t : ticks) {
    if (auto bar = aggregator.add(t)) out.push_back(std::move(*bar));
  }
  if (auto bar = aggregator.flush()) out.push_back(std::move(*bar));
  return out;
}

Result<BarPrices> prices_at_one_scale(const Bar& b) {
  int scale = std::max({b.open.scale, b.high.scale, b.low.scale, b.close.scale});
  auto open = rescale(b.open, scale), high = rescale(b.high, scale), low = rescale(b.low, scale),
       close = rescale(b.close, scale);
  if (!open || !high || !low || !close) {
    return invalid_argument("bar prices do not fit one scale");
  }
  return BarPrices{scale, open->units, high->units, low->units, close->units};
}

}  // namespace tc::market
