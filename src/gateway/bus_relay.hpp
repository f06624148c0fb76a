// BusRelay: the event stream of a replica's answer that is a subscription — the gateway
// subscribes to the bus subjects the replica named and relays each message to the client as an
// event, as it arrives (no polling), until a message on the end subject (sent as an `end`
// event) or the client goes away. The replica holds no slot and no deadline meanwhile.
// Thread-safety: start() and stop() from the server; messages arrive on the bus's threads.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "cluster/bus.hpp"
#include "net/event_stream.hpp"

namespace tc::gateway {

class BusRelay final : public net::EventStream {
 public:
  BusRelay(cluster::Bus& bus, std::vector<std::string> subjects, std::string end_subject,
           std::string event_name)
      : bus_(bus),
        subjects_(std::move(subjects)),
        end_subject_(std::move(end_subject)),
        event_name_(std::move(event_name)) {}

  void start(std::shared_ptr<net::EventSink> sink) override;
  void stop() override;

 private:
  cluster::Bus& bus_;
  const std::vector<std::string> subjects_;
  const std::string end_subject_;
  const std::string event_name_;
  std::mutex mu_;
  bool stopped_ = false;
  std::vector<std::unique_ptr<cluster::Subscription>> subscriptions_;
};

}  // namespace tc::gateway
