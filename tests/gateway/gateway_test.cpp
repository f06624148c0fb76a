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
                   {"GET", "/api/echo/runs/{id}", 3, false, "one run"},
                   {"DELETE", "/api/echo/runs/{id}", 4, false, "stop a run"}};
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

  // Adds a deployment of echo replicas with these routes.
  void add_deployment(std::string name, std::vector<serve::RouteSpec> routes) {
    serve::DeploymentSpec spec;
    spec.name = std::move(name);
    spec.routes = std::move(routes);
    spec.make_replica = [](const serve::ReplicaInfo&) { return std::make_unique<EchoReplica>(); };
    ASSERT_TRUE(runtime_.add(spec, serve::DeploymentConfig{}).is_ok());
  }

  // The value at `keys` under `v`: objects by key.
  static const json::value& at(const json::value& v, std::initializer_list<std::string_view> keys) {
    const json::value* here = &v;
    for (std::string_view k : keys) here = &here->as_object().at(k);
    return *here;
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

TEST_F(GatewayTest, OpenApiListsExactlyTheRoutesServed) {
  make();
  json::object paths = body(call("GET", "/openapi.json")).at("paths").as_object();
  size_t operations = 0;
  for (const auto& [pattern, item] : paths) operations += item.as_object().size();
  EXPECT_EQ(operations, gateway_->routes().size());
  for (const auto& [method, pattern] : gateway_->routes()) {
    std::string lower = method;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ASSERT_TRUE(paths.contains(pattern)) << pattern;
    EXPECT_TRUE(paths.at(pattern).as_object().contains(lower)) << method << " " << pattern;
    // And the gateway answers it: neither 404 nor 405.
    std::string path = pattern;
    if (auto open = path.find('{'); open != std::string::npos) {
      path.replace(open, path.find('}') - open + 1, path.starts_with("/docs/") ? "docs.js" : "x");
    }
    int status = call(method, path).status;
    EXPECT_NE(status, 404) << method << " " << path;
    EXPECT_NE(status, 405) << method << " " << path;
  }
  const json::object& one = paths.at("/api/echo/runs/{id}").as_object().at("get").as_object();
  EXPECT_EQ(one.at("parameters").as_array()[0].as_object().at("in").as_string(), "path");
  EXPECT_EQ(
      at(one.at("responses"), {"4XX", "content", "application/json", "schema", "$ref"}).as_string(),
      "#/components/schemas/Error");
}

TEST_F(GatewayTest, OpenApiCarriesTheRoutesSchemas) {
  add_deployment("typed", {{"POST", "/api/typed/run", 1, false, "run",
                            R"({"type": "object", "required": ["symbol"], "properties": {
                                  "symbol": {"type": "string"}, "limit": {"type": "integer"}}})",
                            R"({"type": "object", "required": ["name"],
                                "properties": {"name": {"type": "string"}}})",
                            R"({"type": "object", "properties": {"id": {"type": "string"}}})"}});
  make();
  json::value doc = body(call("GET", "/openapi.json"));
  const json::object& op = at(doc, {"paths", "/api/typed/run", "post"}).as_object();
  json::array parameters = op.at("parameters").as_array();
  ASSERT_EQ(parameters.size(), 2u);
  EXPECT_EQ(parameters[0].as_object().at("in").as_string(), "query");
  EXPECT_TRUE(parameters[0].as_object().contains("required") ||
              parameters[1].as_object().contains("required"));
  EXPECT_EQ(at(op.at("requestBody"), {"content", "application/json", "schema", "required"})
                .as_array()[0]
                .as_string(),
            "name");
  EXPECT_TRUE(at(op.at("responses"), {"2XX", "content", "application/json", "schema"})
                  .as_object()
                  .contains("properties"));
  EXPECT_TRUE(op.contains("security"));
}

TEST_F(GatewayTest, AMalformedSchemaIsRefusedAtStart) {
  add_deployment("broken", {{"GET", "/api/broken", 1, false, "x", "{not json"}});
  EXPECT_FALSE(Gateway::create({}, clock_, runtime_).is_ok());
}

TEST_F(GatewayTest, ServesTheApiDocs) {
  make();
  serve::Response page = call("GET", "/docs");
  ASSERT_EQ(page.status, 200);
  EXPECT_NE(page.body.find("swagger-ui-bundle.js"), std::string::npos);
  EXPECT_EQ(call("GET", "/docs/swagger-ui-bundle.js").status, 200);
  EXPECT_EQ(call("GET", "/docs/nope.js").status, 404);
  // The dashboard's own files are not the API port's.
  EXPECT_EQ(call("GET", "/docs/..%2Fassets%2Fapp.js").status, 404);
}

TEST_F(GatewayTest, CorsAllowsTheConfiguredOriginsOnly) {
  GatewayOptions options;
  options.cors_origins = {"https://desk.example.com"};
  make(options);
  auto from = [&](std::string method, std::string origin) {
    serve::Request r;
    r.method = std::move(method);
    r.path = "/api/echo/run";
    r.origin = std::move(origin);
    serve::Response out;
    gateway_->handle(std::move(r), [&](serve::Response resp) { out = std::move(resp); });
    return out;
  };
  serve::Response preflight = from("OPTIONS", "https://desk.example.com");
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(serve::find_field(preflight.headers, "Access-Control-Allow-Origin"),
            "https://desk.example.com");
  EXPECT_EQ(serve::find_field(preflight.headers, "Access-Control-Allow-Methods"), "POST");
  EXPECT_NE(
      serve::find_field(preflight.headers, "Access-Control-Allow-Headers")->find("Authorization"),
      std::string::npos);
  serve::Response allowed = from("POST", "https://desk.example.com");
  EXPECT_EQ(allowed.status, 200);
  EXPECT_EQ(serve::find_field(allowed.headers, "Access-Control-Allow-Origin"),
            "https://desk.example.com");
  serve::Response other = from("POST", "https://evil.example.com");
  EXPECT_EQ(other.status, 200);
  EXPECT_FALSE(serve::find_field(other.headers, "Access-Control-Allow-Origin"));
  EXPECT_EQ(from("OPTIONS", "https://evil.example.com").status, 405);
}

TEST_F(GatewayTest, DuplicateRoutesAcrossDeploymentsAreRefused) {
  add_deployment("copy", {{"GET", "/api/echo/status", 1, false, ""}});
  EXPECT_FALSE(Gateway::create({}, clock_, runtime_).is_ok());
}

}  // namespace
}  // namespace tc::gateway
