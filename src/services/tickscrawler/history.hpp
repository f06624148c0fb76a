// History: GET /api/tickscrawler/historical — stored trades, or bars of any interval from 1s to
// 1d, as JSON or CSV, a page at a time.
//
// Bars come from the stored trades of the range, resampled as they are read; where no trade is
// stored in the range they come from stored bars of that interval, or of a finer one that
// divides it, aggregated. Pages are keyset pages: `next_cursor` names where the next one starts,
// so a page never repeats or skips a row however many share a time.
#pragma once

#include <optional>
#include <string>

#include "market/instrument.hpp"
#include "market/interval.hpp"
#include "serve/request.hpp"
#include "storage/store.hpp"
#include "storage/tick_store.hpp"

namespace tc::services {

struct HistoryRequest {
  market::InstrumentId id;
  int64_t start = 0;  // [start, end), open ends at the int64 limits
  int64_t end = 0;
  std::optional<market::Interval> interval;  // none: raw trades
  int64_t limit = 1000;
  bool csv = false;
  std::optional<storage::TickCursor> tick_cursor;  // where a page of trades resumes
  std::optional<int64_t> bar_cursor;               // open time a page of bars resumes at
};

// Reads the query. invalid_argument naming the parameter for a bad one (a malformed time or
// interval, an empty range, a limit out of 1..100000, a cursor this endpoint did not give).
Result<HistoryRequest> read_history_request(const serve::Request& request);

// The page as a response: JSON {"symbol", "source", "interval", "ticks" or "bars", "next_cursor",
// "bars_from"} or CSV with the next cursor in the X-Next-Cursor header. Prices and sizes print
// as the shortest number with their value in JSON, with the instrument's precision in CSV.
Result<serve::Response> answer_history(storage::Store& store, const HistoryRequest& request,
                                       const market::Instrument& instrument);

}  // namespace tc::services
