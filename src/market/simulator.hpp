// MarketSimulator: the built-in source — a seeded universe of equities and crypto pairs with
// trade-level history from 1970 to now and a live feed, so that a bare machine has a market.
//
// Deterministic for its seed: the trades of a symbol on a day (and so every bar, which is built
// from them) are the same whenever they are generated, and a live feed delivers exactly the
// trades a later fetch returns. Daily returns follow a GARCH(1,1) variance with Student-t shocks
// and rare jumps (fat tails, volatility clustering), driven partly by a market factor and a
// sector factor (correlation within a sector above that across sectors); log prices revert
// slowly to a drifting trend so that prices stay realistic over decades. Within a day, trades
// follow a Brownian bridge from the open to the close at random times in the session (equities
// 14:30-21:00 UTC Monday to Friday, crypto around the clock); trade ids are dense per symbol.
//
// Thread-safe: the per-symbol checkpoints of the daily walk are behind a mutex; everything else
// is computed from the seed.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <vector>

#include "core/clock.hpp"
#include "market/source.hpp"

namespace tc::market {

struct SimulatorOptions {
  uint64_t seed = 42;
  int universe_size = 500;  // instruments; at least 1
};

class MarketSimulator final : public Source {
 public:
  // `clock` says what "now" is: no trade after it exists yet.
  MarketSimulator(SimulatorOptions options, const Clock& clock);
  ~MarketSimulator() override;

  std::string_view name() const override { return "simulator"; }
  SourceCapabilities capabilities() const override { return {true, true, true}; }
  Result<std::vector<Instrument>> instruments() override { return universe_; }
  using Source::fetch_bars;
  using Source::fetch_trades;
  Status fetch_trades(const std::string& symbol, TimeSpan span, const FetchOptions& options,
                      const TradePageSink& sink) override;
  Status fetch_bars(const std::string& symbol, Interval interval, TimeSpan span,
                    const FetchOptions& options, const BarPageSink& sink) override;
  using Source::subscribe;
  Result<std::unique_ptr<LiveSubscription>> subscribe(std::vector<std::string> symbols,
                                                      const LiveOptions& options,
                                                      TradeHandler on_trade) override;

  const std::vector<Instrument>& universe() const { return universe_; }
  // The first time with simulated trades: 1970-01-01.
  static constexpr int64_t kFirstDay = 0;

  struct Profile;   // per-instrument parameters
  struct DayState;  // the daily walk at the end of a day
  struct DayStep;   // what one day adds to the walk
  struct SimTrade;  // a trade before it becomes a TradeTick

 private:
  class Live;

  // Index of `symbol` in the universe; not_found otherwise.
  Result<size_t> find(const std::string& symbol) const;
  // The walk's state at the end of `day` (days since 1970-01-01, >= 0).
  DayState state_at(size_t index, int64_t day);
  TradeTick to_tick(size_t index, const SimTrade& trade) const;
  // Calls `emit(const SimTrade&)` for each trade of instrument `index` on the days first..last
  // (days since 1970-01-01) before `until`, in time order.
  template <typename Emit>
  void generate(size_t index, int64_t first, int64_t last, int64_t until, Emit&& emit);
  // The trades of one day; false once a trade reaches `until`.
  template <typename Emit>
  bool generate_trades(const Profile& p, size_t index, int64_t day, const DayStep& d,
                       int64_t session_start, int64_t until, Emit& emit);

  SimulatorOptions options_;
  const Clock& clock_;
  std::vector<Instrument> universe_;
  std::vector<Profile> profiles_;
  std::mutex mu_;
  std::vector<std::map<int64_t, DayState>> checkpoints_;  // per instrument, guarded by mu_
};

}  // namespace tc::market
