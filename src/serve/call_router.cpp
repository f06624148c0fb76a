#include "serve/call_router.hpp"

namespace tc::serve {

CallRouter::CallRouter(int max_ongoing_requests, int max_queued_requests, uint64_t seed)
    : max_ongoing_requests_(max_ongoing_requests),
      max_queued_requests_(static_cast<size_t>(max_queued_requests)),
      router_(seed) {}

std::optional<size_t> CallRouter::pick(const std::vector<std::shared_ptr<Replica>>& replicas) {
  loads_.clear();
  for (const auto& r : replicas) {
    loads_.push_back({r->ongoing, max_ongoing_requests_, r->state == ReplicaState::kRunning});
  }
  return router_.choose(loads_);
}

Dispatch CallRouter::start(const std::shared_ptr<Replica>& replica, std::shared_ptr<Call> call) {
  ++replica->ongoing;
  call->replica = replica.get();
  call->seq = next_call_++;
  running_.emplace(call->seq.load(), call);
  return {replica, std::move(call)};
}

CallRouter::Admission CallRouter::admit(const std::shared_ptr<Call>& call,
                                        const std::vector<std::shared_ptr<Replica>>& replicas,
                                        std::optional<Dispatch>& dispatch) {
  ++requests_total_;
  if (auto index = pick(replicas)) {
    dispatch = start(replicas[*index], call);
    return Admission::kDispatched;
  }
  if (queue_.size() < max_queued_requests_) {
    queue_.push_back(call);
    return Admission::kQueued;
  }
  ++rejected_total_;
  return Admission::kFull;
}

void CallRouter::readmit(const std::shared_ptr<Call>& call,
                         const std::vector<std::shared_ptr<Replica>>& replicas,
                         std::optional<Dispatch>& dispatch) {
  if (auto index = pick(replicas)) {
    dispatch = start(replicas[*index], call);
  } else {
    queue_.push_front(call);
  }
}

void CallRouter::release(Replica& replica, Call& call) {
  --replica.ongoing;
  ++replica.handled;
  running_.erase(call.seq);
  call.replica = nullptr;
}

void CallRouter::take_queued(const std::vector<std::shared_ptr<Replica>>& replicas,
                             std::vector<Dispatch>& out) {
  while (!queue_.empty()) {
    if (queue_.front()->answered.load()) {  // answered while waiting (expired, abandoned)
      queue_.pop_front();
      continue;
    }
    auto index = pick(replicas);
    if (!index) return;
    auto call = std::move(queue_.front());
    queue_.pop_front();
    out.push_back(start(replicas[*index], std::move(call)));
  }
}

void CallRouter::expire(TimePoint now, std::vector<std::shared_ptr<Call>>& expired) {
  size_t before = expired.size();
  auto past = [&](const std::shared_ptr<Call>& c) { return c->request.deadline <= now; };
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (past(*it)) {
      expired.push_back(std::move(*it));
      it = queue_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& [seq, call] : running_) {
    if (past(call) && !call->answered.load()) expired.push_back(call);
  }
  timed_out_total_ += static_cast<int64_t>(expired.size() - before);
}

std::deque<std::shared_ptr<Call>> CallRouter::take_queue() {
  std::deque<std::shared_ptr<Call>> queued;
  queued.swap(queue_);
  rejected_total_ += static_cast<int64_t>(queued.size());
  return queued;
}

void CallRouter::running_on(const Replica* replica, std::vector<std::shared_ptr<Call>>& out) const {
  for (const auto& [seq, call] : running_) {
    if (call->replica == replica && !call->answered.load()) out.push_back(call);
  }
}

void CallRouter::take_unanswered(std::vector<std::shared_ptr<Call>>& out) {
  for (auto& call : queue_) out.push_back(std::move(call));
  queue_.clear();
  for (const auto& [seq, call] : running_) {
    if (!call->answered.load()) out.push_back(call);
  }
}

}  // namespace tc::serve
