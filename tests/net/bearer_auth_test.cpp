#include "net/bearer_auth.hpp"

#include <gtest/gtest.h>

#include "net/server_preamble.hpp"

namespace tc::net {
namespace {

Request make(std::string method, std::string authorization = "", std::string peer = "127.0.0.1") {
  Request r;
  r.method = std::move(method);
  r.path = "/x";
  r.authorization = std::move(authorization);
  r.peer = std::move(peer);
  return r;
}

TEST(BearerAuthTest, SchemeIsCaseInsensitiveTokenIsNot) {
  EXPECT_TRUE(bearer_token_ok("Bearer s3cret", "s3cret"));
  EXPECT_TRUE(bearer_token_ok("bearer s3cret", "s3cret"));
  EXPECT_TRUE(bearer_token_ok("BEARER  s3cret", "s3cret"));
  EXPECT_FALSE(bearer_token_ok("Bearer S3CRET", "s3cret"));
  EXPECT_FALSE(bearer_token_ok("Bearers3cret", "s3cret"));
  EXPECT_FALSE(bearer_token_ok("Basic s3cret", "s3cret"));
  EXPECT_FALSE(bearer_token_ok("Bearer", "s3cret"));
  EXPECT_FALSE(bearer_token_ok("", "s3cret"));
  EXPECT_TRUE(bearer_token_ok("", ""));  // no token configured
}

TEST(BearerAuthTest, MutatingIsEverythingButGetHeadOptions) {
  for (const char* m : {"POST", "PUT", "PATCH", "DELETE"}) EXPECT_TRUE(is_mutating(m)) << m;
  for (const char* m : {"GET", "HEAD", "OPTIONS"}) EXPECT_FALSE(is_mutating(m)) << m;
}

TEST(BearerAuthTest, MissingTokenIs401WithChallenge) {
  AccessPolicy policy{"s3cret", false};
  EXPECT_FALSE(authorize(make("GET"), policy));
  EXPECT_FALSE(authorize(make("DELETE", "bearer s3cret"), policy));
  auto refusal = authorize(make("DELETE", "Bearer wrong"), policy);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->status, 401);
  EXPECT_EQ(find_field(refusal->headers, "WWW-Authenticate"), "Bearer");
  EXPECT_NE(refusal->body.find("\"code\":\"unauthenticated\""), std::string::npos);
}

TEST(BearerAuthTest, RemoteMutationsWithoutATokenAreRefusedWhenThePolicySaysSo) {
  AccessPolicy control{"", true};
  EXPECT_FALSE(authorize(make("POST", "", "127.0.0.1"), control));
  EXPECT_FALSE(authorize(make("POST", "", "::1"), control));
  EXPECT_FALSE(authorize(make("GET", "", "10.0.0.7"), control));
  auto refusal = authorize(make("POST", "", "10.0.0.7"), control);
  ASSERT_TRUE(refusal);
  EXPECT_EQ(refusal->status, 403);
  EXPECT_NE(refusal->body.find("\"code\":\"permission_denied\""), std::string::npos);
  AccessPolicy gateway{"", false};
  EXPECT_FALSE(authorize(make("POST", "", "10.0.0.7"), gateway));
  // With a token, the token decides wherever the request comes from.
  AccessPolicy with_token{"s3cret", true};
  EXPECT_FALSE(authorize(make("POST", "Bearer s3cret", "10.0.0.7"), with_token));
}

TEST(ServerPreambleTest, RoutesThenAuthorizes) {
  RouteTable routes;
  ASSERT_TRUE(routes.add("POST", "/jobs/{id}", {"svc", 7, 0}).is_ok());
  AccessPolicy policy{"t", false};
  const RouteTarget* target = nullptr;
  Request missing = make("POST");
  missing.path = "/nope";
  EXPECT_EQ(route_and_authorize(routes, policy, missing, target)->status, 404);
  Request wrong_method = make("GET");
  wrong_method.path = "/jobs/1";
  auto not_allowed = route_and_authorize(routes, policy, wrong_method, target);
  EXPECT_EQ(not_allowed->status, 405);
  EXPECT_EQ(find_field(not_allowed->headers, "Allow"), "POST");
  Request no_token = make("POST");
  no_token.path = "/jobs/1";
  EXPECT_EQ(route_and_authorize(routes, policy, no_token, target)->status, 401);
  Request ok = make("POST", "Bearer t");
  ok.path = "/jobs/42";
  EXPECT_FALSE(route_and_authorize(routes, policy, ok, target));
  ASSERT_NE(target, nullptr);
  EXPECT_EQ(target->route_id, 7);
  EXPECT_EQ(ok.path_param("id"), "42");
}

}  // namespace
}  // namespace tc::net
