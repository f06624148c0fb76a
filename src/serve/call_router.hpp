// CallRouter: a deployment's admission, as Ray Serve's router does it — which RUNNING replica
// takes a call (ReplicaRouter: power of two choices on ongoing requests, never a full replica),
// the bounded queue when none has room, and the calls running with their deadlines.
//
// It only decides and keeps count: the Deployment runs the calls it dispatches and answers the
// ones it refuses or expires. Not thread-safe: owned by a Deployment and called under its lock.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "serve/replica.hpp"
#include "serve/replica_router.hpp"

namespace tc::serve {

class CallRouter {
 public:
  CallRouter(int max_ongoing_requests, int max_queued_requests, uint64_t seed);

  enum class Admission { kDispatched, kQueued, kFull };
  // Starts `call` on a running replica with room (counted ongoing; the pair is put in
  // `dispatch`), or queues it, or says the queue is full (counted as rejected).
  Admission admit(const std::shared_ptr<Call>& call,
                  const std::vector<std::shared_ptr<Replica>>& replicas,
                  std::optional<Dispatch>& dispatch);
  // Starts again a call whose replica was lost before it answered, on another running replica
  // with room, or at the head of the queue (whatever its bound: the call was admitted once).
  // Not counted as a new request.
  void readmit(const std::shared_ptr<Call>& call,
               const std::vector<std::shared_ptr<Replica>>& replicas,
               std::optional<Dispatch>& dispatch);
  // Counts a call refused before admission (the deployment is not serving).
  void refuse() {
    ++requests_total_;
    ++rejected_total_;
  }
  // Releases a finished call's slot on its replica.
  void release(Replica& replica, Call& call);
  // Starts queued calls, oldest first, on running replicas that have room.
  void take_queued(const std::vector<std::shared_ptr<Replica>>& replicas,
                   std::vector<Dispatch>& out);
  // Takes calls past their deadline out of the queue and collects running ones past it that are
  // not answered yet; counts them as timed out.
  void expire(TimePoint now, std::vector<std::shared_ptr<Call>>& expired);
  // Takes every queued call out of the queue; counts them as rejected.
  std::deque<std::shared_ptr<Call>> take_queue();
  // Appends the unanswered calls running on `replica` to `out`.
  void running_on(const Replica* replica, std::vector<std::shared_ptr<Call>>& out) const;
  // Takes every queued call out of the queue and appends them, then the unanswered running
  // calls, to `out`.
  void take_unanswered(std::vector<std::shared_ptr<Call>>& out);

  int queued() const { return static_cast<int>(queue_.size()); }
  int64_t requests_total() const { return requests_total_; }
  int64_t rejected_total() const { return rejected_total_; }
  int64_t timed_out_total() const { return timed_out_total_; }

 private:
  std::optional<size_t> pick(const std::vector<std::shared_ptr<Replica>>& replicas);
  Dispatch start(const std::shared_ptr<Replica>& replica, std::shared_ptr<Call> call);

  const int max_ongoing_requests_;
  const size_t max_queued_requests_;
  ReplicaRouter router_;
  std::vector<ReplicaLoad> loads_;  // scratch for the router, in the replicas' order
  std::deque<std::shared_ptr<Call>> queue_;
  std::unordered_map<uint64_t, std::shared_ptr<Call>> running_;
  uint64_t next_call_ = 1;
  int64_t requests_total_ = 0;
  int64_t rejected_total_ = 0;
  int64_t timed_out_total_ = 0;
};

}  // namespace tc::serve
