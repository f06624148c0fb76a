// BinanceSource: Binance's public spot market data over its REST API.
//
// Instruments and their precisions come from GET /api/v3/exchangeInfo (the PRICE_FILTER's
// tickSize and the LOT_SIZE's stepSize; kept for an hour). Trades come from
// GET /api/v3/aggTrades: the first page by time (the range's first hour: startTime and endTime
// at most an hour apart, as Binance requires), the next ones by id (fromId = the last id + 1),
// 1000 at a time, until a trade at or after the end; when the first hour is quiet, the first
// trade after the start is found by bisecting ids (about 35 requests at most). Bars come from
// GET /api/v3/klines, 1000 at a time (5s, 15s and 30s bars are built from 1s klines; a kline
// still open is not delivered; VWAP is quote volume / volume). Prices and sizes are read as the
// exact decimals Binance sends.
//
// A 429 or 418 answer is honoured: the source waits for its Retry-After (at most a minute)
// and tries again, up to five times; a 5xx or an unreachable host is retried with backoff.
// Base URLs are settings (TICKSCRAWLER_BINANCE_REST_URL, TICKSCRAWLER_BINANCE_WS_URL), so tests
// run against a fake exchange; https:// and wss:// URLs use TLS.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>

#include "core/clock.hpp"
#include "core/json.hpp"
#include "market/source.hpp"

namespace tc::sources {

struct BinanceOptions {
  std::string rest_url = "https://api.binance.com";
  std::string ws_url = "wss://stream.binance.com:9443";
  Duration reconnect_before = std::chrono::hours(23);  // Binance closes connections at 24 h
  Duration max_backoff = std::chrono::seconds(30);
  Duration timeout = std::chrono::seconds(10);  // per HTTP request
  int max_retries = 5;
  Duration max_retry_wait = std::chrono::seconds(60);
};

class BinanceSource final : public market::Source {
 public:
  BinanceSource(BinanceOptions options, const Clock& clock)
      : options_(std::move(options)), clock_(clock) {}

  std::string_view name() const override { return "binance"; }
  market::SourceCapabilities capabilities() const override {
    return {.trades = true, .bars = true, .live = true};
  }
  Result<std::vector<market::Instrument>> instruments() override;
  using Source::fetch_bars;
  using Source::fetch_trades;
  Status fetch_trades(const std::string& symbol, market::TimeSpan span,
                      const market::FetchOptions& options,
                      const market::TradePageSink& sink) override;
  Status fetch_bars(const std::string& symbol, market::Interval interval, market::TimeSpan span,
                    const market::FetchOptions& options, const market::BarPageSink& sink) override;
  // Live trades from the combined WebSocket stream of the symbols' `<symbol>@aggTrade`: pings
  // are answered, a lost connection is reopened with backoff (and one is renewed before
  // Binance's 24-hour limit), and after each reconnect the trades missed meanwhile are fetched
  // from REST by id, so the feed has no gap and no trade twice.
  using Source::subscribe;
  Result<std::unique_ptr<market::LiveSubscription>> subscribe(
      std::vector<std::string> symbols, const market::LiveOptions& options,
      market::TradeHandler on_trade) override;

 private:
  // GET `target` (path and query) as JSON, with the retries described above.
  Result<json::value> get(const std::string& target);
  // Trades of `symbol` from id `from_id` up to the newest, in pages, each page in id order.
  Status trades_from_id(const std::string& symbol, int64_t from_id,
                        const market::TradePageSink& sink);
  // The id of the first trade at or after `ms` (bisecting ids, which grow with time); nullopt
  // when there is none yet.
  Result<std::optional<int64_t>> first_id_at_or_after(const std::string& symbol, int64_t ms);

  class Live;

  const BinanceOptions options_;
  const Clock& clock_;
  std::mutex mu_;
  std::optional<std::vector<market::Instrument>> instruments_;  // guarded by mu_
  TimePoint instruments_at_{};
};

// Parsing of Binance's documented formats, exposed for tests.
//   aggTrade: {"a": id, "p": price, "q": quantity, "f": first id, "l": last id, "T": ms,
//              "m": buyer is maker}; the aggressor is the seller when the buyer made.
Result<market::TradeTick> parse_agg_trade(const json::value& v, const std::string& symbol,
                                          int64_t ts_init);
//   kline: [open time, open, high, low, close, volume, close time, quote volume, trades, ...]
Result<market::Bar> parse_kline(const json::value& v, const std::string& symbol,
                                market::Interval interval);
Result<std::vector<market::Instrument>> parse_exchange_info(const json::value& v);
// The decimal places of a step such as "0.01000000" (2) or "1.00000000" (0).
int decimals_of_step(std::string_view step);

}  // namespace tc::sources
