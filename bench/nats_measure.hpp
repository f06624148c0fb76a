// Request/reply measurement shared by the NATS benchmarks: requests/s and latency percentiles
// from caller threads, the median of rounds, and raw nats.c connections (SendAsap, as the
// project's bus sets it) with an echo responder — the baseline each is compared with.
#pragma once

#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

namespace tc::bench {

using Clock = std::chrono::steady_clock;

struct Figures {
  double per_second = 0;
  double p50_us = 0, p99_us = 0;
};

// Runs `one()` (a request, true when answered) from `threads` threads for `seconds`.
template <typename One>
Figures measure(int threads, double seconds, One one) {
  std::atomic<bool> stop{false};
  std::vector<std::vector<double>> latencies(static_cast<size_t>(threads));
  std::vector<std::thread> pool;
  auto start = Clock::now();
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&, t] {
      auto& mine = latencies[static_cast<size_t>(t)];
      while (!stop.load(std::memory_order_relaxed)) {
        auto begin = Clock::now();
        if (!one()) continue;
        mine.push_back(std::chrono::duration<double, std::micro>(Clock::now() - begin).count());
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  stop = true;
  for (auto& th : pool) th.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::sort(all.begin(), all.end());
  Figures f;
  if (all.empty()) return f;
  f.per_second = static_cast<double>(all.size()) / elapsed;
  f.p50_us = all[all.size() / 2];
  f.p99_us = all[all.size() * 99 / 100];
  return f;
}

natsConnection* raw_connect(const std::string& url) {
  natsOptions* o = nullptr;
  natsOptions_Create(&o);
  natsOptions_SetURL(o, url.c_str());
  natsOptions_SetSendAsap(o, true);
  natsConnection* nc = nullptr;
  natsConnection_Connect(&nc, o);
  natsOptions_Destroy(o);
  return nc;
}

void raw_echo(natsConnection* nc, natsSubscription*, natsMsg* msg, void*) {
  natsConnection_Publish(nc, natsMsg_GetReply(msg), natsMsg_GetData(msg),
                         natsMsg_GetDataLength(msg));
  natsMsg_Destroy(msg);
}

Figures median(std::vector<Figures> v) {
  std::sort(v.begin(), v.end(),
            [](const Figures& a, const Figures& b) { return a.per_second < b.per_second; });
  return v[v.size() / 2];
}

}  // namespace tc::bench
