#include "cluster/nats/nats_bus.hpp"

#include <nats/nats.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <map>
#include <mutex>
#include <optional>
#include <thread>

namespace tc::cluster {
namespace {

int64_t millis(Duration d) {
  return std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::milliseconds>(d).count());
}

Status failure(natsStatus s, std::string_view what) {
  std::string why = natsStatus_GetText(s);
  if (s == NATS_TIMEOUT) return deadline_exceeded(std::string(what) + ": timed out");
  if (s == NATS_INVALID_SUBJECT || s == NATS_INVALID_ARG) {
    return invalid_argument(std::string(what) + ": " + why);
  }
  return unavailable(std::string(what) + ": " + why);
}

// Not when the bus closes: that call may come after the process has torn its logging down.
void on_disconnected(natsConnection* nc, void*) {
  if (!natsConnection_IsClosed(nc)) spdlog::warn("event=bus_disconnected");
}

void on_reconnected(natsConnection* nc, void*) {
  char url[256] = "";
  natsConnection_GetConnectedUrl(nc, url, sizeof url);
  spdlog::info("event=bus_reconnected server={}", url);
}

// One subscription's handler and the state its destructor waits on. It keeps itself alive until
// libnats says the handler can no longer be called (on_complete), so that a subscription ended
// from inside its own handler leaves nothing dangling.
struct Delivery {
  MessageHandler handler;
  std::atomic<std::thread::id> thread{};  // the delivery thread, once it has delivered
  std::mutex mu;
  std::condition_variable done_cv;
  bool done = false;
  std::shared_ptr<Delivery> self;

  static void on_message(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    auto* d = static_cast<Delivery*>(closure);
    d->thread.store(std::this_thread::get_id(), std::memory_order_relaxed);
    Message m;
    m.subject = natsMsg_GetSubject(msg);
    if (const char* reply = natsMsg_GetReply(msg)) m.reply_to = reply;
    m.data.assign(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg)));
    m.no_responders = natsMsg_IsNoResponders(msg);
    natsMsg_Destroy(msg);
    d->handler(m);
  }

  static void on_complete(void* closure) {
    auto* d = static_cast<Delivery*>(closure);
    std::shared_ptr<Delivery> keep = std::move(d->self);
    {
      std::lock_guard lock(d->mu);
      d->done = true;
    }
    d->done_cv.notify_all();
  }
};

}  // namespace

// Subscriptions ended from inside their own handler: libnats still uses them until that call
// returns, so they are destroyed later — by the next subscribe(), or with the bus.
struct NatsBus::Graveyard {
  std::mutex mu;
  std::vector<std::pair<natsSubscription*, std::shared_ptr<Delivery>>> pending;

  void bury(natsSubscription* sub, std::shared_ptr<Delivery> delivery) {
    std::lock_guard lock(mu);
    pending.emplace_back(sub, std::move(delivery));
  }
  // Destroys the subscriptions whose delivery has ended (all of them with `all`).
  void sweep(bool all) {
    std::lock_guard lock(mu);
    std::erase_if(pending, [&](auto& p) {
      bool done = all;
      if (!done) {
        std::lock_guard d(p.second->mu);
        done = p.second->done;
      }
      if (done) natsSubscription_Destroy(p.first);
      return done;
    });
  }
};

// Requests sent without waiting, by token, and the thread that times them out.
struct NatsBus::Requests {
  struct Pending {
    std::string subject;
    TimePoint deadline;
    ReplyHandler done;
  };
  std::mutex mu;
  std::condition_variable cv;
  std::map<uint64_t, Pending> pending;
  std::multimap<TimePoint, uint64_t> deadlines;
  uint64_t next = 0;
  bool closed = false;
  std::thread timer;

  Requests() : timer([this] { expire_loop(); }) {}
  ~Requests() { close(); }

  uint64_t add(std::string subject, TimePoint deadline, ReplyHandler done) {
    std::lock_guard lock(mu);
    uint64_t token = ++next;
    bool earliest = deadlines.empty() || deadline < deadlines.begin()->first;
    pending.emplace(token, Pending{std::move(subject), deadline, std::move(done)});
    deadlines.emplace(deadline, token);
    if (earliest) cv.notify_one();
    return token;
  }
  std::optional<Pending> take(uint64_t token) {
    std::lock_guard lock(mu);
    auto it = pending.find(token);
    if (it == pending.end()) return std::nullopt;
    Pending p = std::move(it->second);
    pending.erase(it);
    auto [from, to] = deadlines.equal_range(p.deadline);
    for (auto d = from; d != to; ++d) {
      if (d->second == token) {
        deadlines.erase(d);
        break;
      }
    }
    return p;
  }
  void answer(const Message& m) {
    size_t dot = m.subject.rfind('.');
    uint64_t token = std::strtoull(m.subject.c_str() + dot + 1, nullptr, 10);
    auto p = take(token);
    if (!p) return;  // answered late, after its deadline
    if (m.no_responders) {
      p->done(unavailable("no responders on " + p->subject));
    } else {
      p->done(m);
    }
  }
  void expire_loop() {
    std::unique_lock lock(mu);
    while (!closed) {
      if (deadlines.empty()) {
        cv.wait(lock);
        continue;
      }
      TimePoint first = deadlines.begin()->first;
      if (SteadyNow() < first) {
        cv.wait_until(lock, first);
        continue;
      }
      uint64_t token = deadlines.begin()->second;
      deadlines.erase(deadlines.begin());
      auto it = pending.find(token);
      if (it == pending.end()) continue;
      Pending p = std::move(it->second);
      pending.erase(it);
      lock.unlock();
      p.done(deadline_exceeded("request to " + p.subject + ": timed out"));
      lock.lock();
    }
  }
  // Answers what is pending unavailable and stops the timer. Idempotent.
  void close() {
    std::map<uint64_t, Pending> left;
    {
      std::lock_guard lock(mu);
      if (closed) return;
      closed = true;
      left.swap(pending);
      deadlines.clear();
    }
    cv.notify_all();
    if (timer.joinable()) timer.join();
    for (auto& [token, p] : left) p.done(unavailable("the bus closed before a reply came"));
  }
  static TimePoint SteadyNow() { return SystemClock().now(); }
};

namespace {

class NatsSubscription final : public Subscription {
 public:
  NatsSubscription(natsSubscription* sub, std::shared_ptr<Delivery> delivery,
                   std::shared_ptr<NatsBus::Graveyard> graveyard)
      : sub_(sub), delivery_(std::move(delivery)), graveyard_(std::move(graveyard)) {}
  ~NatsSubscription() override {
    natsStatus s = natsSubscription_Unsubscribe(sub_);
    if (delivery_->thread.load(std::memory_order_relaxed) == std::this_thread::get_id()) {
      // Ended by its own handler, which is still running.
      graveyard_->bury(sub_, std::move(delivery_));
      return;
    }
    // Waits for a handler call in progress; a closed connection has no delivery left.
    if (s == NATS_OK) {
      std::unique_lock lock(delivery_->mu);
      delivery_->done_cv.wait(lock, [&] { return delivery_->done; });
    }
    natsSubscription_Destroy(sub_);
  }

 private:
  natsSubscription* sub_;
  std::shared_ptr<Delivery> delivery_;
  std::shared_ptr<NatsBus::Graveyard> graveyard_;
};

}  // namespace

Result<std::unique_ptr<NatsBus>> NatsBus::connect(const NatsOptions& o) {
  if (o.servers.empty()) return invalid_argument("no NATS server named");
  natsOptions* opts = nullptr;
  if (natsOptions_Create(&opts) != NATS_OK) return unavailable("NATS: out of memory");
  std::vector<const char*> urls;
  for (const auto& s : o.servers) urls.push_back(s.c_str());
  natsStatus s = natsOptions_SetServers(opts, urls.data(), static_cast<int>(urls.size()));
  if (s == NATS_OK) s = natsOptions_SetNoRandomize(opts, !o.randomize);
  if (s == NATS_OK) s = natsOptions_SetName(opts, o.name.c_str());
  if (s == NATS_OK) s = natsOptions_SetTimeout(opts, millis(o.connect_timeout));
  if (s == NATS_OK) s = natsOptions_SetSendAsap(opts, true);
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts, millis(o.reconnect_wait));
  if (s == NATS_OK)
    s = natsOptions_SetRetryOnFailedConnect(opts, o.wait_for_server, nullptr, nullptr);
  if (s == NATS_OK) s = natsOptions_SetDisconnectedCB(opts, on_disconnected, nullptr);
  if (s == NATS_OK) s = natsOptions_SetReconnectedCB(opts, on_reconnected, nullptr);
  if (s != NATS_OK) {
    natsOptions_Destroy(opts);
    return failure(s, "NATS options");
  }
  natsConnection* conn = nullptr;
  s = natsConnection_Connect(&conn, opts);
  natsOptions_Destroy(opts);
  if (s != NATS_OK && !(s == NATS_NOT_YET_CONNECTED && o.wait_for_server)) {
    if (conn != nullptr) natsConnection_Destroy(conn);
    std::string names;
    for (const auto& url : o.servers) names += (names.empty() ? "" : ", ") + url;
    return failure(s, "NATS at " + names);
  }
  return std::unique_ptr<NatsBus>(new NatsBus(conn));
}

NatsBus::NatsBus(natsConnection* conn)
    : conn_(conn),
      graveyard_(std::make_shared<Graveyard>()),
      requests_(std::make_shared<Requests>()) {}

NatsBus::~NatsBus() {
  natsConnection_Close(conn_);
  inbox_sub_.reset();
  requests_->close();
  graveyard_->sweep(true);
  natsConnection_Destroy(conn_);
}

Status NatsBus::publish(std::string_view subject, std::string_view data,
                        std::string_view reply_to) {
  if (!is_valid_subject(subject, false)) {
    return invalid_argument("bad subject '" + std::string(subject) + "'");
  }
  if (!reply_to.empty() && !is_valid_subject(reply_to, false)) {
    return invalid_argument("bad reply subject '" + std::string(reply_to) + "'");
  }
  std::string subj(subject), reply(reply_to);
  natsStatus s =
      reply.empty()
          ? natsConnection_Publish(conn_, subj.c_str(), data.data(), static_cast<int>(data.size()))
          : natsConnection_PublishRequest(conn_, subj.c_str(), reply.c_str(), data.data(),
                                          static_cast<int>(data.size()));
  return s == NATS_OK ? Status::ok() : failure(s, "publish to " + subj);
}

Result<std::unique_ptr<Subscription>> NatsBus::subscribe(std::string_view subject,
                                                         std::string_view queue_group,
                                                         MessageHandler handler) {
  if (!is_valid_subject(subject, true)) {
    return invalid_argument("bad subject pattern '" + std::string(subject) + "'");
  }
  graveyard_->sweep(false);
  auto delivery = std::make_shared<Delivery>();
  delivery->handler = std::move(handler);
  delivery->self = delivery;
  std::string subj(subject), queue(queue_group);
  natsSubscription* sub = nullptr;
  natsStatus s = queue.empty()
                     ? natsConnection_Subscribe(&sub, conn_, subj.c_str(), Delivery::on_message,
                                                delivery.get())
                     : natsConnection_QueueSubscribe(&sub, conn_, subj.c_str(), queue.c_str(),
                                                     Delivery::on_message, delivery.get());
  if (s == NATS_OK)
    s = natsSubscription_SetOnCompleteCB(sub, Delivery::on_complete, delivery.get());
  if (s != NATS_OK) {
    delivery->self.reset();
    if (sub != nullptr) {
      natsSubscription_Unsubscribe(sub);
      natsSubscription_Destroy(sub);
    }
    return failure(s, "subscribe to " + subj);
  }
  // Subscribed at the server before it returns: a publish that follows reaches it.
  natsConnection_FlushTimeout(conn_, 2000);
  return std::unique_ptr<Subscription>(new NatsSubscription(sub, std::move(delivery), graveyard_));
}

Result<Message> NatsBus::request(std::string_view subject, std::string_view data,
                                 Duration timeout) {
  if (!is_valid_subject(subject, false)) {
    return invalid_argument("bad subject '" + std::string(subject) + "'");
  }
  std::string subj(subject);
  natsMsg* reply = nullptr;
  natsStatus s = natsConnection_Request(&reply, conn_, subj.c_str(), data.data(),
                                        static_cast<int>(data.size()), millis(timeout));
  if (s == NATS_NO_RESPONDERS) return unavailable("no responders on " + subj);
  if (s != NATS_OK) return failure(s, "request to " + subj);
  Message m;
  m.subject = natsMsg_GetSubject(reply);
  m.data.assign(natsMsg_GetData(reply), static_cast<size_t>(natsMsg_GetDataLength(reply)));
  natsMsg_Destroy(reply);
  return m;
}

void NatsBus::request_async(std::string_view subject, std::string_view data, Duration timeout,
                            ReplyHandler done) {
  if (!is_valid_subject(subject, false)) {
    return done(invalid_argument("bad subject '" + std::string(subject) + "'"));
  }
  std::string inbox;
  {
    std::lock_guard lock(inbox_mu_);
    if (inbox_.empty()) {
      natsInbox* made = nullptr;
      if (natsInbox_Create(&made) != NATS_OK) return done(unavailable("NATS: out of memory"));
      std::string prefix = made;
      natsInbox_Destroy(made);
      auto sub =
          subscribe(prefix + ".*", "", [r = requests_.get()](const Message& m) { r->answer(m); });
      if (!sub) return done(sub.status());
      inbox_sub_ = std::move(sub).value();
      inbox_ = prefix;
    }
    inbox = inbox_;
  }
  std::string subj(subject);
  uint64_t token = requests_->add(subj, SystemClock().now() + timeout, std::move(done));
  std::string reply = inbox + "." + std::to_string(token);
  natsStatus s = natsConnection_PublishRequest(conn_, subj.c_str(), reply.c_str(), data.data(),
                                               static_cast<int>(data.size()));
  if (s != NATS_OK) {
    if (auto p = requests_->take(token)) p->done(failure(s, "request to " + subj));
  }
}

void NatsBus::close() {
  natsConnection_Close(conn_);
  requests_->close();
}

bool NatsBus::connected() const {
  return natsConnection_Status(conn_) == NATS_CONN_STATUS_CONNECTED;
}

std::string NatsBus::connected_url() const {
  char url[256] = "";
  if (natsConnection_GetConnectedUrl(conn_, url, sizeof url) != NATS_OK) return "";
  return url;
}

}  // namespace tc::cluster
