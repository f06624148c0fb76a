#include "services/tickscrawler/crawl.hpp"

#include <algorithm>
#include <set>

#include "core/time_parse.hpp"
#include "market/source_registry.hpp"
#include "market/tick_validator.hpp"
#include "services/common/handler_support.hpp"

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
  json::object out{{"source", source},
                   {"symbols", std::move(syms)},
                   {"start", format_utc_time(span.start)},
                   {"end", format_utc_time(span.end)},
                   {"kind", kind == Kind::kTrades ? "trades" : "bars"}};
  if (kind == Kind::kBars) out["interval"] = interval.name();
  return out;
}

Result<CrawlRequest> read_crawl_request(const serve::Request& request, const Clock& clock) {
  auto body = read_json_object(request);
  if (!body) return body.status();
  ObjectReader r(*body, "body");
  auto source = r.required_string("source", 64);
  auto symbols = r.optional_string_array("symbols", kMaxSymbols, 32);
  auto start = r.optional_string("start", 40);
  auto end = r.optional_string("end", 40);
  auto kind = r.optional_string("kind", 16);
  auto interval = r.optional_string("interval", 8);
  auto wait = r.optional_bool("wait");
  TC_RETURN_IF_ERROR(r.finish());

  CrawlRequest crawl;
  crawl.source = *source;
  if (!symbols || symbols->empty()) {
    return invalid_argument("body: field 'symbols' must list at least one symbol");
  }
  std::set<std::string> unique;
  for (const std::string& symbol : *symbols) {
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
  int64_t now = clock.unix_nanos();
  crawl.span.end = end ? std::min(range.end, now) : now;
  int64_t lookback = crawl.kind == CrawlRequest::Kind::kTrades ? kHour : 30 * kDay;
  crawl.span.start = start ? range.start : crawl.span.end - lookback;
  if (crawl.span.start >= crawl.span.end) {
    return invalid_argument("body: field 'start' is not before the end of the range (" +
                            format_utc_time(crawl.span.end) + "): nothing has happened in it yet");
  }
  crawl.wait = wait.value_or(false);
  return crawl;
}

Result<market::Source*> check_crawl(const CrawlRequest& crawl, storage::Store& store,
                                    const market::SourceRegistry& sources) {
  auto known = store.catalog().data_sources();
  if (!known) return known.status();
  auto record = std::find_if(known->begin(), known->end(),
                             [&](const auto& s) { return s.name == crawl.source; });
  if (record == known->end()) {
    return not_found("no data source named '" + crawl.source +
                     "' (GET /api/tickscrawler/sources lists them)");
  }
  if (!record->enabled)
    return failed_precondition("data source '" + crawl.source + "' is disabled");
  market::Source* source = sources.find(crawl.source);
  if (source == nullptr) {
    return unimplemented("the '" + crawl.source + "' source is not built yet");
  }
  market::SourceCapabilities can = source->capabilities();
  if (crawl.kind == CrawlRequest::Kind::kTrades ? !can.trades : !can.bars) {
    return failed_precondition("the '" + crawl.source + "' source has no history of " +
                               (crawl.kind == CrawlRequest::Kind::kTrades ? "trades" : "bars"));
  }
  for (const std::string& symbol : crawl.symbols) {
    auto instrument = store.instruments().instrument({symbol, crawl.source});
    if (!instrument) {
      if (instrument.status().code() == StatusCode::kNotFound) {
        return not_found("the '" + crawl.source + "' source has no symbol '" + symbol +
                         "' (GET /api/tickscrawler/instruments?source=" + crawl.source +
                         " lists them)");
      }
      return instrument.status();
    }
  }
  return source;
}

serve::JobWork crawl_work(storage::Store& store, market::Source& source, CrawlRequest crawl) {
  return
      [&store, &source, crawl = std::move(crawl)](serve::JobContext& ctx) -> Result<json::value> {
        const bool trades = crawl.kind == CrawlRequest::Kind::kTrades;
        market::TickValidator validator({crawl.symbols.begin(), crawl.symbols.end()});
        std::vector<SymbolCounts> per_symbol;
        std::map<std::string, int64_t> bar_rejections;
        const double span = static_cast<double>(crawl.span.end - crawl.span.start);
        Status failure;
        for (size_t k = 0; k < crawl.symbols.size() && !ctx.should_stop(); ++k) {
          SymbolCounts counts{crawl.symbols[k], {}, 0};
          auto report = [&](int64_t reached) {
            double within =
                std::clamp((static_cast<double>(reached - crawl.span.start)) / span, 0.0, 1.0);
            ctx.set_progress((static_cast<double>(k) + within) /
                             static_cast<double>(crawl.symbols.size()));
          };
          Status fetched;
          if (trades) {
            std::vector<market::TradeTick> valid;
            int64_t rejected_before = validator.rejected();
            fetched = source.fetch_trades(counts.symbol, crawl.span,
                                          [&](std::span<const market::TradeTick> page) {
                                            // Checked before the write: once stopping, nothing more
                                            // is stored.
                                            if (ctx.should_stop()) return false;
                                            valid.clear();
                                            for (const market::TradeTick& t : page) {
                                              if (validator.check(t).is_ok()) valid.push_back(t);
                                            }
                                            auto written = store.ticks().write_ticks(valid);
                                            if (!written) {
                                              failure = written.status();
                                              return false;
                                            }
                                            counts.writes += *written;
                                            if (!page.empty()) report(page.back().ts_event);
                                            return true;
                                          });
            counts.rejected = validator.rejected() - rejected_before;
          } else {
            std::vector<market::Bar> valid;
            fetched = source.fetch_bars(
                counts.symbol, crawl.interval, crawl.span, [&](std::span<const market::Bar> page) {
                  if (ctx.should_stop()) return false;
                  valid.clear();
                  for (const market::Bar& b : page) {
                    Status ok = market::validate(b);
                    if (ok.is_ok() && b.instrument_id.symbol == counts.symbol) {
                      valid.push_back(b);
                    } else {
                      ++counts.rejected;
                      ++bar_rejections[ok.is_ok() ? "bar of another symbol" : ok.message()];
                    }
                  }
                  auto written = store.bars().write_bars(valid);
                  if (!written) {
                    failure = written.status();
                    return false;
                  }
                  counts.writes += *written;
                  if (!page.empty()) report(page.back().open_time);
                  return true;
                });
          }
          per_symbol.push_back(std::move(counts));
          if (!failure.is_ok()) return failure;
          if (!fetched.is_ok()) return fetched;
        }

        storage::WriteCounts total;
        int64_t rejected = 0;
        json::array symbols;
        for (const SymbolCounts& c : per_symbol) {
          total += c.writes;
          rejected += c.rejected;
          symbols.push_back(json::object{{"symbol", c.symbol},
                                         {"stored", c.writes.written},
                                         {"duplicates_skipped", c.writes.duplicates},
                                         {"rows_rejected", c.rejected}});
        }
        json::object reasons;
        for (const auto& [why, n] : trades ? validator.rejected_by_reason() : bar_rejections) {
          reasons[why] = n;
        }
        return json::value(json::object{
            {"kind", trades ? "trades" : "bars"},
            {trades ? "ticks_stored" : "bars_stored", total.written},
            {"duplicates_skipped", total.duplicates},
            {"rows_rejected", rejected},
            {"rejected_by_reason", std::move(reasons)},
            {"symbols", std::move(symbols)},
        });
      };
}

}  // namespace tc::services
