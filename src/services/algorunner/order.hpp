// Orders and fills as the backtest and paper engine handles them, in the trading engines'
// vocabulary (NautilusTrader's): an Order for one instrument of the run, a Fill when it trades.
// Plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace tc::services {

enum class OrderSide { kBuy, kSell };
enum class OrderType { kMarket, kLimit, kStop, kStopLimit };
// GTC: until filled or cancelled. IOC: the next bar or tick only. DAY: until the UTC date of the
// first bar or tick it meets is over (for daily bars, that one bar).
enum class TimeInForce { kGtc, kIoc, kDay };
enum class OrderStatus { kOpen, kFilled, kCancelled, kExpired, kRejected };

// What a strategy asks for. Quantities are positive units; side gives the direction.
struct OrderRequest {
  int instrument = 0;  // index into the run's instruments
  OrderSide side = OrderSide::kBuy;
  OrderType type = OrderType::kMarket;
  TimeInForce time_in_force = TimeInForce::kGtc;
  double quantity = 0;
  double limit_price = 0;  // limit and stop-limit
  double stop_price = 0;   // stop and stop-limit
};

struct Order {
  int64_t id = 0;
  OrderRequest request;
  OrderStatus status = OrderStatus::kOpen;
  int64_t submitted_at = 0;  // UTC nanoseconds
  bool triggered = false;    // a stop-limit whose stop was reached: now a limit order
  int64_t first_day = -1;    // UTC day of the first bar or tick it met (DAY orders)
  std::string reason;        // why it was rejected
};

struct Fill {
  int64_t order_id = 0;
  int instrument = 0;
  OrderSide side = OrderSide::kBuy;
  double quantity = 0;
  double price = 0;
  double fee = 0;
  int64_t time = 0;  // UTC nanoseconds
};

}  // namespace tc::services
