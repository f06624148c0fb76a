// ReplaySource: stored trades of another source played back as a live feed, at a chosen speed —
// for watching a past session, testing a strategy on it, or loading the system.
//
// A subscription names the source whose trades it replays (LiveOptions::of), a range and a
// speed: 1 replays in real time, 10 ten times faster, 0 as fast as the consumer takes them. The
// trades of several symbols are merged in time order; the first is delivered at once and each
// later one when its offset from the first, divided by the speed, has passed on the injected
// clock. Replayed trades keep their ids and event times, carry source "replay", and are stamped
// with the time they were replayed (ts_init). The feed ends after the last stored trade.
//
// Thread-safe; each subscription plays on a thread of its own.
#pragma once

#include "core/clock.hpp"
#include "market/source.hpp"
#include "storage/instrument_store.hpp"
#include "storage/tick_store.hpp"

namespace tc::sources {

class ReplaySource final : public market::Source {
 public:
  ReplaySource(storage::TickStore& ticks, storage::InstrumentStore& instruments, const Clock& clock)
      : ticks_(ticks), instruments_(instruments), clock_(clock) {}

  std::string_view name() const override { return "replay"; }
  market::SourceCapabilities capabilities() const override { return {.live = true}; }
  // Replay lists the instruments of the source it replays, not its own.
  Result<std::vector<market::Instrument>> instruments() override {
    return std::vector<market::Instrument>{};
  }
  using Source::fetch_bars;
  using Source::fetch_trades;
  Status fetch_trades(const std::string&, market::TimeSpan, const market::FetchOptions&,
                      const market::TradePageSink&) override {
    return unimplemented("replay has no history of its own: crawl the replayed source");
  }
  Status fetch_bars(const std::string&, market::Interval, market::TimeSpan,
                    const market::FetchOptions&, const market::BarPageSink&) override {
    return unimplemented("replay has no history of its own: crawl the replayed source");
  }
  // invalid_argument without `options.of` (or with replay itself), or a negative speed;
  // not_found for a symbol the replayed source does not list.
  using Source::subscribe;
  Result<std::unique_ptr<market::LiveSubscription>> subscribe(
      std::vector<std::string> symbols, const market::LiveOptions& options,
      market::TradeHandler on_trade) override;

 private:
  class Player;

  storage::TickStore& ticks_;
  storage::InstrumentStore& instruments_;
  const Clock& clock_;
};

}  // namespace tc::sources
