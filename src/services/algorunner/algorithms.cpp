#include "services/algorunner/algorithms.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <numeric>

#include "market/expression_plan.hpp"
#include "market/indicators.hpp"

namespace tc::services {
namespace {

double number(const json::object& p, std::string_view name, double fallback = 0) {
  const json::value* v = p.if_contains(name);
  return v != nullptr && v->is_number() ? v->to_number<double>() : fallback;
}

int whole(const json::object& p, std::string_view name, int fallback = 0) {
  return static_cast<int>(number(p, name, fallback));
}

// How many units an order is for: a fixed quantity, or a fraction of the equity.
struct Sizing {
  double quantity = 1;
  double fraction = 0;  // 0: use quantity

  double units(const StrategyContext& ctx, int instrument, double price) const {
    if (fraction <= 0) return quantity;
    if (!(price > 0)) return 0;
    double scale = std::pow(10.0, ctx.instrument(instrument).size_precision);
    return std::floor(fraction * ctx.equity() / price * scale) / scale;
  }
};

Result<Sizing> read_sizing(const json::object& parameters, const json::object& given) {
  if (given.contains("quantity") && given.contains("fraction")) {
    return invalid_argument("give 'quantity' or 'fraction', not both");
  }
  Sizing s;
  s.quantity = number(parameters, "quantity", 1);
  s.fraction = number(given, "fraction", 0);
  if (!(s.quantity > 0)) return invalid_argument("parameter 'quantity' must be above 0");
  return s;
}

// The long-only, market-order algorithms: each instrument holds its own state, made by `make`;
// `decide(state, bar)` says +1 to enter, -1 to exit, 0 to do nothing. Both are called directly
// (template parameters, not std::function): on_bar runs for every bar of every run.
template <typename State, typename Make, typename Decide>
class LongOnly : public Strategy {
 public:
  LongOnly(Sizing sizing, Make make, Decide decide)
      : sizing_(sizing), make_(std::move(make)), decide_(std::move(decide)) {}

  void on_start(StrategyContext& ctx) override {
    states_.clear();
    for (int i = 0; i < ctx.instruments(); ++i) states_.push_back(make_());
  }

  void on_bar(StrategyContext& ctx, const BarEvent& bar) override {
    int signal = decide_(states_[bar.instrument], bar);
    double held = ctx.position(bar.instrument).quantity;
    if (signal > 0 && held == 0) {
      double units = sizing_.units(ctx, bar.instrument, bar.close());
      if (units > 0)
        ctx.submit(
            {bar.instrument, OrderSide::kBuy, OrderType::kMarket, TimeInForce::kGtc, units, 0, 0});
    } else if (signal < 0 && held > 0) {
      ctx.submit(
          {bar.instrument, OrderSide::kSell, OrderType::kMarket, TimeInForce::kGtc, held, 0, 0});
    }
  }

 private:
  Sizing sizing_;
  Make make_;
  Decide decide_;
  std::vector<State> states_;
};

template <typename Make, typename Decide>
std::unique_ptr<Strategy> long_only(Sizing sizing, Make make, Decide decide) {
  using State = decltype(make());
  return std::make_unique<LongOnly<State, Make, Decide>>(sizing, std::move(make),
                                                         std::move(decide));
}

// The cross: +1 when `difference` turns above zero after a negative one (zeros skipped), -1
// when it turns below zero after a positive one.
struct Crossing {
  int last_sign = 0;
  int update(double difference) {
    if (market::is_missing(difference)) return 0;
    int signal = 0;
    if (difference > 0 && last_sign < 0) signal = 1;
    if (difference < 0 && last_sign > 0) signal = -1;
    if (difference != 0) last_sign = difference > 0 ? 1 : -1;
    return signal;
  }
};

template <typename Average>
struct CrossoverState {
  Average fast, slow;
  Crossing cross;
};

template <typename Average>
std::unique_ptr<Strategy> crossover(Sizing sizing, int fast, int slow) {
  using State = CrossoverState<Average>;
  return long_only(
      sizing,
      [=] {
        return State{Average(fast), Average(slow), {}};
      },
      [](State& s, const BarEvent& bar) {
        double f = s.fast.update(bar.close()), w = s.slow.update(bar.close());
        return s.cross.update(f - w);
      });
}

// Ranks the instruments by their rate of change and holds the best, rebalancing every few steps.
class MomentumRank final : public Strategy {
 public:
  MomentumRank(int lookback, int top_n, int rebalance_every, double fraction)
      : lookback_(lookback), top_n_(top_n), every_(rebalance_every), fraction_(fraction) {}

  void on_start(StrategyContext& ctx) override {
    roc_.assign(ctx.instruments(), market::Roc(lookback_));
    last_roc_.assign(ctx.instruments(), market::kMissing);
    close_.assign(ctx.instruments(), market::kMissing);
  }

  void on_bar(StrategyContext&, const BarEvent& bar) override {
    last_roc_[bar.instrument] = roc_[bar.instrument].update(bar.close());
    close_[bar.instrument] = bar.close();
  }

  void on_step(StrategyContext& ctx, int64_t) override {
    if (steps_++ % every_ != 0) return;
    std::vector<int> ranked;
    for (int i = 0; i < ctx.instruments(); ++i) {
      if (!market::is_missing(last_roc_[i]) && close_[i] > 0) ranked.push_back(i);
    }
    std::stable_sort(ranked.begin(), ranked.end(),
                     [&](int a, int b) { return last_roc_[a] > last_roc_[b]; });
    if (ranked.size() > static_cast<size_t>(top_n_)) ranked.resize(top_n_);
    double share = ctx.equity() * fraction_ / top_n_;
    // Sells first, so that their cash pays for the buys of the next open.
    for (int pass = 0; pass < 2; ++pass) {
      for (int i = 0; i < ctx.instruments(); ++i) {
        bool chosen = std::find(ranked.begin(), ranked.end(), i) != ranked.end();
        double scale = std::pow(10.0, ctx.instrument(i).size_precision);
        double target = chosen ? std::floor(share / close_[i] * scale) / scale : 0;
        double change = target - ctx.position(i).quantity;
        if (pass == 0 && change < 0) {
          ctx.submit({i, OrderSide::kSell, OrderType::kMarket, TimeInForce::kGtc, -change, 0, 0});
        } else if (pass == 1 && change > 0) {
          ctx.submit({i, OrderSide::kBuy, OrderType::kMarket, TimeInForce::kGtc, change, 0, 0});
        }
      }
    }
  }

 private:
  int lookback_, top_n_, every_;
  double fraction_;
  int64_t steps_ = 0;
  std::vector<market::Roc> roc_;
  std::vector<double> last_roc_, close_;
};

// Entry and exit conditions in the screener's language, evaluated at every bar of each series.
class Rules final : public Strategy {
 public:
  Rules(Sizing sizing, market::ExpressionPlan plan) : sizing_(sizing), plan_(std::move(plan)) {}

  void on_start(StrategyContext& ctx) override { columns_.assign(ctx.instruments(), {}); }

  void on_bar(StrategyContext& ctx, const BarEvent& bar) override {
    Columns& c = columns_[bar.instrument];
    // A backtest's series is whole from the start: computed once. A series built as ticks
    // arrive grows by a bar at a time and is computed again.
    if (c.length != bar.series.size()) {
      c.values = plan_.evaluate_series(bar.series);
      c.length = bar.series.size();
    }
    double entry = c.values[0][bar.index], exit = c.values[1][bar.index];
    double held = ctx.position(bar.instrument).quantity;
    if (held == 0 && entry == 1) {
      double units = sizing_.units(ctx, bar.instrument, bar.close());
      if (units > 0) {
        ctx.submit(
            {bar.instrument, OrderSide::kBuy, OrderType::kMarket, TimeInForce::kGtc, units, 0, 0});
      }
    } else if (held > 0 && exit == 1) {
      ctx.submit(
          {bar.instrument, OrderSide::kSell, OrderType::kMarket, TimeInForce::kGtc, held, 0, 0});
    }
  }

 private:
  struct Columns {
    size_t length = 0;
    std::vector<std::vector<double>> values;
  };
  Sizing sizing_;
  market::ExpressionPlan plan_;
  std::vector<Columns> columns_;
};

}  // namespace

Result<std::unique_ptr<Strategy>> make_algorithm(std::string_view name, const json::object& p,
                                                 const json::object& given) {
  auto sizing = read_sizing(p, given);
  if (!sizing) return sizing.status();
  if (name == "sma_crossover" || name == "ema_crossover") {
    int fast = whole(p, "fast_period", 10), slow = whole(p, "slow_period", 30);
    if (slow <= fast) {
      return invalid_argument("parameter 'slow_period' (" + std::to_string(slow) +
                              ") must be above 'fast_period' (" + std::to_string(fast) + ")");
    }
    if (name == "sma_crossover") return crossover<market::Sma>(*sizing, fast, slow);
    return crossover<market::Ema>(*sizing, fast, slow);
  }
  if (name == "rsi_mean_reversion") {
    int period = whole(p, "period", 14);
    double oversold = number(p, "oversold", 30), overbought = number(p, "overbought", 70);
    if (oversold >= overbought) {
      return invalid_argument("parameter 'oversold' must be below 'overbought'");
    }
    return long_only(
        *sizing, [=] { return market::Rsi(period); },
        [=](market::Rsi& rsi, const BarEvent& bar) {
          double r = rsi.update(bar.close());
          if (market::is_missing(r)) return 0;
          return r < oversold ? 1 : r > overbought ? -1 : 0;
        });
  }
  if (name == "bollinger_breakout") {
    int period = whole(p, "period", 20);
    double k = number(p, "num_std", 2);
    return long_only(
        *sizing, [=] { return market::Bollinger(period, k); },
        [](market::Bollinger& bands, const BarEvent& bar) {
          market::BandsValue b = bands.update(bar.close());
          if (market::is_missing(b.middle)) return 0;
          return bar.close() > b.upper ? 1 : bar.close() < b.middle ? -1 : 0;
        });
  }
  if (name == "momentum") {
    int lookback = whole(p, "lookback", 20);
    double threshold = number(p, "threshold", 0);
    return long_only(
        *sizing, [=] { return market::Roc(lookback); },
        [=](market::Roc& roc, const BarEvent& bar) {
          double r = roc.update(bar.close());
          if (market::is_missing(r)) return 0;
          return r / 100 > threshold ? 1 : -1;
        });
  }
  if (name == "donchian_breakout") {
    int entry = whole(p, "entry_period", 20), exit = whole(p, "exit_period", 10);
    struct Channel {
      market::Extreme high, low;
      double previous_high = market::kMissing, previous_low = market::kMissing;
    };
    return long_only(
        *sizing,
        [=] {
          return Channel{market::Extreme(market::Extreme::Kind::kHighest, entry),
                         market::Extreme(market::Extreme::Kind::kLowest, exit)};
        },
        [](Channel& c, const BarEvent& bar) {
          // Against the channel of the bars before this one.
          int signal = 0;
          if (!market::is_missing(c.previous_high) && bar.close() > c.previous_high) signal = 1;
          if (!market::is_missing(c.previous_low) && bar.close() < c.previous_low) signal = -1;
          c.previous_high = c.high.update(bar.high());
          c.previous_low = c.low.update(bar.low());
          return signal;
        });
  }
  if (name == "momentum_rank") {
    double fraction = sizing->fraction > 0 ? sizing->fraction : 1;
    return std::unique_ptr<Strategy>(std::make_unique<MomentumRank>(
        whole(p, "lookback", 20), whole(p, "top_n", 3), whole(p, "rebalance_every", 20), fraction));
  }
  if (name == "rules") {
    market::ExpressionCompiler compiler;
    for (const char* which : {"entry", "exit"}) {
      const json::value* text = p.if_contains(which);
      if (text == nullptr || !text->is_string()) {
        return invalid_argument("parameter '" + std::string(which) + "' must be an expression");
      }
      auto added = compiler.add(text->as_string(), market::ValueType::kCondition);
      if (!added) {
        return invalid_argument("parameter '" + std::string(which) +
                                "': " + added.status().message());
      }
    }
    return std::unique_ptr<Strategy>(std::make_unique<Rules>(*sizing, compiler.build()));
  }
  if (name == "buy_and_hold") {
    struct Once {
      bool done = false;
    };
    return long_only(
        *sizing, [] { return Once{}; },
        [](Once& once, const BarEvent&) {
          if (once.done) return 0;
          once.done = true;
          return 1;
        });
  }
  return not_found("no built-in algorithm named '" + std::string(name) + "'");
}

}  // namespace tc::services
