// Replicas on other nodes of a cluster, over the bus.
//
// A worker node runs a ReplicaHost: it listens on its node subject for the head's orders (start
// a replica of a deployment, stop one, list them) and, for each replica it runs, on the
// replica's own subjects for calls and health checks. The head's ClusterLauncher places a
// replica on a node: in its own process when the node is itself, otherwise by asking that
// node's host to build it, and returns a RemoteReplica handle that reaches it by request/reply.
//
// Subjects (cluster = the cluster's name, so clusters sharing a server never meet):
//   tc.v1.serve.<cluster>.node.<node>                 orders to a node's host (JSON)
//   tc.v1.serve.<cluster>.hosts                       "what do you run?" to every host (a
//                                                     restarted head's survey)
//   tc.v1.serve.<cluster>.replica.<replica>.call      calls (replica_wire.hpp)
//   tc.v1.serve.<cluster>.replica.<replica>.health    health checks
// A replica whose process died has no subscriber left: a call gets "no responders" at once and
// ends lost (CallOutcome::kLost), so the router retries it elsewhere when that is safe.
// Thread-safety: all classes are thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cluster/bus.hpp"
#include "core/clock.hpp"
#include "core/executor.hpp"
#include "serve/replica_handle.hpp"

namespace tc::serve {

std::string node_subject(std::string_view cluster, std::string_view node);
std::string replica_call_subject(std::string_view cluster, std::string_view replica);
std::string replica_health_subject(std::string_view cluster, std::string_view replica);
std::string hosts_subject(std::string_view cluster);

// A replica on another node. Calls and health checks are sent at once and answered from the
// bus's thread (Bus::request_async): no thread waits for a remote replica.
class RemoteReplica final : public ReplicaHandle {
 public:
  RemoteReplica(cluster::Bus& bus, const Clock& clock, std::string cluster, std::string node,
                std::string replica_id);

  void call(int route_id, const Request& request, bool inline_ok, CallDone done) override;
  void check_health(Duration timeout, CheckDone done) override;
  void stop() override;
  std::string where() const override { return node_; }

 private:
  cluster::Bus& bus_;
  const Clock& clock_;
  const std::string cluster_, node_, id_;
  const std::string call_subject_, health_subject_;
};

// What a node's host runs.
struct HostedReplica {
  std::string id;
  std::string deployment;
};

// What a host answers a survey: its node's announcement (membership.hpp) and its replicas.
struct HostReport {
  std::string node;
  std::string announcement;
  std::vector<HostedReplica> replicas;
};

// Asks every host of `cluster` what it runs; the reports that arrive within `window`.
Result<std::vector<HostReport>> survey_hosts(cluster::Bus& bus, std::string_view cluster,
                                             Duration window);

// A worker node's replicas, built and stopped on the head's orders.
class ReplicaHost {
 public:
  ReplicaHost(cluster::Bus& bus, const Clock& clock, Executor& requests, Executor& lifecycle,
              std::string cluster, std::string node);
  // Stops listening, then every replica (calls still running finish on their threads).
  ~ReplicaHost();
  ReplicaHost(const ReplicaHost&) = delete;
  ReplicaHost& operator=(const ReplicaHost&) = delete;

  // The deployments it can run; before start().
  void add(DeploymentSpec spec);
  // Listens for orders and surveys; `announcement` is what it tells a survey of its node.
  Status start(std::string announcement);
  std::vector<HostedReplica> replicas() const;

 private:
  struct Hosted;
  void on_order(const cluster::Message& m);
  std::string report_json() const;
  // Builds `replica` of `deployment` and answers the head on `reply_to`.
  void start_replica(const std::string& deployment, const std::string& replica,
                     const std::string& reply_to);
  void reply(const std::string& reply_to, const Status& status);

  cluster::Bus& bus_;
  const Clock& clock_;
  Executor& requests_;
  Executor& lifecycle_;
  const std::string cluster_, node_;
  std::map<std::string, DeploymentSpec> specs_;
  std::string announcement_;
  std::unique_ptr<cluster::Subscription> orders_, survey_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Hosted>> hosted_;  // by replica id
};

// Places replicas on this node (`self`) or on other nodes' hosts.
class ClusterLauncher final : public ReplicaLauncher {
 public:
  ClusterLauncher(cluster::Bus& bus, const Clock& clock, Executor& requests, std::string cluster,
                  std::string self, Duration start_timeout = std::chrono::seconds(60));
  Result<std::shared_ptr<ReplicaHandle>> launch(const DeploymentSpec& spec,
                                                const ReplicaInfo& info) override;

 private:
  cluster::Bus& bus_;
  const Clock& clock_;
  const std::string cluster_, self_;
  const Duration start_timeout_;
  LocalLauncher local_;
};

}  // namespace tc::serve
