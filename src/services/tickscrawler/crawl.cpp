#include "services/tickscrawler/crawl.hpp"

#include <algorithm>
#include <limits>
#include <memory>
#include <set>

#include "core/time_parse.hpp"
#include "market/source_registry.hpp"
#include "market/tick_validator.hpp"
#include "services/common/handler_support.hpp"
#include "services/tickscrawler/source_lookup.hpp"
#include "services/tickscrawler/store_retry.hpp"

namespace tc::services {
namespace {

constexpr int64_t kHour = 3600'000'000'000LL;
constexpr int64_t kDay = 24 * kHour;
constexpr size_t kMaxSymbols = 100;

// What one symbol's crawl stored, skipped and refused.
struct SymbolCounts {
  std::string symbol;
  storage::WriteCounts writes;
  int64_t rejected = 0;
};

}  // namespace

json::object CrawlRequest::to_params() const {
  json::array syms;
  for (const auto& s : symbols) syms.push_back(json::value(s));
  auto time = [](int64_t t) -> json::value {
    if (t == std::numeric_limits<int64_t>::min() || t == std::numeric_limits<int64_t>::max()) {
      return nullptr;  // an open end
    }
    return json::value(format_utc_time(t));
  };
  json::object out{{"source", source},
                   {"symbols", std::move(syms)},
                   {"start", time(span.start)},
                   {"end", time(span.end)},
                   {"kind", kind == Kind::kTrades ? "trades" : "bars"}};
  if (!file.empty()) out["file"] = file;
  if (kind == Kind::kBars) out["interval"] = interval.name();
  return out;
}

Result<CrawlRequest> read_crawl_request(const serve::Request& request) {
  auto body = read_json_object(request);
  if (!body) return body.status();
  ObjectReader r(*body, "body");
  auto source = r.required_string("source", 64);
  auto symbols = r.optional_string_array("symbols", kMaxSymbols, 32);
  auto file = r.optional_string("file", 255);
  auto start = r.optional_string("start", 40);
  auto end = r.optional_string("end", 40);
  auto kind = r.optional_string("kind", 16);
  auto interval = r.optional_string("interval", 8);
  auto wait = r.optional_bool("wait");
  TC_RETURN_IF_ERROR(r.finish());

  CrawlRequest crawl;
  crawl.source = *source;
  crawl.file = file.value_or("");
  if ((!symbols || symbols->empty()) && crawl.file.empty()) {
    return invalid_argument("body: field 'symbols' must list at least one symbol");
  }
  std::set<std::string> unique;
  for (const std::string& symbol : symbols.value_or(std::vector<std::string>{})) {
    TC_RETURN_IF_ERROR(market::check_symbol(symbol));
    if (unique.insert(symbol).second) crawl.symbols.push_back(symbol);
  }
  if (kind && *kind != "trades" && *kind != "bars") {
    return invalid_argument("body: field 'kind' must be 'trades' or 'bars'");
  }
  crawl.kind = kind && *kind == "bars" ? CrawlRequest::Kind::kBars : CrawlRequest::Kind::kTrades;
  if (crawl.kind == CrawlRequest::Kind::kBars) {
    if (!interval) return invalid_argument("body: field 'interval' is required for bars");
    auto parsed = market::Interval::parse(*interval);
    if (!parsed) {
      return invalid_argument("body: field 'interval' must be one of " +
                              std::string(market::interval_names()));
    }
    crawl.interval = *parsed;
  } else if (interval) {
    return invalid_argument("body: field 'interval' applies to bars only (\"kind\": \"bars\")");
  }
  TimeRange range;
  TC_ASSIGN_OR_RETURN(range, read_time_range(start, end, "body: field"));
  if (start) crawl.start = range.start;
  if (end) crawl.end = range.end;
  crawl.wait = wait.value_or(false);
  return crawl;
}

Result<market::Source*> check_crawl(CrawlRequest& crawl, storage::Store& store,
                                    const market::SourceRegistry& sources, const Clock& clock) {
  market::Source* source = nullptr;
  TC_ASSIGN_OR_RETURN(source, find_source(store, sources, crawl.source));
  market::SourceCapabilities can = source->capabilities();
  if (crawl.kind == CrawlRequest::Kind::kTrades ? !can.trades : !can.bars) {
    return failed_precondition("the '" + crawl.source + "' source has no history of " +
                               (crawl.kind == CrawlRequest::Kind::kTrades ? "trades" : "bars"));
  }
  if (can.files) {
    // Files hold what they hold: the whole file unless the request narrows it.
    crawl.span.start = crawl.start.value_or(std::numeric_limits<int64_t>::min());
    crawl.span.end = crawl.end.value_or(std::numeric_limits<int64_t>::max());
    if (crawl.file.empty()) {
      return invalid_argument("body: field 'file' names the file to import from the '" +
                              crawl.source + "' source's directory");
    }
    market::FetchOptions options{crawl.file, !crawl.symbols.empty()};
    TC_RETURN_IF_ERROR(source->check_fetch(options, crawl.kind == CrawlRequest::Kind::kBars));
    return source;
  }
  if (!crawl.file.empty()) {
    return invalid_argument("body: field 'file' applies to file sources only, not '" +
                            crawl.source + "'");
  }
  if (crawl.symbols.empty()) {
    return invalid_argument("body: field 'symbols' must list at least one symbol");
  }
  int64_t now = clock.unix_nanos();
  crawl.span.end = crawl.end ? std::min(*crawl.end, now) : now;
  int64_t lookback = crawl.kind == CrawlRequest::Kind::kTrades ? kHour : 30 * kDay;
  crawl.span.start = crawl.start ? *crawl.start : crawl.span.end - lookback;
  if (crawl.span.start >= crawl.span.end) {
    return invalid_argument("body: field 'start' is not before the end of the range (" +
                            format_utc_time(crawl.span.end) + "): nothing has happened in it yet");
  }
  for (const std::string& symbol : crawl.symbols) {
    TC_RETURN_IF_ERROR(find_instrument(store, source, {symbol, crawl.source}).status());
  }
  return source;
}

namespace {

// One crawl's work: symbol after symbol, page after page, every row checked where it enters.
class Crawl {
 public:
  Crawl(storage::Store& store, market::Source& source, CrawlRequest request)
      : store_(store),
        source_(source),
        request_(std::move(request)),
        options_{request_.file, !request_.symbols.empty()},
        files_(source.capabilities().files),
        validator_({request_.symbols.begin(), request_.symbols.end()}) {}

  Result<json::value> run(serve::JobContext& ctx) {
    std::vector<std::string> symbols = request_.symbols;
    if (symbols.empty()) {
      // A file source with a symbol column: every symbol the file has.
      auto found = source_.instruments_in(options_);
      if (!found) return found.status();
      for (const auto& i : *found) symbols.push_back(i.id.symbol);
      if (symbols.empty()) return invalid_argument("'" + request_.file + "' has no rows");
      validator_ = market::TickValidator({symbols.begin(), symbols.end()});
    }
    for (size_t k = 0; k < symbols.size() && !ctx.should_stop(); ++k) {
      SymbolCounts counts{symbols[k], {}, 0};
      Scales scales;
      auto report = [&](int64_t reached) {
        ctx.set_progress((static_cast<double>(k) + fraction_of_span(reached)) /
                         static_cast<double>(symbols.size()));
      };
      Status fetched = request_.kind == CrawlRequest::Kind::kTrades
                           ? crawl_trades(ctx, counts, scales, report)
                           : crawl_bars(ctx, counts, scales, report);
      if (files_ && scales.seen) TC_RETURN_IF_ERROR(remember_instrument(counts.symbol, scales));
      per_symbol_.push_back(std::move(counts));
      if (!failure_.is_ok()) return failure_;
      if (!fetched.is_ok()) return fetched;
    }
    return summary();
  }

 private:
  // The largest price and size precision a file source's rows used, for its instrument.
  struct Scales {
    bool seen = false;
    int price = 0;
    int size = 0;
    void note(market::Decimal p, market::Decimal s) {
      seen = true;
      price = std::max(price, p.scale);
      size = std::max(size, s.scale);
    }
  };

  double fraction_of_span(int64_t reached) const {
    const auto [start, end] = request_.span;
    if (start == std::numeric_limits<int64_t>::min() ||
        end == std::numeric_limits<int64_t>::max()) {
      return 0;  // an open range: progress counts symbols only
    }
    double span = static_cast<double>(end) - static_cast<double>(start);
    return std::clamp((static_cast<double>(reached) - static_cast<double>(start)) / span, 0.0, 1.0);
  }

  template <typename Report>
  Status crawl_trades(serve::JobContext& ctx, SymbolCounts& counts, Scales& scales,
                      Report& report) {
    std::vector<market::TradeTick> valid;
    int64_t rejected_before = validator_.rejected();
    Status fetched = source_.fetch_trades(
        counts.symbol, request_.span, options_, [&](std::span<const market::TradeTick> page) {
          // Checked before the write: once stopping, nothing more
          // is stored.
          if (ctx.should_stop()) return false;
          valid.clear();
          for (const market::TradeTick& t : page) {
            if (validator_.check(t).is_ok()) {
              valid.push_back(t);
              scales.note(t.price, t.size);
            }
          }
          auto written = write_riding_out_outages(
              ctx, [&] { return store_.ticks().write_ticks(valid); },
              [&](const Status&) { ++store_retries_; });
          if (!written) {
            failure_ = written.status();
            return false;
          }
          counts.writes += *written;
          if (!page.empty()) report(page.back().ts_event);
          return true;
        });
    counts.rejected = validator_.rejected() - rejected_before;
    return fetched;
  }

  template <typename Report>
  Status crawl_bars(serve::JobContext& ctx, SymbolCounts& counts, Scales& scales, Report& report) {
    std::vector<market::Bar> valid;
    return source_.fetch_bars(
        counts.symbol, request_.interval, request_.span, options_,
        [&](std::span<const market::Bar> page) {
          if (ctx.should_stop()) return false;
          valid.clear();
          for (const market::Bar& b : page) {
            Status ok = market::validate(b);
            if (ok.is_ok() && b.instrument_id.symbol == counts.symbol) {
              valid.push_back(b);
              scales.note(std::max({b.open, b.high, b.low, b.close},
                                   [](const auto& x, const auto& y) { return x.scale < y.scale; }),
                          b.volume);
            } else {
              ++counts.rejected;
              ++bar_rejections_[ok.is_ok() ? "bar of another symbol" : ok.message()];
            }
          }
          auto written = write_riding_out_outages(
              ctx, [&] { return store_.bars().write_bars(valid); },
              [&](const Status&) { ++store_retries_; });
          if (!written) {
            failure_ = written.status();
            return false;
          }
          counts.writes += *written;
          if (!page.empty()) report(page.back().open_time);
          return true;
        });
  }

  // A file's symbols become instruments of its source, so that history can serve them.
  Status remember_instrument(const std::string& symbol, const Scales& scales) {
    market::Instrument i;
    i.id = {symbol, request_.source};
    auto known = store_.instruments().instrument(i.id);
    if (known) i = *known;
    if (!known) {
      i.name = symbol;
      i.asset_class = market::AssetClass::kEquity;
    }
    i.price_precision = std::max(known ? i.price_precision : 0, scales.price);
    i.size_precision = std::max(known ? i.size_precision : 0, scales.size);
    return store_.instruments().put_instruments({&i, 1});
  }

  json::value summary() const {
    const bool trades = request_.kind == CrawlRequest::Kind::kTrades;
    storage::WriteCounts total;
    int64_t rejected = 0;
    json::array symbols;
    for (const SymbolCounts& c : per_symbol_) {
      total += c.writes;
      rejected += c.rejected;
      symbols.push_back(json::object{{"symbol", c.symbol},
                                     {"stored", c.writes.written},
                                     {"duplicates_skipped", c.writes.duplicates},
                                     {"rows_rejected", c.rejected}});
    }
    json::object reasons;
    for (const auto& [why, n] : trades ? validator_.rejected_by_reason() : bar_rejections_) {
      reasons[why] = n;
    }
    return json::object{
        {"kind", trades ? "trades" : "bars"},
        {trades ? "ticks_stored" : "bars_stored", total.written},
        {"duplicates_skipped", total.duplicates},
        {"rows_rejected", rejected},
        {"rejected_by_reason", std::move(reasons)},
        {"store_retries", store_retries_},
        {"symbols", std::move(symbols)},
    };
  }

  storage::Store& store_;
  market::Source& source_;
  const CrawlRequest request_;
  const market::FetchOptions options_;
  const bool files_;
  market::TickValidator validator_;
  std::vector<SymbolCounts> per_symbol_;
  std::map<std::string, int64_t> bar_rejections_;
  int64_t store_retries_ = 0;  // writes tried again while the store was unavailable
  Status failure_;
};

}  // namespace

serve::JobWork crawl_work(storage::Store& store, market::Source& source, CrawlRequest crawl) {
  auto work = std::make_shared<Crawl>(store, source, std::move(crawl));
  return [work](serve::JobContext& ctx) { return work->run(ctx); };
}

}  // namespace tc::services
