#include "gateway/bus_relay.hpp"

#include <spdlog/spdlog.h>

namespace tc::gateway {

void BusRelay::start(std::shared_ptr<net::EventSink> sink) {
  std::lock_guard lock(mu_);
  if (stopped_) return;
  // A first comment, so the client sees the stream open before the first event.
  sink->send(":ok\n\n");
  for (const std::string& subject : subjects_) {
    auto sub = bus_.subscribe(subject, "", [sink, name = event_name_](const cluster::Message& m) {
      sink->send(net::sse_event(name, m.data));
    });
    if (!sub) {
      spdlog::warn("event=relay_subscribe_failed subject={} why=\"{}\"", subject,
                   sub.status().to_string());
      sink->send(net::sse_event("error", "{\"message\":\"cannot subscribe\"}"));
      sink->finish();
      return;
    }
    subscriptions_.push_back(std::move(sub).value());
  }
  if (end_subject_.empty()) return;
  auto end = bus_.subscribe(end_subject_, "", [sink](const cluster::Message& m) {
    sink->send(net::sse_event("end", m.data));
    sink->finish();
  });
  if (end) subscriptions_.push_back(std::move(end).value());
}

void BusRelay::stop() {
  std::vector<std::unique_ptr<cluster::Subscription>> ending;
  {
    std::lock_guard lock(mu_);
    stopped_ = true;
    ending.swap(subscriptions_);
  }
  ending.clear();  // outside the lock: a handler may be running
}

}  // namespace tc::gateway
