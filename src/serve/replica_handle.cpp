#include "serve/replica_handle.hpp"

#include "serve/http_error.hpp"

namespace tc::serve {

std::pair<Response, CallOutcome> LocalReplica::run(ReplicaHandler& handler, const std::string& id,
                                                   int route_id, const Request& request) {
  try {
    return {handler.handle(route_id, request), CallOutcome::kAnswered};
  } catch (const std::exception& e) {
    return {error_response(internal_error("replica " + id + " failed: " + std::string(e.what()))),
            CallOutcome::kThrew};
  } catch (...) {
    return {error_response(internal_error("replica " + id + " failed")), CallOutcome::kThrew};
  }
}

Status LocalReplica::check(ReplicaHandler& handler) {
  try {
    return handler.check_health();
  } catch (const std::exception& e) {
    return internal_error(std::string("health check threw: ") + e.what());
  } catch (...) {
    return internal_error("health check threw");
  }
}

void LocalReplica::call(int route_id, const Request& request, bool inline_ok, CallDone done) {
  auto work = [handler = handler_, id = id_, route_id, request = &request, done = std::move(done)] {
    auto [response, outcome] = run(*handler, id, route_id, *request);
    done(std::move(response), outcome);
  };
  if (inline_ok) {
    work();
  } else {
    requests_.post(std::move(work));
  }
}

void LocalReplica::check_health(Duration /*timeout*/, CheckDone done) {
  // Runs here: the deployment calls it on the lifecycle executor, and times it out itself.
  done(check(*handler_));
}

Result<std::shared_ptr<ReplicaHandle>> LocalLauncher::launch(const DeploymentSpec& spec,
                                                             const ReplicaInfo& info) {
  std::unique_ptr<ReplicaHandler> handler;
  try {
    handler = spec.make_replica(info);
  } catch (const std::exception& e) {
    return internal_error(e.what());
  } catch (...) {
    return internal_error("unknown exception");
  }
  if (!handler) return internal_error("the replica factory returned nothing");
  return std::shared_ptr<ReplicaHandle>(
      std::make_shared<LocalReplica>(std::move(handler), requests_, info.replica_id));
}

}  // namespace tc::serve
