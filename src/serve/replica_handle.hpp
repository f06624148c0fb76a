// ReplicaHandle: how a deployment reaches one of its replicas, wherever it runs — in this
// process (LocalReplica, over the service's ReplicaHandler) or on another node (RemoteReplica,
// over the bus). Every operation is asynchronous: it answers through a callback, exactly once,
// on whichever thread finishes it, so the router never waits on a replica.
//
// ReplicaLauncher starts replicas on the node the controller placed them on and returns their
// handles; LocalLauncher builds every replica in this process.
// Thread-safety: handles and launchers are thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/executor.hpp"
#include "core/status.hpp"
#include "serve/replica_handler.hpp"
#include "serve/request.hpp"

namespace tc::serve {

// How a call ended: answered by the handler, the handler threw (a 500 built from what it threw),
// or the replica could not be reached — its process or node is gone, or it no longer exists
// there — so the call never ran or its answer is lost.
enum class CallOutcome { kAnswered, kThrew, kLost };

class ReplicaHandle {
 public:
  using CallDone = std::function<void(Response, CallOutcome)>;
  using CheckDone = std::function<void(Status)>;

  virtual ~ReplicaHandle() = default;
  // Runs one call of `route_id`. With `inline_ok`, a local replica may run it on the calling
  // thread (a quick route); otherwise it runs on the requests executor. A remote replica answers
  // by `request`'s deadline at the latest. `request` stays valid until `done` is called.
  virtual void call(int route_id, const Request& request, bool inline_ok, CallDone done) = 0;
  // A health check: ok when the replica can serve; not_found when it no longer exists where it
  // ran (its process is gone), which makes it lost at once.
  virtual void check_health(Duration timeout, CheckDone done) = 0;
  // The replica has drained: release it (for a remote one, tell its node). Called once.
  virtual void stop() = 0;
  // The process that runs it: "local" or the node's name.
  virtual std::string where() const = 0;
};

class ReplicaLauncher {
 public:
  virtual ~ReplicaLauncher() = default;
  // Builds the replica `info` of `spec` on `info.node_id` and returns its handle; may take its
  // time (called on the lifecycle executor). An error when it could not be built there.
  virtual Result<std::shared_ptr<ReplicaHandle>> launch(const DeploymentSpec& spec,
                                                        const ReplicaInfo& info) = 0;
};

// A replica in this process: the service's handler, its blocking calls on `requests`.
class LocalReplica final : public ReplicaHandle {
 public:
  LocalReplica(std::unique_ptr<ReplicaHandler> handler, Executor& requests, std::string id)
      : handler_(std::move(handler)), requests_(requests), id_(std::move(id)) {}

  void call(int route_id, const Request& request, bool inline_ok, CallDone done) override;
  void check_health(Duration timeout, CheckDone done) override;
  void stop() override {}
  std::string where() const override { return "local"; }

  // Runs one call on this thread: the handler's answer, or a 500 when it throws.
  static std::pair<Response, CallOutcome> run(ReplicaHandler& handler, const std::string& id,
                                              int route_id, const Request& request);
  // The handler's check, a throw counting as a failure.
  static Status check(ReplicaHandler& handler);

 private:
  std::shared_ptr<ReplicaHandler> handler_;
  Executor& requests_;
  const std::string id_;
};

// Builds every replica in this process.
class LocalLauncher final : public ReplicaLauncher {
 public:
  explicit LocalLauncher(Executor& requests) : requests_(requests) {}
  Result<std::shared_ptr<ReplicaHandle>> launch(const DeploymentSpec& spec,
                                                const ReplicaInfo& info) override;

 private:
  Executor& requests_;
};

}  // namespace tc::serve
