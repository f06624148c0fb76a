#include "dashboard/live_feed.hpp"

#include <algorithm>

#include "serve/status_json.hpp"

namespace tc::dashboard {

// A browser following the feed: the sink joins the followers at start and leaves at stop.
class LiveFeed::Stream : public net::EventStream {
 public:
  explicit Stream(LiveFeed& feed) : feed_(feed) {}
  void start(std::shared_ptr<net::EventSink> sink) override {
    sink_ = sink.get();
    feed_.add_follower(std::move(sink));
  }
  void stop() override {
    if (sink_ != nullptr) feed_.remove_follower(sink_);
    sink_ = nullptr;
  }

 private:
  LiveFeed& feed_;
  const net::EventSink* sink_ = nullptr;
};

void write_json(JsonWriter& w, const DeploymentSample& s) {
  w.begin_object()
      .field("time", s.time)
      .field("target", s.target)
      .field("running", s.running)
      .field("starting", s.starting)
      .field("pending", s.pending)
      .field("draining", s.draining)
      .field("ongoing", s.ongoing)
      .field("queued", s.queued)
      .field("requests_per_s", s.requests_per_s)
      .field("error_rate", s.error_rate)
      .field("p50_ms", s.p50_ms)
      .field("p99_ms", s.p99_ms)
      .end_object();
}

LiveFeed::LiveFeed(const Clock& clock, serve::ServeRuntime& runtime, TrafficSource traffic,
                   std::function<std::string()> status_body, LiveFeedOptions options)
    : clock_(clock),
      runtime_(runtime),
      traffic_(std::move(traffic)),
      status_body_(std::move(status_body)),
      options_(options) {}

LiveFeed::~LiveFeed() { stop(); }

void LiveFeed::start() {
  if (thread_) return;
  thread_ = std::make_unique<StoppableThread>([this](StopSignal& signal) {
    do {
      tick();
    } while (signal.wait_for(options_.interval));
  });
}

void LiveFeed::stop() {
  thread_.reset();
  std::vector<std::shared_ptr<net::EventSink>> followers;
  {
    std::lock_guard lock(mu_);
    followers.swap(followers_);
  }
  for (auto& f : followers) f->finish();
}

void LiveFeed::tick() {
  const int64_t now = clock_.unix_nanos();
  Reading reading{now, traffic_ ? traffic_() : std::vector<serve::TrafficTotals>{}};
  std::vector<serve::DeploymentStatus> statuses;
  for (const auto& d : runtime_.deployments()) statuses.push_back(d->status());

  NamedSamples latest;
  std::unique_lock lock(mu_);
  readings_.push_back(std::move(reading));
  while (readings_.size() > static_cast<size_t>(options_.rate_window) + 1) readings_.pop_front();
  const Reading& first = readings_.front();
  const Reading& last = readings_.back();
  const double seconds = static_cast<double>(last.time - first.time) / 1e9;
  for (const serve::DeploymentStatus& st : statuses) {
    DeploymentSample s;
    s.time = now;
    s.target = st.target_replicas;
    s.running = st.num_replicas;
    s.starting = st.starting_replicas;
    s.pending = st.pending_replicas;
    s.draining = st.draining_replicas;
    s.ongoing = st.ongoing;
    s.queued = st.queued;
    auto find = [&](const Reading& r) -> const serve::TrafficTotals* {
      for (const auto& t : r.totals) {
        if (t.deployment == st.name) return &t;
      }
      return nullptr;
    };
    const serve::TrafficTotals* a = find(first);
    const serve::TrafficTotals* b = find(last);
    if (a != nullptr && b != nullptr && a != b && seconds > 0 &&
        b->counts.size() == a->counts.size()) {
      const uint64_t answered = b->requests - a->requests;
      s.requests_per_s = static_cast<double>(answered) / seconds;
      if (answered > 0) {
        s.error_rate = static_cast<double>(b->server_errors - a->server_errors) /
                       static_cast<double>(answered);
        std::vector<uint64_t> window(b->counts.size());
        for (size_t i = 0; i < window.size(); ++i) window[i] = b->counts[i] - a->counts[i];
        s.p50_ms = serve::histogram_quantile(0.5, b->bounds, window) * 1e3;
        s.p99_ms = serve::histogram_quantile(0.99, b->bounds, window) * 1e3;
      }
    }
    auto& history = samples_[st.name];
    history.push_back(s);
    while (history.size() > options_.history) history.pop_front();
    latest.emplace_back(st.name, s);
  }
  latest_time_ = now;
  latest_ = std::move(latest);
  last_event_.clear();
  if (followers_.empty()) return;  // nobody to tell: the event is built when someone follows
  std::vector<std::shared_ptr<net::EventSink>> followers = followers_;
  latest = latest_;
  lock.unlock();

  // The status document is built outside the lock: it reads the runtime, which may be slow.
  std::string event = render_event(now, latest);
  lock.lock();
  last_event_ = event;
  lock.unlock();
  std::vector<const net::EventSink*> gone;
  for (auto& f : followers) {
    if (!f->send(event)) gone.push_back(f.get());
  }
  for (const net::EventSink* g : gone) remove_follower(g);
}

std::string LiveFeed::render_event(int64_t time, const NamedSamples& latest) const {
  std::string data;
  JsonWriter w(data);
  w.begin_object().field("time", time).key("samples").begin_object();
  for (const auto& [name, sample] : latest) {
    w.key(name);
    write_json(w, sample);
  }
  w.end_object().key("status").raw(status_body_ ? status_body_() : "{}").end_object();
  return net::sse_event("status", data);
}

std::shared_ptr<net::EventStream> LiveFeed::follow() { return std::make_shared<Stream>(*this); }

void LiveFeed::add_follower(std::shared_ptr<net::EventSink> sink) {
  std::string first;
  int64_t time = 0;
  NamedSamples latest;
  {
    std::lock_guard lock(mu_);
    followers_.push_back(sink);
    first = last_event_;
    time = latest_time_;
    latest = latest_;
  }
  // The first follower since the last tick: the last samples with the status as it is now.
  if (first.empty() && time != 0) first = render_event(time, latest);
  if (!first.empty()) sink->send(std::move(first));
}

void LiveFeed::remove_follower(const net::EventSink* sink) {
  std::lock_guard lock(mu_);
  std::erase_if(followers_, [&](const auto& f) { return f.get() == sink; });
}

size_t LiveFeed::followers() const {
  std::lock_guard lock(mu_);
  return followers_.size();
}

std::optional<std::string> LiveFeed::history(std::string_view deployment) const {
  const auto& deployments = runtime_.deployments();
  if (std::none_of(deployments.begin(), deployments.end(),
                   [&](const auto& d) { return d->spec().name == deployment; })) {
    return std::nullopt;
  }
  std::string out;
  JsonWriter w(out);
  w.begin_object()
      .field("deployment", deployment)
      .field("interval_s", std::chrono::duration<double>(options_.interval).count());
  w.key("samples").begin_array();
  {
    std::lock_guard lock(mu_);
    if (auto it = samples_.find(deployment); it != samples_.end()) {
      for (const DeploymentSample& s : it->second) write_json(w, s);
    }
  }
  w.end_array().key("events").begin_array();
  for (const serve::ScalingEvent& e : runtime_.events().recent(500)) {
    if (e.deployment == deployment) serve::write_json(w, e);
  }
  w.end_array().end_object();
  return out;
}

}  // namespace tc::dashboard
