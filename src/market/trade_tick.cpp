#include "market/trade_tick.hpp"

namespace tc::market {

std::string_view aggressor_side_name(AggressorSide side) {
  switch (side) {
    case AggressorSide::kBuyer:
      return "buyer";
    case AggressorSide::kSeller:
      return "seller";
    case AggressorSide::kNone:
      return "none";
  }
  return "none";
}

std::optional<AggressorSide> parse_aggressor_side(std::string_view name) {
  for (AggressorSide s : {AggressorSide::kNone, AggressorSide::kBuyer, AggressorSide::kSeller}) {
    if (aggressor_side_name(s) == name) return s;
  }
  return std::nullopt;
}

Status validate(const TradeTick& tick) {
  TC_RETURN_IF_ERROR(check_symbol(tick.instrument_id.symbol));
  if (!tick.price.is_positive()) return invalid_argument("price must be positive");
  if (!tick.size.is_positive()) return invalid_argument("size must be positive");
  if (tick.trade_id.empty() || tick.trade_id.size() > 64) {
    return invalid_argument("trade id must be 1-64 characters");
  }
  for (char c : tick.trade_id) {
    if (c <= ' ' || c > '~' || c == ',' || c == '"') {
      return invalid_argument("trade id must be printable ASCII without spaces, commas or quotes");
    }
  }
  if (tick.ts_init != 0 && tick.ts_init < tick.ts_event) {
    return invalid_argument("ts_init is before ts_event");
  }
  return Status::ok();
}

}  // namespace tc::market
