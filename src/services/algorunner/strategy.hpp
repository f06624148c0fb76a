// Strategy: the interface a trading algorithm implements, the same for backtests and paper runs.
//
// To add an algorithm, derive from Strategy and override the events it needs:
//
//   class MyStrategy final : public Strategy {
//    public:
//     void on_bar(StrategyContext& ctx, const BarEvent& bar) override {
//       double fast = fast_.update(bar.close()), slow = slow_.update(bar.close());
//       if (fast > slow && ctx.position(bar.instrument).quantity == 0) {
//         ctx.submit({.instrument = bar.instrument, .side = OrderSide::kBuy, .quantity = 1});
//       }
//     }
//    private:
//     market::Sma fast_{10}, slow_{30};  // incremental indicators: one value per bar
//   };
//
// Contracts the engine keeps:
// - Events come in time order. Bars of the same time come in the order of the run's instruments;
//   a bar is seen at its close (BarEvent::close_time), after orders have been matched against it.
// - An order submitted during an event can fill from the next bar (or trade tick) of its
//   instrument on, never against the bar that was just seen: a market order submitted at a bar's
//   close fills at the next bar's open. An order submitted on the last bar never fills.
// - on_fill follows every fill, before the next event.
// - now() is the time of the event being handled, from the run's clock: simulated in a backtest,
//   real in a paper run. A strategy must not read the wall clock, or keep state between runs.
// Strategies run on one thread and need not be thread-safe.
#pragma once

#include <cstdint>
#include <span>

#include "market/bar_series.hpp"
#include "services/algorunner/order.hpp"
#include "services/algorunner/portfolio.hpp"

namespace tc::services {

// A bar of instrument `instrument`: the series holds every bar up to this one (at `index`).
struct BarEvent {
  int instrument;
  const market::BarSeries& series;
  size_t index;

  double open() const { return series.open[index]; }
  double high() const { return series.high[index]; }
  double low() const { return series.low[index]; }
  double close() const { return series.close[index]; }
  double volume() const { return series.volume[index]; }
  int64_t open_time() const { return series.open_time[index]; }
  int64_t close_time() const { return series.open_time[index] + series.interval.nanos(); }
};

// A trade of instrument `instrument` on the venue.
struct TradeEvent {
  int instrument;
  int64_t time;  // UTC nanoseconds
  double price;
  double size;
};

// What a strategy can see and do during an event.
class StrategyContext {
 public:
  virtual ~StrategyContext() = default;

  virtual int64_t now() const = 0;  // the event's time, UTC nanoseconds
  virtual int instruments() const = 0;
  virtual const market::Instrument& instrument(int i) const = 0;
  virtual const Position& position(int i) const = 0;
  virtual double cash() const = 0;
  // Cash plus positions at their marks (each instrument's latest close or trade price).
  virtual double equity() const = 0;
  virtual double mark(int i) const = 0;
  // Queues an order; returns its id, or 0 when it is refused at once (a quantity that is not
  // positive, a limit or stop price missing for its type, an unknown instrument). It may still
  // be rejected when it would fill (position limit, not enough cash).
  virtual int64_t submit(const OrderRequest& order) = 0;
  // Cancels an open order; false when it is not open.
  virtual bool cancel(int64_t order_id) = 0;
  // Orders not yet filled, cancelled or expired.
  virtual std::span<const Order> open_orders() const = 0;
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  virtual void on_start(StrategyContext&) {}
  virtual void on_bar(StrategyContext&, const BarEvent&) {}
  virtual void on_trade(StrategyContext&, const TradeEvent&) {}
  virtual void on_fill(StrategyContext&, const Fill&) {}
  // After every bar of one time has been handed on (over ticks: at each bar's end), with that
  // time: where a strategy over several instruments decides across them.
  virtual void on_step(StrategyContext&, int64_t /*close_time*/) {}
  virtual void on_end(StrategyContext&) {}
};

}  // namespace tc::services
