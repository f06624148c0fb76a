// Portfolio: cash, one position per instrument (long or short, average price, realized PnL), the
// fees paid, and the round trips closed — what fills do to an account.
//
// A position's average price moves only when it grows; reducing it realizes
// (price - average) x quantity (mirrored for shorts); a fill that crosses zero closes the
// position and opens the other side at the fill price. A trade (round trip) runs from a flat
// position to the next flat one; its PnL is net of the fees of its fills.
//
// Not thread-safe: one per run, used on the run's thread.
#pragma once

#include <cstdint>
#include <vector>

#include "services/algorunner/order.hpp"

namespace tc::services {

struct Position {
  double quantity = 0;  // signed: negative is short
  double average_price = 0;
  double realized_pnl = 0;
};

struct ClosedTrade {
  int instrument = 0;
  bool long_side = true;
  double quantity = 0;  // the largest size the position reached
  double entry_price = 0;
  double exit_price = 0;  // average price of the fills that reduced it
  int64_t entry_time = 0;
  int64_t exit_time = 0;
  double pnl = 0;  // realized, net of the trade's fees
  double fees = 0;
};

class Portfolio {
 public:
  Portfolio(double cash, int instruments)
      : cash_(cash), positions_(instruments), open_(instruments) {}

  // Applies a fill: cash, position, fees, and a closed trade when the position returns to flat.
  void apply(const Fill& fill);

  double cash() const { return cash_; }
  double total_fees() const { return fees_; }
  const Position& position(int instrument) const { return positions_[instrument]; }
  // Cash plus every position at `marks` (a price per instrument).
  double equity(const std::vector<double>& marks) const;
  // True when any position is open.
  bool exposed() const;
  const std::vector<ClosedTrade>& closed_trades() const { return closed_; }

 private:
  struct OpenTrade {
    bool open = false;
    bool long_side = true;
    double largest = 0;
    int64_t entry_time = 0;
    double entry_price = 0;
    double exit_quantity = 0, exit_notional = 0;
    double realized_before = 0;  // the position's realized PnL when the trade opened
    double fees = 0;
  };
  void open_trade(int instrument, const Fill& fill, double quantity, double fee);

  double cash_;
  double fees_ = 0;
  std::vector<Position> positions_;
  std::vector<OpenTrade> open_;
  std::vector<ClosedTrade> closed_;
};

}  // namespace tc::services
