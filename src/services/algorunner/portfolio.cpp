#include "services/algorunner/portfolio.hpp"

#include <algorithm>
#include <cmath>

namespace tc::services {

void Portfolio::open_trade(int instrument, const Fill& fill, double quantity, double fee) {
  OpenTrade& t = open_[instrument];
  t = OpenTrade{};
  t.open = true;
  t.long_side = fill.side == OrderSide::kBuy;
  t.largest = quantity;
  t.entry_time = fill.time;
  t.entry_price = fill.price;
  t.realized_before = positions_[instrument].realized_pnl;
  t.fees = fee;
}

void Portfolio::apply(const Fill& fill) {
  Position& p = positions_[fill.instrument];
  OpenTrade& t = open_[fill.instrument];
  const double direction = fill.side == OrderSide::kBuy ? 1 : -1;
  cash_ -= direction * fill.quantity * fill.price + fill.fee;
  fees_ += fill.fee;

  if (p.quantity == 0 || (p.quantity > 0) == (direction > 0)) {
    // Opening or adding: the average price moves.
    double held = std::abs(p.quantity);
    p.average_price =
        (p.average_price * held + fill.price * fill.quantity) / (held + fill.quantity);
    if (p.quantity == 0) {
      open_trade(fill.instrument, fill, fill.quantity, fill.fee);
    } else {
      t.fees += fill.fee;
    }
    p.quantity += direction * fill.quantity;
    t.largest = std::max(t.largest, std::abs(p.quantity));
    t.entry_price = p.average_price;
    return;
  }

  // Reducing, closing or crossing zero.
  const double held = std::abs(p.quantity);
  const double closing = std::min(fill.quantity, held);
  const double side = p.quantity > 0 ? 1 : -1;
  p.realized_pnl += closing * (fill.price - p.average_price) * side;
  const double closing_fee = fill.fee * closing / fill.quantity;
  t.fees += closing_fee;
  t.exit_quantity += closing;
  t.exit_notional += closing * fill.price;
  if (fill.quantity < held) {
    p.quantity -= side * fill.quantity;
    return;
  }
  closed_.push_back(ClosedTrade{fill.instrument, t.long_side, t.largest, t.entry_price,
                                t.exit_notional / t.exit_quantity, t.entry_time, fill.time,
                                p.realized_pnl - t.realized_before - t.fees, t.fees});
  t.open = false;
  const double rest = fill.quantity - held;
  p.quantity = 0;
  p.average_price = 0;
  if (rest > 0) {
    // The fill crossed zero: the remainder opens the other side at the fill price.
    p.quantity = direction * rest;
    p.average_price = fill.price;
    open_trade(fill.instrument, fill, rest, fill.fee - closing_fee);
  }
}

double Portfolio::equity(const std::vector<double>& marks) const {
  double e = cash_;
  for (size_t i = 0; i < positions_.size(); ++i) {
    if (positions_[i].quantity != 0) e += positions_[i].quantity * marks[i];
  }
  return e;
}

bool Portfolio::exposed() const {
  return std::any_of(positions_.begin(), positions_.end(),
                     [](const Position& p) { return p.quantity != 0; });
}

}  // namespace tc::services
