// The node on PostgreSQL (TC_STORE=postgresql://…): the same API as on the embedded store, its
// data in the run's PostgreSQL, kept across restarts.
#include <gtest/gtest.h>

#include <cctype>

#include "support/node_process.hpp"
#include "support/test_postgres.hpp"

namespace tc {
namespace {

using testing::NodeProcess;

json::object body_of(const Result<net::HttpResult>& r) {
  EXPECT_TRUE(r.is_ok());
  auto parsed = parse_json(r->body);
  EXPECT_TRUE(parsed.is_ok() && parsed->is_object()) << r->body;
  return parsed.is_ok() && parsed->is_object() ? parsed->as_object() : json::object{};
}

// A fresh database of the run's server, as TC_STORE names it.
std::string fresh_database_url(storage::PgOptions& options) {
  options = testing::test_postgres();
  options.dbname = testing::fresh_postgres_database();
  return "postgresql://" + options.user + ":" + options.password + "@" + options.host + ":" +
         std::to_string(options.port) + "/" + options.dbname;
}

TEST(PostgresNodeTest, ServesFromPostgresAndKeepsItsDataAcrossRestarts) {
  storage::PgOptions options;
  std::string url = fresh_database_url(options);
  NodeProcess node(std::map<std::string, std::string>{{"TC_STORE", url}});
  ASSERT_TRUE(node.start()) << node.output();
  EXPECT_NE(node.output().find("backend=postgres"), std::string::npos) << node.output();
  EXPECT_EQ(node.output().find(options.password), std::string::npos) << "the password is logged";

  auto health = body_of(node.request("GET", "/health"));
  EXPECT_EQ(health.at("dependencies").as_object().at("postgres").as_object().at("status"), "up");
  auto screen = node.request("POST", "/api/screener/screen",
                             R"({"expression":"close > 0","fields":{"last":"close"},"limit":5})");
  ASSERT_EQ(screen->status, 200) << screen->body;
  json::object screened = body_of(screen);
  EXPECT_EQ(screened.at("universe_size").as_int64(), 13);
  EXPECT_EQ(screened.at("count").as_int64(), 13);  // every instrument matches; five are shown
  EXPECT_EQ(screened.at("matches").as_array().size(), 5u);
  auto filter = node.request("POST", "/api/screener/custom-filter",
                             R"({"name":"pg_cheap","expression":"close < 1000000"})");
  ASSERT_EQ(filter->status, 201) << filter->body;
  json::object listed =
      body_of(node.request("GET", "/api/tickscrawler/instruments?limit=1&asset_class=crypto"));
  std::string symbol(listed.at("instruments").as_array()[0].at("symbol").as_string());
  auto run = node.request("POST", "/api/algorunner/run",
                          R"({"algorithm": "sma_crossover", "symbols": [")" + symbol +
                              R"("], "parameters": {"fast_period": 3, "slow_period": 8},
                                  "wait": true})");
  ASSERT_EQ(run->status, 200) << run->body;
  json::object job = body_of(run);
  EXPECT_EQ(job.at("state").as_string(), "succeeded");
  std::string run_id(job.at("id").as_string());

  node.signal(SIGTERM);
  ASSERT_TRUE(node.wait_exit(std::chrono::seconds(30)));
  ASSERT_TRUE(node.start()) << node.output();
  auto filters = node.request("GET", "/api/screener/filters");
  EXPECT_NE(filters->body.find("pg_cheap"), std::string::npos) << filters->body;
  auto again = node.request("GET", "/api/algorunner/runs/" + run_id);
  ASSERT_EQ(again->status, 200) << again->body;
  EXPECT_EQ(body_of(again).at("state").as_string(), "succeeded");
  std::string st = node.cluster_status();
  EXPECT_NE(st.find("\"store\":\"postgres\""), std::string::npos) << st;
}

TEST(PostgresNodeTest, SwitchingFromTheEmbeddedStoreCarriesEverythingOver) {
  NodeProcess node;  // on SQLite first
  ASSERT_TRUE(node.start()) << node.output();
  auto filter = node.request("POST", "/api/screener/custom-filter",
                             R"({"name":"carried","expression":"close > 1"})");
  ASSERT_EQ(filter->status, 201) << filter->body;
  json::object listed =
      body_of(node.request("GET", "/api/tickscrawler/instruments?limit=1&asset_class=crypto"));
  std::string symbol(listed.at("instruments").as_array()[0].at("symbol").as_string());
  auto crawl = node.request(
      "POST", "/api/tickscrawler/crawl",
      R"({"source":"simulator","symbols":[")" + symbol +
          R"("],"start":"2024-06-03T14:00:00Z","end":"2024-06-03T14:10:00Z","wait":true})");
  ASSERT_EQ(crawl->status, 200) << crawl->body;
  int64_t trades = body_of(crawl).at("result").as_object().at("ticks_stored").as_int64();
  ASSERT_GT(trades, 0);
  std::string history = "/api/tickscrawler/historical?symbol=" + symbol +
                        "&start=2024-06-03T14:00:00Z&end=2024-06-03T14:10:00Z&limit=100000";
  std::string before = node.request("GET", history)->body;
  std::string daily = "/api/tickscrawler/historical?symbol=" + symbol + "&interval=1d&limit=1000";
  std::string daily_before = node.request("GET", daily)->body;
  node.signal(SIGTERM);
  ASSERT_TRUE(node.wait_exit(std::chrono::seconds(30)));

  storage::PgOptions options;
  node.set_env("TC_STORE", fresh_database_url(options));
  ASSERT_TRUE(node.start()) << node.output();
  EXPECT_NE(node.output().find("event=embedded_store_imported"), std::string::npos);
  EXPECT_NE(node.request("GET", "/api/screener/filters")->body.find("carried"), std::string::npos);
  EXPECT_EQ(node.request("GET", history)->body, before);
  EXPECT_EQ(node.request("GET", daily)->body, daily_before);
  json::object crawls = body_of(node.request("GET", "/api/tickscrawler/crawls"));
  EXPECT_EQ(crawls.at("crawls").as_array().size(), 1u) << to_json(crawls);

  // Once copied, a restart does not copy again.
  node.signal(SIGTERM);
  ASSERT_TRUE(node.wait_exit(std::chrono::seconds(30)));
  std::string first_log = node.output();
  ASSERT_TRUE(node.start()) << node.output();
  std::string log = node.output().substr(first_log.size());
  EXPECT_EQ(log.find("event=embedded_store_imported"), std::string::npos) << log;
}

std::string url_encoded(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

TEST(PostgresNodeTest, HostileParametersReachPostgresOnlyAsValues) {
  storage::PgOptions options;
  std::string url = fresh_database_url(options);
  NodeProcess node(std::map<std::string, std::string>{{"TC_STORE", url}});
  ASSERT_TRUE(node.start()) << node.output();
  const std::string hostile = "x'); DROP TABLE tickscrawler.instruments; --";
  auto search = node.request("GET", "/api/tickscrawler/instruments?search=" + url_encoded(hostile));
  ASSERT_EQ(search->status, 200) << search->body;
  EXPECT_TRUE(body_of(search).at("instruments").as_array().empty());
  auto sector = node.request("GET", "/api/tickscrawler/instruments?sector=" + url_encoded(hostile));
  EXPECT_EQ(sector->status, 200) << sector->body;
  auto history = node.request("GET", "/api/tickscrawler/historical?symbol=" + url_encoded(hostile));
  EXPECT_EQ(history->status, 400) << history->body;  // refused before it reaches the store
  auto run = node.request("GET", "/api/algorunner/runs/" + url_encoded(hostile));
  EXPECT_TRUE(run->status == 400 || run->status == 404) << run->body;
  auto filter =
      node.request("POST", "/api/screener/custom-filter",
                   R"({"name":"hostile_description","expression":"close > 1","description":")" +
                       std::string("x'); DROP TABLE screener.filters; --") + R"("})");
  ASSERT_EQ(filter->status, 201) << filter->body;
  auto filters = node.request("GET", "/api/screener/filters");
  ASSERT_EQ(filters->status, 200);
  EXPECT_NE(filters->body.find("x'); DROP TABLE screener.filters; --"), std::string::npos);
  // Every table is still there and answers.
  auto all = node.request("GET", "/api/tickscrawler/instruments?limit=100");
  EXPECT_EQ(body_of(all).at("instruments").as_array().size(), 13u);
  auto screen = node.request("POST", "/api/screener/screen", R"({"filters":["rsi_oversold"]})");
  EXPECT_EQ(screen->status, 200) << screen->body;
}

TEST(PostgresNodeTest, AnUnreachableStoreStopsTheStartNamingIt) {
  NodeProcess node(std::map<std::string, std::string>{
      {"TC_STORE",
       "postgresql://nobody:secret@127.0.0.1:" + std::to_string(testing::free_port()) + "/none"}});
  node.start(false);
  ASSERT_TRUE(node.wait_exit(std::chrono::seconds(30)));
  EXPECT_NE(node.exit_code(), 0);
  EXPECT_NE(node.output().find("PostgreSQL is unreachable"), std::string::npos) << node.output();
  EXPECT_EQ(node.output().find("secret"), std::string::npos) << "the password is logged";
}

}  // namespace
}  // namespace tc
