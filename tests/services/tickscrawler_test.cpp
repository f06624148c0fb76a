// The tickscrawler's API in-process: sources, instruments, crawls as jobs, and history.
#include <gtest/gtest.h>

#include <fstream>

#include "core/ids.hpp"
#include "market/bar.hpp"
#include "services/service_fixture.hpp"
#include "services/tickscrawler/stream.hpp"
#include "support/wait.hpp"

namespace tc::services {
namespace {

using TickscrawlerTest = ServiceFixture;

std::string crawl_body(const std::string& symbol, const char* start, const char* end,
                       const char* extra = "") {
  return std::string(R"({"source":"simulator","symbols":[")") + symbol + R"("],"start":")" + start +
         R"(","end":")" + end + "\"" + extra + "}";
}

TEST_F(TickscrawlerTest, SourcesSayWhatIsBuiltAndWhatEachCanDo) {
  serve::Response r = call("GET", "/api/tickscrawler/sources");
  ASSERT_EQ(r.status, 200);
  json::array sources = body(r).at("sources").as_array();
  ASSERT_EQ(sources.size(), 4u);
  for (const auto& v : sources) {
    const json::object& s = v.as_object();
    std::string name(s.at("name").as_string());
    bool built = name != "binance";
    EXPECT_EQ(s.at("available").as_bool(), built) << name;
    EXPECT_EQ(s.at("capabilities").as_object().at("trades").as_bool(),
              name == "simulator" || name == "csv")
        << name;
    EXPECT_EQ(s.at("capabilities").as_object().at("live").as_bool(),
              name == "simulator" || name == "replay")
        << name;
    EXPECT_EQ(s.at("capabilities").as_object().at("files").as_bool(), name == "csv") << name;
    EXPECT_EQ(s.at("instruments").as_int64(), name == "simulator" ? kUniverse : 0) << name;
  }
}

TEST_F(TickscrawlerTest, InstrumentsAreListedSearchedAndPaged) {
  serve::Response r = call("GET", "/api/tickscrawler/instruments", "", {{"limit", "5"}});
  ASSERT_EQ(r.status, 200) << r.body;
  json::object page = body(r);
  EXPECT_EQ(page.at("total").as_int64(), kUniverse);
  EXPECT_EQ(page.at("instruments").as_array().size(), 5u);
  ASSERT_TRUE(page.at("next_cursor").is_string());
  size_t seen = 5;
  std::string cursor(page.at("next_cursor").as_string());
  while (!cursor.empty()) {
    json::object next = body(
        call("GET", "/api/tickscrawler/instruments", "", {{"limit", "5"}, {"cursor", cursor}}));
    seen += next.at("instruments").as_array().size();
    cursor =
        next.at("next_cursor").is_string() ? std::string(next.at("next_cursor").as_string()) : "";
  }
  EXPECT_EQ(seen, static_cast<size_t>(kUniverse));
  json::object crypto_only =
      body(call("GET", "/api/tickscrawler/instruments", "", {{"asset_class", "crypto"}}));
  ASSERT_EQ(crypto_only.at("instruments").as_array().size(), 2u);
  EXPECT_EQ(crypto_only.at("instruments").as_array()[0].as_object().at("asset_class").as_string(),
            "crypto");
  EXPECT_EQ(call("GET", "/api/tickscrawler/instruments", "", {{"source", "nyse"}}).status, 404);
  EXPECT_EQ(call("GET", "/api/tickscrawler/instruments", "", {{"asset_class", "bond"}}).status,
            400);
  EXPECT_EQ(call("GET", "/api/tickscrawler/instruments", "", {{"limit", "0"}}).status, 400);
}

TEST_F(TickscrawlerTest, SeededDailyBarsAreServedAtOnce) {
  serve::Response r =
      call("GET", "/api/tickscrawler/historical", "", {{"symbol", equity()}, {"interval", "1d"}});
  ASSERT_EQ(r.status, 200) << r.body;
  json::object page = body(r);
  EXPECT_EQ(page.at("bars_from").as_string(), "1d bars");
  json::array bars = page.at("bars").as_array();
  EXPECT_GE(bars.size(), 25u);  // weekdays of the last 40 days
  EXPECT_LE(bars.size(), 30u);
  EXPECT_EQ(bars.back().as_object().at("open_time").as_string(), "2024-05-31T00:00:00.000000000Z");
  // A week from the same daily bars.
  json::object weekly = body(
      call("GET", "/api/tickscrawler/historical", "", {{"symbol", equity()}, {"interval", "4h"}}));
  EXPECT_TRUE(weekly.at("bars").as_array().empty());  // daily bars cannot make 4-hour ones
}

TEST_F(TickscrawlerTest, CrawlStoresTradesOnceAndAnswersWithTheJob) {
  std::string body_text =
      crawl_body(crypto(), "2024-06-01T00:00:00Z", "2024-06-01T02:00:00Z", R"(,"wait":true)");
  serve::Response r = call("POST", "/api/tickscrawler/crawl", body_text);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(net::find_field(r.headers, "Location").value_or(""),
            "/api/tickscrawler/crawls/" + std::string(body(r).at("id").as_string()));
  json::object job = body(r);
  EXPECT_EQ(job.at("state").as_string(), "succeeded");
  EXPECT_EQ(job.at("progress").to_number<double>(), 1.0);
  json::object result = job.at("result").as_object();
  int64_t stored = result.at("ticks_stored").as_int64();
  EXPECT_GT(stored, 500);
  EXPECT_EQ(result.at("duplicates_skipped").as_int64(), 0);
  EXPECT_EQ(result.at("rows_rejected").as_int64(), 0);

  json::object again = body(call("POST", "/api/tickscrawler/crawl", body_text));
  EXPECT_EQ(again.at("result").as_object().at("ticks_stored").as_int64(), 0);
  EXPECT_EQ(again.at("result").as_object().at("duplicates_skipped").as_int64(), stored);

  serve::Response listed = call("GET", "/api/tickscrawler/crawls");
  EXPECT_EQ(body(listed).at("count").as_int64(), 2);
  serve::Response one =
      call("GET", "/api/tickscrawler/crawls/" + std::string(job.at("id").as_string()));
  EXPECT_EQ(one.status, 200);
  EXPECT_EQ(call("GET", "/api/tickscrawler/crawls/" + new_uuid()).status, 404);
}

TEST_F(TickscrawlerTest, WithoutWaitACrawlAnswers202AndRunsInTheBackground) {
  serve::Response r =
      call("POST", "/api/tickscrawler/crawl", crawl_body(equity(), "2024-05-01", "2024-05-03"));
  ASSERT_EQ(r.status, 202) << r.body;
  std::string id(body(r).at("id").as_string());
  ASSERT_TRUE(testing::wait_until([&] {
    return body(call("GET", "/api/tickscrawler/crawls/" + id)).at("state").as_string() ==
           "succeeded";
  }));
}

TEST_F(TickscrawlerTest, HistoryPagesThroughTradesAsJsonAndCsv) {
  ASSERT_EQ(
      call("POST", "/api/tickscrawler/crawl",
           crawl_body(crypto(), "2024-06-01T00:00:00Z", "2024-06-01T01:00:00Z", R"(,"wait":true)"))
          .status,
      200);
  std::vector<market::TradeTick> expected;
  ASSERT_TRUE(simulator_
                  ->fetch_trades(crypto(),
                                 {*parse_utc_time("2024-06-01T00:00:00Z"),
                                  *parse_utc_time("2024-06-01T01:00:00Z")},
                                 [&](std::span<const market::TradeTick> page) {
                                   expected.insert(expected.end(), page.begin(), page.end());
                                   return true;
                                 })
                  .is_ok());
  std::vector<json::object> got;
  serve::Fields q{{"symbol", crypto()}, {"limit", "97"}};
  for (int page = 0; page < 1000; ++page) {
    json::object b = body(call("GET", "/api/tickscrawler/historical", "", q));
    for (const auto& t : b.at("ticks").as_array()) got.push_back(t.as_object());
    if (b.at("next_cursor").is_null()) break;
    q = {{"symbol", crypto()},
         {"limit", "97"},
         {"cursor", std::string(b.at("next_cursor").as_string())}};
  }
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].at("trade_id").as_string(), expected[i].trade_id);
    EXPECT_EQ(to_json(got[i].at("price")), market::to_string(expected[i].price));
    EXPECT_EQ(got[i].at("ts_event").as_string(), format_utc_time(expected[i].ts_event));
  }

  serve::Response csv = call("GET", "/api/tickscrawler/historical", "",
                             {{"symbol", crypto()}, {"format", "csv"}, {"limit", "3"}});
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.content_type, "text/csv; charset=utf-8");
  EXPECT_TRUE(net::find_field(csv.headers, "X-Next-Cursor").has_value());
  std::string first_line = csv.body.substr(0, csv.body.find('\n'));
  EXPECT_EQ(first_line, "ts_event,price,size,aggressor_side,trade_id,ts_init");
  std::string price;
  market::append_fixed(price, expected[0].price, simulator_->universe()[0].price_precision);
  EXPECT_NE(csv.body.find("," + price + ","), std::string::npos) << csv.body;
}

TEST_F(TickscrawlerTest, MinuteBarsAreTheStoredTradesResampledAndPage) {
  ASSERT_EQ(
      call("POST", "/api/tickscrawler/crawl",
           crawl_body(crypto(), "2024-06-01T00:00:00Z", "2024-06-01T03:00:00Z", R"(,"wait":true)"))
          .status,
      200);
  storage::TickQuery all;
  all.id = {crypto(), "simulator"};
  auto ticks = store_->ticks().ticks(all);
  ASSERT_TRUE(ticks.is_ok());
  auto expected = market::resample(*ticks, *market::Interval::parse("1m"));
  std::vector<json::object> got;
  serve::Fields q{{"symbol", crypto()}, {"interval", "1m"}, {"limit", "50"}};
  for (int page = 0; page < 100; ++page) {
    json::object b = body(call("GET", "/api/tickscrawler/historical", "", q));
    EXPECT_EQ(b.at("bars_from").as_string(), "trades");
    for (const auto& bar : b.at("bars").as_array()) got.push_back(bar.as_object());
    if (b.at("next_cursor").is_null()) break;
    q = {{"symbol", crypto()},
         {"interval", "1m"},
         {"limit", "50"},
         {"cursor", std::string(b.at("next_cursor").as_string())}};
  }
  ASSERT_EQ(got.size(), expected.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got[i].at("open_time").as_string(), format_utc_time(expected[i].open_time));
    EXPECT_EQ(to_json(got[i].at("high")), market::to_string(expected[i].high));
    EXPECT_EQ(to_json(got[i].at("volume")), market::to_string(expected[i].volume));
    EXPECT_EQ(got[i].at("trade_count").as_int64(), expected[i].trade_count);
  }
}

TEST_F(TickscrawlerTest, CrawlOfBarsStoresThemAndHistoryServesThem) {
  serve::Response r = call("POST", "/api/tickscrawler/crawl",
                           crawl_body(equity(), "2024-05-20", "2024-05-25",
                                      R"(,"kind":"bars","interval":"1h","wait":true)"));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body(r).at("result").as_object().at("bars_stored").as_int64(), 5 * 7);
  json::object b = body(call(
      "GET", "/api/tickscrawler/historical", "",
      {{"symbol", equity()}, {"interval", "4h"}, {"start", "2024-05-20"}, {"end", "2024-05-25"}}));
  EXPECT_EQ(b.at("bars_from").as_string(), "1h bars");
  // The session, 14:30-21:00 UTC, touches three 4-hour bars a day.
  EXPECT_EQ(b.at("bars").as_array().size(), 5u * 3);
}

TEST_F(TickscrawlerTest, BadInputGetsAClear4xxBeforeAnyJobExists) {
  struct Case {
    std::string body;
    int status;
  };
  std::string sym = crypto();
  for (const Case& c : std::vector<Case>{
           {"", 400},
           {"{", 400},
           {"[]", 400},
           {R"({"source":"simulator"})", 400},
           {R"({"source":"simulator","symbols":[]})", 400},
           {R"({"source":"simulator","symbols":["btc usdt"]})", 400},
           {R"({"source":"simulator","symbols":[")" + sym + R"("],"extra":1})", 400},
           {R"({"source":"nyse","symbols":[")" + sym + R"("]})", 404},
           {R"({"source":"simulator","symbols":["NOPE"]})", 404},
           {R"({"source":"binance","symbols":["BTCUSDT"]})", 501},
           {crawl_body(sym, "soon", "2024-06-01"), 400},
           {crawl_body(sym, "2024-06-02", "2024-06-01"), 400},
           {crawl_body(sym, "2030-01-01", "2031-01-01"), 400},
           {crawl_body(sym, "2024-06-01", "2024-06-02", R"(,"kind":"quotes")"), 400},
           {crawl_body(sym, "2024-06-01", "2024-06-02", R"(,"kind":"bars")"), 400},
           {crawl_body(sym, "2024-06-01", "2024-06-02", R"(,"kind":"bars","interval":"2m")"), 400},
           {crawl_body(sym, "2024-06-01", "2024-06-02", R"(,"interval":"1m")"), 400},
           {crawl_body(sym, "2024-06-01", "2024-06-02", R"(,"wait":"yes")"), 400},
       }) {
    serve::Response r = call("POST", "/api/tickscrawler/crawl", c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
    EXPECT_FALSE(error_code(r).empty());
  }
  EXPECT_EQ(body(call("GET", "/api/tickscrawler/crawls")).at("count").as_int64(), 0);

  for (const auto& [query, status] : std::vector<std::pair<serve::Fields, int>>{
           {{}, 400},
           {{{"symbol", "NOPE"}}, 404},
           {{{"symbol", sym}, {"source", "nyse"}}, 404},
           {{{"symbol", "lower"}}, 400},
           {{{"symbol", sym}, {"format", "xml"}}, 400},
           {{{"symbol", sym}, {"interval", "2m"}}, 400},
           {{{"symbol", sym}, {"limit", "0"}}, 400},
           {{{"symbol", sym}, {"limit", "100001"}}, 400},
           {{{"symbol", sym}, {"start", "2024-06-02"}, {"end", "2024-06-01"}}, 400},
           {{{"symbol", sym}, {"start", "June"}}, 400},
           {{{"symbol", sym}, {"cursor", "zz"}}, 400},
           {{{"symbol", sym}, {"cursor", "623a31"}}, 400},  // a bar cursor for trades
       }) {
    serve::Response r = call("GET", "/api/tickscrawler/historical", "", query);
    EXPECT_EQ(r.status, status) << r.body;
  }
  EXPECT_EQ(call("DELETE", "/api/tickscrawler/crawls/not-a-uuid").status, 400);
  EXPECT_EQ(call("DELETE", "/api/tickscrawler/crawls/" + new_uuid()).status, 404);
}

TEST_F(TickscrawlerTest, HistoryAcceptsTimesBefore1970AndAfter2100) {
  serve::Response r = call(
      "GET", "/api/tickscrawler/historical", "",
      {{"symbol", equity()}, {"interval", "1d"}, {"start", "1900-01-01"}, {"end", "2150-01-01"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_GE(body(r).at("bars").as_array().size(), 25u);
}

TEST_F(TickscrawlerTest, AStoppedCrawlEndsStoppedWithItsPartialResultAndWritesNothingAfter) {
  serve::Response r =
      call("POST", "/api/tickscrawler/crawl", crawl_body(crypto(), "2022-01-01", "2024-06-01"));
  ASSERT_EQ(r.status, 202) << r.body;
  std::string id(body(r).at("id").as_string());
  storage::TickQuery all;
  all.id = {crypto(), "simulator"};
  ASSERT_TRUE(testing::wait_until([&] { return *store_->ticks().count_ticks(all) > 0; }));
  serve::Response stop = call("DELETE", "/api/tickscrawler/crawls/" + id);
  ASSERT_EQ(stop.status, 200) << stop.body;
  std::string state(body(stop).at("state").as_string());
  EXPECT_TRUE(state == "stopping" || state == "stopped") << state;
  auto ended = runner_->wait(id, clock_.now() + std::chrono::hours(1));
  ASSERT_TRUE(ended.is_ok());
  EXPECT_EQ(ended->state, storage::JobState::kStopped);
  json::object job = serve::to_json_object(*ended);
  int64_t stored = job.at("result").as_object().at("ticks_stored").as_int64();
  EXPECT_EQ(*store_->ticks().count_ticks(all), stored);
  EXPECT_LT(job.at("progress").to_number<double>(), 1.0);
  EXPECT_EQ(job.at("stop_reason").as_string(), "stopped by request");
  EXPECT_EQ(call("DELETE", "/api/tickscrawler/crawls/" + id).status, 409);
}

TEST_F(TickscrawlerTest, CsvImportStoresAFilesTradesOnceAndHistoryServesThem) {
  std::ofstream(import_dir() / "trades.csv") << "symbol,time,price,quantity,trade_id\n"
                                                "ACME,2024-01-02T14:30:00.000000001Z,101.25,10,1\n"
                                                "ACME,2024-01-02T14:30:01Z,101.5,5,2\n"
                                                "WIDG,2024-01-02T14:30:00Z,0.00012345,1000.5,1\n";
  std::string request = R"({"source":"csv","file":"trades.csv","wait":true})";
  serve::Response r = call("POST", "/api/tickscrawler/crawl", request);
  ASSERT_EQ(r.status, 200) << r.body;
  json::object job = body(r);
  ASSERT_EQ(job.at("state").as_string(), "succeeded") << r.body;
  EXPECT_EQ(job.at("result").as_object().at("ticks_stored").as_int64(), 3);
  EXPECT_EQ(job.at("params").as_object().at("start"), json::value(nullptr));
  json::object again = body(call("POST", "/api/tickscrawler/crawl", request));
  EXPECT_EQ(again.at("result").as_object().at("duplicates_skipped").as_int64(), 3);

  json::object widg = body(
      call("GET", "/api/tickscrawler/historical", "", {{"source", "csv"}, {"symbol", "WIDG"}}));
  ASSERT_EQ(widg.at("ticks").as_array().size(), 1u);
  EXPECT_EQ(to_json(widg.at("ticks").as_array()[0].as_object().at("price")), "0.00012345");
  serve::Response csv = call("GET", "/api/tickscrawler/historical", "",
                             {{"source", "csv"}, {"symbol", "ACME"}, {"format", "csv"}});
  EXPECT_NE(csv.body.find("2024-01-02T14:30:00.000000001Z,101.25,10,"), std::string::npos)
      << csv.body;
  json::object listed = body(call("GET", "/api/tickscrawler/instruments", "", {{"source", "csv"}}));
  EXPECT_EQ(listed.at("total").as_int64(), 2);
}

TEST_F(TickscrawlerTest, CsvImportOfABadFileFailsNamingTheLineAndStoresNothing) {
  std::ofstream(import_dir() / "bad.csv") << "time,price,size\n2024-01-02,1,1\n2024-01-03,-1,1\n";
  serve::Response r = call("POST", "/api/tickscrawler/crawl",
                           R"({"source":"csv","file":"bad.csv","symbols":["BAD"],"wait":true})");
  ASSERT_EQ(r.status, 200) << r.body;
  json::object job = body(r);
  EXPECT_EQ(job.at("state").as_string(), "failed");
  EXPECT_NE(job.at("error").as_object().at("message").as_string().find("line 3"), std::string::npos)
      << r.body;
  storage::TickQuery q;
  q.id = {"BAD", "csv"};
  EXPECT_EQ(*store_->ticks().count_ticks(q), 0);
}

TEST_F(TickscrawlerTest, CsvImportRefusesBadPathsUpFront) {
  std::ofstream(import_dir() / "one.csv") << "time,price,size\n2024-01-02,1,1\n";
  for (const auto& [body_text, status] : std::vector<std::pair<std::string, int>>{
           {R"({"source":"csv","file":"../t.db","symbols":["A"]})", 400},
           {R"({"source":"csv","file":"/etc/passwd","symbols":["A"]})", 400},
           {R"({"source":"csv","file":"nope.csv","symbols":["A"]})", 404},
           {R"({"source":"csv","symbols":["A"]})", 400},
           {R"({"source":"csv","file":"one.csv"})", 400},  // no symbol column, no symbols
           {R"({"source":"simulator","file":"one.csv","symbols":["A"]})", 400},
       }) {
    serve::Response r = call("POST", "/api/tickscrawler/crawl", body_text);
    EXPECT_EQ(r.status, status) << body_text << " -> " << r.body;
  }
  EXPECT_EQ(body(call("GET", "/api/tickscrawler/crawls")).at("count").as_int64(), 0);
}

class TickscrawlerTimeoutTest : public ServiceFixture {
 protected:
  static TickscrawlerOptions short_timeout() {
    TickscrawlerOptions o;
    o.timeout = std::chrono::seconds(30);
    return o;
  }
  TickscrawlerTimeoutTest() : ServiceFixture(short_timeout()) {}
};

TEST_F(TickscrawlerTimeoutTest, ACrawlPastTheTimeoutEndsTimedOut) {
  serve::Response r =
      call("POST", "/api/tickscrawler/crawl", crawl_body(crypto(), "2022-01-01", "2024-06-01"));
  ASSERT_EQ(r.status, 202) << r.body;
  std::string id(body(r).at("id").as_string());
  ASSERT_TRUE(testing::wait_until([&] { return jobs_->get(id)->progress > 0; }));
  clock_.advance(std::chrono::seconds(31));
  auto ended = runner_->wait(id, clock_.now() + std::chrono::hours(1));
  ASSERT_TRUE(ended.is_ok());
  EXPECT_EQ(ended->state, storage::JobState::kTimedOut);
  json::object job = serve::to_json_object(*ended);
  EXPECT_NE(job.at("stop_reason").as_string().find("30 s"), std::string::npos);
  EXPECT_GT(job.at("result").as_object().at("ticks_stored").as_int64(), 0);
}

}  // namespace
}  // namespace tc::services

namespace tc::services {
namespace {

using StreamTest = ServiceFixture;

std::vector<market::TradeTick> simulated(market::MarketSimulator& sim, const std::string& symbol,
                                         int64_t start, int64_t end) {
  std::vector<market::TradeTick> out;
  EXPECT_TRUE(sim.fetch_trades(symbol, {start, end},
                               [&](std::span<const market::TradeTick> page) {
                                 out.insert(out.end(), page.begin(), page.end());
                                 return true;
                               })
                  .is_ok());
  return out;
}

TEST_F(StreamTest, AStreamStoresPublishesAndCachesLiveTradesUntilStopped) {
  std::mutex mu;
  std::vector<std::string> published;
  auto sub =
      bus_.subscribe(trades_subject("simulator", crypto()), "", [&](const cluster::Message& m) {
        std::lock_guard lock(mu);
        published.push_back(m.data);
      });
  ASSERT_TRUE(sub.is_ok());
  int64_t from = clock_.unix_nanos();
  serve::Response r = call("POST", "/api/tickscrawler/stream",
                           R"({"source":"simulator","symbols":[")" + crypto() + R"("]})");
  ASSERT_EQ(r.status, 202) << r.body;
  std::string id(body(r).at("id").as_string());
  EXPECT_EQ(net::find_field(r.headers, "Location").value_or(""), "/api/tickscrawler/streams/" + id);
  ASSERT_TRUE(
      testing::wait_until([&] { return jobs_->get(id)->state == storage::JobState::kRunning; }));
  clock_.advance(std::chrono::minutes(10));  // ten minutes of the simulated market happen
  int64_t until = clock_.unix_nanos();
  auto expected = simulated(*simulator_, crypto(), from, until);
  ASSERT_FALSE(expected.empty());
  storage::TickQuery q;
  q.id = {crypto(), "simulator"};
  ASSERT_TRUE(testing::wait_until(
      [&] { return *store_->ticks().count_ticks(q) == static_cast<int64_t>(expected.size()); }));
  EXPECT_EQ(*store_->ticks().ticks(q), expected);
  ASSERT_TRUE(testing::wait_until([&] {
    std::lock_guard lock(mu);
    return published.size() == expected.size();
  }));
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(published.back(), trade_event_json(expected.back()));
  }
  EXPECT_EQ(cache_.get(latest_trade_key("simulator", crypto())).value_or(""),
            trade_event_json(expected.back()));

  serve::Response stop = call("DELETE", "/api/tickscrawler/stream/" + id);
  ASSERT_EQ(stop.status, 200) << stop.body;
  auto ended = runner_->wait(id, clock_.now() + std::chrono::hours(1));
  ASSERT_EQ(ended->state, storage::JobState::kStopped);
  json::object job = serve::to_json_object(*ended);
  EXPECT_EQ(job.at("result").as_object().at("ticks_stored").as_int64(),
            static_cast<int64_t>(expected.size()));
  // Nothing is stored after the stop, however much more happens.
  clock_.advance(std::chrono::minutes(10));
  EXPECT_EQ(*store_->ticks().count_ticks(q), static_cast<int64_t>(expected.size()));
  EXPECT_EQ(body(call("GET", "/api/tickscrawler/streams/" + id)).at("state").as_string(),
            "stopped");
}

TEST_F(StreamTest, AStreamADeadProcessLeftRunningResumesWithNothingLostOrDoubled) {
  // What a killed process leaves: a running stream job and some of its trades.
  int64_t started = clock_.unix_nanos() - 3600'000'000'000LL;
  StreamRequest request;
  request.source = "simulator";
  request.symbols = {crypto()};
  auto job = jobs_->create("stream", "tickscrawler", request.to_params(),
                           {"tickscrawler#dead", "head"}, 10);
  ASSERT_TRUE(job.is_ok());
  ASSERT_TRUE(jobs_->start(job->id).is_ok());
  auto all_before = simulated(*simulator_, crypto(), started, clock_.unix_nanos());
  ASSERT_GT(all_before.size(), 20u);
  std::vector<market::TradeTick> half(all_before.begin(),
                                      all_before.begin() + all_before.size() / 2);
  ASSERT_TRUE(store_->ticks().write_ticks(half).is_ok());
  storage::JobTransition started_at;
  started_at.from = {storage::JobState::kRunning};
  started_at.started_at = started;
  ASSERT_TRUE(store_->jobs().transition(job->id, started_at).is_ok());

  auto resumed = resume_streams(*ctx_);
  ASSERT_TRUE(resumed.is_ok()) << resumed.status().to_string();
  EXPECT_EQ(*resumed, 1);
  clock_.advance(std::chrono::minutes(5));
  auto expected = simulated(*simulator_, crypto(), started, clock_.unix_nanos());
  storage::TickQuery q;
  q.id = {crypto(), "simulator"};
  ASSERT_TRUE(testing::wait_until(
      [&] { return *store_->ticks().count_ticks(q) == static_cast<int64_t>(expected.size()); }));
  auto stored = *store_->ticks().ticks(q);
  EXPECT_EQ(stored, expected);  // every id once, none missing
  EXPECT_EQ(jobs_->get(job->id)->state, storage::JobState::kRunning);
  ASSERT_EQ(call("DELETE", "/api/tickscrawler/stream/" + job->id).status, 200);
  EXPECT_EQ(runner_->wait(job->id, clock_.now() + std::chrono::hours(1))->state,
            storage::JobState::kStopped);
}

TEST_F(StreamTest, StreamRequestsAreCheckedBeforeAnyJobExists) {
  for (const auto& [body_text, status] : std::vector<std::pair<std::string, int>>{
           {R"({"source":"simulator"})", 400},
           {R"({"source":"simulator","symbols":["bad sym"]})", 400},
           {R"({"source":"simulator","symbols":["NOPE"]})", 404},
           {R"({"source":"nyse","symbols":["A"]})", 404},
           {R"({"source":"binance","symbols":["BTCUSDT"]})", 501},
           {R"({"source":"csv","symbols":["A"]})", 409},
           {R"({"source":"simulator","symbols":["A"],"speed":-1})", 400},
           {R"({"source":"replay","symbols":["A"]})", 400},
           {R"({"source":"replay","symbols":["NOPE"],"of":"simulator"})", 404},
           {R"({"source":"simulator","symbols":["A"],"of":"csv"})", 400},
       }) {
    serve::Response r = call("POST", "/api/tickscrawler/stream", body_text);
    EXPECT_EQ(r.status, status) << body_text << " -> " << r.body;
  }
  EXPECT_EQ(body(call("GET", "/api/tickscrawler/streams")).at("count").as_int64(), 0);
}

TEST_F(StreamTest, AReplayPlaysStoredTradesAtItsSpeedUnderItsOwnName) {
  ASSERT_EQ(
      call("POST", "/api/tickscrawler/crawl",
           R"({"source":"simulator","symbols":[")" + crypto() +
               R"("],"start":"2024-06-01T00:00:00Z","end":"2024-06-01T01:00:00Z","wait":true})")
          .status,
      200);
  storage::TickQuery original;
  original.id = {crypto(), "simulator"};
  auto stored = *store_->ticks().ticks(original);
  ASSERT_GT(stored.size(), 10u);
  std::mutex mu;
  std::vector<std::string> published;
  auto sub = bus_.subscribe(trades_subject("replay", crypto()), "", [&](const cluster::Message& m) {
    std::lock_guard lock(mu);
    published.push_back(m.data);
  });
  // Ten times real time: the hour of trades takes six minutes of the clock.
  serve::Response r =
      call("POST", "/api/tickscrawler/stream",
           R"({"source":"replay","of":"simulator","speed":10,"symbols":[")" + crypto() + R"("]})");
  ASSERT_EQ(r.status, 202) << r.body;
  std::string id(body(r).at("id").as_string());
  storage::TickQuery replayed;
  replayed.id = {crypto(), "replay"};
  ASSERT_TRUE(testing::wait_until([&] { return *store_->ticks().count_ticks(replayed) >= 1; }));
  int64_t span = stored.back().ts_event - stored.front().ts_event;
  clock_.advance(Duration(span / 20));  // halfway through the replay
  ASSERT_TRUE(testing::wait_until([&] {
    int64_t n = *store_->ticks().count_ticks(replayed);
    return n > 1 && n < static_cast<int64_t>(stored.size());
  }));
  clock_.advance(Duration(span / 10));
  ASSERT_TRUE(testing::wait_until([&] {
    return *store_->ticks().count_ticks(replayed) == static_cast<int64_t>(stored.size());
  }));
  auto copies = *store_->ticks().ticks(replayed);
  for (size_t i = 0; i < copies.size(); ++i) {
    EXPECT_EQ(copies[i].trade_id, stored[i].trade_id);
    EXPECT_EQ(copies[i].price, stored[i].price);
    EXPECT_EQ(copies[i].ts_event, stored[i].ts_event);
  }
  EXPECT_TRUE(store_->instruments().instrument({crypto(), "replay"}).is_ok());
  ASSERT_EQ(call("DELETE", "/api/tickscrawler/stream/" + id).status, 200);
  EXPECT_EQ(runner_->wait(id, clock_.now() + std::chrono::hours(1))->state,
            storage::JobState::kStopped);
}

class StreamLimitTest : public ServiceFixture {
 protected:
  static TickscrawlerOptions one_stream() {
    TickscrawlerOptions o;
    o.max_streams = 1;
    return o;
  }
  StreamLimitTest() : ServiceFixture(one_stream()) {}
};

TEST_F(StreamLimitTest, TheStreamLimitHolds) {
  std::string body_text = R"({"source":"simulator","symbols":[")" + crypto() + R"("]})";
  serve::Response first = call("POST", "/api/tickscrawler/stream", body_text);
  ASSERT_EQ(first.status, 202);
  serve::Response second = call("POST", "/api/tickscrawler/stream", body_text);
  EXPECT_EQ(second.status, 429) << second.body;
}

}  // namespace
}  // namespace tc::services
