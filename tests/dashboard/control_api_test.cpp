#include "dashboard/control_api.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "serve/http_error.hpp"
#include "support/one_deployment_runtime.hpp"
#include "support/temp_dir.hpp"

namespace tc::dashboard {
namespace {

class ControlApiTest : public ::testing::Test, protected testing::OneDeploymentRuntime {
 protected:
  void make(std::string token = "",
            std::function<void(serve::Request, serve::Responder)> pass_through = nullptr) {
    ControlApiOptions o;
    o.api_token = std::move(token);
    o.log_dir = logs_.path();
    o.pass_through = std::move(pass_through);
    api_ = std::make_unique<ControlApi>(o, clock_, runtime_, nodes_, [this] { ++stops_; });
  }

  serve::Response send(serve::Request r) {
    serve::Response out;
    api_->handle(std::move(r), [&](serve::Response resp) { out = std::move(resp); });
    return out;
  }

  serve::Response call(std::string method, std::string path, serve::Fields query = {},
                       std::string authorization = "") {
    serve::Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.query = std::move(query);
    r.authorization = std::move(authorization);
    return send(std::move(r));
  }

  // A command from another host, without a token.
  serve::Response remote_post(std::string path) {
    serve::Request r;
    r.method = "POST";
    r.path = std::move(path);
    r.peer = "10.1.2.3";
    return send(std::move(r));
  }

  testing::TempDir logs_;
  std::unique_ptr<ControlApi> api_;
  int stops_ = 0;
};

TEST_F(ControlApiTest, HealthSaysStartingUntilTheNodeIsReady) {
  make();
  serve::Response starting = call("GET", "/health");
  EXPECT_EQ(starting.status, 503);
  EXPECT_NE(starting.body.find("starting"), std::string::npos);
  api_->set_ready();
  EXPECT_EQ(call("GET", "/health").status, 200);
}

TEST_F(ControlApiTest, CommandsFromAnotherHostNeedAToken) {
  make();
  EXPECT_EQ(remote_post("/api/node/stop").status, 403);
  EXPECT_EQ(stops_, 0);
}

TEST_F(ControlApiTest, StatusListsNodesDeploymentsAndEvents) {
  make();
  serve::Response r = call("GET", "/api/cluster/status");
  ASSERT_EQ(r.status, 200);
  auto body = parse_json(r.body);
  ASSERT_TRUE(body.is_ok()) << r.body;
  const json::object& s = body->as_object();
  const json::object& node = s.at("nodes").as_array()[0].as_object();
  EXPECT_EQ(node.at("id").as_string(), "head");
  // Two replicas of 0.2 CPU are placed on the node's 2 CPU.
  EXPECT_DOUBLE_EQ(
      node.at("resources").as_object().at("available").as_object().at("cpu").to_number<double>(),
      1.6);
  const json::object& d = s.at("deployments").as_array()[0].as_object();
  EXPECT_EQ(d.at("num_replicas").as_int64(), 2);
  EXPECT_EQ(d.at("replicas").as_array().size(), 2u);
  EXPECT_EQ(s.at("events").as_array().size(), 4u);  // two replicas starting, then started
}

TEST_F(ControlApiTest, EventsLimitIsValidated) {
  make();
  EXPECT_EQ(call("GET", "/api/cluster/events", {{"limit", "1"}}).status, 200);
  EXPECT_EQ(call("GET", "/api/cluster/events", {{"limit", "x"}}).status, 400);
  EXPECT_EQ(call("GET", "/api/cluster/events", {{"limit", "0"}}).status, 400);
}

TEST_F(ControlApiTest, ShutdownDeployAndStop) {
  make();
  EXPECT_EQ(call("POST", "/api/serve/shutdown").status, 200);
  EXPECT_FALSE(runtime_.find("svc")->status().deployed);
  EXPECT_EQ(call("POST", "/api/serve/deploy").status, 200);
  EXPECT_TRUE(runtime_.find("svc")->status().deployed);
  EXPECT_EQ(call("POST", "/api/node/stop").status, 202);
  EXPECT_EQ(stops_, 1);
}

TEST_F(ControlApiTest, TokenGuardsCommands) {
  make("secret");
  EXPECT_EQ(call("POST", "/api/node/stop").status, 401);
  EXPECT_EQ(stops_, 0);
  EXPECT_EQ(call("POST", "/api/node/stop", {}, "Bearer secret").status, 202);
  EXPECT_EQ(call("GET", "/api/cluster/status").status, 200);
}

TEST_F(ControlApiTest, UnknownPathAndMethod) {
  make();
  EXPECT_EQ(call("GET", "/api/nope").status, 404);
  serve::Response r = call("GET", "/api/node/stop");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(serve::find_field(r.headers, "Allow"), "POST");
}

TEST_F(ControlApiTest, ServesTheWebUiFromTheBinary) {
  make();
  serve::Response page = call("GET", "/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("/assets/app.js"), std::string::npos);
  EXPECT_EQ(serve::find_field(page.headers, "Cache-Control"), "no-cache");
  serve::Response script = call("GET", "/assets/app.js");
  ASSERT_EQ(script.status, 200);
  EXPECT_EQ(script.content_type, "text/javascript; charset=utf-8");
  EXPECT_GT(script.body.size(), 10000u);
  EXPECT_EQ(call("GET", "/docs").status, 200);
  EXPECT_EQ(call("GET", "/assets/missing.js").status, 404);
  EXPECT_FALSE(serve::find_field(script.headers, "Content-Encoding"));
  EXPECT_EQ(serve::find_field(script.headers, "Vary"), "Accept-Encoding");
}

TEST_F(ControlApiTest, ScriptsGoGzippedToBrowsersThatAcceptIt) {
  make();
  serve::Request r;
  r.method = "GET";
  r.path = "/assets/app.js";
  r.accepts_gzip = true;
  serve::Response gzipped = send(std::move(r));
  ASSERT_EQ(gzipped.status, 200);
  EXPECT_EQ(serve::find_field(gzipped.headers, "Content-Encoding"), "gzip");
  ASSERT_GT(gzipped.body.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(gzipped.body[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(gzipped.body[1]), 0x8b);
  EXPECT_LT(gzipped.body.size(), call("GET", "/assets/app.js").body.size() / 2);
}

TEST_F(ControlApiTest, PassesWhatItDoesNotServeToTheGateway) {
  std::vector<std::string> passed;
  make("", [&](serve::Request r, serve::Responder respond) {
    passed.push_back(r.method + " " + r.path);
    serve::Response out;
    out.status = 202;
    respond(std::move(out));
  });
  EXPECT_EQ(call("POST", "/api/algorunner/run").status, 202);
  EXPECT_EQ(call("GET", "/openapi.json").status, 202);
  // Its own routes stay its own, a wrong method included.
  EXPECT_EQ(call("GET", "/api/cluster/status").status, 200);
  EXPECT_EQ(call("GET", "/api/node/stop").status, 405);
  EXPECT_EQ(passed, (std::vector<std::string>{"POST /api/algorunner/run", "GET /openapi.json"}));
  // From another host, without a token, this port passes no command on.
  EXPECT_EQ(remote_post("/api/algorunner/run").status, 403);
  EXPECT_EQ(passed.size(), 2u);
}

TEST_F(ControlApiTest, AuthCheckTellsWhetherTheTokenIsRight) {
  make("secret");
  EXPECT_EQ(call("POST", "/api/auth/check").status, 401);
  EXPECT_EQ(call("POST", "/api/auth/check", {}, "Bearer wrong").status, 401);
  EXPECT_EQ(call("POST", "/api/auth/check", {}, "Bearer secret").status, 200);
  auto status = parse_json(call("GET", "/api/cluster/status").body);
  EXPECT_TRUE(status->as_object().at("token_required").as_bool());
}

TEST_F(ControlApiTest, DeploymentHistoryAndLogs) {
  make();
  api_->live_feed().tick();
  serve::Response history = call("GET", "/api/deployments/svc/history");
  ASSERT_EQ(history.status, 200);
  EXPECT_EQ(parse_json(history.body)->as_object().at("samples").as_array().size(), 1u);
  EXPECT_EQ(call("GET", "/api/deployments/nope/history").status, 404);

  std::ofstream(logs_.path() / "head.log") << "event=a\nevent=b\n";
  auto list = parse_json(call("GET", "/api/logs").body);
  EXPECT_EQ(list->as_object().at("logs").as_array().size(), 1u);
  serve::Response tail = call("GET", "/api/logs/head", {{"lines", "1"}});
  ASSERT_EQ(tail.status, 200);
  EXPECT_NE(tail.body.find("event=b"), std::string::npos);
  EXPECT_EQ(tail.body.find("event=a"), std::string::npos);
  EXPECT_EQ(call("GET", "/api/logs/head", {{"lines", "0"}}).status, 400);
  EXPECT_EQ(call("GET", "/api/logs/nobody").status, 404);
  EXPECT_EQ(call("GET", "/api/logs/head", {{"filter", std::string(300, 'x')}}).status, 400);
  serve::Response follow = call("GET", "/api/logs/head/stream");
  EXPECT_EQ(follow.status, 200);
  EXPECT_NE(follow.events, nullptr);
  EXPECT_NE(call("GET", "/api/cluster/stream").events, nullptr);
}

}  // namespace
}  // namespace tc::dashboard
