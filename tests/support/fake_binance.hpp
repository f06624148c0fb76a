// FakeBinance: a local stand-in for Binance's public REST API, written from its documented
// formats (exchangeInfo, aggTrades, klines), that misbehaves as a real venue does: it answers
// some requests 429 with Retry-After, repeats the last trades of the previous page at the start
// of the next (overlapping pages) and swaps neighbours within a page (ids out of order).
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <charconv>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "core/json_writer.hpp"
#include "net/http_error.hpp"
#include "net/http_server.hpp"

namespace tc::testing {

class FakeBinance {
 public:
  struct Trade {
    int64_t id;
    std::string price, qty;
    int64_t ms;
    bool buyer_maker;
  };

  // `n` trades of BTCUSDT, one every `every_ms` from `first_ms`, ids from 1000.
  FakeBinance(int n, int64_t first_ms, int64_t every_ms) {
    for (int i = 0; i < n; ++i) {
      int64_t cents = 3000000 + (i * 7919) % 5000;
      trades_.push_back({1000 + i, std::to_string(cents / 100) + "." + pad2(cents % 100) + "000000",
                         "0." + std::to_string(100 + i % 900) + "00", first_ms + i * every_ms,
                         i % 3 == 0});
    }
    net::HttpServerOptions o;
    o.name = "fake-binance";
    o.port = 0;
    o.io_threads = 1;
    o.access_log = false;
    server_ = std::make_unique<net::HttpServer>(
        o, [this](net::Request r, net::Responder respond) { respond(answer(r)); });
    if (!server_->start().is_ok()) std::abort();  // no port for the fake: nothing to test
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }
  const std::vector<Trade>& trades() const { return trades_; }
  int rate_limited() const { return rate_limited_.load(); }
  int requests() const { return requests_.load(); }

 private:
  static std::string pad2(int64_t v) {
    return v < 10 ? "0" + std::to_string(v) : std::to_string(v);
  }

  static int64_t param(const net::Request& r, std::string_view name, int64_t fallback) {
    auto v = r.query_param(name);
    if (!v) return fallback;
    int64_t out = fallback;
    std::from_chars(v->data(), v->data() + v->size(), out);
    return out;
  }

  static net::Response error(int status, int code, const std::string& msg) {
    net::Response r;
    r.status = status;
    r.body = "{\"code\":" + std::to_string(code) + ",\"msg\":\"" + msg + "\"}";
    return r;
  }

  net::Response answer(const net::Request& r) {
    int n = ++requests_;
    if (n % 4 == 0) {  // every fourth request is over the rate limit
      ++rate_limited_;
      net::Response busy = error(429, -1003, "Too many requests");
      busy.headers.emplace_back("Retry-After", "0");
      return busy;
    }
    if (r.path == "/api/v3/exchangeInfo") {
      net::Response ok;
      ok.body =
          R"({"timezone":"UTC","symbols":[{"symbol":"BTCUSDT","status":"TRADING","baseAsset":"BTC",)"
          R"("quoteAsset":"USDT","filters":[{"filterType":"PRICE_FILTER","tickSize":"0.01000000"},)"
          R"({"filterType":"LOT_SIZE","stepSize":"0.00001000"}]},{"symbol":"OLDCOIN","status":"BREAK",)"
          R"("baseAsset":"OLD","quoteAsset":"USDT","filters":[]}]})";
      return ok;
    }
    if (r.query_param("symbol").value_or("") != "BTCUSDT") {
      return error(400, -1121, "Invalid symbol.");
    }
    if (r.path == "/api/v3/aggTrades") return agg_trades(r);
    return error(404, -1, "unknown path");
  }

  net::Response agg_trades(const net::Request& r) {
    int64_t limit = param(r, "limit", 500);
    if (limit > 1000) return error(400, -1100, "limit over 1000");
    std::vector<const Trade*> out;
    if (r.query_param("fromId")) {
      // Overlapping pages: the page starts two trades early.
      int64_t from_id = param(r, "fromId", 0) - 2;
      for (const Trade& t : trades_) {
        if (t.id >= from_id && static_cast<int64_t>(out.size()) < limit) out.push_back(&t);
      }
    } else if (!r.query_param("startTime")) {
      // Neither fromId nor a time: the most recent trades.
      size_t n = std::min(trades_.size(), static_cast<size_t>(limit));
      for (size_t i = trades_.size() - n; i < trades_.size(); ++i) out.push_back(&trades_[i]);
    } else {
      int64_t start = param(r, "startTime", 0), end = param(r, "endTime", INT64_MAX);
      if (end - start >= 3'600'000)
        return error(400, -1127, "More than 1 hours between startTime and endTime.");
      for (const Trade& t : trades_) {
        if (t.ms >= start && t.ms <= end && static_cast<int64_t>(out.size()) < limit)
          out.push_back(&t);
      }
    }
    if (out.size() >= 4) std::swap(out[1], out[2]);  // ids out of order within the page
    std::string body;
    JsonWriter w(body);
    w.begin_array();
    for (const Trade* t : out) {
      w.begin_object()
          .field("a", t->id)
          .field("p", t->price)
          .field("q", t->qty)
          .field("f", t->id * 3)
          .field("l", t->id * 3 + 2)
          .field("T", t->ms)
          .field("m", t->buyer_maker)
          .field("M", true)
          .end_object();
    }
    w.end_array();
    net::Response ok;
    ok.body = std::move(body);
    return ok;
  }

  std::vector<Trade> trades_;
  std::atomic<int> requests_{0};
  std::atomic<int> rate_limited_{0};
  std::unique_ptr<net::HttpServer> server_;
};

}  // namespace tc::testing
