// LiveFeed: the dashboard's one view of the node over time. Every interval it takes a sample of
// each deployment (replicas by state, ongoing and queued requests, and from the gateway's
// counters requests/s, error rate, p50 and p99 over the last few seconds), keeps the last
// samples per deployment for the deployment page's charts, and sends one `status` event to every
// browser following GET /api/cluster/stream — so that a hundred open tabs cost one status
// computation per interval, not a hundred polls.
//
// Thread-safety: every method is safe from any thread.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/json_writer.hpp"
#include "core/stoppable_thread.hpp"
#include "net/event_stream.hpp"
#include "serve/serve_runtime.hpp"
#include "serve/traffic.hpp"

namespace tc::dashboard {

using TrafficSource = std::function<std::vector<serve::TrafficTotals>()>;

struct LiveFeedOptions {
  Duration interval = std::chrono::seconds(1);
  size_t history = 900;  // samples kept per deployment (15 minutes at the default interval)
  int rate_window = 5;   // intervals that requests/s and percentiles are taken over
};

// One deployment at one moment.
struct DeploymentSample {
  int64_t time = 0;  // UTC nanoseconds
  int target = 0;
  int running = 0;
  int starting = 0;
  int pending = 0;
  int draining = 0;
  int ongoing = 0;
  int queued = 0;
  double requests_per_s = 0;
  double error_rate = 0;  // 5xx answers over all answers in the window; 0 without answers
  double p50_ms = 0;
  double p99_ms = 0;
};

class LiveFeed {
 public:
  // `status_body` is the cluster status document each event carries.
  LiveFeed(const Clock& clock, serve::ServeRuntime& runtime, TrafficSource traffic,
           std::function<std::string()> status_body, LiveFeedOptions options = {});
  ~LiveFeed();

  // Samples every interval on a thread of its own until stop() or destruction.
  void start();
  void stop();
  // Takes one sample and sends it to the followers (the thread's step; tests call it).
  void tick();

  // A new follower's stream: the last event at once, then one per tick.
  std::shared_ptr<net::EventStream> follow();
  // {"deployment", "interval_s", "samples": [...], "events": [...]} of one deployment, oldest
  // first; nullopt when no deployment has that name.
  std::optional<std::string> history(std::string_view deployment) const;
  size_t followers() const;

 private:
  class Stream;
  void add_follower(std::shared_ptr<net::EventSink> sink);
  void remove_follower(const net::EventSink* sink);
  using NamedSamples = std::vector<std::pair<std::string, DeploymentSample>>;  // by deployment
  std::string render_event(int64_t time, const NamedSamples& latest) const;

  const Clock& clock_;
  serve::ServeRuntime& runtime_;
  TrafficSource traffic_;
  std::function<std::string()> status_body_;
  LiveFeedOptions options_;

  mutable std::mutex mu_;
  std::map<std::string, std::deque<DeploymentSample>, std::less<>> samples_;
  struct Reading {
    int64_t time = 0;
    std::vector<serve::TrafficTotals> totals;
  };
  std::deque<Reading> readings_;  // the last rate_window + 1
  int64_t latest_time_ = 0;       // the last tick's, 0 before the first
  NamedSamples latest_;           // the last tick's samples
  std::string last_event_;        // its event, once someone follows
  std::vector<std::shared_ptr<net::EventSink>> followers_;
  std::unique_ptr<StoppableThread> thread_;
};

void write_json(JsonWriter& w, const DeploymentSample& s);

}  // namespace tc::dashboard
