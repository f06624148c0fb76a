#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "market/reference_indicators.hpp"
#include "services/service_fixture.hpp"

namespace tc::services {
namespace {

namespace ref = market::reference;

class ScreenerTest : public ServiceFixture {
 protected:
  // Every seeded daily series as the store holds it, read without the screener's code.
  std::map<std::string, std::pair<market::Instrument, std::vector<market::Bar>>> stored() {
    std::map<std::string, std::pair<market::Instrument, std::vector<market::Bar>>> out;
    storage::InstrumentQuery q;
    q.source = "simulator";
    q.limit = 1000;
    auto instruments = store_->instruments().instruments(q);
    EXPECT_TRUE(instruments.is_ok());
    if (!instruments) return out;
    for (const auto& instrument : *instruments) {
      storage::BarQuery bq;
      bq.id = instrument.id;
      out[instrument.id.symbol] = {instrument, store_->bars().bars(bq).value()};
    }
    return out;
  }

  json::object screen(const std::string& request) {
    serve::Response r = call("POST", "/api/screener/screen", request);
    EXPECT_EQ(r.status, 200) << request << " -> " << r.body;
    return body(r);
  }

  static std::vector<std::string> symbols(const json::object& result) {
    std::vector<std::string> out;
    for (const auto& m : result.at("matches").as_array()) {
      out.emplace_back(m.as_object().at("symbol").as_string());
    }
    return out;
  }
};

TEST_F(ScreenerTest, EveryBuiltInFilterParsesAndRunsAsWritten) {
  auto filters = store_->catalog().filters().value();
  ASSERT_EQ(filters.size(), 14u);
  for (const auto& f : filters) {
    SCOPED_TRACE(f.name);
    json::object result = screen(R"({"filters": [")" + f.name + R"("]})");
    EXPECT_EQ(result.at("universe_size").as_int64(), kUniverse);
  }
  json::object all = screen(R"({"filters": ["rsi_oversold", "rsi_overbought"]})");
  EXPECT_EQ(all.at("count").as_int64(), 0);  // both at once cannot hold
}

TEST_F(ScreenerTest, MatchesAndValuesAgreeWithAnIndependentComputation) {
  json::object result = screen(R"json({
      "expression": "close > sma(close, 10) and rsi(close, 14) < 70 or crossover(ema(close, 5), sma(close, 20))",
      "fields": {"rsi": "rsi(close, 14)", "sma": "sma(close, 10)", "change": "pct_change(close, 1)",
                 "above": "close > sma(close, 10)"},
      "sort_by": "rsi", "limit": 1000})json");
  // The same screen by plain loops over the stored bars, with SQL's three-valued logic.
  std::map<std::string, double> expected_rsi;
  for (const auto& [symbol, data] : stored()) {
    ref::Series close;
    for (const auto& b : data.second) close.push_back(b.close.to_double());
    size_t last = close.size() - 1;
    double sma = ref::sma(close, 10)[last], rsi = ref::rsi(close, 14)[last];
    double cross = ref::cross(ref::ema(close, 5), ref::sma(close, 20), true)[last];
    std::optional<bool> above, calm;
    if (!std::isnan(sma)) above = close[last] > sma;
    if (!std::isnan(rsi)) calm = rsi < 70;
    std::optional<bool> both = (above == false || calm == false) ? std::optional<bool>(false)
                               : (above && calm)                 ? std::optional<bool>(true)
                                                                 : std::nullopt;
    bool selected = both == true || (!std::isnan(cross) && cross == 1);
    if (selected) expected_rsi[symbol] = rsi;
  }
  ASSERT_EQ(result.at("count").as_int64(), static_cast<int64_t>(expected_rsi.size()));
  ASSERT_FALSE(expected_rsi.empty());
  double previous = 101;
  for (const auto& m : result.at("matches").as_array()) {
    const json::object& match = m.as_object();
    std::string symbol(match.at("symbol").as_string());
    ASSERT_TRUE(expected_rsi.contains(symbol)) << symbol;
    double rsi = match.at("values").at("rsi").to_number<double>();
    EXPECT_NEAR(rsi, expected_rsi[symbol], 1e-9);
    EXPECT_LE(rsi, previous);  // descending
    previous = rsi;
    EXPECT_TRUE(match.at("values").at("above").is_bool());
  }
}

TEST_F(ScreenerTest, UniverseSectorSortAndLimit) {
  std::string a = equity(), b = crypto();
  json::object two = screen(R"({"sort_by": "close", "descending": false, "universe": [")" + a +
                            R"(", ")" + b + R"("], "fields": {"close": "close"}})");
  ASSERT_EQ(two.at("count").as_int64(), 2);
  auto matches = two.at("matches").as_array();
  EXPECT_LE(matches[0].at("values").at("close").to_number<double>(),
            matches[1].at("values").at("close").to_number<double>());

  json::object crypto_only = screen(R"({"expression": "asset_class = 'crypto'", "limit": 1})");
  EXPECT_EQ(crypto_only.at("count").as_int64(), 2);  // two crypto pairs in the universe
  EXPECT_EQ(crypto_only.at("matches").as_array().size(), 1u);

  auto instrument = store_->instruments().instrument({a, "simulator"}).value();
  json::object sector = screen(R"({"expression": "true", "sector": ")" + instrument.sector + "\"}");
  for (const auto& m : sector.at("matches").as_array()) {
    EXPECT_EQ(m.at("sector").as_string(), instrument.sector);
  }
  EXPECT_GE(sector.at("count").as_int64(), 1);
}

TEST_F(ScreenerTest, AsOfScreensAnEarlierBar) {
  json::object now = screen(R"({"expression": "true"})");
  json::object before = screen(R"({"expression": "true", "as_of": "2024-05-20",
                                   "fields": {"close": "close"}, "universe": [")" +
                               equity() + "\"]}");
  EXPECT_EQ(before.at("as_of").as_string(), "2024-05-20T00:00:00.000000000Z");
  EXPECT_NE(now.at("as_of").as_string(), before.at("as_of").as_string());
  auto bars = stored()[equity()].second;
  auto day = std::find_if(bars.begin(), bars.end(), [](const market::Bar& b) {
    return b.open_time == *parse_utc_time("2024-05-20");
  });
  ASSERT_NE(day, bars.end());
  EXPECT_DOUBLE_EQ(before.at("matches").at(0).at("values").at("close").to_number<double>(),
                   day->close.to_double());
}

TEST_F(ScreenerTest, NewBarsAreSeenByTheNextScreen) {
  std::string symbol = equity();
  std::string request =
      R"({"expression": "true", "fields": {"close": "close"}, "universe": [")" + symbol + "\"]}";
  json::object before = screen(request);
  auto last = stored()[symbol].second.back();
  market::Bar next = last;
  next.open_time += 86'400'000'000'000;
  next.close = *market::parse_decimal("123.45");
  next.high = std::max(next.high, next.close);
  ASSERT_TRUE(store_->bars().write_bars({&next, 1}).is_ok());
  json::object after = screen(request);
  EXPECT_EQ(after.at("as_of").as_string(), format_utc_time(next.open_time));
  EXPECT_DOUBLE_EQ(after.at("matches").at(0).at("values").at("close").to_number<double>(), 123.45);
}

TEST_F(ScreenerTest, CustomFiltersAreStoredShownUsedAndDeleted) {
  serve::Response created = call("POST", "/api/screener/custom-filter",
                                 R"({"name": "strong", "expression": "rsi(close, 14) > 50",
                                     "description": "Momentum above the middle"})");
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_EQ(body(created).at("builtin").as_bool(), false);
  serve::Response shown = call("GET", "/api/screener/custom-filter/strong");
  ASSERT_EQ(shown.status, 200);
  EXPECT_EQ(body(shown).at("expression").as_string(), "rsi(close, 14) > 50");
  EXPECT_EQ(call("POST", "/api/screener/custom-filter",
                 R"({"name": "strong", "expression": "close > 1"})")
                .status,
            409);
  json::object by_filter = screen(R"({"filters": ["strong"]})");
  json::object by_expression = screen(R"({"expression": "rsi(close, 14) > 50"})");
  EXPECT_EQ(symbols(by_filter), symbols(by_expression));
  EXPECT_EQ(body(call("GET", "/api/screener/filters")).at("count").as_int64(), 15);
  EXPECT_EQ(call("DELETE", "/api/screener/custom-filter/strong").status, 200);
  EXPECT_EQ(call("GET", "/api/screener/custom-filter/strong").status, 404);
  EXPECT_EQ(call("POST", "/api/screener/screen", R"({"filters": ["strong"]})").status, 400);
}

TEST_F(ScreenerTest, CheckTellsAnExpressionsTypeOrWhereItsErrorIs) {
  json::object ok =
      body(call("POST", "/api/screener/check", R"j({"expression": "rsi(close, 14)"})j"));
  EXPECT_TRUE(ok.at("valid").as_bool());
  EXPECT_EQ(ok.at("type").as_string(), "a number");
  json::object bad =
      body(call("POST", "/api/screener/check", R"j({"expression": "close >\n smaa(close, 20)"})j"));
  EXPECT_FALSE(bad.at("valid").as_bool());
  const json::object& error = bad.at("error").as_object();
  EXPECT_EQ(error.at("line").as_int64(), 2);
  EXPECT_EQ(error.at("column").as_int64(), 2);
  EXPECT_NE(error.at("message").as_string().find("did you mean 'sma'"), std::string::npos);
  // As a condition, a number is not valid.
  EXPECT_FALSE(body(call("POST", "/api/screener/check",
                         R"j({"expression": "close + 1", "as": "condition"})j"))
                   .at("valid")
                   .as_bool());
  EXPECT_EQ(
      call("POST", "/api/screener/check", R"j({"expression": "close", "as": "text"})j").status,
      400);
  EXPECT_EQ(call("POST", "/api/screener/check", R"j({"expr": "close"})j").status, 400);
  EXPECT_EQ(
      call("POST", "/api/screener/check", "{\"expression\": \"" + std::string(5000, '1') + "\"}")
          .status,
      400);
}

TEST_F(ScreenerTest, MarketOverviewAgreesWithTheBarsAndIsCachedForTheRefreshInterval) {
  serve::Response first = call("GET", "/api/screener/market-overview");
  ASSERT_EQ(first.status, 200) << first.body;
  json::object o = body(first);
  EXPECT_EQ(o.at("universe_size").as_int64(), kUniverse);
  // Breadth and the top gainer from the stored closes.
  int64_t up = 0, down = 0;
  std::string best;
  double best_change = -1e300;
  for (const auto& [symbol, data] : stored()) {
    const auto& bars = data.second;
    double change =
        (bars.back().close.to_double() / bars[bars.size() - 2].close.to_double() - 1) * 100;
    up += change > 0;
    down += change < 0;
    if (change > best_change) {
      best_change = change;
      best = symbol;
    }
  }
  EXPECT_EQ(o.at("breadth").at("advancers").as_int64(), up);
  EXPECT_EQ(o.at("breadth").at("decliners").as_int64(), down);
  if (up > 0) {
    EXPECT_EQ(o.at("top_gainers").at(0).at("symbol").as_string(), best);
    EXPECT_NEAR(o.at("top_gainers").at(0).at("change_pct").to_number<double>(), best_change, 1e-9);
  }
  int64_t in_sectors = 0;
  for (const auto& s : o.at("sectors").as_array()) in_sectors += s.at("instruments").as_int64();
  EXPECT_EQ(in_sectors, kUniverse);

  serve::Response second = call("GET", "/api/screener/market-overview");
  EXPECT_EQ(body(second).at("computed_at"), o.at("computed_at"));  // from the cache
  clock_.advance(std::chrono::seconds(61));                        // SCREENER_REFRESH_INTERVAL
  serve::Response third = call("GET", "/api/screener/market-overview");
  EXPECT_NE(body(third).at("computed_at"), o.at("computed_at"));
}

}  // namespace
}  // namespace tc::services
