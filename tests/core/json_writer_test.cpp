#include "core/json_writer.hpp"

#include <gtest/gtest.h>

#include <limits>

namespace tc {
namespace {

TEST(JsonWriterTest, PlacesCommasInNestedContainers) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("a", 1).key("b").begin_array().value(1).value("x").null().end_array();
  w.key("c").begin_object().end_object().field("d", true).end_object();
  EXPECT_EQ(out, R"({"a":1,"b":[1,"x",null],"c":{},"d":true})");
  EXPECT_TRUE(parse_json(out).is_ok());
}

TEST(JsonWriterTest, WritesNumbersAsPeopleDo) {
  std::string out;
  JsonWriter w(out);
  w.begin_array().value(0.2).value(60.0).value(1.5144).value(-3.0).value(int64_t{-7});
  w.value(std::numeric_limits<double>::infinity()).value(uint64_t{18446744073709551615u});
  w.end_array();
  EXPECT_EQ(out, "[0.2,60,1.5144,-3,-7,null,18446744073709551615]");
}

TEST(JsonWriterTest, EscapesStrings) {
  std::string out;
  append_json_string(out, "a\"b\\c\nd\x01\xc3\xa9");
  EXPECT_EQ(out, "\"a\\\"b\\\\c\\nd\\u0001\xc3\xa9\"");
  auto back = parse_json(out);
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back->as_string(), "a\"b\\c\nd\x01\xc3\xa9");
}

TEST(JsonWriterTest, EveryByteAtEveryPositionOfAWordRoundTrips) {
  // The escape scan reads eight bytes at a time: put each byte that may need an escape at each
  // position of two words, and check the text parses back (Boost.JSON) to the same string.
  for (int b = 1; b < 0x80; ++b) {
    for (size_t pos = 0; pos < 16; ++pos) {
      std::string text(17, 'a');
      text[pos] = static_cast<char>(b);
      std::string out;
      append_json_string(out, text);
      auto back = parse_json(out);
      ASSERT_TRUE(back.is_ok()) << "byte " << b << " at " << pos << ": " << out;
      ASSERT_EQ(back->as_string(), text) << "byte " << b << " at " << pos;
    }
  }
}

TEST(JsonWriterTest, SerializesBoostValuesRoundTrip) {
  auto v = parse_json(R"({"x":[1,2.5,"s",{"n":null}],"t":false,"big":-9223372036854775808})");
  ASSERT_TRUE(v.is_ok());
  std::string text = to_json(*v);
  EXPECT_EQ(text, R"({"x":[1,2.5,"s",{"n":null}],"t":false,"big":-9223372036854775808})");
  EXPECT_EQ(*parse_json(text), *v);
}

}  // namespace
}  // namespace tc
