// Source: where market data comes from — the simulator here, files and exchanges in sources/.
// A source lists its instruments, fetches history in pages (in time order, so that a caller
// reports progress from each page's last time and can stop between pages), and may offer a live
// feed of trades.
//
// Implementations are thread-safe: several crawls may fetch from one source at once.
#pragma once

#include <functional>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"
#include "market/bar.hpp"
#include "market/instrument.hpp"
#include "market/interval.hpp"
#include "market/trade_tick.hpp"

namespace tc::market {

struct SourceCapabilities {
  bool trades = false;  // history of trades
  bool bars = false;    // history of bars at every interval
  bool live = false;    // a live feed of trades
  bool files = false;   // reads files a fetch names (FetchOptions::file); lists no fixed symbols
};

// What a fetch may need beyond the symbol and the span.
struct FetchOptions {
  std::string file;           // for sources that read files: a path inside their directory
  bool symbols_named = true;  // false when the caller wants every symbol the file has
};

// [start, end) in UTC nanoseconds.
struct TimeSpan {
  int64_t start = 0;
  int64_t end = 0;
};

// One page of history; return false to stop the fetch.
using TradePageSink = std::function<bool(std::span<const TradeTick>)>;
using BarPageSink = std::function<bool(std::span<const Bar>)>;
// How a live feed runs, for sources that take options (replay).
struct LiveOptions {
  double speed = 1;  // replay: 1 is real time, 10 ten times faster, 0 as fast as possible
  std::string of;    // replay: the source whose stored trades are replayed
  int64_t start = std::numeric_limits<int64_t>::min();  // replay: the stored trades' range
  int64_t end = std::numeric_limits<int64_t>::max();
};

// One live trade, called on the subscription's thread.
using TradeHandler = std::function<void(const TradeTick&)>;

// Ends the feed when destroyed; no handler call starts after the destructor returns.
class LiveSubscription {
 public:
  virtual ~LiveSubscription() = default;
};

class Source {
 public:
  virtual ~Source() = default;

  virtual std::string_view name() const = 0;
  virtual SourceCapabilities capabilities() const = 0;
  virtual Result<std::vector<Instrument>> instruments() = 0;
  // Checks up front what a fetch of trades (or bars) with `options` needs — for a file source,
  // that the file is inside its directory, exists and holds that kind of data — so that a bad
  // request is refused before any work starts. invalid_argument, permission_denied or
  // not_found naming the problem.
  virtual Status check_fetch(const FetchOptions& options, bool bars) {
    (void)options;
    (void)bars;
    return Status::ok();
  }
  // The instruments a fetch with `options` would find (a file's symbols); by default all.
  virtual Result<std::vector<Instrument>> instruments_in(const FetchOptions& options) {
    (void)options;
    return instruments();
  }

  // Trades of `symbol` with span.start <= ts_event < span.end, in time order, in pages. ok once
  // every page was delivered or the sink stopped; not_found for a symbol the source does not
  // list; unimplemented when the source has no trade history.
  virtual Status fetch_trades(const std::string& symbol, TimeSpan span, const FetchOptions& options,
                              const TradePageSink& sink) = 0;
  Status fetch_trades(const std::string& symbol, TimeSpan span, const TradePageSink& sink) {
    return fetch_trades(symbol, span, FetchOptions{}, sink);
  }
  // Complete bars of `symbol` at `interval` opening in span, in time order, in pages; a bar
  // still in progress is not delivered. Errors as fetch_trades.
  virtual Status fetch_bars(const std::string& symbol, Interval interval, TimeSpan span,
                            const FetchOptions& options, const BarPageSink& sink) = 0;
  Status fetch_bars(const std::string& symbol, Interval interval, TimeSpan span,
                    const BarPageSink& sink) {
    return fetch_bars(symbol, interval, span, FetchOptions{}, sink);
  }
  // New trades of `symbols` as they happen, until the subscription is destroyed. not_found for
  // an unknown symbol; unimplemented when the source has no live feed.
  virtual Result<std::unique_ptr<LiveSubscription>> subscribe(std::vector<std::string> symbols,
                                                              const LiveOptions& options,
                                                              TradeHandler on_trade) = 0;
  Result<std::unique_ptr<LiveSubscription>> subscribe(std::vector<std::string> symbols,
                                                      TradeHandler on_trade) {
    return subscribe(std::move(symbols), LiveOptions{}, std::move(on_trade));
  }
};

}  // namespace tc::market
