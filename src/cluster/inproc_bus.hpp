// InProcBus: the Bus of a single-process node (the embedded default). Each subscription has
// its own ordered queue, drained on a small pool of delivery threads, as a NATS client delivers
// each subscription's messages in order on its own thread: one slow handler does not hold up
// the others, and a handler may itself make requests. Replies to a request complete the waiting
// caller directly.
// Thread-safe. close() stops delivery and is idempotent; the destructor closes. Subscriptions
// must not outlive the bus.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "cluster/bus.hpp"
#include "core/executor.hpp"

namespace tc::cluster {

class InProcBus final : public Bus {
 public:
  explicit InProcBus(int delivery_threads = 4);
  ~InProcBus() override;

  Status publish(std::string_view subject, std::string_view data,
                 std::string_view reply_to = {}) override;
  Result<std::unique_ptr<Subscription>> subscribe(std::string_view subject,
                                                  std::string_view queue_group,
                                                  MessageHandler handler) override;
  Result<Message> request(std::string_view subject, std::string_view data,
                          Duration timeout) override;
  void close() override;

 private:
  // A subscription's state; its queue and flags are guarded by the bus's mutex.
  struct Sub {
    std::string pattern;
    std::string queue_group;
    MessageHandler handler;
    std::deque<Message> queue;
    bool active = true;     // false once unsubscribed
    bool draining = false;  // a delivery task owns the queue
    bool in_handler = false;
    std::thread::id handler_thread;  // while in_handler
  };
  struct Pending;  // a request waiting for its reply
  class InProcSubscription;

  void enqueue_locked(const std::shared_ptr<Sub>& sub, Message message);
  void drain(const std::shared_ptr<Sub>& sub);
  void unsubscribe(uint64_t id);

  std::mutex mu_;
  std::condition_variable handler_done_;  // a handler call has returned
  std::map<uint64_t, std::shared_ptr<Sub>> subs_;
  std::map<std::string, std::shared_ptr<Pending>, std::less<>> inboxes_;
  uint64_t next_id_ = 1;
  uint64_t round_robin_ = 0;
  bool closed_ = false;
  ThreadPool delivery_;
};

}  // namespace tc::cluster
