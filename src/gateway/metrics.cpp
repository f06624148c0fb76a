#include "gateway/metrics.hpp"

#include <fmt/format.h>

#include "serve/serve_runtime.hpp"

namespace tc::gateway {

Metrics::Metrics(std::vector<std::string> deployments) : names_(std::move(deployments)) {
  names_.push_back("gateway");
  for (size_t i = 0; i < names_.size() * kShards; ++i)
    series_.push_back(std::make_unique<Series>());
}

Metrics::Series& Metrics::shard(size_t index) {
  static std::atomic<size_t> next_shard{0};
  thread_local const size_t my_shard = next_shard.fetch_add(1) % kShards;
  if (index >= names_.size()) index = names_.size() - 1;
  return *series_[index * kShards + my_shard];
}

void Metrics::sum(size_t index, std::vector<uint64_t>& by_status, std::vector<uint64_t>& buckets,
                  uint64_t& latency_sum_ns, uint64_t& count) const {
  by_status.assign(series_[0]->by_status.size(), 0);
  buckets.assign(kBuckets.size() + 1, 0);
  latency_sum_ns = count = 0;
  for (size_t k = 0; k < kShards; ++k) {
    const Series& s = *series_[index * kShards + k];
    for (size_t i = 0; i < by_status.size(); ++i) {
      by_status[i] += s.by_status[i].load(std::memory_order_relaxed);
    }
    for (size_t i = 0; i < buckets.size(); ++i) {
      buckets[i] += s.buckets[i].load(std::memory_order_relaxed);
    }
    latency_sum_ns += s.latency_sum_ns.load(std::memory_order_relaxed);
    count += s.count.load(std::memory_order_relaxed);
  }
}

void Metrics::record(size_t index, int http_status, Duration latency) {
  Series& s = shard(index);
  int slot = http_status - 100;
  if (slot >= 0 && slot < static_cast<int>(s.by_status.size())) {
    s.by_status[static_cast<size_t>(slot)].fetch_add(1, std::memory_order_relaxed);
  }
  double seconds = std::chrono::duration<double>(latency).count();
  size_t b = 0;
  while (b < kBuckets.size() && seconds > kBuckets[b]) ++b;
  s.buckets[b].fetch_add(1, std::memory_order_relaxed);
  s.latency_sum_ns.fetch_add(static_cast<uint64_t>(latency.count()), std::memory_order_relaxed);
  s.count.fetch_add(1, std::memory_order_relaxed);
}

std::vector<serve::TrafficTotals> Metrics::totals() const {
  std::vector<serve::TrafficTotals> out;
  std::vector<uint64_t> by_status;
  uint64_t latency_sum_ns = 0;
  for (size_t i = 0; i < names_.size(); ++i) {
    serve::TrafficTotals& t = out.emplace_back();
    t.deployment = names_[i];
    t.bounds.assign(kBuckets.begin(), kBuckets.end());
    sum(i, by_status, t.counts, latency_sum_ns, t.requests);
    for (size_t code = 500; code < 600; ++code) t.server_errors += by_status[code - 100];
  }
  return out;
}

std::string Metrics::render(const serve::ServeRuntime& runtime) const {
  fmt::memory_buffer out;
  auto line = [&]<typename... A>(fmt::format_string<A...> f, A&&... args) {
    fmt::format_to(std::back_inserter(out), f, std::forward<A>(args)...);
  };
  std::vector<uint64_t> by_status, buckets;
  uint64_t latency_sum_ns = 0, count = 0;
  line("# HELP tc_http_requests_total HTTP requests answered, by deployment and status code.\n");
  line("# TYPE tc_http_requests_total counter\n");
  for (size_t i = 0; i < names_.size(); ++i) {
    sum(i, by_status, buckets, latency_sum_ns, count);
    for (size_t code = 0; code < by_status.size(); ++code) {
      if (by_status[code] == 0) continue;
      line("tc_http_requests_total{{deployment=\"{}\",code=\"{}\"}} {}\n", names_[i], code + 100,
           by_status[code]);
    }
  }
  line("# HELP tc_http_request_duration_seconds Time from a request's arrival to its answer.\n");
  line("# TYPE tc_http_request_duration_seconds histogram\n");
  for (size_t i = 0; i < names_.size(); ++i) {
    sum(i, by_status, buckets, latency_sum_ns, count);
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= kBuckets.size(); ++b) {
      cumulative += buckets[b];
      std::string le = b < kBuckets.size() ? fmt::format("{}", kBuckets[b]) : "+Inf";
      line("tc_http_request_duration_seconds_bucket{{deployment=\"{}\",le=\"{}\"}} {}\n", names_[i],
           le, cumulative);
    }
    line("tc_http_request_duration_seconds_sum{{deployment=\"{}\"}} {}\n", names_[i],
         static_cast<double>(latency_sum_ns) / 1e9);
    line("tc_http_request_duration_seconds_count{{deployment=\"{}\"}} {}\n", names_[i], count);
  }
  struct Gauge {
    const char* name;
    const char* help;
    int serve::DeploymentStatus::*field;
  };
  static constexpr Gauge kGauges[] = {
      {"tc_deployment_replicas", "Running replicas.", &serve::DeploymentStatus::num_replicas},
      {"tc_deployment_target_replicas", "Replicas the autoscaler wants.",
       &serve::DeploymentStatus::target_replicas},
      {"tc_deployment_pending_replicas", "Replicas waiting for resources.",
       &serve::DeploymentStatus::pending_replicas},
      {"tc_deployment_starting_replicas", "Replicas constructing or awaiting a first health check.",
       &serve::DeploymentStatus::starting_replicas},
      {"tc_deployment_ongoing_requests", "Requests running on replicas.",
       &serve::DeploymentStatus::ongoing},
      {"tc_deployment_queued_requests", "Requests waiting for a replica.",
       &serve::DeploymentStatus::queued},
  };
  std::vector<serve::DeploymentStatus> statuses;
  for (const auto& d : runtime.deployments()) statuses.push_back(d->status());
  for (const Gauge& g : kGauges) {
    line("# HELP {} {}\n# TYPE {} gauge\n", g.name, g.help, g.name);
    for (const auto& s : statuses) line("{}{{deployment=\"{}\"}} {}\n", g.name, s.name, s.*g.field);
  }
  line("# HELP tc_deployment_handler_errors_total Calls whose handler threw (answered 500).\n");
  line("# TYPE tc_deployment_handler_errors_total counter\n");
  for (const auto& s : statuses) {
    line("tc_deployment_handler_errors_total{{deployment=\"{}\"}} {}\n", s.name, s.errors_total);
  }
  line(
      "# HELP tc_deployment_average_load Ongoing plus queued requests averaged over the "
      "autoscaling look-back window.\n");
  line("# TYPE tc_deployment_average_load gauge\n");
  for (const auto& s : statuses) {
    line("tc_deployment_average_load{{deployment=\"{}\"}} {}\n", s.name, s.average_load);
  }
  if (connections_) {
    ConnectionStats c = connections_();
    line("# HELP tc_http_connections Open connections on the API port.\n");
    line("# TYPE tc_http_connections gauge\ntc_http_connections {}\n", c.open);
    line("# HELP tc_http_connections_accepted_total Connections accepted on the API port.\n");
    line("# TYPE tc_http_connections_accepted_total counter\n");
    line("tc_http_connections_accepted_total {}\n", c.accepted_total);
    line(
        "# HELP tc_http_connections_refused_total Connections closed at once because "
        "TC_MAX_CONNECTIONS were open.\n");
    line("# TYPE tc_http_connections_refused_total counter\n");
    line("tc_http_connections_refused_total {}\n", c.refused_total);
    line(
        "# HELP tc_http_connections_evicted_total Idle keep-alive connections closed to make "
        "room for a new one at TC_MAX_CONNECTIONS.\n");
    line("# TYPE tc_http_connections_evicted_total counter\n");
    line("tc_http_connections_evicted_total {}\n", c.evicted_total);
  }
  return fmt::to_string(out);
}

}  // namespace tc::gateway
