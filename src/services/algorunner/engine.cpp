#include "services/algorunner/engine.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <queue>

namespace tc::services {
namespace {

constexpr int64_t kDayNanos = 86'400'000'000'000;
constexpr int64_t kCheckEvery = 4096;  // events between stop checks and progress reports

int64_t utc_day(int64_t t) { return t >= 0 ? t / kDayNanos : (t - kDayNanos + 1) / kDayNanos; }

std::vector<EquityPoint> downsample(const EquitySeries& s, size_t most) {
  std::vector<EquityPoint> out;
  size_t n = s.equity.size();
  if (n == 0 || most == 0) return out;
  if (n <= most) {
    for (size_t i = 0; i < n; ++i) out.push_back({s.times[i], s.equity[i]});
    return out;
  }
  // Evenly spaced steps, the first and the last included.
  for (size_t k = 0; k < most; ++k) {
    size_t i = most == 1 ? n - 1 : k * (n - 1) / (most - 1);
    out.push_back({s.times[i], s.equity[i]});
  }
  return out;
}

}  // namespace

Engine::Engine(std::vector<market::Instrument> instruments, market::Interval interval,
               EngineOptions options)
    : instruments_(std::move(instruments)),
      interval_(interval),
      options_(options),
      portfolio_(options.initial_capital, static_cast<int>(instruments_.size())),
      marks_(instruments_.size(), 0) {
  if (options_.periods_per_year <= 0) {
    options_.periods_per_year = default_periods_per_year(instruments_, interval_);
  }
}

double Engine::default_periods_per_year(std::span<const market::Instrument> instruments,
                                        market::Interval interval) {
  bool crypto = !instruments.empty() &&
                std::all_of(instruments.begin(), instruments.end(), [](const auto& i) {
                  return i.asset_class == market::AssetClass::kCrypto;
                });
  double days = crypto ? 365 : 252;
  if (interval.seconds() >= 86400) return days * 86400.0 / static_cast<double>(interval.seconds());
  // Intraday bars: crypto trades around the clock, equities 6.5 hours a session.
  double session = crypto ? 86400 : 23400;
  return days * session / static_cast<double>(interval.seconds());
}

int64_t Engine::submit(const OrderRequest& request) {
  bool priced = std::isfinite(request.quantity) && request.quantity > 0;
  if (request.instrument < 0 || request.instrument >= instruments()) priced = false;
  bool needs_limit = request.type == OrderType::kLimit || request.type == OrderType::kStopLimit;
  bool needs_stop = request.type == OrderType::kStop || request.type == OrderType::kStopLimit;
  if (needs_limit && !(request.limit_price > 0)) priced = false;
  if (needs_stop && !(request.stop_price > 0)) priced = false;
  if (!priced) {
    ++rejected_;
    return 0;
  }
  Order order;
  order.id = next_order_id_++;
  order.request = request;
  order.submitted_at = now_;
  open_.push_back(order);
  return order.id;
}

bool Engine::cancel(int64_t order_id) {
  for (Order& o : open_) {
    if (o.id == order_id && o.status == OrderStatus::kOpen) {
      o.status = OrderStatus::kCancelled;
      return true;
    }
  }
  return false;
}

void Engine::fill(Order& order, double price, int64_t time) {
  const OrderRequest& r = order.request;
  const double direction = r.side == OrderSide::kBuy ? 1 : -1;
  const Position& p = portfolio_.position(r.instrument);
  if (std::abs(p.quantity + direction * r.quantity) > options_.max_position * (1 + 1e-12)) {
    order.status = OrderStatus::kRejected;
    order.reason = "the position limit";
    ++rejected_;
    return;
  }
  const double fee = r.quantity * price * options_.fee_rate;
  if (direction > 0 && portfolio_.cash() - r.quantity * price - fee < 0) {
    order.status = OrderStatus::kRejected;
    order.reason = "not enough cash";
    ++rejected_;
    return;
  }
  Fill f{order.id, r.instrument, r.side, r.quantity, price, fee, time};
  portfolio_.apply(f);
  order.status = OrderStatus::kFilled;
  ++fills_;
  now_ = time;
  strategy_->on_fill(*this, f);
}

void Engine::match(int instrument, double open, double high, double low, int64_t time, bool tick) {
  const double slip = options_.slippage_bps / 10000;
  const int64_t day = utc_day(time);
  // Orders submitted from here on (by on_fill) are matched from the next bar on; indexes stay
  // valid across those submissions, references do not.
  const size_t count = open_.size();
  for (size_t i = 0; i < count; ++i) {
    if (open_[i].status != OrderStatus::kOpen || open_[i].request.instrument != instrument) {
      continue;
    }
    Order& o = open_[i];
    if (o.first_day < 0) o.first_day = day;
    if (o.request.time_in_force == TimeInForce::kDay && day != o.first_day) {
      o.status = OrderStatus::kExpired;
      continue;
    }
    const bool buy = o.request.side == OrderSide::kBuy;
    const double limit = o.request.limit_price, stop = o.request.stop_price;
    std::optional<double> price;
    bool slipped = false;
    auto as_limit = [&]() -> std::optional<double> {
      if (buy ? open <= limit : open >= limit) return open;
      if (!tick && (buy ? low <= limit : high >= limit)) return limit;
      return std::nullopt;
    };
    switch (o.request.type) {
      case OrderType::kMarket:
        price = open;
        slipped = true;
        break;
      case OrderType::kLimit:
        price = as_limit();
        break;
      case OrderType::kStop:
        if (buy ? open >= stop : open <= stop) {
          price = open;
        } else if (!tick && (buy ? high >= stop : low <= stop)) {
          price = stop;
        }
        slipped = true;
        break;
      case OrderType::kStopLimit:
        if (o.triggered) {
          price = as_limit();
        } else {
          std::optional<double> at;
          if (buy ? open >= stop : open <= stop) {
            at = open;
          } else if (!tick && (buy ? high >= stop : low <= stop)) {
            at = stop;
          }
          if (at) {
            o.triggered = true;
            if (buy ? *at <= limit : *at >= limit) price = at;
          }
        }
        break;
    }
    if (price) {
      if (slipped) *price *= buy ? 1 + slip : 1 - slip;
      fill(open_[i], *price, time);
    } else if (o.request.time_in_force == TimeInForce::kIoc) {
      o.status = OrderStatus::kExpired;
    }
  }
  std::erase_if(open_, [](const Order& o) { return o.status != OrderStatus::kOpen; });
}

void Engine::end_step(int64_t time) {
  now_ = time;
  strategy_->on_step(*this, time);
  steps_.times.push_back(time);
  steps_.equity.push_back(portfolio_.equity(marks_));
  if (portfolio_.exposed()) ++steps_.exposed_steps;
}

BacktestResult Engine::results(bool complete) const {
  BacktestResult r;
  r.metrics = compute_metrics(steps_, options_.initial_capital, portfolio_.closed_trades(), fills_,
                              portfolio_.total_fees(), options_.periods_per_year, start_);
  r.equity_curve = downsample(steps_, options_.max_curve_points);
  r.trades = portfolio_.closed_trades();
  r.events = events_;
  r.orders_rejected = rejected_;
  r.complete = complete;
  return r;
}

BacktestResult Engine::run_bars(Strategy& strategy, std::span<const market::BarSeries> series,
                                const RunControl& control) {
  strategy_ = &strategy;
  using Next = std::pair<int64_t, int>;  // open time, instrument: ties in instrument order
  std::priority_queue<Next, std::vector<Next>, std::greater<>> next;
  std::vector<size_t> at(series.size(), 0);
  int64_t total = 0;
  for (size_t k = 0; k < series.size() && k < instruments_.size(); ++k) {
    total += static_cast<int64_t>(series[k].size());
    if (series[k].size() > 0) next.emplace(series[k].open_time[0], static_cast<int>(k));
  }
  start_ = next.empty() ? 0 : next.top().first;
  now_ = start_;
  // At least as many steps as the longest series has bars: grown once, not bar by bar.
  size_t longest = 0;
  for (const auto& s : series) longest = std::max(longest, s.size());
  steps_.times.reserve(longest);
  steps_.equity.reserve(longest);
  strategy.on_start(*this);
  while (!next.empty()) {
    const int64_t time = next.top().first;
    while (!next.empty() && next.top().first == time) {
      const int k = next.top().second;
      next.pop();
      const market::BarSeries& s = series[k];
      const size_t i = at[k]++;
      now_ = time;
      match(k, s.open[i], s.high[i], s.low[i], time, false);
      marks_[k] = s.close[i];
      now_ = time + s.interval.nanos();
      strategy.on_bar(*this, BarEvent{k, s, i});
      if (at[k] < s.size()) next.emplace(s.open_time[at[k]], k);
      if (++events_ % kCheckEvery == 0) {
        if (control.progress) {
          control.progress(static_cast<double>(events_) / static_cast<double>(total));
        }
        if (control.should_stop && control.should_stop()) {
          end_step(now_);
          return finish(false);
        }
      }
    }
    end_step(time + interval_.nanos());
  }
  strategy.on_end(*this);
  return finish(true);
}

BacktestResult Engine::run_trades(Strategy& strategy, TradeFeed& feed, const RunControl& control,
                                  int64_t expected) {
  strategy_ = &strategy;
  // Bars of the run's interval built from the ticks, for on_bar.
  std::vector<market::BarSeries> bars(instruments_.size());
  std::vector<bool> building(instruments_.size(), false);
  for (size_t k = 0; k < bars.size(); ++k) {
    bars[k].instrument = instruments_[k];
    bars[k].interval = interval_;
  }
  auto close_bar = [&](int k) {
    building[k] = false;
    now_ = bars[k].open_time.back() + interval_.nanos();
    strategy.on_bar(*this, BarEvent{k, bars[k], bars[k].size() - 1});
  };
  int64_t step = 0;
  bool started = false;
  TradeEvent e{};
  while (feed.next(e)) {
    if (e.instrument < 0 || e.instrument >= instruments()) continue;
    const int64_t bucket = interval_.open_time(e.time);
    if (!started) {
      started = true;
      start_ = bucket;
      step = bucket;
      now_ = e.time;
      strategy.on_start(*this);
    }
    if (bucket != step) {
      for (int k = 0; k < instruments(); ++k) {
        if (building[k]) close_bar(k);
      }
      end_step(step + interval_.nanos());
      step = bucket;
    }
    market::BarSeries& b = bars[e.instrument];
    if (!building[e.instrument]) {
      building[e.instrument] = true;
      b.open_time.push_back(bucket);
      b.open.push_back(e.price);
      b.high.push_back(e.price);
      b.low.push_back(e.price);
      b.close.push_back(e.price);
      b.volume.push_back(0);
      b.vwap.push_back(0);
    }
    b.high.back() = std::max(b.high.back(), e.price);
    b.low.back() = std::min(b.low.back(), e.price);
    b.close.back() = e.price;
    double volume = b.volume.back() + e.size;
    b.vwap.back() =
        volume > 0 ? (b.vwap.back() * b.volume.back() + e.price * e.size) / volume : e.price;
    b.volume.back() = volume;

    now_ = e.time;
    match(e.instrument, e.price, e.price, e.price, e.time, true);
    marks_[e.instrument] = e.price;
    now_ = e.time;
    strategy.on_trade(*this, e);
    if (++events_ % kCheckEvery == 0) {
      if (control.progress && expected > 0) {
        control.progress(
            std::min(1.0, static_cast<double>(events_) / static_cast<double>(expected)));
      }
      if (control.should_stop && control.should_stop()) {
        end_step(now_);
        return finish(false);
      }
    }
  }
  if (started) {
    for (int k = 0; k < instruments(); ++k) {
      if (building[k]) close_bar(k);
    }
    end_step(step + interval_.nanos());
  }
  strategy.on_end(*this);
  return finish(true);
}

}  // namespace tc::services
