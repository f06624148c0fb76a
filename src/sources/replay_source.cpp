#include "sources/replay_source.hpp"

#include "core/stoppable_thread.hpp"

namespace tc::sources {

// Merges the symbols' stored trades in time order and delivers each when it is due.
class ReplaySource::Player final : public market::LiveSubscription {
 public:
  Player(storage::TickStore& ticks, const Clock& clock, std::vector<std::string> symbols,
         market::LiveOptions options, market::TradeHandler on_trade)
      : ticks_(ticks),
        clock_(clock),
        options_(std::move(options)),
        on_trade_(std::move(on_trade)),
        feeds_(make_feeds(std::move(symbols))),
        thread_([this](StopSignal& stop) { play(stop); }) {}

 private:
  // One symbol's stored trades, read a page at a time.
  struct Feed {
    std::string symbol;
    std::vector<market::TradeTick> page;
    size_t next = 0;
    std::optional<storage::TickCursor> after;
    bool done = false;
  };
  static constexpr int64_t kPage = 10000;

  static std::vector<Feed> make_feeds(std::vector<std::string> symbols) {
    std::vector<Feed> feeds;
    for (auto& s : symbols) feeds.push_back(Feed{std::move(s), {}, 0, std::nullopt, false});
    return feeds;
  }

  // The feed's next trade, reading its next page when needed; nullptr when it has no more.
  const market::TradeTick* head(Feed& f) {
    if (f.next < f.page.size()) return &f.page[f.next];
    if (f.done) return nullptr;
    storage::TickQuery q;
    q.id = {f.symbol, options_.of};
    q.start = options_.start;
    q.end = options_.end;
    q.after = f.after;
    q.limit = kPage;
    auto page = ticks_.ticks(q);
    f.page = page ? std::move(page).value() : std::vector<market::TradeTick>{};
    f.next = 0;
    if (static_cast<int64_t>(f.page.size()) < kPage) f.done = true;
    if (f.page.empty()) return nullptr;
    f.after = storage::TickCursor{f.page.back().ts_event, f.page.back().trade_id};
    return &f.page[0];
  }

  // Waits until `due` on the injected clock; false when stopped first.
  bool wait_until(TimePoint due, StopSignal& stop) {
    while (true) {
      Duration left = due - clock_.now();
      if (left <= Duration::zero()) return !stop.stopped();
      // Real time and the injected clock may differ (tests, simulations): look again often.
      if (!stop.wait_for(std::min<Duration>(left, std::chrono::milliseconds(20)))) return false;
    }
  }

  void play(StopSignal& stop) {
    std::optional<int64_t> first_ts;
    const TimePoint started = clock_.now();
    while (true) {
      Feed* next = nullptr;
      const market::TradeTick* best = nullptr;
      for (Feed& f : feeds_) {
        const market::TradeTick* t = head(f);
        if (t != nullptr && (best == nullptr || t->ts_event < best->ts_event)) {
          best = t;
          next = &f;
        }
      }
      if (best == nullptr) return;  // everything replayed
      if (!first_ts) first_ts = best->ts_event;
      if (options_.speed > 0) {
        double offset = static_cast<double>(best->ts_event - *first_ts) / options_.speed;
        if (!wait_until(started + Duration(static_cast<int64_t>(offset)), stop)) return;
      } else if (stop.stopped()) {
        return;
      }
      market::TradeTick t = *best;
      t.instrument_id.source = "replay";
      t.ts_init = std::max(clock_.unix_nanos(), t.ts_event);
      ++next->next;
      on_trade_(t);
    }
  }

  storage::TickStore& ticks_;
  const Clock& clock_;
  const market::LiveOptions options_;
  market::TradeHandler on_trade_;
  std::vector<Feed> feeds_;
  StoppableThread thread_;  // last: it runs on the members above
};

Result<std::unique_ptr<market::LiveSubscription>> ReplaySource::subscribe(
    std::vector<std::string> symbols, const market::LiveOptions& options,
    market::TradeHandler on_trade) {
  if (options.of.empty() || options.of == "replay") {
    return invalid_argument("a replay names the source whose stored trades it plays ('of')");
  }
  if (!(options.speed >= 0)) return invalid_argument("replay speed must be 0 or more");
  for (const std::string& symbol : symbols) {
    auto known = instruments_.instrument({symbol, options.of});
    if (!known) return known.status();
  }
  return std::unique_ptr<market::LiveSubscription>(
      std::make_unique<Player>(ticks_, clock_, std::move(symbols), options, std::move(on_trade)));
}

}  // namespace tc::sources
