// The screener end to end through the real binary: screens checked against the same filter
// written in SQL (window functions) over the node's own database, hostile requests answered 400
// with the reason, custom filters that outlive a restart, and the market overview.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include <cmath>
#include <map>

#include "core/json.hpp"
#include "support/node_process.hpp"

namespace tc {
namespace {

using testing::body_of;
using testing::NodeProcess;

// symbol -> sma(close, 10) of the instruments whose newest bar passes
// `close > sma(close, 10) and volume > sma(volume, 5)`, computed by SQLite alone.
std::map<std::string, double> screen_in_sql(const std::filesystem::path& db_path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(db_path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  const char* sql = R"sql(
    WITH bars AS (
      SELECT symbol, open_time,
             close * 1.0 / pow(10, price_scale) AS c,
             volume * 1.0 / pow(10, volume_scale) AS v
      FROM screener_bars WHERE source = 'simulator' AND interval_s = 86400),
    w AS (
      SELECT symbol, c, v,
             AVG(c) OVER (PARTITION BY symbol ORDER BY open_time ROWS 9 PRECEDING) AS sma10,
             COUNT(*) OVER (PARTITION BY symbol ORDER BY open_time ROWS 9 PRECEDING) AS n10,
             AVG(v) OVER (PARTITION BY symbol ORDER BY open_time ROWS 4 PRECEDING) AS vol5,
             COUNT(*) OVER (PARTITION BY symbol ORDER BY open_time ROWS 4 PRECEDING) AS n5,
             ROW_NUMBER() OVER (PARTITION BY symbol ORDER BY open_time DESC) AS newest
      FROM bars)
    SELECT symbol, sma10 FROM w
    WHERE newest = 1 AND n10 = 10 AND n5 = 5 AND c > sma10 AND v > vol5)sql";
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  std::map<std::string, double> out;
  while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
    out[reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0))] =
        sqlite3_column_double(stmt, 1);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return out;
}

TEST(ScreenerIntegrationTest, ScreenSelectsWhatTheSameFilterInSqlSelects) {
  NodeProcess node(std::map<std::string, std::string>{{"TC_SIMULATOR_INSTRUMENTS", "60"}});
  ASSERT_TRUE(node.start()) << node.output();
  auto r = node.request("POST", "/api/screener/screen",
                        R"json({"expression": "close > sma(close, 10) and volume > sma(volume, 5)",
                            "fields": {"sma10": "sma(close, 10)"}, "limit": 1000})json");
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r->status, 200) << r->body;
  json::object result = body_of(r);
  EXPECT_EQ(result.at("universe_size").as_int64(), 60);
  EXPECT_GE(result.at("elapsed_ms").to_number<double>(), 0);

  std::map<std::string, double> expected = screen_in_sql(node.dir() / "data" / "tradecluster.db");
  ASSERT_FALSE(expected.empty());
  ASSERT_EQ(result.at("count").as_int64(), static_cast<int64_t>(expected.size()));
  for (const auto& m : result.at("matches").as_array()) {
    std::string symbol(m.at("symbol").as_string());
    ASSERT_TRUE(expected.contains(symbol)) << symbol;
    EXPECT_NEAR(m.at("values").at("sma10").to_number<double>(), expected[symbol],
                1e-9 * expected[symbol]);
  }
}

TEST(ScreenerIntegrationTest, HostileRequestsAreRefusedWithTheReason) {
  NodeProcess node;
  ASSERT_TRUE(node.start()) << node.output();
  std::string many_symbols = "[";
  for (int i = 0; i < 10001; ++i) many_symbols += (i ? ",\"S" : "\"S") + std::to_string(i) + "\"";
  many_symbols += "]";
  std::string many_fields = "{";
  for (int i = 0; i < 51; ++i) {
    many_fields += (i ? ",\"f" : "\"f") + std::to_string(i) + "\":\"close\"";
  }
  many_fields += "}";
  struct Case {
    std::string body;
    std::string reason;
  };
  std::vector<Case> cases{
      {R"({"expression": "smaa(close, 14) < 30"})", "did you mean 'sma'?"},
      {R"({"filters": ["no_such_filter"]})", "no filter named 'no_such_filter'"},
      {R"({"expression": "close > 1", "limit": 100000000})", "'limit'"},
      {R"({"expression": "close > 1", "universe": )" + many_symbols + "}", "'universe'"},
      {R"({"expression": "close > 1", "fields": )" + many_fields + "}", "over 50 fields"},
      {R"({"expression": ")" + std::string(200, '(') + "close" + std::string(200, ')') +
           R"( > 1"})",
       "nests deeper"},
      {R"json({"expression": "sma(close, 100001) > 1"})json", "from 1 to 100000"},
      {R"({"expression": "close[99999] > 1"})", "bars back must be from 0 to 5000"},
      {R"({"expression": "close > 1\u0000"})", "unexpected character"},
      {R"({"expression": "close > 'x' "})", "cannot compare a number with text"},
      {R"({"expression": 42})", "must be a string"},
      {R"({"expression": "close > 1", "sort_by": "close and"})", "sort_by:"},
  };
  for (const Case& c : cases) {
    auto r = node.request("POST", "/api/screener/screen", c.body);
    ASSERT_TRUE(r.is_ok()) << c.body.substr(0, 80);
    EXPECT_EQ(r->status, 400) << c.body.substr(0, 80) << " -> " << r->body;
    EXPECT_NE(r->body.find(c.reason), std::string::npos)
        << c.body.substr(0, 80) << " -> " << r->body;
  }
  // The node still answers.
  EXPECT_EQ(node.request("GET", "/health")->status, 200);
}

TEST(ScreenerIntegrationTest, CustomFiltersOutliveARestartAndTheOverviewAnswers) {
  NodeProcess node;
  ASSERT_TRUE(node.start()) << node.output();
  auto created = node.request("POST", "/api/screener/custom-filter",
                              R"({"name": "up_today", "expression": "close > close[1]"})");
  ASSERT_EQ(created->status, 201) << created->body;
  auto refused = node.request("POST", "/api/screener/custom-filter",
                              R"({"name": "broken", "expression": "close > > 1"})");
  EXPECT_EQ(refused->status, 400);
  EXPECT_NE(refused->body.find("at 1:9"), std::string::npos) << refused->body;
  node.signal(SIGTERM);
  ASSERT_TRUE(node.wait_exit(std::chrono::seconds(10)));
  ASSERT_TRUE(node.start()) << node.output();
  EXPECT_EQ(node.request("GET", "/api/screener/custom-filter/up_today")->status, 200);
  EXPECT_EQ(node.request("GET", "/api/screener/custom-filter/broken")->status, 404);
  auto screened = node.request("POST", "/api/screener/screen", R"({"filters": ["up_today"]})");
  EXPECT_EQ(screened->status, 200) << screened->body;

  auto overview = node.request("GET", "/api/screener/market-overview?source=simulator");
  ASSERT_EQ(overview->status, 200) << overview->body;
  json::object o = body_of(overview);
  EXPECT_EQ(o.at("universe_size").as_int64(), 13);
  EXPECT_TRUE(o.contains("computed_at"));
  EXPECT_EQ(overview->header("X-Cache"), "miss");
  EXPECT_EQ(node.request("GET", "/api/screener/market-overview")->header("X-Cache"), "hit");
}

}  // namespace
}  // namespace tc
