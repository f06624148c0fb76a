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
// Base URLs are settings (TICKSCRAWLER_BINANCE_REST_URL), so tests run against a fake exchange;
// https:// URLs use TLS.
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
    return {.trades = true, .bars = true, .live = false};
  }
  Result<std::vector<market::Instrument>> instruments() override;
  using Source::fetch_bars;
  using Source::fetch_trades;
  Status fetch_trades(const std::string& symbol, market::TimeSpan span,
                      const market::FetchOptions& options,
                      const market::TradePageSink& sink) override;
  Status fetch_bars(const std::string& symbol, market::Interval interval, market::TimeSpan span,
                    const market::FetchOptions& options, const market::BarPageSink& sink) override;
  using Source::subscribe;
  Result<std::unique_ptr<market::LiveSubscription>> subscribe(std::vector<std::string>,
                                                              const market::LiveOptions&,
                                                              market::TradeHandler) override {
    return unimplemented("live Binance trades (the WebSocket feed) are not built yet");
  }

 private:
  // GET `target` (path and query) as JSON, with the retries described above.
  Result<json::value> get(const std::string& target);
  // The id of the first trade at or after `ms` (bisecting ids, which grow with time); nullopt
  // when there is none yet.
  Result<std::optional<int64_t>> first_id_at_or_after(const std::string& symbol, int64_t ms);

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
