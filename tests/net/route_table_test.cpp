#include "net/route_table.hpp"

#include <gtest/gtest.h>

namespace tc::net {
namespace {

class RouteTableTest : public ::testing::Test {
 protected:
  RouteTableTest() {
    EXPECT_TRUE(table_.add("GET", "/api/tickscrawler/status", {"t", 1, 0}).is_ok());
    EXPECT_TRUE(table_.add("POST", "/api/tickscrawler/stream", {"t", 2, 0}).is_ok());
    EXPECT_TRUE(table_.add("DELETE", "/api/tickscrawler/stream/{id}", {"t", 3, 0}).is_ok());
    EXPECT_TRUE(table_.add("GET", "/api/algorunner/runs/{id}", {"a", 4, 1}).is_ok());
  }
  RouteTable table_;
};

TEST_F(RouteTableTest, MatchesLiteralPath) {
  RouteMatch m = table_.match("GET", "/api/tickscrawler/status");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.target->route_id, 1);
  EXPECT_TRUE(m.params.empty());
}

TEST_F(RouteTableTest, IgnoresTrailingSlash) {
  EXPECT_EQ(table_.match("GET", "/api/tickscrawler/status/").kind, RouteMatch::Kind::kFound);
}

TEST_F(RouteTableTest, CapturesPathParameters) {
  RouteMatch m = table_.match("DELETE", "/api/tickscrawler/stream/abc-123");
  ASSERT_EQ(m.kind, RouteMatch::Kind::kFound);
  EXPECT_EQ(m.target->route_id, 3);
  ASSERT_EQ(m.params.size(), 1u);
  EXPECT_EQ(m.params[0].first, "id");
  EXPECT_EQ(m.params[0].second, "abc-123");
}

TEST_F(RouteTableTest, WrongMethodListsAllowedMethods) {
  RouteMatch m = table_.match("GET", "/api/tickscrawler/stream");
  EXPECT_EQ(m.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "POST");
  m = table_.match("PUT", "/api/tickscrawler/stream/x");
  EXPECT_EQ(m.kind, RouteMatch::Kind::kMethodNotAllowed);
  EXPECT_EQ(m.allow, "DELETE");
}

TEST_F(RouteTableTest, UnknownPathsAreNotFound) {
  EXPECT_EQ(table_.match("GET", "/api/nope").kind, RouteMatch::Kind::kNotFound);
  EXPECT_EQ(table_.match("DELETE", "/api/tickscrawler/stream/").kind,
            RouteMatch::Kind::kMethodNotAllowed);  // the literal /stream route, by POST
  EXPECT_EQ(table_.match("DELETE", "/api/tickscrawler/stream/a/b").kind,
            RouteMatch::Kind::kNotFound);
  EXPECT_EQ(table_.match("GET", "").kind, RouteMatch::Kind::kNotFound);
}

TEST_F(RouteTableTest, HeadIsAnsweredByGetRoutes) {
  EXPECT_EQ(table_.match("HEAD", "/api/tickscrawler/status").kind, RouteMatch::Kind::kFound);
}

TEST_F(RouteTableTest, RefusesDuplicatesAndMalformedPatterns) {
  EXPECT_EQ(table_.add("GET", "/api/tickscrawler/status", {}).code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(table_.add("GET", "no-slash", {}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(table_.add("GET", "/a/{b", {}).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tc::net
