#include "serve/serve_runtime.hpp"

#include <gtest/gtest.h>

#include <atomic>

#include "serve/http_error.hpp"
#include "support/nodes.hpp"

namespace tc::serve {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Holds every posted task until the test ends: a handler that never returns.
class StuckExecutor final : public Executor {
 public:
  void post(Task task) override { held_.push_back(std::move(task)); }

 private:
  std::vector<Task> held_;
};

class Idle final : public ReplicaHandler {
 public:
  Response handle(int, const Request&) override { return Response{}; }
};

DeploymentSpec spec(const std::string& name) {
  DeploymentSpec s;
  s.name = name;
  s.routes = {{"GET", "/" + name, 1, true, ""}};
  s.make_replica = [](const ReplicaInfo&) { return std::make_unique<Idle>(); };
  return s;
}

TEST(ServeRuntimeTest, DrainAbandonsEachDeploymentAtItsGracefulTimeoutWithinTheDeadline) {
  SystemClock clock;
  StuckExecutor requests;
  InlineExecutor lifecycle;
  cluster::NodeRegistry nodes;
  ASSERT_TRUE(nodes.add(testing::head_node(8, 8LL << 30)).is_ok());
  ServeRuntime runtime(clock, requests, lifecycle, nodes);
  DeploymentConfig quick;
  quick.graceful_shutdown_timeout = milliseconds(50);
  DeploymentConfig patient;
  patient.graceful_shutdown_timeout = seconds(3600);
  ASSERT_TRUE(runtime.add(spec("quick"), quick).is_ok());
  ASSERT_TRUE(runtime.add(spec("patient"), patient).is_ok());
  runtime.deploy_all();
  std::atomic<int> answered_503{0};
  for (const char* name : {"quick", "patient"}) {
    runtime.find(name)->submit(1, Request{}, clock.now() + seconds(60), [&](Response r) {
      if (r.status == 503) ++answered_503;
    });
  }
  EXPECT_EQ(runtime.load(), 2);
  // The node's deadline bounds the patient deployment; the quick one goes at its own timeout.
  int abandoned = runtime.drain(clock.now() + milliseconds(300), "stopping");
  EXPECT_EQ(abandoned, 2);
  EXPECT_EQ(answered_503.load(), 2);
}

TEST(ServeRuntimeTest, DrainReturnsAtOnceWhenIdle) {
  SystemClock clock;
  InlineExecutor executor;
  cluster::NodeRegistry nodes;
  ASSERT_TRUE(nodes.add(testing::head_node(8, 8LL << 30)).is_ok());
  ServeRuntime runtime(clock, executor, executor, nodes);
  ASSERT_TRUE(runtime.add(spec("svc"), DeploymentConfig{}).is_ok());
  runtime.deploy_all();
  EXPECT_EQ(runtime.drain(clock.now() + seconds(3600), "stopping"), 0);
}

}  // namespace
}  // namespace tc::serve
