#include "market/decimal.hpp"

#include <gtest/gtest.h>

#include <cmath>

namespace tc::market {
namespace {

TEST(DecimalTest, ParsesExactlyAndKeepsTheWrittenScale) {
  Decimal d = *parse_decimal("0.01000000");
  EXPECT_EQ(d.units, 1000000);
  EXPECT_EQ(d.scale, 8);
  EXPECT_EQ(to_string(d), "0.01");
  std::string csv;
  append_fixed(csv, d, 8);
  EXPECT_EQ(csv, "0.01000000");

  EXPECT_EQ(*parse_decimal("123"), (Decimal{123, 0}));
  EXPECT_EQ(parse_decimal("-0.5")->units, -5);
  EXPECT_EQ(*parse_decimal("1.5e-3"), (Decimal{15, 4}));
  EXPECT_EQ(*parse_decimal("2E2"), (Decimal{200, 0}));
  EXPECT_EQ(*parse_decimal(".25"), (Decimal{25, 2}));
  EXPECT_EQ(*parse_decimal("+7."), (Decimal{7, 0}));
}

TEST(DecimalTest, RefusesWhatIsNotAFiniteDecimal) {
  for (const char* bad : {"", "-", ".", "nan", "inf", "1e", "1.2.3", "0x10", "1,5", " 1",
                          "12345678901234567890", "0.0000000000000000001", "1e41"}) {
    EXPECT_FALSE(parse_decimal(bad).is_ok()) << bad;
  }
}

TEST(DecimalTest, ComparesByValueAcrossScales) {
  EXPECT_EQ(*parse_decimal("1.5"), *parse_decimal("1.50"));
  EXPECT_LT(*parse_decimal("0.0999"), *parse_decimal("0.1"));
  EXPECT_GT(*parse_decimal("100"), *parse_decimal("99.999999999"));
}

TEST(DecimalTest, PrintsTheShortestTextWithTheSameValue) {
  for (const char* text :
       {"0.01", "100", "-1.5", "0.000000000000000001", "123456789012345.678", "30000.1"}) {
    EXPECT_EQ(to_string(*parse_decimal(text)), text);
  }
  EXPECT_EQ(to_string(Decimal{1200, 2}), "12");
  EXPECT_EQ(to_string(Decimal{0, 5}), "0");
}

TEST(DecimalTest, FixedTextPadsButNeverDropsDigits) {
  std::string out;
  append_fixed(out, Decimal{5, 1}, 3);
  out += ' ';
  append_fixed(out, Decimal{12345, 4}, 2);
  out += ' ';
  append_fixed(out, Decimal{7, 0}, 2);
  EXPECT_EQ(out, "0.500 1.2345 7.00");
}

TEST(DecimalTest, FromDoubleRoundsToTheScale) {
  EXPECT_EQ(*decimal_from_double(0.1 + 0.2, 2), (Decimal{30, 2}));
  EXPECT_EQ(decimal_from_double(123.456, 2)->units, 12346);
  EXPECT_FALSE(decimal_from_double(std::nan(""), 2).is_ok());
  EXPECT_FALSE(decimal_from_double(1e300, 2).is_ok());
}

TEST(DecimalTest, RescalesOnlyWithoutLoss) {
  EXPECT_EQ(rescale(Decimal{15, 1}, 3)->units, 1500);
  EXPECT_EQ(rescale(Decimal{1500, 3}, 1)->units, 15);
  EXPECT_FALSE(rescale(Decimal{1501, 3}, 1).has_value());
}

}  // namespace
}  // namespace tc::market
