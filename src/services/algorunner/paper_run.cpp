#include "services/algorunner/paper_run.hpp"

#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <set>

#include "core/time_parse.hpp"
#include "services/algorunner/algorithms.hpp"
#include "services/tickscrawler/stream.hpp"

namespace tc::services {
namespace {

// The number of streams a paper run may have active at once when it starts one (the
// tickscrawler's default TICKSCRAWLER_MAX_STREAMS).
constexpr int kMaxStreams = 20;

// Live trades of the run's symbols from the bus, handed to the engine one at a time on the job's
// thread; it ends when the job is stopped, and stores the results so far every second — the
// first at once, so that a run with a result is one that listens.
class BusFeed final : public TradeFeed {
 public:
  BusFeed(const RunRequest& run, serve::JobContext& job) : run_(run), job_(job) {
    for (size_t i = 0; i < run.symbols.size(); ++i) index_[run.symbols[i]] = static_cast<int>(i);
  }

  Status subscribe(cluster::Bus& bus) {
    for (const std::string& symbol : run_.symbols) {
      auto sub = bus.subscribe(trades_subject(run_.source, symbol), "",
                               [this](const cluster::Message& m) { receive(m.data); });
      if (!sub) return sub.status();
      subscriptions_.push_back(std::move(sub).value());
    }
    return Status::ok();
  }

  void set_engine(const Engine* engine) { engine_ = engine; }

  bool next(TradeEvent& e) override {
    while (true) {
      if (job_.should_stop()) return false;
      report_when_due();
      std::unique_lock lock(mu_);
      if (arrived_.wait_for(lock, std::chrono::milliseconds(200),
                            [&] { return !queue_.empty(); })) {
        e = queue_.front();
        queue_.pop_front();
        return true;
      }
    }
  }

 private:
  // On the bus's thread: a trade as a stream publishes it (stream.hpp, trade_event_json).
  void receive(const std::string& data) {
    auto v = parse_json(data);
    if (!v || !v->is_object()) return;
    const json::object& o = v->as_object();
    const json::value* symbol = o.if_contains("symbol");
    const json::value* price = o.if_contains("price");
    const json::value* size = o.if_contains("size");
    const json::value* time = o.if_contains("ts_event");
    if (!symbol || !symbol->is_string() || !price || !price->is_number() || !size ||
        !size->is_number() || !time || !time->is_string()) {
      return;
    }
    auto it = index_.find(std::string(symbol->as_string()));
    auto ts = parse_utc_time(time->as_string());
    if (it == index_.end() || !ts) return;
    {
      std::lock_guard lock(mu_);
      queue_.push_back(
          TradeEvent{it->second, *ts, price->to_number<double>(), size->to_number<double>()});
    }
    arrived_.notify_one();
  }

  void report_when_due() {
    auto now = std::chrono::steady_clock::now();
    if (engine_ == nullptr || now - last_report_ < std::chrono::seconds(1)) return;
    last_report_ = now;
    job_.report(json::value(result_json(run_, engine_->results(false))), true);
  }

  const RunRequest& run_;
  serve::JobContext& job_;
  std::map<std::string, int> index_;
  const Engine* engine_ = nullptr;
  std::chrono::steady_clock::time_point last_report_{};
  std::mutex mu_;
  std::condition_variable arrived_;
  std::deque<TradeEvent> queue_;
  std::vector<std::unique_ptr<cluster::Subscription>> subscriptions_;  // last: ended first
};

}  // namespace

Status check_paper_run(const RunRequest& run, const ServiceContext& ctx) {
  if (!run.csv.empty()) {
    return invalid_argument("body: a paper run trades live trades; 'csv' is for backtests");
  }
  if (run.sweep) return invalid_argument("body: a sweep is for backtests, not paper runs");
  if (run.symbols.empty()) return invalid_argument("body: give the 'symbols' to trade");
  StreamRequest stream;
  stream.source = run.source;
  stream.symbols = run.symbols;
  auto source = check_stream(stream, ctx.store, ctx.sources);
  return source ? Status::ok() : source.status();
}

Result<std::string> ensure_stream(const ServiceContext& ctx, const RunRequest& run,
                                  const serve::JobOwner& owner) {
  std::set<std::string> carried;
  for (storage::JobState state : {storage::JobState::kPending, storage::JobState::kRunning}) {
    storage::JobQuery q;
    q.kind = "stream";
    q.state = state;
    q.limit = 1000;
    auto streams = ctx.jobs.list(q);
    if (!streams) return streams.status();
    for (const auto& job : *streams) {
      auto params = parse_json(job.params);
      if (!params) continue;
      auto request = StreamRequest::from_params(*params);
      if (!request || request->source != run.source) continue;
      carried.insert(request->symbols.begin(), request->symbols.end());
    }
  }
  StreamRequest stream;
  stream.source = run.source;
  for (const std::string& s : run.symbols) {
    if (!carried.contains(s)) stream.symbols.push_back(s);
  }
  if (stream.symbols.empty()) return std::string();
  auto source = check_stream(stream, ctx.store, ctx.sources);
  if (!source) return source.status();
  serve::JobSpec spec;
  spec.kind = "stream";
  spec.service = "tickscrawler";
  spec.params = stream.to_params();
  spec.owner = owner;
  spec.max_active = kMaxStreams;
  spec.timeout = kStreamTimeLimit;
  auto job = ctx.runner.submit(std::move(spec),
                               stream_work({ctx.store, ctx.cache, ctx.bus}, **source, stream, 0));
  if (!job) return job.status();
  return job->id;
}

serve::JobWork paper_work(const ServiceContext& ctx, RunRequest run) {
  return [&ctx, run = std::move(run)](serve::JobContext& job) -> Result<json::value> {
    std::vector<market::Instrument> instruments;
    for (const std::string& symbol : run.symbols) {
      auto instrument = ctx.store.instruments().instrument({symbol, run.source});
      if (!instrument) return instrument.status();
      instruments.push_back(*instrument);
    }
    auto strategy = make_algorithm(run.algorithm, run.parameters, run.given);
    if (!strategy) return strategy.status();
    BusFeed feed(run, job);
    TC_RETURN_IF_ERROR(feed.subscribe(ctx.bus));
    Engine engine(std::move(instruments), run.interval, run.engine);
    feed.set_engine(&engine);
    BacktestResult result = engine.run_trades(**strategy, feed);
    result.complete = false;  // a paper run ends only when stopped
    return json::value(result_json(run, result));
  };
}

}  // namespace tc::services
