#include "serve/replica.hpp"

#include <spdlog/spdlog.h>

namespace tc::serve {

const char* replica_state_name(ReplicaState state) {
  switch (state) {
    case ReplicaState::kPending:
      return "pending";
    case ReplicaState::kStarting:
      return "starting";
    case ReplicaState::kRunning:
      return "running";
    case ReplicaState::kDraining:
      return "draining";
  }
  return "unknown";
}

void Call::answer(Response response) {
  if (answered.exchange(true)) return;
  try {
    respond(std::move(response));
  } catch (const std::exception& e) {
    spdlog::error("event=responder_threw request_id={} error=\"{}\"", request.request_id, e.what());
  } catch (...) {
    spdlog::error("event=responder_threw request_id={}", request.request_id);
  }
}

}  // namespace tc::serve
