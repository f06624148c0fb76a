#include "core/json.hpp"

#include <gtest/gtest.h>

namespace tc {
namespace {

TEST(JsonTest, ParsesValidDocument) {
  auto v = parse_json(R"({"a": [1, 2.5, "x"], "b": null})");
  ASSERT_TRUE(v.is_ok());
  EXPECT_EQ(v->as_object().at("a").as_array().size(), 3u);
}

TEST(JsonTest, MalformedJsonNamesLineColumnAndOffset) {
  auto v = parse_json("{\n  \"a\": 1,\n  \"b\": }");
  ASSERT_FALSE(v.is_ok());
  EXPECT_EQ(v.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(v.status().message().find("line 3, column 8"), std::string::npos)
      << v.status().message();
}

TEST(JsonTest, RefusesTrailingData) {
  auto v = parse_json(R"({"a": 1} {"b": 2})");
  ASSERT_FALSE(v.is_ok());
  EXPECT_NE(v.status().message().find("offset 9"), std::string::npos) << v.status().message();
  EXPECT_TRUE(parse_json("{\"a\": 1}  \n").is_ok());
}

TEST(JsonTest, RefusesTruncatedDocument) {
  auto v = parse_json(R"({"algorithm": )");
  ASSERT_FALSE(v.is_ok());
  EXPECT_NE(v.status().message().find("malformed JSON"), std::string::npos);
}

TEST(ObjectReaderTest, ReadsTypedFields) {
  auto v = parse_json(R"({"name": "x", "limit": 5, "flag": true, "list": ["A", "B"]})");
  ObjectReader r(v->as_object(), "body");
  EXPECT_EQ(r.required_string("name"), "x");
  EXPECT_EQ(r.optional_int("limit", 1, 10), 5);
  EXPECT_EQ(r.optional_bool("flag"), true);
  EXPECT_EQ(r.optional_string_array("list", 5)->size(), 2u);
  EXPECT_TRUE(r.finish().is_ok());
}

TEST(ObjectReaderTest, RefusesUnknownField) {
  auto v = parse_json(R"({"name": "x", "nmae": "typo"})");
  ObjectReader r(v->as_object(), "body");
  (void)r.required_string("name");
  Status s = r.finish();
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("unknown field 'nmae'"), std::string::npos);
}

TEST(ObjectReaderTest, RefusesWrongTypesAndMissingFields) {
  auto v = parse_json(R"({"limit": "5", "list": [1]})");
  {
    ObjectReader r(v->as_object(), "body");
    (void)r.optional_int("limit", 1, 10);
    EXPECT_NE(r.finish().message().find("'limit' must be an integer"), std::string::npos);
  }
  {
    ObjectReader r(v->as_object(), "body");
    (void)r.required_string("name");
    EXPECT_NE(r.finish().message().find("'name' is required"), std::string::npos);
  }
  {
    ObjectReader r(v->as_object(), "body");
    (void)r.optional_string_array("list", 5);
    EXPECT_FALSE(r.finish().is_ok());
  }
}

TEST(ObjectReaderTest, RefusesOversizedStringsAndArrays) {
  auto v = parse_json(R"({"s": "abcdef", "a": ["A", "B", "C"]})");
  ObjectReader r(v->as_object(), "body");
  (void)r.optional_string("s", 3);
  (void)r.optional_string_array("a", 2);
  EXPECT_NE(r.finish().message().find("'s' must have 1 to 3"), std::string::npos);
}

}  // namespace
}  // namespace tc
