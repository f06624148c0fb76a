// Metrics: the gateway's request counters and latency histograms per deployment, rendered with
// the serve runtime's gauges in Prometheus' text format.
// Thread-safety: record() is lock-free and safe from any thread; each thread writes its own
// shard of the counters, so that I/O threads do not contend on shared cache lines.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "net/http_server.hpp"
#include "serve/traffic.hpp"

namespace tc::serve {
class ServeRuntime;
}

namespace tc::gateway {

class Metrics {
 public:
  // `deployments` are the names recorded by index; the last index is the gateway's own routes.
  explicit Metrics(std::vector<std::string> deployments);

  // Records a finished request of deployment `index` (out of range: the gateway's own).
  void record(size_t index, int http_status, Duration latency);
  size_t gateway_index() const { return names_.size() - 1; }

  // What each deployment (and the gateway's own routes, as "gateway") has answered so far.
  std::vector<serve::TrafficTotals> totals() const;

  // The Prometheus text exposition, with replicas, ongoing and queued from `runtime`.
  std::string render(const serve::ServeRuntime& runtime) const;

  using ConnectionStats = net::HttpServer::ConnectionStats;
  // Where render() reads the API server's connection counts (set once, before serving).
  void set_connection_source(std::function<ConnectionStats()> source) {
    connections_ = std::move(source);
  }

 private:
  static constexpr std::array<double, 14> kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                   0.1,    0.25,  0.5,    1,     2.5,  5,     10};
  static constexpr size_t kShards = 8;
  struct alignas(64) Series {
    std::array<std::atomic<uint64_t>, 600> by_status{};                // index: HTTP status - 100
    std::array<std::atomic<uint64_t>, kBuckets.size() + 1> buckets{};  // last: +Inf
    std::atomic<uint64_t> latency_sum_ns{0};
    std::atomic<uint64_t> count{0};
  };
  std::vector<std::string> names_;
  Series& shard(size_t index);
  // The totals of deployment `index` over its shards.
  void sum(size_t index, std::vector<uint64_t>& by_status, std::vector<uint64_t>& buckets,
           uint64_t& latency_sum_ns, uint64_t& count) const;

  std::vector<std::unique_ptr<Series>> series_;  // [deployment * kShards + shard]
  std::function<ConnectionStats()> connections_;
};

}  // namespace tc::gateway
