// TradeTick: one trade as an exchange reports it, with exact decimal price and size and UTC
// nanosecond times.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.hpp"
#include "market/decimal.hpp"
#include "market/instrument.hpp"

namespace tc::market {

enum class AggressorSide { kNone = 0, kBuyer = 1, kSeller = 2 };
std::string_view aggressor_side_name(AggressorSide side);  // "none", "buyer", "seller"
std::optional<AggressorSide> parse_aggressor_side(std::string_view name);

struct TradeTick {
  InstrumentId instrument_id;
  Decimal price;
  Decimal size;
  AggressorSide aggressor_side = AggressorSide::kNone;
  std::string trade_id;  // unique per source and symbol: the dedupe key
  int64_t ts_event = 0;  // when it happened, UTC nanoseconds
  int64_t ts_init = 0;   // when it was recorded, UTC nanoseconds

  bool operator==(const TradeTick&) const = default;
};

// ok for a tick fit to store; invalid_argument naming the first bad field otherwise (invalid
// symbol, a price or size that is not positive, a trade id that is not 1-64 printable characters
// without spaces, commas or quotes, ts_init before ts_event).
Status validate(const TradeTick& tick);

}  // namespace tc::market
