#include "serve/remote_replica.hpp"

#include <spdlog/spdlog.h>

#include <thread>

#include "core/ids.hpp"
#include "core/json.hpp"
#include "core/json_writer.hpp"
#include "serve/http_error.hpp"
#include "serve/replica_wire.hpp"

namespace tc::serve {
namespace {

// A check answers with an empty message when healthy, else with the reason.
constexpr std::string_view kHealthy = "ok";

std::string order_json(std::string_view op, std::string_view deployment, std::string_view replica) {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("op", op);
  if (!deployment.empty()) w.field("deployment", deployment);
  if (!replica.empty()) w.field("replica", replica);
  w.end_object();
  return out;
}

std::string string_field(const json::value& v, std::string_view key) {
  if (!v.is_object()) return {};
  const auto* f = v.as_object().if_contains(key);
  return f != nullptr && f->is_string() ? std::string(f->as_string()) : std::string();
}

}  // namespace

std::string node_subject(std::string_view cluster, std::string_view node) {
  return "tc.v1.serve." + std::string(cluster) + ".node." + std::string(node);
}

std::string replica_call_subject(std::string_view cluster, std::string_view replica) {
  return "tc.v1.serve." + std::string(cluster) + ".replica." + std::string(replica) + ".call";
}

std::string hosts_subject(std::string_view cluster) {
  return "tc.v1.serve." + std::string(cluster) + ".hosts";
}

Result<std::vector<HostReport>> survey_hosts(cluster::Bus& bus, std::string_view cluster,
                                             Duration window) {
  std::string inbox = "tc.v1.serve." + std::string(cluster) + ".survey." + random_hex(8);
  auto reports = std::make_shared<std::vector<HostReport>>();
  auto mu = std::make_shared<std::mutex>();
  auto sub = bus.subscribe(inbox, "", [reports, mu](const cluster::Message& m) {
    auto parsed = parse_json(m.data);
    if (!parsed || !parsed->is_object()) return;
    const json::value& o = *parsed;
    HostReport r;
    r.node = string_field(o, "node");
    r.announcement = string_field(o, "announcement");
    if (const auto* list = o.as_object().if_contains("replicas"); list && list->is_array()) {
      for (const auto& item : list->as_array()) {
        r.replicas.push_back(
            HostedReplica{string_field(item, "id"), string_field(item, "deployment")});
      }
    }
    std::lock_guard lock(*mu);
    reports->push_back(std::move(r));
  });
  if (!sub) return sub.status();
  TC_RETURN_IF_ERROR(bus.publish(hosts_subject(cluster), "", inbox));
  std::this_thread::sleep_for(window);
  sub->reset();  // no report is delivered after this
  return std::move(*reports);
}

std::string replica_health_subject(std::string_view cluster, std::string_view replica) {
  return "tc.v1.serve." + std::string(cluster) + ".replica." + std::string(replica) + ".health";
}

// RemoteReplica ---------------------------------------------------------------------------------

RemoteReplica::RemoteReplica(cluster::Bus& bus, const Clock& clock, std::string cluster,
                             std::string node, std::string replica_id)
    : bus_(bus),
      clock_(clock),
      cluster_(std::move(cluster)),
      node_(std::move(node)),
      id_(std::move(replica_id)),
      call_subject_(replica_call_subject(cluster_, id_)),
      health_subject_(replica_health_subject(cluster_, id_)) {}

void RemoteReplica::call(int route_id, const Request& request, bool /*inline_ok*/, CallDone done) {
  Duration left = request.deadline - clock_.now();
  if (left <= Duration{0}) {
    done(error_response(deadline_exceeded("the request's deadline passed before it was sent")),
         CallOutcome::kAnswered);
    return;
  }
  // Sent now; answered on the bus's thread. `done` holds the call and so this handle.
  bus_.request_async(
      call_subject_, encode_call(route_id, request, left), left,
      [this, done = std::move(done)](Result<cluster::Message> reply) {
        if (!reply) {
          if (reply.status().code() == StatusCode::kDeadlineExceeded) {
            done(error_response(deadline_exceeded("replica " + id_ + " on node " + node_ +
                                                  " did not answer within the deadline")),
                 CallOutcome::kAnswered);
          } else {
            done(error_response(unavailable("replica " + id_ + " on node " + node_ +
                                            " is unreachable: " + reply.status().message())),
                 CallOutcome::kLost);
          }
          return;
        }
        auto response = decode_response(reply->data);
        if (!response) {
          done(error_response(internal_error("replica " + id_ + " on node " + node_ +
                                             " answered badly: " + response.status().message())),
               CallOutcome::kThrew);
          return;
        }
        done(std::move(response).value(), CallOutcome::kAnswered);
      });
}

void RemoteReplica::check_health(Duration timeout, CheckDone done) {
  bus_.request_async(
      health_subject_, "", timeout, [this, done = std::move(done)](Result<cluster::Message> reply) {
        if (!reply) {
          // Nobody listens for it: the replica is gone, not slow.
          StatusCode code = reply.status().code() == StatusCode::kUnavailable
                                ? StatusCode::kNotFound
                                : StatusCode::kUnavailable;
          done(Status(code, "replica " + id_ + " on node " + node_ +
                                " did not answer its health check: " + reply.status().message()));
        } else if (reply->data == kHealthy) {
          done(Status::ok());
        } else {
          done(unavailable(reply->data));
        }
      });
}

void RemoteReplica::stop() {
  Status s = bus_.publish(node_subject(cluster_, node_), order_json("stop", "", id_));
  if (!s.is_ok()) {
    spdlog::warn("event=replica_stop_unsent replica={} node={} why=\"{}\"", id_, node_,
                 s.message());
  }
}

// ReplicaHost -----------------------------------------------------------------------------------

struct ReplicaHost::Hosted {
  std::string id;
  std::string deployment;
  std::shared_ptr<ReplicaHandler> handler;
  std::unordered_map<int, bool> blocking;
  std::unique_ptr<cluster::Subscription> calls, health;
};

ReplicaHost::ReplicaHost(cluster::Bus& bus, const Clock& clock, Executor& requests,
                         Executor& lifecycle, std::string cluster, std::string node)
    : bus_(bus),
      clock_(clock),
      requests_(requests),
      lifecycle_(lifecycle),
      cluster_(std::move(cluster)),
      node_(std::move(node)) {}

ReplicaHost::~ReplicaHost() {
  survey_.reset();
  orders_.reset();
  std::map<std::string, std::shared_ptr<Hosted>> hosted;
  {
    std::lock_guard lock(mu_);
    hosted.swap(hosted_);
  }
  hosted.clear();  // ends their subscriptions
}

void ReplicaHost::add(DeploymentSpec spec) {
  std::string name = spec.name;
  specs_.emplace(std::move(name), std::move(spec));
}

Status ReplicaHost::start(std::string announcement) {
  announcement_ = std::move(announcement);
  auto sub = bus_.subscribe(node_subject(cluster_, node_), "",
                            [this](const cluster::Message& m) { on_order(m); });
  if (!sub) return sub.status();
  orders_ = std::move(sub).value();
  auto survey = bus_.subscribe(hosts_subject(cluster_), "", [this](const cluster::Message& m) {
    if (!m.reply_to.empty()) (void)bus_.publish(m.reply_to, report_json());
  });
  if (!survey) return survey.status();
  survey_ = std::move(survey).value();
  return Status::ok();
}

std::string ReplicaHost::report_json() const {
  std::string out;
  JsonWriter w(out);
  w.begin_object().field("node", node_).field("announcement", announcement_);
  w.key("replicas").begin_array();
  for (const HostedReplica& r : replicas()) {
    w.begin_object().field("id", r.id).field("deployment", r.deployment).end_object();
  }
  w.end_array().end_object();
  return out;
}

std::vector<HostedReplica> ReplicaHost::replicas() const {
  std::lock_guard lock(mu_);
  std::vector<HostedReplica> out;
  for (const auto& [id, h] : hosted_) out.push_back({id, h->deployment});
  return out;
}

void ReplicaHost::reply(const std::string& reply_to, const Status& status) {
  if (reply_to.empty()) return;
  std::string out;
  JsonWriter w(out);
  w.begin_object();
  if (status.is_ok()) {
    w.field("ok", true);
  } else {
    w.field("error", status.message());
  }
  w.end_object();
  (void)bus_.publish(reply_to, out);
}

void ReplicaHost::on_order(const cluster::Message& m) {
  auto order = parse_json(m.data);
  std::string op = order ? string_field(*order, "op") : std::string();
  std::string replica = order ? string_field(*order, "replica") : std::string();
  if (op == "start") {
    std::string deployment = string_field(*order, "deployment");
    // Building a replica takes its time: off the bus's delivery thread.
    lifecycle_.post([this, deployment, replica, reply_to = m.reply_to] {
      start_replica(deployment, replica, reply_to);
    });
  } else if (op == "stop") {
    std::shared_ptr<Hosted> gone;
    {
      std::lock_guard lock(mu_);
      if (auto it = hosted_.find(replica); it != hosted_.end()) {
        gone = std::move(it->second);
        hosted_.erase(it);
      }
    }
    if (gone) spdlog::info("event=replica_stopped node={} replica={}", node_, replica);
    gone.reset();  // its calls still running hold the handler
    reply(m.reply_to, Status::ok());
  } else if (op == "list") {
    if (!m.reply_to.empty()) (void)bus_.publish(m.reply_to, report_json());
  } else {
    reply(m.reply_to, invalid_argument("unknown order: " + m.data.substr(0, 200)));
  }
}

void ReplicaHost::start_replica(const std::string& deployment, const std::string& replica,
                                const std::string& reply_to) {
  auto spec = specs_.find(deployment);
  if (spec == specs_.end()) {
    reply(reply_to, not_found("node " + node_ + " has no deployment " + deployment));
    return;
  }
  if (replica.empty() ||
      !cluster::is_valid_subject(replica_call_subject(cluster_, replica), false)) {
    reply(reply_to, invalid_argument("bad replica id '" + replica + "'"));
    return;
  }
  {
    std::lock_guard lock(mu_);
    if (hosted_.contains(replica)) {  // the head asked again (its first answer was lost)
      reply(reply_to, Status::ok());
      return;
    }
  }
  auto hosted = std::make_shared<Hosted>();
  hosted->id = replica;
  hosted->deployment = deployment;
  for (const RouteSpec& r : spec->second.routes) hosted->blocking[r.id] = r.blocking;
  try {
    hosted->handler = spec->second.make_replica(ReplicaInfo{replica, node_});
  } catch (const std::exception& e) {
    reply(reply_to, internal_error(e.what()));
    return;
  }
  if (!hosted->handler) {
    reply(reply_to, internal_error("the replica factory returned nothing"));
    return;
  }
  // Calls of quick routes run on the subscription's delivery thread, blocking ones on the
  // requests executor; each answers on its reply subject.
  std::weak_ptr<Hosted> weak = hosted;
  auto calls = bus_.subscribe(
      replica_call_subject(cluster_, replica), "", [this, weak](const cluster::Message& m) {
        auto h = weak.lock();
        if (!h || m.reply_to.empty()) return;
        auto call = decode_call(m.data, clock_.now());
        if (!call) {
          (void)bus_.publish(m.reply_to, encode_response(error_response(call.status())));
          return;
        }
        auto it = h->blocking.find(call->route_id);
        bool blocking = it != h->blocking.end() && it->second;
        // It may outlive the host (a blocking call still running at a stop): no `this`.
        auto run = [bus = &bus_, handler = h->handler, id = h->id, reply_to = m.reply_to,
                    c = std::make_shared<WireCall>(std::move(call).value())] {
          auto [response, outcome] = LocalReplica::run(*handler, id, c->route_id, c->request);
          (void)outcome;  // a throw is already a 500 naming the replica
          (void)bus->publish(reply_to, encode_response(response));
        };
        if (blocking) {
          requests_.post(std::move(run));
        } else {
          run();
        }
      });
  if (!calls) {
    reply(reply_to, calls.status());
    return;
  }
  auto health = bus_.subscribe(
      replica_health_subject(cluster_, replica), "", [this, weak](const cluster::Message& m) {
        auto h = weak.lock();
        if (!h || m.reply_to.empty()) return;
        Status s = LocalReplica::check(*h->handler);
        (void)bus_.publish(m.reply_to, s.is_ok() ? std::string(kHealthy) : s.message());
      });
  if (!health) {
    reply(reply_to, health.status());
    return;
  }
  hosted->calls = std::move(calls).value();
  hosted->health = std::move(health).value();
  {
    std::lock_guard lock(mu_);
    hosted_[replica] = std::move(hosted);
  }
  spdlog::info("event=replica_built node={} deployment={} replica={}", node_, deployment, replica);
  reply(reply_to, Status::ok());
}

// ClusterLauncher -------------------------------------------------------------------------------

ClusterLauncher::ClusterLauncher(cluster::Bus& bus, const Clock& clock, Executor& requests,
                                 std::string cluster, std::string self, Duration start_timeout)
    : bus_(bus),
      clock_(clock),
      cluster_(std::move(cluster)),
      self_(std::move(self)),
      start_timeout_(start_timeout),
      local_(requests) {}

Result<std::shared_ptr<ReplicaHandle>> ClusterLauncher::launch(const DeploymentSpec& spec,
                                                               const ReplicaInfo& info) {
  if (info.node_id == self_) return local_.launch(spec, info);
  auto reply = bus_.request(node_subject(cluster_, info.node_id),
                            order_json("start", spec.name, info.replica_id), start_timeout_);
  if (!reply) {
    return Status(reply.status().code(), "node " + info.node_id + " did not build the replica: " +
                                             reply.status().message());
  }
  auto answer = parse_json(reply->data);
  if (!answer) return internal_error("node " + info.node_id + " answered badly: " + reply->data);
  if (std::string error = string_field(*answer, "error"); !error.empty()) {
    return internal_error("node " + info.node_id + ": " + error);
  }
  return std::shared_ptr<ReplicaHandle>(
      std::make_shared<RemoteReplica>(bus_, clock_, cluster_, info.node_id, info.replica_id));
}

}  // namespace tc::serve
