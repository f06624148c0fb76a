// CsvSource: trades or OHLCV bars from the user's CSV files in an import directory
// (TICKSCRAWLER_IMPORT_DIR, default <data dir>/import).
//
// A fetch names its file (FetchOptions::file), a path relative to the import directory; an
// absolute path, a path with "..", a symlink anywhere on the way, or one that resolves outside
// the directory is refused. The header says what the file holds (any case, any column order):
//   trades: a time column, `price`, and `quantity`, `size`, `qty` or `amount`; optional
//           `symbol`, `trade_id` (or `id`), and `side` (buy/sell) or `is_buyer_maker`;
//   bars:   a time column, `open`, `high`, `low`, `close`; optional `volume`, `trade_count`,
//           `vwap`, `symbol`.
// The time column is the first of ts_event, timestamp, time, datetime, date, open_time, ts, t;
// its cells are ISO 8601 UTC or epoch numbers, told apart by magnitude (below 1e11 seconds,
// 1e14 milliseconds, 1e17 microseconds, else nanoseconds; a fraction means seconds). Fields are
// separated by commas (or tabs or semicolons when the header has no comma) and may be quoted.
//
// A file is all or nothing: every row is read and checked before the first is delivered, and a
// bad row fails the fetch naming its line and column — nothing of that file is stored. Rows are
// delivered in time order whatever order the file has. A trade without an id gets one from its
// content ("<ts_event>-<n>", n counting trades of that symbol at that time), so importing the
// same rows twice stores them once.
//
// Thread-safe: every fetch reads the file anew.
#pragma once

#include <filesystem>

#include "market/source.hpp"

namespace tc::sources {

class CsvSource final : public market::Source {
 public:
  explicit CsvSource(std::filesystem::path import_dir) : dir_(std::move(import_dir)) {}

  std::string_view name() const override { return "csv"; }
  market::SourceCapabilities capabilities() const override {
    return {.trades = true, .bars = true, .live = false, .files = true};
  }
  // A directory of files lists no instruments of its own.
  Result<std::vector<market::Instrument>> instruments() override {
    return std::vector<market::Instrument>{};
  }
  Status check_fetch(const market::FetchOptions& options, bool bars) override;
  // The symbols in the file, each with the largest price and size precision it uses.
  Result<std::vector<market::Instrument>> instruments_in(
      const market::FetchOptions& options) override;
  using Source::fetch_bars;
  using Source::fetch_trades;
  Status fetch_trades(const std::string& symbol, market::TimeSpan span,
                      const market::FetchOptions& options,
                      const market::TradePageSink& sink) override;
  // Bars of a bars file at its own interval or a multiple of it, or a trades file resampled.
  Status fetch_bars(const std::string& symbol, market::Interval interval, market::TimeSpan span,
                    const market::FetchOptions& options, const market::BarPageSink& sink) override;
  using Source::subscribe;
  Result<std::unique_ptr<market::LiveSubscription>> subscribe(std::vector<std::string>,
                                                              const market::LiveOptions&,
                                                              market::TradeHandler) override {
    return unimplemented("the csv source has no live feed");
  }

  // `file` inside the import directory. invalid_argument for an empty or absolute path or one
  // with "..", permission_denied for a symlink or a path resolving outside the directory,
  // not_found when there is no such regular file.
  Result<std::filesystem::path> resolve(std::string_view file) const;

 private:
  std::filesystem::path dir_;
};

}  // namespace tc::sources
