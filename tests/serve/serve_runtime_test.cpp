#include "serve/serve_runtime.hpp"

#include <gtest/gtest.h>

#include <mutex>
#include <string>
#include <vector>

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
  std::mutex mu;
  std::vector<std::string> answered;  // deployment names, in the order their calls got 503
  for (const char* name : {"patient", "quick"}) {
    runtime.find(name)->submit(1, Request{}, clock.now() + seconds(60), [&, name](Response r) {
      std::lock_guard lock(mu);
      if (r.status == 503) answered.push_back(name);
    });
  }
  EXPECT_EQ(runtime.load(), 2);
  // The quick deployment goes at its own 50 ms; the node's deadline bounds the patient one.
  int abandoned = runtime.drain(clock.now() + milliseconds(300), "stopping");
  EXPECT_EQ(abandoned, 2);
  EXPECT_EQ(answered, (std::vector<std::string>{"quick", "patient"}));
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
