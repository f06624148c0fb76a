#include "core/config_source.hpp"

#include <gtest/gtest.h>

namespace tc {
namespace {

using Map = ConfigSource::Map;

TEST(ConfigSourceTest, FlagsBeatEnvironmentBeatsDotenvBeatsDefault) {
  ConfigSource source(Map{{"A", "flag"}}, Map{{"A", "env"}, {"B", "env"}},
                      Map{{"A", "dotenv"}, {"B", "dotenv"}, {"C", "dotenv"}});
  EXPECT_EQ(*source.get_string("A", "default"), "flag");
  EXPECT_EQ(*source.get_string("B", "default"), "env");
  EXPECT_EQ(*source.get_string("C", "default"), "dotenv");
  EXPECT_EQ(*source.get_string("D", "default"), "default");
  EXPECT_EQ(source.find("B")->origin, "environment");
}

TEST(ConfigSourceTest, InvalidIntegerNamesVariableValueAndOrigin) {
  ConfigSource source({}, Map{{"ALGORUNNER_MAX_REPLICAS", "ten"}}, {});
  auto v = source.get_int("ALGORUNNER_MAX_REPLICAS", 10, 1, 1000);
  ASSERT_FALSE(v.is_ok());
  EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(v.status().message().find("ALGORUNNER_MAX_REPLICAS"), std::string::npos);
  EXPECT_NE(v.status().message().find("'ten'"), std::string::npos);
  EXPECT_NE(v.status().message().find("environment"), std::string::npos);
}

TEST(ConfigSourceTest, RejectsIntegerOutOfRangeAndTrailingGarbage) {
  ConfigSource source({}, Map{{"X", "0"}, {"Y", "12abc"}, {"Z", ""}}, {});
  EXPECT_FALSE(source.get_int("X", 1, 1, 10).is_ok());
  EXPECT_FALSE(source.get_int("Y", 1, 1, 100).is_ok());
  EXPECT_FALSE(source.get_int("Z", 1, 1, 100).is_ok());
}

TEST(ConfigSourceTest, ReadsSecondsAsDecimals) {
  ConfigSource source({}, Map{{"D", "0.25"}, {"BAD", "-1"}}, {});
  auto d = source.get_seconds("D", std::chrono::seconds(1), std::chrono::seconds(0),
                              std::chrono::seconds(10));
  ASSERT_TRUE(d.is_ok());
  EXPECT_EQ(*d, std::chrono::milliseconds(250));
  EXPECT_FALSE(source
                   .get_seconds("BAD", std::chrono::seconds(1), std::chrono::seconds(0),
                                std::chrono::seconds(10))
                   .is_ok());
}

TEST(ConfigSourceTest, ParsesByteSizes) {
  EXPECT_EQ(parse_byte_size("2GB"), 2'000'000'000);
  EXPECT_EQ(parse_byte_size("64MiB"), 64LL << 20);
  EXPECT_EQ(parse_byte_size("1048576"), 1048576);
  EXPECT_EQ(parse_byte_size("1.5 gb"), 1'500'000'000);
  EXPECT_FALSE(parse_byte_size("2XB"));
  EXPECT_FALSE(parse_byte_size("GB"));
}

TEST(ConfigSourceTest, ReadsBooleans) {
  ConfigSource source({}, Map{{"T", "yes"}, {"F", "0"}, {"BAD", "maybe"}}, {});
  EXPECT_TRUE(*source.get_bool("T", false));
  EXPECT_FALSE(*source.get_bool("F", true));
  EXPECT_FALSE(source.get_bool("BAD", true).is_ok());
}

TEST(ConfigSourceTest, ParsesDotenvWithCommentsQuotesAndExport) {
  auto parsed = ConfigSource::parse_dotenv(
      "# settings\n"
      "POSTGRES_DB=raycluster\n"
      "export REDIS_PORT=6379\n"
      "QUOTED=\"a value # not a comment\"\n"
      "SINGLE='x'\n"
      "TRAILING=5 # a comment\n"
      "\n");
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(parsed->at("POSTGRES_DB"), "raycluster");
  EXPECT_EQ(parsed->at("REDIS_PORT"), "6379");
  EXPECT_EQ(parsed->at("QUOTED"), "a value # not a comment");
  EXPECT_EQ(parsed->at("SINGLE"), "x");
  EXPECT_EQ(parsed->at("TRAILING"), "5");
}

TEST(ConfigSourceTest, RefusesMalformedDotenvLineWithItsNumber) {
  auto parsed = ConfigSource::parse_dotenv("A=1\nthis is not a setting\n");
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_NE(parsed.status().message().find("line 2"), std::string::npos);
}

}  // namespace
}  // namespace tc
