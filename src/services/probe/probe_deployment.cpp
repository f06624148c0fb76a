#include "services/probe/probe_deployment.hpp"

#include <atomic>
#include <stdexcept>
#include <thread>

#include "serve/http_error.hpp"
#include "services/common/api_schemas.hpp"
#include "services/common/handler_support.hpp"

namespace tc::services {
namespace {

enum Route { kSleep = 1, kCrash };

class ProbeReplica final : public serve::ReplicaHandler {
 public:
  explicit ProbeReplica(serve::ReplicaInfo info) : info_(std::move(info)) {}

  serve::Response handle(int route, const serve::Request& request) override {
    if (route == kCrash) throw std::runtime_error("crash requested");
    auto ms = query_int(request, "ms", 0, 0, 60000);
    if (!ms) return serve::error_response(ms.status());
    // How many calls run in this handler at once, counted here rather than by admission: it
    // shows whether max_ongoing_requests is real concurrency.
    int running = running_.fetch_add(1) + 1;
    std::this_thread::sleep_for(std::chrono::milliseconds(*ms));
    running_.fetch_sub(1);
    return serve::json_response(
        json::object{{"replica", info_.replica_id}, {"slept_ms", *ms}, {"running", running}});
  }

 private:
  const serve::ReplicaInfo info_;
  std::atomic<int> running_{0};
};

}  // namespace

serve::DeploymentSpec make_probe_deployment() {
  serve::DeploymentSpec spec;
  spec.name = "probe";
  spec.routes = {
      {"GET", "/api/probe/sleep", kSleep, true, "Hold a replica slot for ?ms= milliseconds",
       schemas::kSleepQuery},
      {"POST", "/api/probe/crash", kCrash, true, "Make the replica's handler throw"},
  };
  spec.make_replica = [](const serve::ReplicaInfo& info) {
    return std::make_unique<ProbeReplica>(info);
  };
  return spec;
}

}  // namespace tc::services
