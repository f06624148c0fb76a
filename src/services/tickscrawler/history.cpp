#include "services/tickscrawler/history.hpp"

#include <charconv>
#include <vector>

#include "core/json_writer.hpp"
#include "core/time_parse.hpp"
#include "market/bar.hpp"
#include "services/common/handler_support.hpp"

namespace tc::services {
namespace {

using market::Bar;
using market::TradeTick;

// Cursors are opaque to clients: hex of "t|<ts_event>|<trade id>" or "b|<open time>".
std::string to_hex(std::string_view s) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out += kDigits[c >> 4];
    out += kDigits[c & 15];
  }
  return out;
}

std::optional<std::string> from_hex(std::string_view s) {
  if (s.size() % 2 != 0 || s.size() > 400) return std::nullopt;
  std::string out;
  for (size_t i = 0; i < s.size(); i += 2) {
    int v = 0;
    auto [ptr, ec] = std::from_chars(s.data() + i, s.data() + i + 2, v, 16);
    if (ec != std::errc() || ptr != s.data() + i + 2) return std::nullopt;
    out += static_cast<char>(v);
  }
  return out;
}

std::optional<int64_t> to_int(std::string_view s) {
  int64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size()) return std::nullopt;
  return v;
}

std::string tick_cursor(const TradeTick& t) {
  return to_hex("t|" + std::to_string(t.ts_event) + "|" + t.trade_id);
}

std::string bar_cursor(int64_t open_time) { return to_hex("b|" + std::to_string(open_time)); }

// One page of bars and where the next begins.
struct BarPage {
  std::vector<Bar> bars;
  std::optional<int64_t> next;
  std::optional<std::string> from;  // "trades", "1m bars", ...; none when nothing is stored
};

// Bars resampled from the stored trades of the range, from the cursor on.
Result<BarPage> bars_from_trades(storage::Store& store, const HistoryRequest& r,
                                 market::Interval interval) {
  BarPage page;
  page.from = "trades";
  storage::TickQuery q;
  q.id = r.id;
  q.start = std::max(r.start, r.bar_cursor.value_or(r.start));
  q.end = r.end;
  market::BarAggregator aggregator(r.id, interval);
  const size_t want = static_cast<size_t>(r.limit);
  TC_RETURN_IF_ERROR(store.ticks().scan_ticks(q, [&](const TradeTick& t) {
    if (auto bar = aggregator.add(t)) {
      page.bars.push_back(std::move(*bar));
      if (page.bars.size() == want) {
        // The trade that closed the last bar opens the next page's first.
        page.next = interval.open_time(t.ts_event);
        return false;
      }
    }
    return true;
  }));
  if (!page.next) {
    if (auto bar = aggregator.flush()) page.bars.push_back(std::move(*bar));
  }
  return page;
}

// Bars from stored bars of `stored` (which divides `interval`), aggregated, from the cursor on.
Result<BarPage> bars_from_bars(storage::Store& store, const HistoryRequest& r,
                               market::Interval interval, market::Interval stored) {
  BarPage page;
  page.from = std::string(stored.name()) + " bars";
  storage::BarQuery q;
  q.id = r.id;
  q.interval = stored;
  q.start = std::max(r.start, r.bar_cursor.value_or(r.start));
  q.end = r.end;
  q.limit = 10000;
  market::BarAggregator aggregator(r.id, interval);
  const size_t want = static_cast<size_t>(r.limit);
  while (true) {
    auto chunk = store.bars().bars(q);
    if (!chunk) return chunk.status();
    for (const Bar& b : *chunk) {
      if (stored == interval) {
        page.bars.push_back(b);
      } else if (auto bar = aggregator.add(b)) {
        page.bars.push_back(std::move(*bar));
      }
      if (page.bars.size() == want) {
        page.next =
            stored == interval ? b.open_time + interval.nanos() : interval.open_time(b.open_time);
        // Only a next page when something is there.
        storage::BarQuery probe = q;
        probe.start = *page.next;
        probe.after.reset();
        probe.limit = 1;
        auto more = store.bars().bars(probe);
        if (!more) return more.status();
        if (more->empty()) page.next.reset();
        return page;
      }
    }
    if (static_cast<int64_t>(chunk->size()) < q.limit) break;
    q.after = chunk->back().open_time;
  }
  if (auto bar = aggregator.flush()) page.bars.push_back(std::move(*bar));
  return page;
}

Result<BarPage> read_bars(storage::Store& store, const HistoryRequest& r) {
  market::Interval interval = *r.interval;
  storage::TickQuery any;
  any.id = r.id;
  any.start = std::max(r.start, r.bar_cursor.value_or(r.start));
  any.end = r.end;
  any.limit = 1;
  auto probe = store.ticks().ticks(any);
  if (!probe) return probe.status();
  if (!probe->empty()) return bars_from_trades(store, r, interval);
  auto stored = store.bars().bar_intervals(r.id);
  if (!stored) return stored.status();
  std::optional<market::Interval> best;
  for (market::Interval i : *stored) {
    if (interval.is_multiple_of(i)) best = i;  // shortest first: the last fit is the coarsest
  }
  if (!best) return BarPage{};
  return bars_from_bars(store, r, interval, *best);
}

void append_decimal(std::string& out, market::Decimal d, int min_scale) {
  market::append_fixed(out, d, min_scale);
}

serve::Response json_body_response(std::string body) {
  serve::Response resp;
  resp.body = std::move(body);
  return resp;
}

serve::Response csv_response(std::string body, const std::optional<std::string>& next) {
  serve::Response resp;
  resp.content_type = "text/csv; charset=utf-8";
  resp.body = std::move(body);
  if (next) resp.headers.emplace_back("X-Next-Cursor", *next);
  return resp;
}

}  // namespace

Result<HistoryRequest> read_history_request(const serve::Request& request) {
  HistoryRequest r;
  auto symbol = request.query_param("symbol");
  if (!symbol) return invalid_argument("query parameter 'symbol' is required");
  TC_RETURN_IF_ERROR(market::check_symbol(*symbol));
  r.id = {std::string(*symbol), std::string(request.query_param("source").value_or("simulator"))};
  TimeRange range;
  TC_ASSIGN_OR_RETURN(range, read_time_range(request.query_param("start"),
                                             request.query_param("end"), "query parameter"));
  r.start = range.start;
  r.end = range.end;
  if (auto interval = request.query_param("interval")) {
    r.interval = market::Interval::parse(*interval);
    if (!r.interval) {
      return invalid_argument("query parameter 'interval' must be one of " +
                              std::string(market::interval_names()));
    }
  }
  TC_ASSIGN_OR_RETURN(r.limit, query_int(request, "limit", 1000, 1, 100000));
  auto format = request.query_param("format").value_or("json");
  if (format != "json" && format != "csv") {
    return invalid_argument("query parameter 'format' must be json or csv");
  }
  r.csv = format == "csv";
  if (auto cursor = request.query_param("cursor")) {
    auto bad = invalid_argument(
        "query parameter 'cursor' must be a next_cursor this endpoint returned for the same "
        "kind of query");
    auto text = from_hex(*cursor);
    if (!text || text->size() < 3 || (*text)[1] != '|') return bad;
    std::string_view rest = std::string_view(*text).substr(2);
    if ((*text)[0] == 't' && !r.interval) {
      size_t bar = rest.find('|');
      if (bar == std::string_view::npos) return bad;
      auto ts = to_int(rest.substr(0, bar));
      if (!ts || bar + 1 == rest.size()) return bad;
      r.tick_cursor = storage::TickCursor{*ts, std::string(rest.substr(bar + 1))};
    } else if ((*text)[0] == 'b' && r.interval) {
      auto open_time = to_int(rest);
      if (!open_time) return bad;
      r.bar_cursor = *open_time;
    } else {
      return bad;
    }
  }
  return r;
}

Result<serve::Response> answer_history(storage::Store& store, const HistoryRequest& r,
                                       const market::Instrument& instrument) {
  std::string body;
  std::optional<std::string> next;
  if (!r.interval) {
    storage::TickQuery q;
    q.id = r.id;
    q.start = r.start;
    q.end = r.end;
    q.after = r.tick_cursor;
    q.limit = r.limit + 1;  // one more says whether there is a next page
    auto ticks = store.ticks().ticks(q);
    if (!ticks) return ticks.status();
    if (static_cast<int64_t>(ticks->size()) > r.limit) {
      ticks->pop_back();
      next = tick_cursor(ticks->back());
    }
    body.reserve(ticks->size() * 128 + 128);
    if (r.csv) {
      body += "ts_event,price,size,aggressor_side,trade_id,ts_init\n";
      for (const TradeTick& t : *ticks) {
        body += format_utc_time(t.ts_event);
        body += ',';
        append_decimal(body, t.price, instrument.price_precision);
        body += ',';
        append_decimal(body, t.size, instrument.size_precision);
        body += ',';
        body += market::aggressor_side_name(t.aggressor_side);
        body += ',';
        body += t.trade_id;  // validated: no commas or quotes
        body += ',';
        body += format_utc_time(t.ts_init);
        body += '\n';
      }
      return csv_response(std::move(body), next);
    }
    JsonWriter w(body);
    w.begin_object()
        .field("symbol", r.id.symbol)
        .field("source", r.id.source)
        .key("interval")
        .null()
        .key("ticks")
        .begin_array();
    for (const TradeTick& t : *ticks) {
      w.begin_object()
          .field("ts_event", format_utc_time(t.ts_event))
          .key("price")
          .raw(market::to_string(t.price))
          .key("size")
          .raw(market::to_string(t.size))
          .field("aggressor_side", market::aggressor_side_name(t.aggressor_side))
          .field("trade_id", t.trade_id)
          .field("ts_init", format_utc_time(t.ts_init))
          .end_object();
    }
    w.end_array().field("next_cursor", next).end_object();
    return json_body_response(std::move(body));
  }

  BarPage page;
  TC_ASSIGN_OR_RETURN(page, read_bars(store, r));
  if (page.next) next = bar_cursor(*page.next);
  body.reserve(page.bars.size() * 200 + 128);
  if (r.csv) {
    body += "open_time,open,high,low,close,volume,trade_count,vwap\n";
    for (const Bar& b : page.bars) {
      body += format_utc_time(b.open_time);
      for (const market::Decimal* p : {&b.open, &b.high, &b.low, &b.close}) {
        body += ',';
        append_decimal(body, *p, instrument.price_precision);
      }
      body += ',';
      append_decimal(body, b.volume, instrument.size_precision);
      body += ',';
      body += std::to_string(b.trade_count);
      body += ',';
      JsonWriter(body).value(b.vwap);
      body += '\n';
    }
    return csv_response(std::move(body), next);
  }
  JsonWriter w(body);
  w.begin_object()
      .field("symbol", r.id.symbol)
      .field("source", r.id.source)
      .field("interval", r.interval->name())
      .field("bars_from", page.from)
      .key("bars")
      .begin_array();
  for (const Bar& b : page.bars) {
    w.begin_object()
        .field("open_time", format_utc_time(b.open_time))
        .key("open")
        .raw(market::to_string(b.open))
        .key("high")
        .raw(market::to_string(b.high))
        .key("low")
        .raw(market::to_string(b.low))
        .key("close")
        .raw(market::to_string(b.close))
        .key("volume")
        .raw(market::to_string(b.volume))
        .field("trade_count", b.trade_count)
        .field("vwap", b.vwap)
        .end_object();
  }
  w.end_array().field("next_cursor", next).end_object();
  return json_body_response(std::move(body));
}

}  // namespace tc::services
