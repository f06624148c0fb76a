// RemoteReplica, ReplicaHost and ClusterLauncher over the in-process bus: the same code paths a
// cluster uses over nats-server (the NATS bus passes the same conformance suite).
#include "serve/remote_replica.hpp"

#include <gtest/gtest.h>

#include <future>

#include "cluster/inproc_bus.hpp"
#include "core/elastic_pool.hpp"
#include "serve/http_error.hpp"

namespace tc::serve {
namespace {

enum Route { kEcho = 1, kSlow, kThrow };

class EchoReplica final : public ReplicaHandler {
 public:
  explicit EchoReplica(ReplicaInfo info) : info_(std::move(info)) {}
  Response handle(int route, const Request& r) override {
    if (route == kThrow) throw std::runtime_error("boom");
    return json_response(json::object{{"replica", info_.replica_id},
                                      {"node", info_.node_id},
                                      {"body", r.body},
                                      {"key", r.idempotency_key}});
  }

 private:
  ReplicaInfo info_;
};

class RemoteReplicaTest : public ::testing::Test {
 protected:
  RemoteReplicaTest() {
    spec_.name = "svc";
    spec_.routes = {{"POST", "/echo", kEcho, false, ""}, {"POST", "/throw", kThrow, true, ""}};
    spec_.make_replica = [](const ReplicaInfo& info) {
      return std::make_unique<EchoReplica>(info);
    };
    host_.add(spec_);
    EXPECT_TRUE(host_.start("{}").is_ok());
  }

  std::pair<Response, CallOutcome> call(ReplicaHandle& h, int route, const Request& r) {
    std::promise<std::pair<Response, CallOutcome>> p;
    h.call(route, r, false, [&](Response res, CallOutcome o) { p.set_value({std::move(res), o}); });
    return p.get_future().get();
  }

  SystemClock clock_;
  cluster::InProcBus bus_;
  ElasticPool requests_{ElasticPoolOptions{"requests"}};
  ElasticPool lifecycle_{ElasticPoolOptions{"lifecycle"}};
  DeploymentSpec spec_;
  ReplicaHost host_{bus_, clock_, requests_, lifecycle_, "c1", "worker-1"};
  ClusterLauncher launcher_{bus_, clock_, requests_, "c1", "head"};
};

TEST_F(RemoteReplicaTest, ALaunchedReplicaRunsOnItsNodeAndAnswersCalls) {
  auto handle = launcher_.launch(spec_, ReplicaInfo{"svc#1", "worker-1"});
  ASSERT_TRUE(handle.is_ok()) << handle.status().to_string();
  EXPECT_EQ((*handle)->where(), "worker-1");
  ASSERT_EQ(host_.replicas().size(), 1u);
  Request r;
  r.body = "hello";
  r.idempotency_key = "k1";
  r.deadline = clock_.now() + std::chrono::seconds(5);
  auto [response, outcome] = call(**handle, kEcho, r);
  EXPECT_EQ(outcome, CallOutcome::kAnswered);
  EXPECT_EQ(response.status, 200);
  EXPECT_NE(response.body.find(R"("node":"worker-1")"), std::string::npos) << response.body;
  EXPECT_NE(response.body.find(R"("body":"hello")"), std::string::npos);
  EXPECT_NE(response.body.find(R"("key":"k1")"), std::string::npos);
  // A handler that throws answers 500 naming the replica; the replica stays.
  auto [thrown, how] = call(**handle, kThrow, r);
  EXPECT_EQ(thrown.status, 500);
  EXPECT_NE(thrown.body.find("svc#1"), std::string::npos);
  std::promise<Status> health;
  (*handle)->check_health(std::chrono::seconds(1), [&](Status s) { health.set_value(s); });
  EXPECT_TRUE(health.get_future().get().is_ok());
  // Stopped, it is gone from its node, and a call finds nobody: lost, not answered.
  (*handle)->stop();
  ASSERT_TRUE([&] {
    for (int i = 0; i < 200 && !host_.replicas().empty(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return host_.replicas().empty();
  }());
  auto [gone, lost] = call(**handle, kEcho, r);
  EXPECT_EQ(lost, CallOutcome::kLost);
  EXPECT_EQ(gone.status, 503);
  // Its health check says it is gone, not slow.
  std::promise<Status> after;
  (*handle)->check_health(std::chrono::seconds(1), [&](Status s) { after.set_value(s); });
  EXPECT_EQ(after.get_future().get().code(), StatusCode::kNotFound);
}

TEST_F(RemoteReplicaTest, LaunchingOnAnUnknownNodeOrDeploymentFailsWithTheReason) {
  auto nowhere = launcher_.launch(spec_, ReplicaInfo{"svc#2", "worker-9"});
  ASSERT_FALSE(nowhere.is_ok());
  EXPECT_NE(nowhere.status().message().find("worker-9"), std::string::npos);
  DeploymentSpec other = spec_;
  other.name = "other";
  auto unknown = launcher_.launch(other, ReplicaInfo{"other#1", "worker-1"});
  ASSERT_FALSE(unknown.is_ok());
  EXPECT_NE(unknown.status().message().find("no deployment other"), std::string::npos);
  // The head's own node builds in its own process.
  auto local = launcher_.launch(spec_, ReplicaInfo{"svc#3", "head"});
  ASSERT_TRUE(local.is_ok());
  EXPECT_EQ((*local)->where(), "local");
}

TEST_F(RemoteReplicaTest, ACallPastItsDeadlineIsNotSent) {
  auto handle = launcher_.launch(spec_, ReplicaInfo{"svc#4", "worker-1"});
  ASSERT_TRUE(handle.is_ok());
  Request r;
  r.deadline = clock_.now() - std::chrono::milliseconds(1);
  auto [response, outcome] = call(**handle, kEcho, r);
  EXPECT_EQ(response.status, 504);
  EXPECT_EQ(outcome, CallOutcome::kAnswered);
}

}  // namespace
}  // namespace tc::serve
