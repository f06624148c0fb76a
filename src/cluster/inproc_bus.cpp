#include "cluster/inproc_bus.hpp"

#include <vector>

#include "core/ids.hpp"

namespace tc::cluster {

struct InProcBus::Pending {
  std::mutex mu;
  std::condition_variable cv;
  std::optional<Message> reply;
};

class InProcBus::InProcSubscription final : public Subscription {
 public:
  InProcSubscription(InProcBus& bus, uint64_t id) : bus_(bus), id_(id) {}
  ~InProcSubscription() override { bus_.unsubscribe(id_); }

 private:
  InProcBus& bus_;
  uint64_t id_;
};

InProcBus::InProcBus(int delivery_threads) : delivery_(delivery_threads) {}

InProcBus::~InProcBus() { close(); }

void InProcBus::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    for (auto& [id, sub] : subs_) sub->queue.clear();
  }
  delivery_.stop();
}

void InProcBus::enqueue_locked(const std::shared_ptr<Sub>& sub, Message message) {
  sub->queue.push_back(std::move(message));
  if (sub->draining) return;
  sub->draining = true;
  delivery_.post([this, sub] { drain(sub); });
}

void InProcBus::drain(const std::shared_ptr<Sub>& sub) {
  std::unique_lock lock(mu_);
  while (!sub->queue.empty() && sub->active && !closed_) {
    Message message = std::move(sub->queue.front());
    sub->queue.pop_front();
    sub->in_handler = true;
    sub->handler_thread = std::this_thread::get_id();
    lock.unlock();
    sub->handler(message);
    lock.lock();
    sub->in_handler = false;
    handler_done_.notify_all();
  }
  sub->draining = false;
}

Status InProcBus::publish(std::string_view subject, std::string_view data,
                          std::string_view reply_to) {
  if (!is_valid_subject(subject, false)) {
    return invalid_argument("invalid subject '" + std::string(subject) + "'");
  }
  std::unique_lock lock(mu_);
  if (closed_) return unavailable("the bus is closed");
  // Replies go straight to the waiting requester.
  if (auto inbox = inboxes_.find(subject); inbox != inboxes_.end()) {
    std::shared_ptr<Pending> pending = inbox->second;
    inboxes_.erase(inbox);
    lock.unlock();
    {
      std::lock_guard plock(pending->mu);
      pending->reply = Message{std::string(subject), std::string(reply_to), std::string(data)};
    }
    pending->cv.notify_one();
    return Status::ok();
  }
  // Each queue group gets the message once: the member chosen round-robin.
  std::map<std::string_view, std::vector<std::shared_ptr<Sub>>> groups;
  auto message = [&] {
    return Message{std::string(subject), std::string(reply_to), std::string(data)};
  };
  for (auto& [id, sub] : subs_) {
    if (!subject_matches(sub->pattern, subject)) continue;
    if (sub->queue_group.empty()) {
      enqueue_locked(sub, message());
    } else {
      groups[sub->queue_group].push_back(sub);
    }
  }
  for (auto& [group, members] : groups) {
    enqueue_locked(members[round_robin_++ % members.size()], message());
  }
  return Status::ok();
}

Result<std::unique_ptr<Subscription>> InProcBus::subscribe(std::string_view subject,
                                                           std::string_view queue_group,
                                                           MessageHandler handler) {
  if (!is_valid_subject(subject, true)) {
    return invalid_argument("invalid subject pattern '" + std::string(subject) + "'");
  }
  std::lock_guard lock(mu_);
  if (closed_) return unavailable("the bus is closed");
  uint64_t id = next_id_++;
  auto sub = std::make_shared<Sub>();
  sub->pattern = subject;
  sub->queue_group = queue_group;
  sub->handler = std::move(handler);
  subs_[id] = std::move(sub);
  return std::unique_ptr<Subscription>(new InProcSubscription(*this, id));
}

void InProcBus::unsubscribe(uint64_t id) {
  std::unique_lock lock(mu_);
  auto it = subs_.find(id);
  if (it == subs_.end()) return;
  std::shared_ptr<Sub> sub = it->second;
  sub->active = false;
  sub->queue.clear();
  subs_.erase(it);
  // A call in progress finishes first, unless it is the one ending its own subscription.
  if (sub->handler_thread != std::this_thread::get_id()) {
    handler_done_.wait(lock, [&] { return !sub->in_handler; });
  }
}

Result<Message> InProcBus::request(std::string_view subject, std::string_view data,
                                   Duration timeout) {
  if (!is_valid_subject(subject, false)) {
    return invalid_argument("invalid subject '" + std::string(subject) + "'");
  }
  std::string inbox = "_INBOX." + random_hex(16);
  auto pending = std::make_shared<Pending>();
  {
    std::lock_guard lock(mu_);
    if (closed_) return unavailable("the bus is closed");
    bool responders = false;
    for (auto& [id, sub] : subs_) {
      if (subject_matches(sub->pattern, subject)) {
        responders = true;
        break;
      }
    }
    if (!responders) return unavailable("no responders for subject '" + std::string(subject) + "'");
    inboxes_[inbox] = pending;
  }
  TC_RETURN_IF_ERROR(publish(subject, data, inbox));
  std::unique_lock plock(pending->mu);
  if (!pending->cv.wait_for(plock, timeout, [&] { return pending->reply.has_value(); })) {
    plock.unlock();
    std::lock_guard lock(mu_);
    inboxes_.erase(inbox);
    return deadline_exceeded(
        "no reply on '" + std::string(subject) + "' within " +
        std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(timeout).count()) +
        " ms");
  }
  return std::move(*pending->reply);
}

}  // namespace tc::cluster
