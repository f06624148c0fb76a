// Algorunner benchmark: sma_crossover through the engine — the strategy the API makes, with no
// special fast path — beside a plain loop computing the same signals and fills in the same run
// (the limit), over bars and over trade ticks. Both sides must agree on the fills and the final
// equity.
//
//   algorunner_bench [bars, default 1000000] [ticks, default 10000000] [rounds, default 3]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "market/indicators.hpp"
#include "services/algorunner/algorithms.hpp"
#include "services/algorunner/engine.hpp"

namespace {

using namespace tc;
using Steady = std::chrono::steady_clock;

constexpr int kFast = 10, kSlow = 50;

double seconds_since(Steady::time_point t) {
  return std::chrono::duration<double>(Steady::now() - t).count();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "algorunner_bench: %s\n", what);
    std::exit(1);
  }
}

market::BarSeries make_bars(size_t n) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> step(0, 0.001);
  market::BarSeries s;
  s.instrument.id = {"BENCH", "bench"};
  s.interval = market::Interval(60);
  double price = 100;
  for (size_t i = 0; i < n; ++i) {
    double open = price;
    price *= std::exp(step(rng));
    s.open_time.push_back(static_cast<int64_t>(i) * 60'000'000'000);
    s.open.push_back(open);
    s.high.push_back(std::max(open, price));
    s.low.push_back(std::min(open, price));
    s.close.push_back(price);
    s.volume.push_back(1);
    s.vwap.push_back(price);
  }
  return s;
}

struct Outcome {
  int64_t fills = 0;
  double equity = 0;
};

// The same strategy as a plain loop over columns: compensated running sums for the averages, the
// cross by the last non-zero difference, a market order filled at the next bar's open.
Outcome plain_loop_bars(const market::BarSeries& s) {
  market::Sma fast(kFast), slow(kSlow);
  double cash = 100000, position = 0;
  int last_sign = 0, pending = 0;
  int64_t fills = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (pending != 0) {
      cash -= pending * s.open[i];
      position += pending;
      ++fills;
      pending = 0;
    }
    double d = fast.update(s.close[i]) - slow.update(s.close[i]);
    if (std::isnan(d)) continue;
    if (d > 0 && last_sign < 0 && position == 0) pending = 1;
    if (d < 0 && last_sign > 0 && position > 0) pending = -1;
    if (d != 0) last_sign = d > 0 ? 1 : -1;
  }
  return {fills, cash + position * s.close.back()};
}

Outcome engine_bars(const market::BarSeries& s) {
  auto strategy = services::make_algorithm(
      "sma_crossover", json::object{{"fast_period", kFast}, {"slow_period", kSlow}}, {});
  check(strategy.is_ok(), "cannot make sma_crossover");
  services::Engine engine({s.instrument}, s.interval, {});
  services::BacktestResult r = engine.run_bars(**strategy, {&s, 1});
  return {r.metrics.num_fills, r.metrics.final_equity};
}

// Ticks: a trade every 100 ms, aggregated into one-minute bars for the strategy.
std::vector<services::TradeEvent> make_ticks(size_t n) {
  std::mt19937_64 rng(11);
  std::normal_distribution<double> step(0, 0.0003);
  std::vector<services::TradeEvent> out;
  out.reserve(n);
  double price = 100;
  for (size_t i = 0; i < n; ++i) {
    price *= std::exp(step(rng));
    out.push_back({0, static_cast<int64_t>(i) * 100'000'000, price, 1});
  }
  return out;
}

class Ticks final : public services::TradeFeed {
 public:
  explicit Ticks(const std::vector<services::TradeEvent>& t) : t_(t) {}
  bool next(services::TradeEvent& e) override {
    if (at_ == t_.size()) return false;
    e = t_[at_++];
    return true;
  }

 private:
  const std::vector<services::TradeEvent>& t_;
  size_t at_ = 0;
};

Outcome engine_ticks(const std::vector<services::TradeEvent>& ticks) {
  auto strategy = services::make_algorithm(
      "sma_crossover", json::object{{"fast_period", kFast}, {"slow_period", kSlow}}, {});
  market::Instrument i;
  i.id = {"BENCH", "bench"};
  services::Engine engine({i}, market::Interval(60), {});
  Ticks feed(ticks);
  services::BacktestResult r = engine.run_trades(**strategy, feed);
  return {r.metrics.num_fills, r.metrics.final_equity};
}

// The same over ticks as a plain loop: bars closed when a tick opens the next minute, the
// order filled at the next tick.
Outcome plain_loop_ticks(const std::vector<services::TradeEvent>& ticks) {
  market::Sma fast(kFast), slow(kSlow);
  double cash = 100000, position = 0, close = 0;
  int last_sign = 0, pending = 0;
  int64_t fills = 0, minute = -1;
  for (const auto& t : ticks) {
    int64_t m = t.time / 60'000'000'000;
    if (minute >= 0 && m != minute) {
      double d = fast.update(close) - slow.update(close);
      if (!std::isnan(d)) {
        if (d > 0 && last_sign < 0 && position == 0) pending = 1;
        if (d < 0 && last_sign > 0 && position > 0) pending = -1;
        if (d != 0) last_sign = d > 0 ? 1 : -1;
      }
    }
    minute = m;
    if (pending != 0) {
      cash -= pending * t.price;
      position += pending;
      ++fills;
      pending = 0;
    }
    close = t.price;
  }
  return {fills, cash + position * ticks.back().price};
}

struct Race {
  Outcome engine;
  double engine_seconds, loop_seconds;  // medians
};

// Times both sides over `rounds` alternating rounds; they must agree on fills and equity.
template <typename Engine, typename Loop>
Race race_rounds(int rounds, Engine engine, Loop loop, const char* disagreement) {
  std::vector<double> engine_s, loop_s;
  Outcome e, p;
  for (int r = 0; r < rounds; ++r) {
    auto t = Steady::now();
    e = engine();
    engine_s.push_back(seconds_since(t));
    t = Steady::now();
    p = loop();
    loop_s.push_back(seconds_since(t));
  }
  check(e.fills == p.fills && std::abs(e.equity - p.equity) < 1e-6 * std::abs(p.equity),
        disagreement);
  return {e, median(engine_s), median(loop_s)};
}

}  // namespace

int main(int argc, char** argv) {
  size_t n_bars = argc > 1 ? std::stoul(argv[1]) : 1'000'000;
  size_t n_ticks = argc > 2 ? std::stoul(argv[2]) : 10'000'000;
  int rounds = argc > 3 ? std::atoi(argv[3]) : 3;

  market::BarSeries bars = make_bars(n_bars);
  Race race = race_rounds(
      rounds, [&] { return engine_bars(bars); }, [&] { return plain_loop_bars(bars); },
      "the engine and the plain loop disagree over bars");
  Outcome e = race.engine;
  double engine_rate = static_cast<double>(n_bars) / race.engine_seconds;
  double loop_rate = static_cast<double>(n_bars) / race.loop_seconds;
  std::printf(
      "algorunner: sma_crossover(%d, %d) over %zu bars, %lld fills (the plain loop agrees)\n",
      kFast, kSlow, n_bars, static_cast<long long>(e.fills));
  std::printf("  engine      %12.0f bars/s\n  plain loop  %12.0f bars/s   (engine at %.0f%%)\n",
              engine_rate, loop_rate, 100 * engine_rate / loop_rate);

  std::vector<services::TradeEvent> ticks = make_ticks(n_ticks);
  race = race_rounds(
      rounds, [&] { return engine_ticks(ticks); }, [&] { return plain_loop_ticks(ticks); },
      "the engine and the plain loop disagree over ticks");
  e = race.engine;
  engine_rate = static_cast<double>(n_ticks) / race.engine_seconds;
  loop_rate = static_cast<double>(n_ticks) / race.loop_seconds;
  std::printf("algorunner: the same over %zu trade ticks in 1-minute bars, %lld fills (agrees)\n",
              n_ticks, static_cast<long long>(e.fills));
  std::printf("  engine      %12.0f ticks/s\n  plain loop  %12.0f ticks/s  (engine at %.0f%%)\n",
              engine_rate, loop_rate, 100 * engine_rate / loop_rate);
  return 0;
}
