// TradeTick: one trade as an exchange reports it, with UTC nanosecond times.
#pragma once

#include <cstdint>
#include <string>

#include "core/status.hpp"
#include "market/instrument.hpp"

namespace tc::market {

enum class AggressorSide { kBuyer, kSeller, kNone };

struct TradeTick {
  InstrumentId instrument_id;
  double price = 0;
  double size = 0;
  AggressorSide aggressor_side = AggressorSide::kNone;
  std::string trade_id;  // unique per source and symbol: the dedupe key
  int64_t ts_event = 0;  // when it happened
  int64_t ts_init = 0;   // when we recorded it
};

// ok for a tick fit to store; invalid_argument naming the first bad field otherwise
// (non-positive or non-finite price, negative size, empty trade id, times out of order).
Status validate(const TradeTick& tick);

}  // namespace tc::market
