#include "market/tick_validator.hpp"

namespace tc::market {

Status TickValidator::refuse(Status why) {
  ++rejected_;
  // Bounded: reasons are a handful of fixed texts, and symbol-bearing ones are capped.
  if (reasons_.size() < 32 || reasons_.count(why.message()) > 0) ++reasons_[why.message()];
  return why;
}

Status TickValidator::check(const TradeTick& tick) {
  if (Status s = validate(tick); !s.is_ok()) return refuse(s);
  const std::string& symbol = tick.instrument_id.symbol;
  if (!known_.empty() && known_.count(symbol) == 0) {
    return refuse(not_found("unknown symbol '" + symbol + "'"));
  }
  auto it = newest_.find(symbol);
  if (it == newest_.end()) {
    newest_.emplace(symbol, tick.ts_event);
  } else if (tick.ts_event < it->second - max_lag_) {
    return refuse(invalid_argument("trade time is far out of order"));
  } else if (tick.ts_event > it->second) {
    it->second = tick.ts_event;
  }
  return Status::ok();
}

}  // namespace tc::market
