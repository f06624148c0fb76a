// Market data end to end through the real binary: the seeded universe, crawls as jobs, history
// as JSON and CSV checked against an aggregation written here, stop, timeout and restart.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <cmath>
#include <map>

#include "core/json.hpp"
#include "core/time_parse.hpp"
#include "market/simulator.hpp"
#include "support/fake_binance.hpp"
#include "support/fake_binance_ws.hpp"
#include "support/node_process.hpp"
#include "support/raw_http.hpp"

namespace tc {
namespace {

using testing::body_of;
using testing::NodeProcess;
using testing::wait_until;

std::string first_symbol(NodeProcess& node, const char* asset_class) {
  json::object b = body_of(node.request(
      "GET", std::string("/api/tickscrawler/instruments?limit=1&asset_class=") + asset_class));
  return std::string(b.at("instruments").as_array()[0].as_object().at("symbol").as_string());
}

std::string crawl_body(const std::string& symbol, const char* start, const char* end, bool wait) {
  return std::string(R"({"source":"simulator","symbols":[")") + symbol + R"("],"start":")" + start +
         R"(","end":")" + end + "\",\"wait\":" + (wait ? "true" : "false") + "}";
}

// Every row of a paged history query, following next_cursor.
std::vector<json::object> all_rows(NodeProcess& node, const std::string& query, const char* rows) {
  std::vector<json::object> out;
  std::string cursor;
  for (int page = 0; page < 1000; ++page) {
    json::object b = body_of(node.request("GET", "/api/tickscrawler/historical?" + query +
                                                     (cursor.empty() ? "" : "&cursor=" + cursor)));
    for (const auto& row : b.at(rows).as_array()) out.push_back(row.as_object());
    if (b.at("next_cursor").is_null()) break;
    cursor = std::string(b.at("next_cursor").as_string());
  }
  return out;
}

TEST(MarketDataTest, AFreshDataDirectoryHasTheSeededUniverseOnceReady) {
  NodeProcess node;
  auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(node.start()) << node.output();
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ::testing::Test::RecordProperty("start_to_ready_seconds", std::to_string(seconds));
  json::object list = body_of(node.request("GET", "/api/tickscrawler/instruments"));
  EXPECT_EQ(list.at("total").as_int64(), 13);
  std::string equity = first_symbol(node, "equity");
  json::object daily =
      body_of(node.request("GET", "/api/tickscrawler/historical?interval=1d&symbol=" + equity));
  EXPECT_EQ(daily.at("bars_from").as_string(), "1d bars");
  EXPECT_GE(daily.at("bars").as_array().size(), 18u);  // the weekdays of 30 days
  EXPECT_NE(node.output().find("event=simulator_seeded"), std::string::npos);
}

TEST(MarketDataTest, CrawledTradesComeBackAsJsonAndCsvAndTheirMinuteBarsAddUp) {
  NodeProcess node;
  ASSERT_TRUE(node.start()) << node.output();
  std::string crypto = first_symbol(node, "crypto");
  std::string body = crawl_body(crypto, "2024-06-01T00:00:00Z", "2024-06-01T02:00:00Z", true);
  auto first = node.request("POST", "/api/tickscrawler/crawl", body, std::chrono::seconds(60));
  ASSERT_TRUE(first.is_ok());
  ASSERT_EQ(first->status, 200) << first->body;
  json::object job = body_of(first);
  EXPECT_EQ(job.at("state").as_string(), "succeeded");
  EXPECT_EQ(first->header("Location"),
            "/api/tickscrawler/crawls/" + std::string(job.at("id").as_string()));
  int64_t stored = job.at("result").as_object().at("ticks_stored").as_int64();
  ASSERT_GT(stored, 100);

  // A second crawl of the same range stores nothing twice.
  json::object second =
      body_of(node.request("POST", "/api/tickscrawler/crawl", body, std::chrono::seconds(60)));
  EXPECT_EQ(second.at("result").as_object().at("ticks_stored").as_int64(), 0);
  EXPECT_EQ(second.at("result").as_object().at("duplicates_skipped").as_int64(), stored);

  std::string range = "symbol=" + crypto + "&start=2024-06-01T00:00:00Z&end=2024-06-01T02:00:00Z";
  auto ticks = all_rows(node, range + "&limit=333", "ticks");
  ASSERT_EQ(static_cast<int64_t>(ticks.size()), stored);

  auto csv = node.request("GET", "/api/tickscrawler/historical?format=csv&limit=100000&" + range);
  ASSERT_EQ(csv->status, 200);
  EXPECT_EQ(csv->header("Content-Type"), "text/csv; charset=utf-8");
  size_t lines = static_cast<size_t>(std::count(csv->body.begin(), csv->body.end(), '\n'));
  EXPECT_EQ(lines, ticks.size() + 1);  // with the header
  std::string first_row = csv->body.substr(csv->body.find('\n') + 1);
  first_row = first_row.substr(0, first_row.find('\n'));
  EXPECT_EQ(first_row.substr(0, first_row.find(',')), ticks[0].at("ts_event").as_string());

  // The minute bars, aggregated here from the JSON trades.
  struct Minute {
    std::string open, close, high, low;
    double high_v = -1, low_v = 1e300, volume = 0;
    int64_t count = 0;
  };
  std::map<std::string, Minute> minutes;  // by "YYYY-MM-DDTHH:MM"
  for (const json::object& t : ticks) {
    std::string key = std::string(t.at("ts_event").as_string()).substr(0, 16);
    std::string price = to_json(t.at("price"));
    double p = std::stod(price);
    Minute& m = minutes[key];
    if (m.count == 0) m.open = price;
    m.close = price;
    if (p > m.high_v) m.high_v = p, m.high = price;
    if (p < m.low_v) m.low_v = p, m.low = price;
    m.volume += std::stod(to_json(t.at("size")));
    ++m.count;
  }
  auto bars = all_rows(node, range + "&interval=1m&limit=50", "bars");
  ASSERT_EQ(bars.size(), minutes.size());
  size_t i = 0;
  for (const auto& [key, m] : minutes) {
    const json::object& b = bars[i++];
    EXPECT_EQ(b.at("open_time").as_string(), key + ":00.000000000Z");
    EXPECT_EQ(to_json(b.at("open")), m.open) << key;
    EXPECT_EQ(to_json(b.at("high")), m.high) << key;
    EXPECT_EQ(to_json(b.at("low")), m.low) << key;
    EXPECT_EQ(to_json(b.at("close")), m.close) << key;
    EXPECT_EQ(b.at("trade_count").as_int64(), m.count) << key;
    EXPECT_NEAR(std::stod(to_json(b.at("volume"))), m.volume, 1e-9 * m.volume) << key;
  }
}

TEST(MarketDataTest, ACrawlStopsWhenAskedAndEndsTimedOutPastItsLimit) {
  NodeProcess node(std::map<std::string, std::string>{{"TICKSCRAWLER_TIMEOUT", "2"}});
  ASSERT_TRUE(node.start()) << node.output();
  std::string crypto = first_symbol(node, "crypto");
  auto state_of = [&](const std::string& id) {
    return std::string(
        body_of(node.request("GET", "/api/tickscrawler/crawls/" + id)).at("state").as_string());
  };
  // Years of trades: longer than any test waits.
  auto a = node.request("POST", "/api/tickscrawler/crawl",
                        crawl_body(crypto, "2021-01-01", "2024-01-01", false));
  ASSERT_EQ(a->status, 202) << a->body;
  std::string stopped_id(body_of(a).at("id").as_string());
  ASSERT_TRUE(wait_until([&] { return state_of(stopped_id) == "running"; }));
  auto stop = node.request("DELETE", "/api/tickscrawler/crawls/" + stopped_id);
  ASSERT_EQ(stop->status, 200) << stop->body;
  ASSERT_TRUE(wait_until([&] { return state_of(stopped_id) == "stopped"; }));
  json::object stopped = body_of(node.request("GET", "/api/tickscrawler/crawls/" + stopped_id));
  EXPECT_EQ(stopped.at("stop_reason").as_string(), "stopped by request");
  EXPECT_TRUE(stopped.at("result").as_object().contains("ticks_stored"));

  auto b = node.request("POST", "/api/tickscrawler/crawl",
                        crawl_body(crypto, "2018-01-01", "2021-01-01", false));
  ASSERT_EQ(b->status, 202) << b->body;
  std::string timed_id(body_of(b).at("id").as_string());
  ASSERT_TRUE(
      wait_until([&] { return state_of(timed_id) == "timed_out"; }, std::chrono::seconds(30)));
  json::object timed = body_of(node.request("GET", "/api/tickscrawler/crawls/" + timed_id));
  EXPECT_NE(timed.at("stop_reason").as_string().find("time limit"), std::string::npos);
}

TEST(MarketDataTest, ACrawlADeadProcessLeftRunningIsFailedAtTheNextStart) {
  NodeProcess node;
  ASSERT_TRUE(node.start()) << node.output();
  std::string crypto = first_symbol(node, "crypto");
  auto a = node.request("POST", "/api/tickscrawler/crawl",
                        crawl_body(crypto, "2021-01-01", "2024-01-01", false));
  ASSERT_EQ(a->status, 202) << a->body;
  std::string id(body_of(a).at("id").as_string());
  ASSERT_TRUE(wait_until([&] {
    return body_of(node.request("GET", "/api/tickscrawler/crawls/" + id)).at("state").as_string() ==
           "running";
  }));
  node.signal(SIGKILL);
  ASSERT_TRUE(node.wait_exit(std::chrono::seconds(10)));
  ASSERT_TRUE(node.start()) << node.output();
  json::object job = body_of(node.request("GET", "/api/tickscrawler/crawls/" + id));
  EXPECT_EQ(job.at("state").as_string(), "failed");
  EXPECT_EQ(job.at("error").as_object().at("message").as_string(), "interrupted by a restart");
}

TEST(MarketDataTest, AStreamKilledWithItsProcessResumesAndTheStoreIsComplete) {
  NodeProcess node;
  ASSERT_TRUE(node.start()) << node.output();
  // Both crypto pairs trade around the clock; the first pair of the universe trades often.
  SystemClock wall;
  market::MarketSimulator sim({42, 13}, wall);
  std::vector<std::string> pairs;
  for (const auto& i : sim.universe()) {
    if (i.asset_class == market::AssetClass::kCrypto) pairs.push_back(i.id.symbol);
  }
  ASSERT_EQ(pairs.size(), 2u);
  auto r = node.request(
      "POST", "/api/tickscrawler/stream",
      R"({"source":"simulator","symbols":[")" + pairs[0] + R"(",")" + pairs[1] + R"("]})");
  ASSERT_EQ(r->status, 202) << r->body;
  std::string id(body_of(r).at("id").as_string());
  auto stored = [&](const std::string& symbol) {
    return body_of(
               node.request("GET", "/api/tickscrawler/historical?limit=100000&symbol=" + symbol))
        .at("ticks")
        .as_array();
  };
  ASSERT_TRUE(wait_until([&] { return !stored(pairs[0]).empty(); }, std::chrono::seconds(60)));

  node.signal(SIGKILL);
  ASSERT_TRUE(node.wait_exit(std::chrono::seconds(10)));
  int64_t restarted = wall.unix_nanos();
  ASSERT_TRUE(node.start()) << node.output();
  EXPECT_NE(node.output().find("event=streams_resumed count=1"), std::string::npos);
  auto newest = [&] {
    auto ticks = stored(pairs[0]);
    return ticks.empty() ? int64_t{0}
                         : *parse_utc_time(ticks.back().as_object().at("ts_event").as_string());
  };
  // The resumed stream goes on taking live trades.
  ASSERT_TRUE(wait_until([&] { return newest() > restarted; }, std::chrono::seconds(60)));
  json::object job = body_of(node.request("GET", "/api/tickscrawler/streams/" + id));
  EXPECT_EQ(job.at("state").as_string(), "running");
  int64_t started = *parse_utc_time(job.at("started_at").as_string());
  for (const std::string& symbol : pairs) {
    auto have = stored(symbol);
    int64_t until = have.empty()
                        ? started
                        : *parse_utc_time(have.back().as_object().at("ts_event").as_string()) + 1;
    std::vector<std::string> expected;
    ASSERT_TRUE(sim.fetch_trades(symbol, {started, until},
                                 [&](std::span<const market::TradeTick> page) {
                                   for (const auto& t : page) expected.push_back(t.trade_id);
                                   return true;
                                 })
                    .is_ok());
    std::vector<std::string> got;
    for (const auto& t : have) got.emplace_back(t.as_object().at("trade_id").as_string());
    EXPECT_EQ(got, expected) << symbol;  // every trade since the stream began, once
  }
  auto stop = node.request("DELETE", "/api/tickscrawler/stream/" + id);
  EXPECT_EQ(stop->status, 200) << stop->body;
}

TEST(MarketDataTest, AnEventStreamClientSeesTradesAsTheyArriveUntilTheStreamEnds) {
  NodeProcess node;
  ASSERT_TRUE(node.start()) << node.output();
  SystemClock wall;
  market::MarketSimulator sim({42, 13}, wall);
  const std::string liquid = sim.universe()[0].id.symbol;
  auto r = node.request("POST", "/api/tickscrawler/stream",
                        R"({"source":"simulator","symbols":[")" + liquid + R"("]})");
  ASSERT_EQ(r->status, 202) << r->body;
  std::string id(body_of(r).at("id").as_string());
  testing::RawConnection sse(node.port());
  ASSERT_TRUE(sse.send_text("GET /api/tickscrawler/stream/" + id +
                            "/events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n"));
  ASSERT_TRUE(sse.read_until("\r\n\r\n"));
  EXPECT_TRUE(sse.received().starts_with("HTTP/1.1 200")) << sse.received();
  EXPECT_NE(sse.received().find("Content-Type: text/event-stream"), std::string::npos);
  ASSERT_TRUE(sse.read_until("event: trade\ndata: ", std::chrono::seconds(60)));
  ASSERT_TRUE(sse.read_until("\n\n", std::chrono::seconds(5)));
  std::string text = sse.received();
  size_t at = text.find("event: trade\ndata: ") + 19;
  auto event = parse_json(text.substr(at, text.find('\n', at) - at));
  ASSERT_TRUE(event.is_ok()) << text;
  std::string trade_id(event->as_object().at("trade_id").as_string());
  // The event is a trade the stream stored.
  ASSERT_TRUE(wait_until([&] {
    auto stored =
        body_of(node.request("GET", "/api/tickscrawler/historical?limit=100000&symbol=" + liquid))
            .at("ticks")
            .as_array();
    return std::any_of(stored.begin(), stored.end(), [&](const json::value& t) {
      return t.as_object().at("trade_id").as_string() == trade_id;
    });
  }));
  // Stopping the stream ends the event stream.
  ASSERT_EQ(node.request("DELETE", "/api/tickscrawler/stream/" + id)->status, 200);
  ASSERT_TRUE(sse.read_until_closed(std::chrono::seconds(20)));
  EXPECT_NE(sse.received().find("event: end\ndata: "), std::string::npos);
  auto ended = node.request("GET", "/api/tickscrawler/stream/" + id + "/events");
  EXPECT_EQ(ended->status, 409) << ended->body;
}

TEST(MarketDataTest, ABinanceCrawlStoresEveryIdOfTheExchangeOnceDespiteItsFaults) {
  SystemClock wall;
  const int64_t first_ms = wall.unix_nanos() / 1'000'000 - 3 * 3'600'000;
  testing::FakeBinance fake(2500, first_ms, 2000);
  NodeProcess node(
      std::map<std::string, std::string>{{"TICKSCRAWLER_BINANCE_REST_URL", fake.url()}});
  ASSERT_TRUE(node.start()) << node.output();
  std::string range = "\"start\":\"" + std::to_string(first_ms - 60'000) + "\",\"end\":\"" +
                      std::to_string(first_ms + 2500 * 2000) + "\"";
  auto r = node.request("POST", "/api/tickscrawler/crawl",
                        R"({"source":"binance","symbols":["BTCUSDT"],"wait":true,)" + range + "}",
                        std::chrono::seconds(60));
  ASSERT_EQ(r->status, 200) << r->body;
  json::object job = body_of(r);
  ASSERT_EQ(job.at("state").as_string(), "succeeded") << r->body;
  EXPECT_EQ(job.at("result").as_object().at("ticks_stored").as_int64(), 2500);
  EXPECT_GT(fake.rate_limited(), 0);  // and the crawl rode them out
  auto ticks = body_of(node.request("GET",
                                    "/api/tickscrawler/historical?source=binance&symbol="
                                    "BTCUSDT&limit=100000"))
                   .at("ticks")
                   .as_array();
  std::vector<int64_t> ids;
  for (const auto& t : ticks)
    ids.push_back(std::stoll(std::string(t.as_object().at("trade_id").as_string())));
  std::sort(ids.begin(), ids.end());
  ASSERT_EQ(ids.size(), 2500u);
  for (size_t i = 0; i < ids.size(); ++i) ASSERT_EQ(ids[i], 1000 + static_cast<int64_t>(i));
  // Exact decimals, as the exchange sent them.
  EXPECT_EQ(to_json(ticks[0].as_object().at("price")),
            market::to_string(*market::parse_decimal(fake.trades()[0].price)));
  json::object unknown = body_of(node.request("POST", "/api/tickscrawler/crawl",
                                              R"({"source":"binance","symbols":["NOPE"]})"));
  EXPECT_EQ(unknown.at("error").as_object().at("code").as_string(), "not_found");
}

TEST(MarketDataTest, ABinanceStreamRidesOutADroppedFeedWithNoGapAndNoDuplicate) {
  SystemClock wall;
  const int64_t first_ms = wall.unix_nanos() / 1'000'000 - 600'000;
  testing::FakeBinance rest(300, first_ms, 1000);
  const auto& trades = rest.trades();
  auto msg = [&](size_t i) {
    const auto& t = trades[i];
    return testing::FakeBinanceWs::message("BTCUSDT", t.id, t.price, t.qty, t.ms, t.buyer_maker);
  };
  testing::FakeBinanceWs ws([&](int connection) {
    testing::FakeBinanceWs::Script s;
    if (connection == 0) {
      for (size_t i = 0; i < 120; ++i) s.messages.push_back(msg(i));
    } else {  // after the drop, from 200 on: 120..199 come from REST
      for (size_t i = 200; i < 300; ++i) s.messages.push_back(msg(i));
      s.messages.push_back(msg(250));  // a duplicate
      s.drop = false;
    }
    return s;
  });
  NodeProcess node(std::map<std::string, std::string>{{"TICKSCRAWLER_BINANCE_REST_URL", rest.url()},
                                                      {"TICKSCRAWLER_BINANCE_WS_URL", ws.url()}});
  ASSERT_TRUE(node.start()) << node.output();
  auto r = node.request("POST", "/api/tickscrawler/stream",
                        R"({"source":"binance","symbols":["BTCUSDT"]})");
  ASSERT_EQ(r->status, 202) << r->body;
  std::string id(body_of(r).at("id").as_string());
  auto stored = [&] {
    std::vector<int64_t> ids;
    auto ticks = body_of(node.request("GET",
                                      "/api/tickscrawler/historical?source=binance&symbol="
                                      "BTCUSDT&limit=100000"))
                     .at("ticks")
                     .as_array();
    for (const auto& t : ticks) {
      ids.push_back(std::stoll(std::string(t.as_object().at("trade_id").as_string())));
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  };
  ASSERT_TRUE(wait_until([&] { return stored().size() >= 300; }, std::chrono::seconds(30)));
  auto ids = stored();
  ASSERT_EQ(ids.size(), 300u);
  for (size_t i = 0; i < ids.size(); ++i) ASSERT_EQ(ids[i], 1000 + static_cast<int64_t>(i));
  EXPECT_EQ(ws.connections(), 2);
  EXPECT_EQ(node.request("DELETE", "/api/tickscrawler/stream/" + id)->status, 200);
}

TEST(MarketDataTest, BadInputsGet4xxJson) {
  NodeProcess node;
  ASSERT_TRUE(node.start()) << node.output();
  std::string crypto = first_symbol(node, "crypto");
  for (const auto& [method, target, body, status] :
       std::vector<std::tuple<std::string, std::string, std::string, int>>{
           {"POST", "/api/tickscrawler/crawl", R"({"source":"simulator","symbols":["NOPE"]})", 404},
           {"POST", "/api/tickscrawler/crawl",
            crawl_body(crypto, "2024-02-01", "2024-01-01", false), 400},
           {"GET", "/api/tickscrawler/historical?symbol=" + crypto + "&interval=7m", "", 400},
           {"GET", "/api/tickscrawler/historical?symbol=NOPE", "", 404},
           {"GET", "/api/tickscrawler/historical?symbol=" + crypto + "&cursor=%00", "", 400},
           {"GET", "/api/tickscrawler/instruments?source=nowhere", "", 404},
           {"GET", "/api/tickscrawler/crawls/123", "", 400},
           {"DELETE", "/api/tickscrawler/crawls/00000000-0000-4000-8000-000000000000", "", 404},
       }) {
    auto r = node.request(method, target, body);
    ASSERT_TRUE(r.is_ok()) << target;
    EXPECT_EQ(r->status, status) << method << " " << target << ": " << r->body;
    EXPECT_EQ(r->header("Content-Type"), "application/json") << target;
    EXPECT_TRUE(body_of(r).contains("error")) << r->body;
  }
  EXPECT_EQ(node.request("GET", "/health")->status, 200);
}

}  // namespace
}  // namespace tc
