#include "sources/csv_source.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "core/time_parse.hpp"
#include "support/temp_dir.hpp"

namespace tc::sources {
namespace {

using market::FetchOptions;
using market::TradeTick;

class CsvSourceTest : public ::testing::Test {
 protected:
  CsvSourceTest() : source_(dir_.path() / "import") {
    std::filesystem::create_directories(dir_.path() / "import");
  }

  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_.path() / "import" / name, std::ios::binary) << text;
  }

  Result<std::vector<TradeTick>> trades(const std::string& file, const std::string& symbol,
                                        market::TimeSpan span = {INT64_MIN, INT64_MAX}) {
    std::vector<TradeTick> out;
    Status s = source_.fetch_trades(symbol, span, FetchOptions{file, true},
                                    [&](std::span<const TradeTick> page) {
                                      out.insert(out.end(), page.begin(), page.end());
                                      return true;
                                    });
    if (!s.is_ok()) return s;
    return out;
  }

  Result<std::vector<market::Bar>> bars(const std::string& file, const std::string& symbol,
                                        const char* interval) {
    std::vector<market::Bar> out;
    Status s =
        source_.fetch_bars(symbol, *market::Interval::parse(interval), {INT64_MIN, INT64_MAX},
                           FetchOptions{file, true}, [&](std::span<const market::Bar> page) {
                             out.insert(out.end(), page.begin(), page.end());
                             return true;
                           });
    if (!s.is_ok()) return s;
    return out;
  }

  testing::TempDir dir_;
  CsvSource source_;
};

TEST_F(CsvSourceTest, ReadsTradesExactlyInTimeOrderWhateverTheFileOrder) {
  write("t.csv",
        "Time,Price,Quantity,Side,Trade_ID\r\n"
        "2024-01-02T00:00:02Z,42000.10000000,0.00100000,sell,11\r\n"
        "2024-01-02T00:00:01.5Z,\"42,000.5\",1,buy,10\r\n");
  auto bad = trades("t.csv", "BTCUSDT");
  ASSERT_FALSE(bad.is_ok());  // "42,000.5" is not a decimal: the whole file is refused
  EXPECT_NE(bad.status().message().find("line 3"), std::string::npos) << bad.status().message();
  EXPECT_NE(bad.status().message().find("price"), std::string::npos);

  write("t.csv",
        "Time,Price,Quantity,Side,Trade_ID\r\n"
        "2024-01-02T00:00:02Z,42000.10000000,0.00100000,sell,11\r\n"
        "2024-01-02T00:00:01.5Z,\"42000.5\",1,buy,10\r\n");
  auto got = trades("t.csv", "BTCUSDT");
  ASSERT_TRUE(got.is_ok()) << got.status().to_string();
  ASSERT_EQ(got->size(), 2u);
  EXPECT_EQ((*got)[0].trade_id, "10");
  EXPECT_EQ((*got)[0].ts_event, *parse_utc_time("2024-01-02T00:00:01.5Z"));
  EXPECT_EQ((*got)[0].aggressor_side, market::AggressorSide::kBuyer);
  EXPECT_EQ((*got)[1].price, *market::parse_decimal("42000.10000000"));
  EXPECT_EQ((*got)[1].price.scale, 8);
  EXPECT_EQ((*got)[1].instrument_id, (market::InstrumentId{"BTCUSDT", "csv"}));
  EXPECT_EQ((*got)[1].aggressor_side, market::AggressorSide::kSeller);
}

TEST_F(CsvSourceTest, EpochTimesAreToldApartByMagnitude) {
  write("e.csv",
        "timestamp;price;size\n"
        "1704153600;1;1\n"
        "1704153600000;1;1\n"
        "1704153600000000;1;1\n"
        "1704153600000000000;1;1\n"
        "1704153600.000000000;1;1\n"
        "-86400;1;1\n");
  auto got = trades("e.csv", "X");
  ASSERT_TRUE(got.is_ok()) << got.status().to_string();
  ASSERT_EQ(got->size(), 6u);
  EXPECT_EQ((*got)[0].ts_event, -86400LL * 1'000'000'000);  // before 1970, sorted first
  for (size_t i = 1; i < 6; ++i) EXPECT_EQ((*got)[i].ts_event, 1704153600LL * 1'000'000'000);
  // Without ids, each trade gets one from its content: same time, counted.
  EXPECT_EQ((*got)[1].trade_id, "1704153600000000000-0");
  EXPECT_EQ((*got)[5].trade_id, "1704153600000000000-4");
}

TEST_F(CsvSourceTest, BadRowsNameTheirLineAndNothingIsDelivered) {
  struct Case {
    std::string row;
    std::string says;
  };
  for (const Case& c : std::vector<Case>{
           {"2024-01-01T00:00:00Z,abc,1", "line 3: column 'price'"},
           {"2024-01-01T00:00:00Z,0,1", "line 3: price must be positive"},
           {"2024-01-01T00:00:00Z,1,-2", "line 3: size must be positive"},
           {"yesterday,1,1", "line 3: column 'time'"},
           {"2024-01-01T00:00:00Z,1", "line 3: 2 fields, the header has 3"},
           {"2024-01-01T00:00:00Z,\"1,1", "line 3: a quote is not closed"},
           {"2024-01-01T00:00:00+02:00,1,1", "line 3: column 'time'"},
           {"nan,1,1", "line 3: column 'time'"},
           {"2024-01-01T00:00:00Z,inf,1", "line 3: column 'price'"},
       }) {
    write("bad.csv", "time,price,qty\n2024-01-01T00:00:00Z,1,1\n" + c.row + "\n");
    int pages = 0;
    Status s = source_.fetch_trades("X", {INT64_MIN, INT64_MAX}, FetchOptions{"bad.csv", true},
                                    [&](std::span<const TradeTick>) {
                                      ++pages;
                                      return true;
                                    });
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.row;
    EXPECT_NE(s.message().find(c.says), std::string::npos) << c.row << " -> " << s.message();
    EXPECT_EQ(pages, 0) << c.row;
  }
}

TEST_F(CsvSourceTest, ASymbolColumnNamesTheInstrumentsAndAFetchTakesItsOwn) {
  write("multi.csv",
        "symbol,ts_event,price,quantity,is_buyer_maker\n"
        "AAA,2024-01-01T00:00:00Z,10.5,100,true\n"
        "BBB,2024-01-01T00:00:01Z,0.00012345,2.5,false\n"
        "AAA,2024-01-01T00:00:02Z,10.25,50,false\n");
  auto found = source_.instruments_in(FetchOptions{"multi.csv", false});
  ASSERT_TRUE(found.is_ok()) << found.status().to_string();
  ASSERT_EQ(found->size(), 2u);
  EXPECT_EQ((*found)[0].id.symbol, "AAA");
  EXPECT_EQ((*found)[0].price_precision, 2);
  EXPECT_EQ((*found)[1].price_precision, 8);
  EXPECT_EQ((*found)[1].size_precision, 1);
  auto aaa = trades("multi.csv", "AAA");
  ASSERT_TRUE(aaa.is_ok());
  ASSERT_EQ(aaa->size(), 2u);
  EXPECT_EQ((*aaa)[0].aggressor_side, market::AggressorSide::kSeller);  // the buyer made it
  EXPECT_EQ((*aaa)[1].aggressor_side, market::AggressorSide::kBuyer);
  EXPECT_TRUE(source_.check_fetch(FetchOptions{"multi.csv", false}, false).is_ok());
  write("single.csv", "time,price,size\n2024-01-01,1,1\n");
  EXPECT_EQ(source_.check_fetch(FetchOptions{"single.csv", false}, false).code(),
            StatusCode::kInvalidArgument);
}

TEST_F(CsvSourceTest, BarsFilesServeTheirIntervalAndItsMultiples) {
  write("bars.csv",
        "open_time\topen\thigh\tlow\tclose\tvolume\n"
        "2024-01-01T00:00:00Z\t10\t12\t9\t11\t100\n"
        "2024-01-01T01:00:00Z\t11\t13\t10.5\t12.5\t50\n"
        "2024-01-01T02:00:00Z\t12.5\t12.75\t8\t9\t25\n"
        "2024-01-01T03:00:00Z\t9\t10\t9\t10\t10\n");
  auto hourly = bars("bars.csv", "SPY", "1h");
  ASSERT_TRUE(hourly.is_ok()) << hourly.status().to_string();
  ASSERT_EQ(hourly->size(), 4u);
  EXPECT_EQ(market::to_string((*hourly)[1].low), "10.5");
  auto four = bars("bars.csv", "SPY", "4h");
  ASSERT_TRUE(four.is_ok());
  ASSERT_EQ(four->size(), 1u);
  EXPECT_EQ(market::to_string((*four)[0].high), "13");
  EXPECT_EQ(market::to_string((*four)[0].low), "8");
  EXPECT_EQ(market::to_string((*four)[0].close), "10");
  EXPECT_EQ(market::to_string((*four)[0].volume), "185");
  EXPECT_EQ(bars("bars.csv", "SPY", "1m").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(source_.check_fetch(FetchOptions{"bars.csv", true}, false).code(),
            StatusCode::kInvalidArgument);  // trades asked of a bars file
  write("inconsistent.csv", "date,open,high,low,close\n2024-01-01,10,9,8,10\n");
  EXPECT_EQ(bars("inconsistent.csv", "SPY", "1d").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(CsvSourceTest, PathsOutsideTheImportDirectoryAreRefused) {
  write("ok.csv", "time,price,size\n2024-01-01,1,1\n");
  std::ofstream(dir_.path() / "secret.csv") << "time,price,size\n2024-01-01,1,1\n";
  std::filesystem::create_symlink(dir_.path() / "secret.csv", dir_.path() / "import" / "link.csv");
  std::filesystem::create_directories(dir_.path() / "import" / "sub");
  write("sub/inner.csv", "time,price,size\n2024-01-01,1,1\n");
  EXPECT_TRUE(source_.resolve("ok.csv").is_ok());
  EXPECT_TRUE(source_.resolve("sub/inner.csv").is_ok());
  EXPECT_EQ(source_.resolve("../secret.csv").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(source_.resolve("sub/../../secret.csv").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(source_.resolve((dir_.path() / "secret.csv").string()).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(source_.resolve("link.csv").status().code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(source_.resolve("missing.csv").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(source_.resolve("sub").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(source_.resolve("").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(CsvSourceTest, HeadersThatNameNeitherTradesNorBarsAreRefused) {
  write("what.csv", "\xEF\xBB\xBFtime,bid,ask\n2024-01-01,1,2\n");
  Status s = source_.check_fetch(FetchOptions{"what.csv", true}, false);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("neither trades"), std::string::npos);
  write("notime.csv", "price,size\n1,1\n");
  EXPECT_NE(
      source_.check_fetch(FetchOptions{"notime.csv", true}, false).message().find("no time column"),
      std::string::npos);
}

}  // namespace
}  // namespace tc::sources
