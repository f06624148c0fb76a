// NatsBus: the Bus of a multi-node cluster, over nats-server through libnats (nats.c). Every
// node connects to the same servers; subjects, wildcards, queue groups and request/reply are
// NATS's own, so the semantics the Bus interface promises are the server's.
//
// A node names one server or several (a NATS cluster, with its own routes and failover): the
// client connects to one, and when it is lost reconnects — to the same or another — without
// end, every reconnect_wait, buffering what is published meanwhile. A bus may be created before
// any server answers (wait_for_server) and connects when one does. Replies are flushed at once
// (SendAsap), so a request/reply costs a round trip and no batching delay. Each subscription's
// messages arrive in order on a delivery thread of its own: a slow handler holds up no other
// subscription, and a handler may itself make requests.
//
// Thread-safe. Subscriptions must not outlive the bus.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cluster/bus.hpp"

struct __natsConnection;

namespace tc::cluster {

struct NatsOptions {
  std::vector<std::string> servers{"nats://127.0.0.1:10000"};
  std::string name = "tradecluster";  // the connection's name, as the server's monitoring shows
  Duration connect_timeout = std::chrono::seconds(2);
  Duration reconnect_wait = std::chrono::milliseconds(250);
  bool wait_for_server = false;  // true: start even when no server answers yet
  bool randomize = true;         // spread nodes over the servers; false: try them in order
};

class NatsBus final : public Bus {
 public:
  // unavailable when no server answers (unless wait_for_server), invalid_argument for a bad URL.
  static Result<std::unique_ptr<NatsBus>> connect(const NatsOptions& options);
  ~NatsBus() override;
  NatsBus(const NatsBus&) = delete;
  NatsBus& operator=(const NatsBus&) = delete;

  Status publish(std::string_view subject, std::string_view data,
                 std::string_view reply_to = {}) override;
  Result<std::unique_ptr<Subscription>> subscribe(std::string_view subject,
                                                  std::string_view queue_group,
                                                  MessageHandler handler) override;
  Result<Message> request(std::string_view subject, std::string_view data,
                          Duration timeout) override;
  // Replies come to one inbox subscription of the bus (`_INBOX.<id>.<n>`); a timer thread
  // answers deadline_exceeded for those that do not come in time.
  void request_async(std::string_view subject, std::string_view data, Duration timeout,
                     ReplyHandler done) override;
  void close() override;

  // True while connected to a server (not while reconnecting).
  bool connected() const;
  // The URL of the server it is connected to; empty while it is not.
  std::string connected_url() const;

  struct Graveyard;
  struct Requests;

 private:
  explicit NatsBus(__natsConnection* conn);
  __natsConnection* conn_;
  std::shared_ptr<Graveyard> graveyard_;
  std::shared_ptr<Requests> requests_;
  std::mutex inbox_mu_;
  std::string inbox_;  // set once the inbox subscription exists
  std::unique_ptr<Subscription> inbox_sub_;
};

}  // namespace tc::cluster
