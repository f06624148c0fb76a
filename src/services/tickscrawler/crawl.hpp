// Crawls: fetching history from a source into the stores, as a background job.
//
// A CrawlRequest is read from the body of POST /api/tickscrawler/crawl and checked up front
// (source, symbols, range, kind and interval) so that a bad request is refused with a 4xx before
// any job exists. crawl_work() is the job: for each symbol it fetches pages from the source,
// validates every row where it enters, stores the valid ones in batches (idempotently: crawling
// the same range twice stores nothing twice), reports progress, and stops between pages when
// asked, returning what it stored so far.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/json.hpp"
#include "market/interval.hpp"
#include "market/source.hpp"
#include "market/source_registry.hpp"
#include "serve/job_runner.hpp"
#include "serve/request.hpp"
#include "storage/store.hpp"

namespace tc::services {

struct CrawlRequest {
  enum class Kind { kTrades, kBars };

  std::string source;
  std::vector<std::string> symbols;   // empty: every symbol of the file (file sources)
  std::string file;                   // for file sources: a path in their directory
  std::optional<int64_t> start, end;  // as given
  market::TimeSpan span;              // [start, end) with the source's defaults; end <= now
  Kind kind = Kind::kTrades;
  market::Interval interval{60};  // for bars
  bool wait = false;

  json::object to_params() const;
};

// Reads and checks the body. invalid_argument naming the field for a malformed or inconsistent
// body.
Result<CrawlRequest> read_crawl_request(const serve::Request& request);

// Checks what the request names against this node — the source exists, is enabled and built,
// can fetch the kind asked for, and lists every symbol (or, for a file source, the file is
// there and holds that kind) — and sets the span. Defaults: kind "trades"; for a file source
// the whole file, else end now and start one hour (trades) or 30 days (bars) before it.
// not_found, invalid_argument, permission_denied, failed_precondition or unimplemented naming
// what is wrong. Returns the source.
Result<market::Source*> check_crawl(CrawlRequest& crawl, storage::Store& store,
                                    const market::SourceRegistry& sources, const Clock& clock);

// The crawl job's work; its result counts what was stored, skipped and refused, per symbol.
serve::JobWork crawl_work(storage::Store& store, market::Source& source, CrawlRequest crawl);

}  // namespace tc::services
