// A serve runtime on a head node with one deployment, "svc", of two replicas that answer an
// empty 200: what the dashboard's tests look at.
#pragma once

#include "serve/serve_runtime.hpp"
#include "support/nodes.hpp"

namespace tc::testing {

class OneDeploymentRuntime {
 protected:
  OneDeploymentRuntime() : runtime_(clock_, executor_, executor_, nodes_) {
    (void)nodes_.add(head_node(2, 4LL << 30));
    serve::DeploymentSpec spec;
    spec.name = "svc";
    spec.make_replica = [](const serve::ReplicaInfo&) { return std::make_unique<Noop>(); };
    serve::DeploymentConfig config;
    config.num_replicas = 2;
    (void)runtime_.add(spec, config);
    runtime_.deploy_all();
  }

  ManualClock clock_;
  InlineExecutor executor_;
  cluster::NodeRegistry nodes_;
  serve::ServeRuntime runtime_;

 private:
  class Noop final : public serve::ReplicaHandler {
   public:
    serve::Response handle(int, const serve::Request&) override { return {}; }
  };
};

}  // namespace tc::testing
