#include "core/time_parse.hpp"

#include <gtest/gtest.h>

namespace tc {
namespace {

TEST(TimeParseTest, ParsesDatesTimesAndMilliseconds) {
  EXPECT_EQ(*parse_utc_time("1970-01-01"), 0);
  EXPECT_EQ(*parse_utc_time("2024-01-31"), 1706659200LL * 1'000'000'000);
  EXPECT_EQ(*parse_utc_time("2024-01-31T09:30:00Z"),
            (1706659200LL + 9 * 3600 + 1800) * 1'000'000'000);
  EXPECT_EQ(*parse_utc_time("2024-01-31T09:30:00.25Z"),
            (1706659200LL + 9 * 3600 + 1800) * 1'000'000'000 + 250'000'000);
  EXPECT_EQ(*parse_utc_time("1706659200000"), 1706659200LL * 1'000'000'000);
  EXPECT_EQ(*parse_utc_time("2024-02-29T00:00:00+00:00"), 1709164800LL * 1'000'000'000);
}

TEST(TimeParseTest, RefusesMalformedTimes) {
  for (const char* bad : {"", "yesterday", "2024-13-01", "2024-01-32", "2024-01-31T25:00:00Z",
                          "2024-01-31T09:30:00+02:00", "2024-1-1", "2024-01-31T09", "2023-02-29",
                          "1600-01-01", "2300-01-01", "-", "5-"}) {
    EXPECT_FALSE(parse_utc_time(bad).is_ok()) << bad;
  }
}

TEST(TimeParseTest, AcceptsTimesBefore1970AndAfter2100) {
  EXPECT_EQ(*parse_utc_time("1969-12-31T23:59:59Z"), -1'000'000'000);
  EXPECT_EQ(*parse_utc_time("-1000"), -1'000'000'000);
  int64_t t1900 = *parse_utc_time("1900-01-01");
  EXPECT_EQ(t1900, -2208988800LL * 1'000'000'000);
  EXPECT_EQ(format_utc_time(t1900), "1900-01-01T00:00:00.000000000Z");
  int64_t t2150 = *parse_utc_time("2150-06-30T12:00:00.000000001Z");
  EXPECT_EQ(format_utc_time(t2150), "2150-06-30T12:00:00.000000001Z");
  EXPECT_EQ(*parse_utc_time("2000-02-29"), 951782400LL * 1'000'000'000);
}

TEST(TimeParseTest, FormatsRoundTrip) {
  int64_t t = *parse_utc_time("2024-01-31T09:30:00.25Z");
  EXPECT_EQ(format_utc_time(t), "2024-01-31T09:30:00.250000000Z");
  EXPECT_EQ(*parse_utc_time(format_utc_time(t)), t);
}

}  // namespace
}  // namespace tc
