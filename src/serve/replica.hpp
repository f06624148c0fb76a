// Replica and Call: the state a deployment keeps for each of its replicas and for each call it
// routes, shared by its router (CallRouter) and its controller (ReplicaController).
//
// Thread-safety: every field is guarded by the owning Deployment's lock, except where a comment
// says otherwise. A Replica's handle is set once, before the replica runs, and then used
// without the lock by the calls and health checks that hold a reference to the replica.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "core/clock.hpp"
#include "serve/replica_handle.hpp"
#include "serve/request.hpp"

namespace tc::serve {

// pending (no node yet) → starting (constructing, then its first health check) → running (gets
// traffic) → draining (no new calls; stops when idle or at its graceful shutdown timeout).
enum class ReplicaState { kPending, kStarting, kRunning, kDraining };

const char* replica_state_name(ReplicaState state);

struct Replica {
  std::string id;
  std::string node;  // set once placed; its resources are held until the replica stops
  ReplicaState state = ReplicaState::kPending;
  std::shared_ptr<ReplicaHandle> handle;  // set once constructed
  bool constructing = false;
  bool removed = false;  // stopped and taken out of its deployment (a late constructor's handle
                         // is then stopped at once)
  TimePoint placed_at{};
  bool reported_slow_start = false;
  bool reported_pending = false;  // the "no room" event is recorded once
  int ongoing = 0;
  int64_t handled = 0;
  int64_t errors = 0;
  int64_t started_at = 0;  // UTC nanoseconds, once running
  bool unhealthy = false;
  bool lost = false;  // unreachable: its calls end with their own outcome, never abandoned
  int consecutive_failures = 0;
  bool check_in_flight = false;
  uint64_t check_generation = 0;
  TimePoint check_started{};
  TimePoint next_check{};
  TimePoint drain_deadline{};
};

struct Call {
  // Set under the lock each time it starts on a replica (a retry starts it again): an answer
  // from an earlier attempt is recognised as stale. Read without the lock.
  std::atomic<uint64_t> seq{0};
  int route_id = 0;
  Request request;
  Responder respond;
  const Replica* replica = nullptr;   // while running; identity only
  std::atomic<bool> answered{false};  // read and set without the lock

  // Calls the responder the first time only. A responder that throws is logged, never
  // propagated: the call has been released already.
  void answer(Response response);
};

using Dispatch = std::pair<std::shared_ptr<Replica>, std::shared_ptr<Call>>;

}  // namespace tc::serve
