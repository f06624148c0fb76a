#include "sources/binance_source.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <condition_variable>
#include <map>
#include <thread>

#include "core/stoppable_thread.hpp"
#include "net/http_client.hpp"
#include "net/websocket_client.hpp"

namespace tc::sources {
namespace {

using market::Decimal;

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kHourMs = 3'600'000;
constexpr int kPageLimit = 1000;

Result<Decimal> decimal_field(const json::value& v, std::string_view what) {
  if (!v.is_string()) return invalid_argument(std::string(what) + " is not a decimal string");
  return market::parse_decimal(v.as_string());
}

Result<int64_t> int_field(const json::value& v, std::string_view what) {
  if (v.is_int64()) return v.as_int64();
  if (v.is_uint64() && v.as_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v.as_uint64());
  }
  return invalid_argument(std::string(what) + " is not an integer");
}

// Binance's name for an interval it serves; nullopt for 5s, 15s, 30s (built from 1s).
std::optional<std::string_view> binance_interval(market::Interval i) {
  switch (i.seconds()) {
    case 1:
      return "1s";
    case 60:
      return "1m";
    case 300:
      return "5m";
    case 900:
      return "15m";
    case 1800:
      return "30m";
    case 3600:
      return "1h";
    case 14400:
      return "4h";
    case 86400:
      return "1d";
  }
  return std::nullopt;
}

std::optional<int64_t> retry_after_seconds(const net::HttpResult& r) {
  std::string value = r.header("Retry-After");
  int64_t s = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), s);
  if (value.empty() || ec != std::errc() || s < 0) return std::nullopt;
  return s;
}

}  // namespace

int decimals_of_step(std::string_view step) {
  size_t dot = step.find('.');
  if (dot == std::string_view::npos) return 0;
  std::string_view fraction = step.substr(dot + 1);
  while (!fraction.empty() && fraction.back() == '0') fraction.remove_suffix(1);
  return static_cast<int>(fraction.size());
}

Result<market::TradeTick> parse_agg_trade(const json::value& v, const std::string& symbol,
                                          int64_t ts_init) {
  if (!v.is_object()) return invalid_argument("an aggTrade is not an object");
  const json::object& o = v.as_object();
  for (const char* key : {"a", "p", "q", "T", "m"}) {
    if (!o.contains(key)) return invalid_argument(std::string("an aggTrade has no '") + key + "'");
  }
  market::TradeTick t;
  t.instrument_id = {symbol, "binance"};
  int64_t id = 0, ms = 0;
  TC_ASSIGN_OR_RETURN(id, int_field(o.at("a"), "aggTrade 'a'"));
  TC_ASSIGN_OR_RETURN(t.price, decimal_field(o.at("p"), "aggTrade 'p'"));
  TC_ASSIGN_OR_RETURN(t.size, decimal_field(o.at("q"), "aggTrade 'q'"));
  TC_ASSIGN_OR_RETURN(ms, int_field(o.at("T"), "aggTrade 'T'"));
  if (!o.at("m").is_bool()) return invalid_argument("aggTrade 'm' is not a boolean");
  t.trade_id = std::to_string(id);
  t.ts_event = ms * kMs;
  t.ts_init = std::max(ts_init, t.ts_event);
  // The buyer made the resting order, so the seller took it.
  t.aggressor_side =
      o.at("m").as_bool() ? market::AggressorSide::kSeller : market::AggressorSide::kBuyer;
  return t;
}

Result<market::Bar> parse_kline(const json::value& v, const std::string& symbol,
                                market::Interval interval) {
  if (!v.is_array() || v.as_array().size() < 9) {
    return invalid_argument("a kline is not an array of at least 9 fields");
  }
  const json::array& a = v.as_array();
  market::Bar b;
  b.instrument_id = {symbol, "binance"};
  b.interval = interval;
  int64_t open_ms = 0;
  TC_ASSIGN_OR_RETURN(open_ms, int_field(a[0], "kline open time"));
  b.open_time = open_ms * kMs;
  TC_ASSIGN_OR_RETURN(b.open, decimal_field(a[1], "kline open"));
  TC_ASSIGN_OR_RETURN(b.high, decimal_field(a[2], "kline high"));
  TC_ASSIGN_OR_RETURN(b.low, decimal_field(a[3], "kline low"));
  TC_ASSIGN_OR_RETURN(b.close, decimal_field(a[4], "kline close"));
  TC_ASSIGN_OR_RETURN(b.volume, decimal_field(a[5], "kline volume"));
  Decimal quote;
  TC_ASSIGN_OR_RETURN(quote, decimal_field(a[7], "kline quote volume"));
  TC_ASSIGN_OR_RETURN(b.trade_count, int_field(a[8], "kline trade count"));
  double volume = b.volume.to_double();
  b.vwap = volume > 0 ? quote.to_double() / volume : b.close.to_double();
  b.vwap = std::clamp(b.vwap, b.low.to_double(), b.high.to_double());
  return b;
}

Result<std::vector<market::Instrument>> parse_exchange_info(const json::value& v) {
  if (!v.is_object() || !v.as_object().contains("symbols") ||
      !v.as_object().at("symbols").is_array()) {
    return invalid_argument("exchangeInfo has no symbols");
  }
  std::vector<market::Instrument> out;
  for (const auto& s : v.as_object().at("symbols").as_array()) {
    if (!s.is_object()) continue;
    const json::object& o = s.as_object();
    auto text = [&](const char* key) -> std::string {
      return o.contains(key) && o.at(key).is_string() ? std::string(o.at(key).as_string()) : "";
    };
    if (text("status") != "TRADING" || !market::is_valid_symbol(text("symbol"))) continue;
    market::Instrument i;
    i.id = {text("symbol"), "binance"};
    i.name = text("baseAsset") + " / " + text("quoteAsset");
    i.asset_class = market::AssetClass::kCrypto;
    i.sector = "Crypto";
    i.currency = text("quoteAsset");
    i.price_precision = 8;
    i.size_precision = 8;
    if (o.contains("filters") && o.at("filters").is_array()) {
      for (const auto& f : o.at("filters").as_array()) {
        if (!f.is_object()) continue;
        const json::object& fo = f.as_object();
        std::string type = fo.contains("filterType") && fo.at("filterType").is_string()
                               ? std::string(fo.at("filterType").as_string())
                               : "";
        if (type == "PRICE_FILTER" && fo.contains("tickSize") && fo.at("tickSize").is_string()) {
          i.price_precision = decimals_of_step(fo.at("tickSize").as_string());
        } else if (type == "LOT_SIZE" && fo.contains("stepSize") && fo.at("stepSize").is_string()) {
          i.size_precision = decimals_of_step(fo.at("stepSize").as_string());
        }
      }
    }
    out.push_back(std::move(i));
  }
  return out;
}

Result<json::value> BinanceSource::get(const std::string& target) {
  std::string prefix;
  auto call = net::call_for_url(options_.rest_url, &prefix);
  if (!call) return call.status();
  call->target = prefix + target;
  call->timeout = options_.timeout;
  Status last = unavailable("no attempt");
  for (int attempt = 0; attempt <= options_.max_retries; ++attempt) {
    auto r = net::http_request(*call);
    Duration wait = std::chrono::seconds(1LL << std::min(attempt, 5));
    if (!r) {
      last = r.status();
    } else if (r->status == 200) {
      auto body = parse_json(r->body);
      if (!body) return unavailable("Binance sent malformed JSON: " + body.status().message());
      return body;
    } else if (r->status == 429 || r->status == 418) {
      // Binance's rate limit (418: the address is banned for a while): wait as it says.
      int64_t seconds = retry_after_seconds(*r).value_or(1);
      wait = std::min<Duration>(std::chrono::seconds(seconds), options_.max_retry_wait);
      last = resource_exhausted("Binance answered " + std::to_string(r->status) +
                                " (rate limit); Retry-After " + std::to_string(seconds) + " s");
    } else if (r->status >= 500) {
      last = unavailable("Binance answered " + std::to_string(r->status));
    } else {
      // A client error is final: Binance explains it as {"code": -1121, "msg": "..."}.
      auto body = parse_json(r->body);
      std::string msg = r->body.substr(0, 200);
      int64_t code = 0;
      if (body && body->is_object()) {
        const json::object& o = body->as_object();
        if (o.contains("msg") && o.at("msg").is_string()) msg = o.at("msg").as_string();
        if (o.contains("code") && o.at("code").is_int64()) code = o.at("code").as_int64();
      }
      if (code == -1121) return not_found("Binance: " + msg);
      return invalid_argument("Binance answered " + std::to_string(r->status) + ": " + msg);
    }
    if (attempt < options_.max_retries) std::this_thread::sleep_for(wait);
  }
  return last;
}

Result<std::vector<market::Instrument>> BinanceSource::instruments() {
  std::lock_guard lock(mu_);
  if (instruments_ && clock_.now() - instruments_at_ < std::chrono::hours(1)) return *instruments_;
  auto info = get("/api/v3/exchangeInfo");
  if (!info) return info.status();
  auto parsed = parse_exchange_info(*info);
  if (!parsed) return parsed.status();
  instruments_ = *parsed;
  instruments_at_ = clock_.now();
  return *instruments_;
}

Result<std::optional<int64_t>> BinanceSource::first_id_at_or_after(const std::string& symbol,
                                                                   int64_t ms) {
  // The newest trade bounds the search; none at all means nothing to fetch.
  auto latest = get("/api/v3/aggTrades?symbol=" + symbol + "&limit=1");
  if (!latest) return latest.status();
  if (!latest->is_array() || latest->as_array().empty()) return std::optional<int64_t>();
  auto newest = parse_agg_trade(latest->as_array().back(), symbol, 0);
  if (!newest)
    return unavailable("Binance sent a malformed aggTrade: " + newest.status().message());
  if (newest->ts_event < ms * kMs) return std::optional<int64_t>();
  int64_t lo = 0, hi = static_cast<int64_t>(std::stoll(newest->trade_id));
  // Ids grow with time: bisect for the first trade at or after `ms`.
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    auto page =
        get("/api/v3/aggTrades?symbol=" + symbol + "&fromId=" + std::to_string(mid) + "&limit=5");
    if (!page) return page.status();
    std::optional<int64_t> at;
    if (page->is_array()) {
      for (const auto& item : page->as_array()) {
        auto t = parse_agg_trade(item, symbol, 0);
        if (t && std::stoll(t->trade_id) >= mid) {
          at = t->ts_event;
          break;
        }
      }
    }
    if (!at || *at >= ms * kMs) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return std::optional<int64_t>(lo);
}

Status BinanceSource::fetch_trades(const std::string& symbol, market::TimeSpan span,
                                   const market::FetchOptions&, const market::TradePageSink& sink) {
  const int64_t end_ms = (std::min(span.end, clock_.unix_nanos()) + kMs - 1) / kMs;
  const int64_t start_ms = std::max<int64_t>(0, span.start) / kMs;
  if (start_ms >= end_ms) return Status::ok();
  std::optional<int64_t> from_id;
  bool by_time = true;  // the first page asks for the range's first hour
  std::vector<market::TradeTick> page;
  while (true) {
    std::string target =
        "/api/v3/aggTrades?symbol=" + symbol + "&limit=" + std::to_string(kPageLimit);
    if (by_time) {
      int64_t window_end = std::min(start_ms + kHourMs - 1, end_ms - 1);
      target += "&startTime=" + std::to_string(start_ms) + "&endTime=" + std::to_string(window_end);
    } else {
      target += "&fromId=" + std::to_string(*from_id);
    }
    auto body = get(target);
    if (!body) return body.status();
    if (!body->is_array()) return unavailable("Binance aggTrades did not send an array");
    const json::array& items = body->as_array();
    if (items.empty()) {
      if (!by_time) return Status::ok();  // the present: nothing newer yet
      // A quiet first hour: find the first trade after the start by id instead.
      by_time = false;
      auto first = first_id_at_or_after(symbol, start_ms);
      if (!first) return first.status();
      if (!*first) return Status::ok();
      from_id = **first;
      continue;
    }
    page.clear();
    int64_t now = clock_.unix_nanos();
    int64_t last_id = from_id.value_or(0) - 1;
    bool reached_end = false;
    for (const auto& item : items) {
      auto t = parse_agg_trade(item, symbol, now);
      if (!t) return unavailable("Binance sent a malformed aggTrade: " + t.status().message());
      last_id = std::max<int64_t>(last_id, std::stoll(t->trade_id));
      if (t->ts_event >= span.end) {
        reached_end = true;
        continue;
      }
      if (t->ts_event < span.start) continue;
      page.push_back(std::move(t).value());
    }
    if (!page.empty() && !sink(page)) return Status::ok();
    if (reached_end) return Status::ok();
    // By id, a short page means there is nothing newer yet.
    if (!by_time && static_cast<int>(items.size()) < kPageLimit) return Status::ok();
    by_time = false;
    from_id = last_id + 1;
  }
}

Status BinanceSource::trades_from_id(const std::string& symbol, int64_t from_id,
                                     const market::TradePageSink& sink) {
  while (true) {
    auto body = get("/api/v3/aggTrades?symbol=" + symbol + "&fromId=" + std::to_string(from_id) +
                    "&limit=" + std::to_string(kPageLimit));
    if (!body) return body.status();
    if (!body->is_array()) return unavailable("Binance aggTrades did not send an array");
    std::vector<std::pair<int64_t, market::TradeTick>> by_id;
    int64_t last = from_id - 1;
    for (const auto& item : body->as_array()) {
      auto t = parse_agg_trade(item, symbol, clock_.unix_nanos());
      if (!t) return unavailable("Binance sent a malformed aggTrade: " + t.status().message());
      int64_t id = std::stoll(t->trade_id);
      last = std::max(last, id);
      if (id >= from_id) by_id.emplace_back(id, std::move(t).value());
    }
    // Handed on in id order, from from_id: a gap fill delivers only ids above the last one.
    std::sort(by_id.begin(), by_id.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    std::vector<market::TradeTick> page;
    page.reserve(by_id.size());
    for (auto& [id, t] : by_id) page.push_back(std::move(t));
    if (!page.empty() && !sink(page)) return Status::ok();
    if (static_cast<int>(body->as_array().size()) < kPageLimit || last < from_id) {
      return Status::ok();
    }
    from_id = last + 1;
  }
}

// The live feed: one thread that reads the combined stream, reconnects, and fills gaps.
class BinanceSource::Live final : public market::LiveSubscription {
 public:
  Live(BinanceSource& source, std::vector<std::string> symbols, market::TradeHandler on_trade)
      : source_(source),
        symbols_(std::move(symbols)),
        on_trade_(std::move(on_trade)),
        thread_([this](StopSignal& stop) { run(stop); }) {}

 private:
  // Hands on a trade once: ids only grow per symbol.
  void deliver(const market::TradeTick& t) {
    int64_t id = std::stoll(t.trade_id);
    auto [it, fresh] = last_id_.try_emplace(t.instrument_id.symbol, id);
    if (!fresh) {
      if (id <= it->second) return;  // a duplicate, or one the gap fill already gave
      it->second = id;
    }
    on_trade_(t);
  }

  // After a reconnect: every trade since the last one delivered, from REST.
  void fill_gaps(StopSignal& stop) {
    for (const auto& [symbol, last] : std::map<std::string, int64_t>(last_id_)) {
      Status s =
          source_.trades_from_id(symbol, last + 1, [&](std::span<const market::TradeTick> page) {
            for (const auto& t : page) deliver(t);
            return !stop.stopped();
          });
      if (!s.is_ok()) {
        spdlog::warn("event=binance_gap_fill_failed symbol={} why=\"{}\"", symbol, s.to_string());
      }
    }
  }

  void run(StopSignal& stop) {
    std::string streams;
    for (const auto& s : symbols_) {
      std::string lower = s;
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      streams += (streams.empty() ? "" : "/") + lower + "@aggTrade";
    }
    std::string url = source_.options_.ws_url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    url += "/stream?streams=" + streams;
    Duration backoff = std::chrono::seconds(1);
    bool first = true;
    while (!stop.stopped()) {
      net::WebSocketClient ws;
      Status connected = ws.connect(url, source_.options_.timeout);
      if (!connected.is_ok()) {
        spdlog::warn("event=binance_ws_connect_failed streams={} why=\"{}\"", streams,
                     connected.to_string());
        if (!stop.wait_for(backoff)) return;
        backoff = std::min<Duration>(backoff * 2, source_.options_.max_backoff);
        continue;
      }
      ++connections_;
      if (!first) fill_gaps(stop);
      first = false;
      const TimePoint opened = source_.clock_.now();
      while (!stop.stopped()) {
        if (source_.clock_.now() - opened >= source_.options_.reconnect_before) break;
        auto message = ws.read(std::chrono::milliseconds(500));
        if (!message) {
          if (message.status().code() == StatusCode::kDeadlineExceeded) continue;
          break;  // closed or broken: reconnect
        }
        auto v = parse_json(*message);
        if (!v || !v->is_object() || !v->as_object().contains("data")) continue;
        const json::value& data = v->as_object().at("data");
        if (!data.is_object() || !data.as_object().contains("s") ||
            !data.as_object().at("s").is_string()) {
          continue;
        }
        auto t = parse_agg_trade(data, std::string(data.as_object().at("s").as_string()),
                                 source_.clock_.unix_nanos());
        if (t) deliver(*t);
      }
      ws.close();
      // A connection that drops at once is not retried at once: a flapping venue gets backoff.
      if (source_.clock_.now() - opened < std::chrono::seconds(1)) {
        if (!stop.wait_for(backoff)) return;
        backoff = std::min<Duration>(backoff * 2, source_.options_.max_backoff);
      } else {
        backoff = std::chrono::seconds(1);
      }
    }
  }

  BinanceSource& source_;
  const std::vector<std::string> symbols_;
  market::TradeHandler on_trade_;
  std::map<std::string, int64_t> last_id_;  // the feed thread's own
  std::atomic<int> connections_{0};
  StoppableThread thread_;  // last: it runs on the members above
};

Result<std::unique_ptr<market::LiveSubscription>> BinanceSource::subscribe(
    std::vector<std::string> symbols, const market::LiveOptions&, market::TradeHandler on_trade) {
  if (symbols.empty()) return invalid_argument("a Binance feed needs at least one symbol");
  for (const auto& s : symbols) TC_RETURN_IF_ERROR(market::check_symbol(s));
  return std::unique_ptr<market::LiveSubscription>(
      std::make_unique<Live>(*this, std::move(symbols), std::move(on_trade)));
}

Status BinanceSource::fetch_bars(const std::string& symbol, market::Interval interval,
                                 market::TimeSpan span, const market::FetchOptions&,
                                 const market::BarPageSink& sink) {
  auto served = binance_interval(interval);
  market::Interval asked = served ? interval : market::Interval(1);
  std::string name(served ? *served : "1s");
  const int64_t now = clock_.unix_nanos();
  const int64_t end = std::min(span.end, now);
  int64_t start = std::max<int64_t>(0, interval.open_time(span.start));
  market::BarAggregator aggregator({symbol, "binance"}, interval);
  std::vector<market::Bar> page;
  bool stopped = false;
  auto deliver = [&](market::Bar b) {
    if (stopped || b.open_time < span.start || b.open_time >= span.end ||
        b.open_time + interval.nanos() > now) {
      return;
    }
    page.push_back(std::move(b));
  };
  while (start < end && !stopped) {
    std::string target = "/api/v3/klines?symbol=" + symbol + "&interval=" + name +
                         "&limit=" + std::to_string(kPageLimit) +
                         "&startTime=" + std::to_string(start / kMs) +
                         "&endTime=" + std::to_string((end - 1) / kMs);
    auto body = get(target);
    if (!body) return body.status();
    if (!body->is_array()) return unavailable("Binance klines did not send an array");
    const json::array& items = body->as_array();
    if (items.empty()) break;
    page.clear();
    int64_t last_open = start;
    for (const auto& item : items) {
      auto b = parse_kline(item, symbol, asked);
      if (!b) return unavailable("Binance sent a malformed kline: " + b.status().message());
      last_open = std::max(last_open, b->open_time);
      if (served) {
        deliver(std::move(b).value());
      } else if (auto done = aggregator.add(*b)) {
        deliver(std::move(*done));
      }
    }
    if (!page.empty()) stopped = !sink(page);
    int64_t next = last_open + asked.nanos();
    if (next <= start || static_cast<int>(items.size()) < kPageLimit) break;
    start = next;
  }
  if (!stopped) {
    page.clear();
    if (auto done = aggregator.flush()) deliver(std::move(*done));
    if (!page.empty()) sink(page);
  }
  return Status::ok();
}

}  // namespace tc::sources
