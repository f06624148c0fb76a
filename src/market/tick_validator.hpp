// TickValidator: the checks every trade passes where it enters tradecluster (a crawl, an import,
// a live feed) — the field checks of validate(), a known instrument, and time order: a trade more
// than `max_lag` older than the newest seen for its instrument is refused, since a feed that far
// out of order is corrupt. Refusals are counted by reason and never stored.
//
// Not thread-safe: one validator per feed.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include "core/clock.hpp"
#include "market/trade_tick.hpp"

namespace tc::market {

class TickValidator {
 public:
  // `known` lists the symbols accepted (empty: any valid symbol).
  explicit TickValidator(std::set<std::string> known = {},
                         Duration max_lag = std::chrono::minutes(1))
      : known_(std::move(known)), max_lag_(max_lag.count()) {}

  // ok when the trade may be stored; invalid_argument with the reason otherwise, counted.
  Status check(const TradeTick& tick);

  int64_t rejected() const { return rejected_; }
  // Refusals per reason ("price must be positive": 3).
  const std::map<std::string, int64_t>& rejected_by_reason() const { return reasons_; }

 private:
  Status refuse(Status why);

  std::set<std::string> known_;
  int64_t max_lag_;
  std::map<std::string, int64_t, std::less<>> newest_;  // symbol -> newest ts_event seen
  std::map<std::string, int64_t> reasons_;
  int64_t rejected_ = 0;
};

}  // namespace tc::market
