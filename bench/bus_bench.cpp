// Request/reply through NatsBus beside raw nats.c request/reply between the same two connections
// (a responder and a requester, both with SendAsap, as the bus sets it) on a nats-server of its
// own: requests/s with one request outstanding (latency-bound: p50, p99) and with 8 requester
// threads.
//
//   bus_bench [seconds per measurement, default 3] [rounds, default 3]
#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "cluster/nats/nats_bus.hpp"
#include "nats_measure.hpp"
#include "support/nats_server.hpp"

using namespace tc::bench;

int main(int argc, char** argv) {
  double seconds = argc > 1 ? std::atof(argv[1]) : 3;
  int rounds = argc > 2 ? std::atoi(argv[2]) : 3;
  tc::testing::NatsServer server;
  if (!server.start()) {
    std::fprintf(stderr, "bus_bench: nats-server did not start\n");
    return 1;
  }
  const std::string payload(64, 'x');

  natsConnection* raw_responder = raw_connect(server.url());
  natsConnection* raw_requester = raw_connect(server.url());
  natsSubscription* raw_sub = nullptr;
  natsConnection_Subscribe(&raw_sub, raw_responder, "bench.raw", raw_echo, nullptr);
  natsConnection_Flush(raw_responder);
  auto raw_one = [&] {
    natsMsg* reply = nullptr;
    natsStatus s = natsConnection_Request(&reply, raw_requester, "bench.raw", payload.data(),
                                          static_cast<int>(payload.size()), 2000);
    if (reply != nullptr) natsMsg_Destroy(reply);
    return s == NATS_OK;
  };

  tc::cluster::NatsOptions options;
  options.servers = {server.url()};
  auto responder = tc::cluster::NatsBus::connect(options);
  auto requester = tc::cluster::NatsBus::connect(options);
  if (!responder || !requester) {
    std::fprintf(stderr, "bus_bench: cannot connect\n");
    return 1;
  }
  tc::cluster::NatsBus& answering = **responder;
  auto sub = answering.subscribe("tc.v1.bench.echo", "", [&](const tc::cluster::Message& m) {
    (void)answering.publish(m.reply_to, m.data);
  });
  auto bus_one = [&] {
    return (*requester)->request("tc.v1.bench.echo", payload, std::chrono::seconds(2)).is_ok();
  };

  std::printf(
      "bus: request/reply of 64 bytes through one nats-server, median of %d rounds of "
      "%.0f s\n",
      rounds, seconds);
  for (int threads : {1, 8}) {
    std::vector<Figures> raw, bus;
    for (int r = 0; r < rounds; ++r) {
      raw.push_back(measure(threads, seconds, raw_one));
      bus.push_back(measure(threads, seconds, bus_one));
    }
    Figures a = median(raw), b = median(bus);
    std::printf(
        "  %d requester%s  raw nats.c %8.0f req/s (p50 %5.0f us, p99 %5.0f us)   "
        "NatsBus %8.0f req/s (p50 %5.0f us, p99 %5.0f us)   %.2fx\n",
        threads, threads == 1 ? " " : "s", a.per_second, a.p50_us, a.p99_us, b.per_second, b.p50_us,
        b.p99_us, b.per_second / a.per_second);
  }
  sub->reset();
  natsSubscription_Destroy(raw_sub);
  natsConnection_Destroy(raw_requester);
  natsConnection_Destroy(raw_responder);
  return 0;
}
