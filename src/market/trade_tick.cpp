#include "market/trade_tick.hpp"

#include <cmath>

namespace tc::market {

Status validate(const TradeTick& tick) {
  if (!is_valid_symbol(tick.instrument_id.symbol)) return invalid_argument("tick: invalid symbol");
  if (!std::isfinite(tick.price) || tick.price <= 0) {
    return invalid_argument("tick: price must be positive");
  }
  if (!std::isfinite(tick.size) || tick.size < 0) {
    return invalid_argument("tick: size must not be negative");
  }
  if (tick.trade_id.empty()) return invalid_argument("tick: trade_id is required");
  if (tick.ts_event <= 0) return invalid_argument("tick: ts_event must be set");
  if (tick.ts_init != 0 && tick.ts_init < tick.ts_event) {
    return invalid_argument("tick: ts_init is before ts_event");
  }
  return Status::ok();
}

}  // namespace tc::market
