#include "gateway/gateway.hpp"

#include <gtest/gtest.h>

#include "core/json.hpp"
#include "serve/http_error.hpp"
#include "support/nodes.hpp"

namespace tc::gateway {
namespace {

class EchoReplica final : public serve::ReplicaHandler {
 public:
  serve::Response handle(int route, const serve::Request& request) override {
    json::object out{{"route", route}, {"method", request.method}};
    if (auto id = request.path_param("id")) out["id"] = *id;
    return serve::json_response(out);
  }
};

class GatewayTest : public ::testing::Test {
 protected:
  GatewayTest() : runtime_(clock_, executor_, executor_, nodes_) {
    EXPECT_TRUE(nodes_.add(testing::head_node(4)).is_ok());
    serve::DeploymentSpec spec;
    spec.name = "echo";
    spec.routes = {{"GET", "/api/echo/status", 1, false, "status"},
                   {"POST", "/api/echo/run", 2, false, "run"},
                   {"GET", "/api/echo/runs/{id}", 3, false, "one run"}};
    spec.make_replica = [](const serve::ReplicaInfo&) { return std::make_unique<EchoReplica>(); };
    serve::DeploymentConfig config;
    config.name = "echo";
    EXPECT_TRUE(runtime_.add(spec, config).is_ok());
    runtime_.deploy_all();
  }

  void make(GatewayOptions options = {}) {
    auto g = Gateway::create(options, clock_, runtime_);
    ASSERT_TRUE(g.is_ok()) << g.status().to_string();
    gateway_ = std::move(g).value();
  }

  serve::Response call(std::string method, std::string path, std::string authorization = "") {
    serve::Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.authorization = std::move(authorization);
    serve::Response out;
    out.status = 0;
    gateway_->handle(std::move(r), [&](serve::Response resp) { out = std::move(resp); });
    return out;
  }

  static json::object body(const serve::Response& r) {
    auto v = parse_json(r.body);
    EXPECT_TRUE(v.is_ok()) << r.body;
    return v.is_ok() && v->is_object() ? v->as_object() : json::object{};
  }

  ManualClock clock_;
  InlineExecutor executor_;
  cluster::NodeRegistry nodes_;
  serve::ServeRuntime runtime_;
  std::unique_ptr<Gateway> gateway_;
};

TEST_F(GatewayTest, RoutesToDeploymentWithPathParameters) {
  make();
  serve::Response r = call("GET", "/api/echo/runs/42");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(body(r).at("route").as_int64(), 3);
  EXPECT_EQ(body(r).at("id").as_string(), "42");
}

TEST_F(GatewayTest, UnknownPathIs404WithErrorShape) {
  make();
  serve::Response r = call("GET", "/api/nothing");
  EXPECT_EQ(r.status, 404);
  json::object error = body(r).at("error").as_object();
  EXPECT_EQ(error.at("code").as_string(), "not_found");
  EXPECT_FALSE(error.at("message").as_string().empty());
}

TEST_F(GatewayTest, WrongMethodIs405WithAllow) {
  make();
  serve::Response r = call("DELETE", "/api/echo/run");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(serve::find_field(r.headers, "Allow"), "POST");
}

TEST_F(GatewayTest, HealthIs200WhenEveryDeploymentHasHealthyReplica) {
  make();
  serve::Response r = call("GET", "/health");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(body(r).at("deployments").as_object().at("echo").as_object().at("status").as_string(),
            "healthy");
  runtime_.undeploy_all();
  serve::Response down = call("GET", "/health");
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(body(down).at("error").as_object().at("details").as_object().at("status").as_string(),
            "unhealthy");
}

TEST_F(GatewayTest, MetricsCountRequestsByDeploymentAndCode) {
  make();
  (void)call("GET", "/api/echo/status");
  (void)call("GET", "/api/echo/status");
  (void)call("GET", "/missing");
  serve::Response m = call("GET", "/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("tc_http_requests_total{deployment=\"echo\",code=\"200\"} 2"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("tc_http_requests_total{deployment=\"gateway\",code=\"404\"} 1"),
            std::string::npos);
  EXPECT_NE(m.body.find("tc_http_request_duration_seconds_count{deployment=\"echo\"} 2"),
            std::string::npos);
  EXPECT_NE(m.body.find("tc_deployment_replicas{deployment=\"echo\"} 1"), std::string::npos);
  EXPECT_NE(m.body.find("tc_deployment_queued_requests{deployment=\"echo\"} 0"), std::string::npos);
}

TEST_F(GatewayTest, TokenGuardsMutatingRequestsOnly) {
  make(GatewayOptions{std::chrono::seconds(5), "s3cret"});
  EXPECT_EQ(call("POST", "/api/echo/run").status, 401);
  EXPECT_EQ(call("POST", "/api/echo/run", "Bearer wrong!").status, 401);
  EXPECT_EQ(call("POST", "/api/echo/run", "Bearer s3cret").status, 200);
  EXPECT_EQ(call("GET", "/api/echo/status").status, 200);
}

TEST_F(GatewayTest, OpenApiListsEveryRoute) {
  make();
  serve::Response r = call("GET", "/openapi.json");
  ASSERT_EQ(r.status, 200);
  json::object paths = body(r).at("paths").as_object();
  EXPECT_TRUE(paths.contains("/api/echo/status"));
  EXPECT_TRUE(paths.at("/api/echo/run").as_object().contains("post"));
  EXPECT_TRUE(paths.contains("/health"));
}

TEST_F(GatewayTest, DuplicateRoutesAcrossDeploymentsAreRefused) {
  serve::DeploymentSpec spec;
  spec.name = "copy";
  spec.routes = {{"GET", "/api/echo/status", 1, false, ""}};
  spec.make_replica = [](const serve::ReplicaInfo&) { return std::make_unique<EchoReplica>(); };
  serve::DeploymentConfig config;
  ASSERT_TRUE(runtime_.add(spec, config).is_ok());
  EXPECT_FALSE(Gateway::create({}, clock_, runtime_).is_ok());
}

}  // namespace
}  // namespace tc::gateway
