#include "market/simulator.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cmath>
#include <condition_variable>
#include <cstring>
#include <set>
#include <thread>

#include "core/stoppable_thread.hpp"

namespace tc::market {
namespace {

constexpr int64_t kDayNanos = 86'400'000'000'000LL;
constexpr int64_t kAnchorDay = 18262;  // 2020-01-01: prices sit near their profile's base here
constexpr int64_t kCheckpointEvery = 512;
constexpr double kSqrt3 = 1.7320508075688772;
constexpr double kTwoPi = 6.283185307179586;

// GARCH(1,1) on daily returns, and the slow pull of log prices back to their trend.
constexpr double kGarchAlpha = 0.08;
constexpr double kGarchBeta = 0.90;
constexpr double kReversion = 1.0 / 500;
constexpr double kJumpProbability = 0.004;

constexpr std::array<std::string_view, 11> kEquitySectors{"Technology",
                                                          "Health Care",
                                                          "Financials",
                                                          "Energy",
                                                          "Consumer Discretionary",
                                                          "Consumer Staples",
                                                          "Industrials",
                                                          "Materials",
                                                          "Utilities",
                                                          "Real Estate",
                                                          "Communication Services"};
constexpr std::array<std::string_view, 11> kNameSuffixes{
    "Systems",    "Therapeutics", "Bancorp", "Energy", "Brands", "Foods",
    "Industries", "Materials",    "Power",   "Realty", "Media"};
constexpr std::string_view kCryptoSector = "Crypto";

// splitmix64's finalizer: a strong 64-bit mix, the basis of every draw here.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A draw keyed by what it is for, so that any day's values are computed without the others.
uint64_t key(uint64_t seed, uint64_t stream, uint64_t a, int64_t b) {
  return mix(mix(mix(seed ^ (stream << 56)) ^ a) ^ static_cast<uint64_t>(b));
}

double u01(uint64_t h) { return (static_cast<double>(h >> 11) + 0.5) * 0x1.0p-53; }

double normal(uint64_t h) {
  return std::sqrt(-2.0 * std::log(u01(h))) * std::cos(kTwoPi * u01(mix(h)));
}

// A cheap near-normal (sum of four uniforms, unit variance), for the many intraday draws.
double fast_normal(uint64_t h) {
  double sum = static_cast<double>(h & 0xffff) + static_cast<double>((h >> 16) & 0xffff) +
               static_cast<double>((h >> 32) & 0xffff) + static_cast<double>(h >> 48);
  return (sum / 65536.0 - 2.0) * kSqrt3;
}

// exp(x) to about 1e-13 relative for |x| < 700, without a call: 2^k times a Taylor polynomial
// of the remainder. Independent per trade, so the trades of a day pipeline.
inline double fast_exp(double x) {
  constexpr double kLog2e = 1.4426950408889634;
  constexpr double kLn2 = 0.6931471805599453;
  double k = std::nearbyint(x * kLog2e);
  double r = x - k * kLn2;  // |r| <= ln2 / 2
  double p = 1 + r * (1.0 / 12);
  p = 1 + r * (1.0 / 11) * p;
  p = 1 + r * (1.0 / 10) * p;
  p = 1 + r * (1.0 / 9) * p;
  p = 1 + r * (1.0 / 8) * p;
  p = 1 + r * (1.0 / 7) * p;
  p = 1 + r * (1.0 / 6) * p;
  p = 1 + r * (1.0 / 5) * p;
  p = 1 + r * (1.0 / 4) * p;
  p = 1 + r * (1.0 / 3) * p;
  p = 1 + r * (1.0 / 2) * p;
  p = 1 + r * p;
  uint64_t bits = static_cast<uint64_t>(static_cast<int64_t>(k) + 1023) << 52;
  double two_k;
  std::memcpy(&two_k, &bits, sizeof two_k);
  return p * two_k;
}

// 4096 quantiles of a lognormal with sigma 0.9 and median 1: trade sizes, drawn by 12 bits.
const std::array<double, 4096>& size_quantiles() {
  static const std::array<double, 4096> table = [] {
    std::array<double, 4096> t{};
    for (size_t k = 0; k < t.size(); ++k) {
      double q = (static_cast<double>(k) + 0.5) / static_cast<double>(t.size());
      double lo = -10, hi = 10;  // the standard normal quantile of q, by bisection
      for (int it = 0; it < 80; ++it) {
        double mid = (lo + hi) / 2;
        (0.5 * std::erfc(-mid / std::sqrt(2.0)) < q ? lo : hi) = mid;
      }
      t[k] = std::exp(0.9 * (lo + hi) / 2);
    }
    return t;
  }();
  return table;
}

// A sequential generator for the trades of one day.
class Stream {
 public:
  explicit Stream(uint64_t seed) : state_(seed) {}
  uint64_t next() { return mix(state_++); }

 private:
  uint64_t state_;
};

int64_t pow10(int n) {
  int64_t p = 1;
  while (n-- > 0) p *= 10;
  return p;
}

bool is_weekday(int64_t day) {
  int64_t dow = ((day % 7) + 7 + 4) % 7;  // 1970-01-01 was a Thursday; 0 is Sunday
  return dow != 0 && dow != 6;
}

std::string make_ticker(uint64_t h) {
  static constexpr std::string_view kConsonants = "BCDFGHJKLMNPRSTVWZ";
  static constexpr std::string_view kVowels = "AEIOU";
  std::string t;
  int length = 3 + static_cast<int>(h % 2);
  h = mix(h);
  for (int i = 0; i < length; ++i) {
    std::string_view letters = i % 2 == 0 ? kConsonants : kVowels;
    t += letters[h % letters.size()];
    h = mix(h);
  }
  return t;
}

std::string title_case(const std::string& ticker) {
  std::string out = ticker;
  for (size_t i = 1; i < out.size(); ++i) out[i] = static_cast<char>(out[i] - 'A' + 'a');
  return out;
}

}  // namespace

struct MarketSimulator::Profile {
  bool crypto = false;
  uint64_t sector = 0;       // factor key
  double log_base = 0;       // log price of the trend at the anchor day
  double drift = 0;          // trend, log per day
  double sigma = 0;          // long-run daily volatility
  double market_weight = 0;  // loadings on the market and sector factors
  double sector_weight = 0;
  double trades_per_day = 0;  // mean on a day of average volatility
  double notional_per_trade = 0;
  double price_units = 0;  // 10^price_precision
  double size_units = 0;   // 10^size_precision
};

struct MarketSimulator::DayState {
  int64_t day = 0;
  double deviation = 0;       // log price minus trend at the day's close
  double variance = 0;        // GARCH variance of the next day's return
  int64_t next_trade_id = 1;  // id of the next day's first trade
};

// One simulated trade before it becomes a TradeTick (bars need no text ids).
struct MarketSimulator::SimTrade {
  int64_t ts = 0;
  int64_t price_units = 0;
  int64_t size_units = 0;
  AggressorSide side = AggressorSide::kNone;
  int64_t id = 0;
};

// What one trading day adds to the walk.
struct MarketSimulator::DayStep {
  double open_log = 0;
  double close_log = 0;
  double sigma = 0;
  int64_t trades = 0;
  int64_t first_trade_id = 0;
};

MarketSimulator::MarketSimulator(SimulatorOptions options, const Clock& clock)
    : options_(options), clock_(clock) {
  int n = std::max(1, options_.universe_size);
  std::set<std::string> used;
  uint64_t seed = options_.seed;
  for (int i = 0; i < n; ++i) {
    bool crypto = i % 12 == 0;
    size_t sector = crypto ? kEquitySectors.size() : static_cast<size_t>(i - i / 12 - 1) % 11;
    std::string ticker;
    for (uint64_t attempt = 0;; ++attempt) {
      ticker = make_ticker(key(seed, 20, static_cast<uint64_t>(i), static_cast<int64_t>(attempt)));
      if (attempt > 64)
        ticker += std::to_string(i);  // a tiny alphabet never blocks a large universe
      if (used.insert(ticker).second) break;
    }
    Instrument inst;
    Profile p;
    p.crypto = crypto;
    p.sector = sector;
    auto draw = [&](uint64_t what) { return u01(key(seed, 21, static_cast<uint64_t>(i), what)); };
    double base;
    if (crypto) {
      base = std::exp(std::log(0.05) + draw(1) * (std::log(40000.0) - std::log(0.05)));
      if (i == 0) base = 30000;  // the universe's first pair trades like the market leader
      p.sigma = (0.5 + draw(2) * 0.7) / std::sqrt(365.0);
      p.market_weight = 0.1;
      p.sector_weight = 0.6;
      p.trades_per_day =
          std::clamp(800 * std::exp(0.8 * normal(key(seed, 22, i, 0))), 200.0, 8000.0);
      if (i < 36) p.trades_per_day = 20000.0 / (1 + i / 12);  // a few liquid pairs for live feeds
      p.notional_per_trade = 300 + draw(3) * 3000;
      int magnitude = static_cast<int>(std::floor(std::log10(base)));
      inst.price_precision = std::clamp(4 - magnitude, 2, 8);
      inst.size_precision = std::clamp(magnitude + 1, 0, 6);
      inst.id = {ticker + "USDT", "simulator"};
      inst.name = title_case(ticker) + " / Tether";
      inst.asset_class = AssetClass::kCrypto;
      inst.sector = std::string(kCryptoSector);
      inst.currency = "USDT";
      p.drift = (0.02 + draw(4) * 0.08) / 365;
    } else {
      base = std::exp(std::log(5.0) + draw(1) * (std::log(600.0) - std::log(5.0)));
      p.sigma = (0.15 + draw(2) * 0.45) / std::sqrt(252.0);
      p.market_weight = 0.35;
      p.sector_weight = 0.5;
      p.trades_per_day =
          std::clamp(300 * std::exp(0.7 * normal(key(seed, 22, i, 0))), 80.0, 4000.0);
      p.notional_per_trade = 3000 + draw(3) * 20000;
      inst.price_precision = 2;
      inst.size_precision = 0;
      inst.id = {ticker, "simulator"};
      inst.name = title_case(ticker) + " " + std::string(kNameSuffixes[sector]);
      inst.asset_class = AssetClass::kEquity;
      inst.sector = std::string(kEquitySectors[sector]);
      inst.currency = "USD";
      p.drift = (0.01 + draw(4) * 0.05) / 365;
    }
    p.log_base = std::log(base);
    p.price_units = static_cast<double>(pow10(inst.price_precision));
    p.size_units = static_cast<double>(pow10(inst.size_precision));
    universe_.push_back(std::move(inst));
    profiles_.push_back(p);
  }
  checkpoints_.resize(universe_.size());
}

MarketSimulator::~MarketSimulator() = default;

Result<size_t> MarketSimulator::find(const std::string& symbol) const {
  for (size_t i = 0; i < universe_.size(); ++i) {
    if (universe_[i].id.symbol == symbol) return i;
  }
  return not_found("the simulator has no symbol '" + symbol + "'");
}

namespace {

bool trades_on(const MarketSimulator::Profile& p, int64_t day) {
  return p.crypto || is_weekday(day);
}

double trend(const MarketSimulator::Profile& p, int64_t day) {
  return p.log_base + p.drift * static_cast<double>(day - kAnchorDay);
}

// Advances `s` (at the end of day - 1) over `day`; returns what the day added.
MarketSimulator::DayStep step(const MarketSimulator::Profile& p, uint64_t seed, uint64_t index,
                              MarketSimulator::DayState& s, int64_t day) {
  MarketSimulator::DayStep out;
  out.open_log = out.close_log = trend(p, day - 1) + s.deviation;
  out.first_trade_id = s.next_trade_id;
  s.day = day;
  if (!trades_on(p, day)) return out;
  out.sigma = std::sqrt(s.variance);
  double idio_weight =
      std::sqrt(1 - p.market_weight * p.market_weight - p.sector_weight * p.sector_weight);
  // Student-t with 4 degrees of freedom, scaled to unit variance.
  uint64_t h = key(seed, 3, index, day);
  double chi2 = -2.0 * std::log(u01(mix(h ^ 1)) * u01(mix(h ^ 2)));
  double t4 = normal(h) / std::sqrt(chi2 / 4) / std::sqrt(2.0);
  double z = p.market_weight * normal(key(seed, 1, p.crypto ? 1 : 0, day)) +
             p.sector_weight * normal(key(seed, 2, p.sector, day)) + idio_weight * t4;
  double r = out.sigma * z;
  if (u01(key(seed, 5, index, day)) < kJumpProbability) {
    r += 4 * out.sigma * normal(key(seed, 6, index, day));
  }
  s.deviation = (1 - kReversion) * s.deviation + r;
  double long_run = p.sigma * p.sigma;
  s.variance =
      long_run * (1 - kGarchAlpha - kGarchBeta) + kGarchAlpha * r * r + kGarchBeta * s.variance;
  out.close_log = trend(p, day) + s.deviation;
  if (!p.crypto) out.open_log += 0.3 * out.sigma * normal(key(seed, 7, index, day));
  double activity = std::exp(0.3 * normal(key(seed, 10, index, day)));
  out.trades =
      std::max<int64_t>(2, std::llround(p.trades_per_day * (out.sigma / p.sigma) * activity));
  s.next_trade_id += out.trades;
  return out;
}

}  // namespace

MarketSimulator::DayState MarketSimulator::state_at(size_t index, int64_t day) {
  const Profile& p = profiles_[index];
  std::lock_guard lock(mu_);
  auto& marks = checkpoints_[index];
  DayState s;
  auto it = marks.upper_bound(day);
  if (it != marks.begin()) {
    s = std::prev(it)->second;
  } else {
    s.day = kFirstDay;
    s.deviation = 0.3 * normal(key(options_.seed, 11, index, 0));
    s.variance = p.sigma * p.sigma;
    marks.emplace(s.day, s);
  }
  while (s.day < day) {
    step(p, options_.seed, index, s, s.day + 1);
    if (s.day % kCheckpointEvery == 0) marks.emplace(s.day, s);
  }
  return s;
}

template <typename Emit>
void MarketSimulator::generate(size_t index, int64_t first, int64_t last, int64_t until,
                               Emit&& emit) {
  first = std::max(first, kFirstDay + 1);  // the walk starts at the close of its first day
  if (first > last) return;
  const Profile& p = profiles_[index];
  DayState s = state_at(index, first - 1);
  for (int64_t day = first; day <= last; ++day) {
    DayStep d = step(p, options_.seed, index, s, day);
    if (d.trades == 0) continue;
    int64_t session_start = day * kDayNanos + (p.crypto ? 0 : 52'200'000'000'000LL);
    if (session_start >= until) return;
    if (!generate_trades(p, index, day, d, session_start, until, emit)) return;
  }
}

template <typename Emit>
bool MarketSimulator::generate_trades(const Profile& p, size_t index, int64_t day, const DayStep& d,
                                      int64_t session_start, int64_t until, Emit& emit) {
  int64_t session_length = p.crypto ? kDayNanos : 23'400'000'000'000LL;

  const int64_t n = d.trades;
  const double step_sd = 0.7 * d.sigma / std::sqrt(static_cast<double>(n - 1));
  const uint64_t path_seed = key(options_.seed, 8, index, day);
  // A Brownian bridge from the open to the close: the walk's end is needed before its start.
  double walk_end = 0;
  {
    Stream path(path_seed);
    for (int64_t i = 1; i < n; ++i) walk_end += step_sd * fast_normal(path.next());
  }
  Stream path(path_seed);
  Stream other(key(options_.seed, 9, index, day));
  const auto& sizes = size_quantiles();
  // Each step of the bridge: its share of the day's move, less its share of the walk's end.
  const double slope = (d.close_log - d.open_log - walk_end) / static_cast<double>(n - 1);
  double log_price = d.open_log;
  SimTrade trade;
  // The first trade's side compares it with the open.
  int64_t previous_units = static_cast<int64_t>(std::exp(d.open_log) * p.price_units + 0.5);
  const double spacing = static_cast<double>(session_length) / static_cast<double>(n);
  for (int64_t i = 0; i < n; ++i) {
    if (i > 0) log_price += slope + step_sd * fast_normal(path.next());
    double price = fast_exp(log_price);
    uint64_t h = other.next();
    trade.ts = session_start + static_cast<int64_t>((static_cast<double>(i) + u01(h)) * spacing);
    if (trade.ts >= until) return false;
    trade.price_units = std::max<int64_t>(1, static_cast<int64_t>(price * p.price_units + 0.5));
    double notional = p.notional_per_trade * sizes[other.next() >> 52];
    trade.size_units =
        std::max<int64_t>(1, static_cast<int64_t>(notional / price * p.size_units + 0.5));
    trade.side = trade.price_units > previous_units   ? AggressorSide::kBuyer
                 : trade.price_units < previous_units ? AggressorSide::kSeller
                 : (h & 1)                            ? AggressorSide::kBuyer
                                                      : AggressorSide::kSeller;
    previous_units = trade.price_units;
    trade.id = d.first_trade_id + i;
    emit(trade);
  }
  return true;
}

namespace {

int64_t day_of(int64_t unix_nanos) {
  int64_t q = unix_nanos / kDayNanos;
  if (unix_nanos % kDayNanos != 0 && unix_nanos < 0) --q;
  return q;
}

}  // namespace

TradeTick MarketSimulator::to_tick(size_t index, const SimTrade& t) const {
  const Instrument& inst = universe_[index];
  TradeTick tick;
  tick.instrument_id = inst.id;
  tick.price = Decimal{t.price_units, inst.price_precision};
  tick.size = Decimal{t.size_units, inst.size_precision};
  tick.aggressor_side = t.side;
  char id[24];
  auto [end, ec] = std::to_chars(id, id + sizeof id, t.id);
  (void)ec;
  tick.trade_id.assign(id, end);
  tick.ts_event = t.ts;
  tick.ts_init = t.ts;
  return tick;
}

Status MarketSimulator::fetch_trades(const std::string& symbol, TimeSpan span, const FetchOptions&,
                                     const TradePageSink& sink) {
  size_t index = 0;
  TC_ASSIGN_OR_RETURN(index, find(symbol));
  int64_t end = std::min(span.end, clock_.unix_nanos());
  int64_t start = std::max(span.start, kFirstDay * kDayNanos);
  constexpr size_t kPage = 10000;
  std::vector<TradeTick> page;
  bool stopped = false;
  if (start >= end) return Status::ok();
  generate(index, day_of(start), day_of(end - 1), end, [&](const SimTrade& t) {
    if (stopped || t.ts < start) return;
    page.push_back(to_tick(index, t));
    if (page.size() == kPage) {
      stopped = !sink(page);
      page.clear();
    }
  });
  if (!stopped && !page.empty()) sink(page);
  return Status::ok();
}

Status MarketSimulator::fetch_bars(const std::string& symbol, Interval interval, TimeSpan span,
                                   const FetchOptions&, const BarPageSink& sink) {
  size_t index = 0;
  TC_ASSIGN_OR_RETURN(index, find(symbol));
  int64_t now = clock_.unix_nanos();
  int64_t start = std::max(interval.open_time(span.start), kFirstDay * kDayNanos);
  int64_t end = std::min(span.end, now);
  constexpr size_t kPage = 5000;
  std::vector<Bar> page;
  bool stopped = false;
  auto deliver = [&](Bar bar) {
    // Only complete bars that open inside the span.
    if (stopped || bar.open_time < span.start || bar.open_time >= span.end ||
        bar.open_time + interval.nanos() > now) {
      return;
    }
    page.push_back(std::move(bar));
    if (page.size() == kPage) {
      stopped = !sink(page);
      page.clear();
    }
  };
  BarAggregator aggregator(universe_[index].id, interval);
  // Every interval divides a day, so the bars of a day are built from that day's trades alone.
  if (start >= end) return Status::ok();
  const int price_scale = universe_[index].price_precision;
  const int size_scale = universe_[index].size_precision;
  generate(index, day_of(start), day_of(end - 1), now, [&](const SimTrade& t) {
    if (stopped) return;
    auto bar = aggregator.add(t.ts, Decimal{t.price_units, price_scale},
                              Decimal{t.size_units, size_scale});
    if (bar) deliver(std::move(*bar));
  });
  if (auto bar = aggregator.flush()) deliver(std::move(*bar));
  if (!stopped && !page.empty()) sink(page);
  return Status::ok();
}

// Polls the simulated market a few times a second and hands over the trades that happened since
// the last poll: exactly those a later fetch returns.
class MarketSimulator::Live final : public LiveSubscription {
 public:
  Live(MarketSimulator& sim, std::vector<size_t> indexes, TradeHandler on_trade)
      : sim_(sim),
        indexes_(std::move(indexes)),
        on_trade_(std::move(on_trade)),
        emitted_until_(indexes_.size(), sim_.clock_.unix_nanos()),
        thread_([this](StopSignal& stop) { run(stop); }) {}

 private:
  void run(StopSignal& stop) {
    while (stop.wait_for(std::chrono::milliseconds(200))) {
      int64_t now = sim_.clock_.unix_nanos();
      for (size_t k = 0; k < indexes_.size(); ++k) {
        int64_t from = emitted_until_[k];
        sim_.generate(indexes_[k], day_of(from), day_of(now), now, [&](const SimTrade& t) {
          if (t.ts >= from) on_trade_(sim_.to_tick(indexes_[k], t));
        });
        emitted_until_[k] = now;
      }
    }
  }

  MarketSimulator& sim_;
  std::vector<size_t> indexes_;
  TradeHandler on_trade_;
  std::vector<int64_t> emitted_until_;  // per symbol: every trade before this was handed over
  StoppableThread thread_;              // last: it runs on the members above
};

Result<std::unique_ptr<LiveSubscription>> MarketSimulator::subscribe(
    std::vector<std::string> symbols, const LiveOptions&, TradeHandler on_trade) {
  std::vector<size_t> indexes;
  for (const std::string& symbol : symbols) {
    size_t index = 0;
    TC_ASSIGN_OR_RETURN(index, find(symbol));
    indexes.push_back(index);
  }
  return std::unique_ptr<LiveSubscription>(
      std::make_unique<Live>(*this, std::move(indexes), std::move(on_trade)));
}

}  // namespace tc::market
