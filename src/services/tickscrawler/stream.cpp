#include "services/tickscrawler/stream.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <set>
#include <unordered_set>

#include "core/json_writer.hpp"
#include "core/time_parse.hpp"
#include "market/tick_validator.hpp"
#include "services/common/handler_support.hpp"
#include "services/tickscrawler/source_lookup.hpp"
#include "services/tickscrawler/store_retry.hpp"

namespace tc::services {
namespace {

constexpr size_t kMaxSymbols = 100;
constexpr size_t kBatch = 1000;
constexpr auto kFlushEvery = std::chrono::milliseconds(200);
constexpr auto kLinger = std::chrono::milliseconds(5);
// Ids remembered per symbol to publish each trade once, however often a source re-sends it.
constexpr size_t kRecentIds = 50000;

// Where the feed's thread hands trades to the stream's.
class Inbox {
 public:
  void push(const market::TradeTick& t) {
    std::lock_guard lock(mu_);
    ticks_.push_back(t);
    if (ticks_.size() == 1 || ticks_.size() >= kBatch) cv_.notify_one();
  }
  // The trades that arrived: waits up to `wait` for the first, then up to kLinger for a fuller
  // batch — so a trade is stored and published within milliseconds, and a flood still goes to
  // the store in batches.
  std::vector<market::TradeTick> take(std::chrono::milliseconds wait) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, wait, [&] { return !ticks_.empty(); });
    if (!ticks_.empty()) cv_.wait_for(lock, kLinger, [&] { return ticks_.size() >= kBatch; });
    std::vector<market::TradeTick> out;
    out.swap(ticks_);
    return out;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<market::TradeTick> ticks_;
};

class Stream {
 public:
  Stream(StreamOutputs out, market::Source& source, StreamRequest request, int64_t resume_from)
      : out_(out),
        source_(source),
        request_(std::move(request)),
        resume_from_(resume_from),
        validator_({request_.symbols.begin(), request_.symbols.end()}) {}

  Result<json::value> run(serve::JobContext& ctx) {
    auto inbox = std::make_shared<Inbox>();
    market::LiveOptions live;
    live.speed = request_.speed;
    live.of = request_.of;
    if (request_.start) live.start = *request_.start;
    if (request_.end) live.end = *request_.end;
    auto sub = source_.subscribe(request_.symbols, live,
                                 [inbox](const market::TradeTick& t) { inbox->push(t); });
    if (!sub) return sub.status();
    // Only a source with history can fill what a resumed stream missed.
    if (resume_from_ != 0 && source_.capabilities().trades) TC_RETURN_IF_ERROR(fill_gap(ctx));
    while (!ctx.should_stop()) {
      std::vector<market::TradeTick> batch = inbox->take(kFlushEvery);
      if (ctx.should_stop()) break;  // nothing is stored after a stop
      TC_RETURN_IF_ERROR(take_in(batch, ctx));
      ctx.report(summary());
    }
    sub->reset();
    return summary();
  }

 private:
  // The history a resumed stream missed: from its newest stored trade (or its start) to now.
  Status fill_gap(serve::JobContext& ctx) {
    for (const std::string& symbol : request_.symbols) {
      auto latest = out_.store.ticks().latest_tick({symbol, request_.source});
      if (!latest) return latest.status();
      int64_t from = *latest ? (*latest)->ts_event : resume_from_;
      Status failure;
      Status fetched = source_.fetch_trades(symbol, {from, std::numeric_limits<int64_t>::max()},
                                            [&](std::span<const market::TradeTick> page) {
                                              if (ctx.should_stop()) return false;
                                              failure = take_in(page, ctx);
                                              return failure.is_ok();
                                            });
      TC_RETURN_IF_ERROR(failure);
      TC_RETURN_IF_ERROR(fetched);
      ++gaps_filled_;
    }
    return Status::ok();
  }

  // Stores `ticks`, riding out an outage of the store while new trades wait in the inbox.
  Result<storage::WriteCounts> store(std::span<const market::TradeTick> ticks,
                                     serve::JobContext& ctx) {
    auto written = write_riding_out_outages(
        ctx, [&] { return out_.store.ticks().write_ticks(ticks); },
        [&](const Status& why) {
          store_outage_ = why.message();
          ++store_retries_;
          ctx.report(summary());
        });
    if (written) store_outage_.clear();
    return written;
  }

  Status take_in(std::span<const market::TradeTick> batch, serve::JobContext& ctx) {
    if (batch.empty()) return Status::ok();
    std::vector<market::TradeTick> valid;
    valid.reserve(batch.size());
    for (const market::TradeTick& t : batch) {
      if (validator_.check(t).is_ok()) valid.push_back(t);
    }
    auto written = store(valid, ctx);
    if (!written) return written.status();
    writes_ += *written;
    // Per symbol, the newest trade of the batch and its event, for the cache.
    std::map<std::string, std::pair<int64_t, std::string>> latest;
    for (const market::TradeTick& t : valid) {
      auto& seen = recent_[t.instrument_id.symbol];
      if (!seen.insert(t.trade_id).second) continue;  // published already
      if (seen.size() > kRecentIds) seen.clear();
      std::string event = trade_event_json(t);
      (void)out_.bus.publish(subject_of(t.instrument_id.symbol), event);
      ++published_;
      auto [it, fresh] = latest.try_emplace(t.instrument_id.symbol, t.ts_event, std::string());
      if (fresh || t.ts_event >= it->second.first) it->second = {t.ts_event, std::move(event)};
    }
    for (auto& [symbol, newest] : latest) {
      out_.cache.put(latest_trade_key(request_.source, symbol), std::move(newest.second),
                     Duration::zero());
      last_trade_[symbol] = newest.first;
    }
    return Status::ok();
  }

  // The bus subject of a symbol's trades, made once per symbol.
  const std::string& subject_of(const std::string& symbol) {
    auto [it, fresh] = subjects_.try_emplace(symbol);
    if (fresh) it->second = trades_subject(request_.source, symbol);
    return it->second;
  }

  json::value summary() const {
    json::object reasons;
    for (const auto& [why, n] : validator_.rejected_by_reason()) reasons[why] = n;
    json::object last;
    for (const auto& [symbol, ts] : last_trade_) last[symbol] = format_utc_time(ts);
    return json::object{{"ticks_stored", writes_.written},
                        {"duplicates_skipped", writes_.duplicates},
                        {"rows_rejected", validator_.rejected()},
                        {"rejected_by_reason", std::move(reasons)},
                        {"published", published_},
                        {"gaps_filled", gaps_filled_},
                        {"store_retries", store_retries_},
                        {"store_unavailable", store_outage_},
                        {"last_trade", std::move(last)}};
  }

  StreamOutputs out_;
  market::Source& source_;
  const StreamRequest request_;
  const int64_t resume_from_;
  market::TickValidator validator_;
  storage::WriteCounts writes_;
  int64_t published_ = 0;
  int64_t gaps_filled_ = 0;
  int64_t store_retries_ = 0;  // writes tried again while the store was unavailable
  std::string store_outage_;   // why the store is unavailable now; empty while it answers
  std::map<std::string, std::unordered_set<std::string>> recent_;
  std::map<std::string, int64_t> last_trade_;
  std::map<std::string, std::string> subjects_;
};

}  // namespace

json::object StreamRequest::to_params() const {
  json::array syms;
  for (const auto& s : symbols) syms.push_back(json::value(s));
  json::object out{{"source", source}, {"symbols", std::move(syms)}, {"speed", speed}};
  if (!of.empty()) out["of"] = of;
  if (start) out["start"] = format_utc_time(*start);
  if (end) out["end"] = format_utc_time(*end);
  return out;
}

Result<StreamRequest> StreamRequest::from_params(const json::value& params) {
  if (!params.is_object()) return invalid_argument("stream params are not an object");
  const json::object& p = params.as_object();
  StreamRequest r;
  if (!p.contains("source") || !p.at("source").is_string() || !p.contains("symbols") ||
      !p.at("symbols").is_array()) {
    return invalid_argument("stream params need source and symbols");
  }
  r.source = std::string(p.at("source").as_string());
  for (const auto& s : p.at("symbols").as_array()) {
    if (!s.is_string()) return invalid_argument("stream symbols must be strings");
    r.symbols.emplace_back(s.as_string());
  }
  if (p.contains("speed") && p.at("speed").is_number()) r.speed = p.at("speed").to_number<double>();
  if (p.contains("of") && p.at("of").is_string()) r.of = std::string(p.at("of").as_string());
  for (auto [name, out] : {std::pair{"start", &r.start}, std::pair{"end", &r.end}}) {
    if (!p.contains(name) || !p.at(name).is_string()) continue;
    auto t = parse_utc_time(p.at(name).as_string());
    if (t) *out = *t;
  }
  return r;
}

Result<StreamRequest> read_stream_request(const serve::Request& request) {
  auto body = read_json_object(request);
  if (!body) return body.status();
  ObjectReader r(*body, "body");
  auto source = r.required_string("source", 64);
  auto symbols = r.optional_string_array("symbols", kMaxSymbols, 32);
  auto speed = r.optional_number("speed", 0, 10000);
  auto of = r.optional_string("of", 64);
  auto start = r.optional_string("start", 40);
  auto end = r.optional_string("end", 40);
  TC_RETURN_IF_ERROR(r.finish());
  StreamRequest s;
  s.source = *source;
  s.of = of.value_or("");
  TimeRange range;
  TC_ASSIGN_OR_RETURN(range, read_time_range(start, end, "body: field"));
  if (start) s.start = range.start;
  if (end) s.end = range.end;
  if (!symbols || symbols->empty()) {
    return invalid_argument("body: field 'symbols' must list at least one symbol");
  }
  std::set<std::string> unique;
  for (const std::string& symbol : *symbols) {
    TC_RETURN_IF_ERROR(market::check_symbol(symbol));
    if (unique.insert(symbol).second) s.symbols.push_back(symbol);
  }
  s.speed = speed.value_or(1);
  return s;
}

Result<market::Source*> check_stream(const StreamRequest& stream, storage::Store& store,
                                     const market::SourceRegistry& sources) {
  market::Source* source = nullptr;
  TC_ASSIGN_OR_RETURN(source, find_source(store, sources, stream.source));
  if (!source->capabilities().live) {
    return failed_precondition("the '" + stream.source + "' source has no live feed");
  }
  const bool replay = stream.source == "replay";
  if (replay && (stream.of.empty() || stream.of == "replay")) {
    return invalid_argument("body: field 'of' names the source whose stored trades to replay");
  }
  if (!replay && (!stream.of.empty() || stream.start || stream.end)) {
    return invalid_argument("body: fields 'of', 'start' and 'end' apply to replay only");
  }
  const std::string& listed_by = replay ? stream.of : stream.source;
  std::vector<market::Instrument> copies;
  for (const std::string& symbol : stream.symbols) {
    // A replay's symbols are the replayed source's, which it cannot learn for that source.
    auto instrument = find_instrument(store, replay ? nullptr : source, {symbol, listed_by});
    if (!instrument) return instrument.status();
    instrument->id.source = stream.source;
    copies.push_back(std::move(instrument).value());
  }
  // A replay's trades are kept under its own name: its instruments are the replayed ones'.
  if (replay) TC_RETURN_IF_ERROR(store.instruments().put_instruments(copies));
  return source;
}

serve::JobWork stream_work(StreamOutputs out, market::Source& source, StreamRequest stream,
                           int64_t resume_from) {
  auto work = std::make_shared<Stream>(out, source, std::move(stream), resume_from);
  return [work](serve::JobContext& ctx) { return work->run(ctx); };
}

namespace {

// Runs again the stream `job` a stopped process left active. True when it now runs here.
Result<bool> resume_stream(const ServiceContext& ctx, const storage::JobRecord& job) {
  auto params = parse_json(job.params);
  auto request =
      params ? StreamRequest::from_params(*params) : Result<StreamRequest>(params.status());
  market::Source* source = request ? ctx.sources.find(request->source) : nullptr;
  if (source == nullptr || !source->capabilities().live) {
    (void)ctx.jobs.end(
        job.id, storage::JobState::kFailed, nullptr,
        unavailable("cannot resume after a restart: " +
                    (request ? "the '" + request->source + "' source has no live feed here"
                             : request.status().message())));
    return false;
  }
  int64_t from = job.started_at != 0 ? job.started_at : job.created_at;
  TC_RETURN_IF_ERROR(ctx.runner.resume(
      job, kStreamTimeLimit,
      stream_work({ctx.store, ctx.cache, ctx.bus}, *source, std::move(request).value(), from)));
  return job.state != storage::JobState::kStopping;
}

}  // namespace

Result<int> take_over_streams(const ServiceContext& ctx, const std::string& from_node) {
  storage::JobQuery query;
  query.kind = "stream";
  query.limit = 100000;
  auto jobs = ctx.jobs.list(query);
  if (!jobs) return jobs.status();
  int taken = 0;
  for (const storage::JobRecord& job : *jobs) {
    if (job.owner_node != from_node || storage::is_terminal(job.state)) continue;
    storage::JobTransition take;
    take.from = {storage::JobState::kPending, storage::JobState::kRunning,
                 storage::JobState::kStopping};
    take.owner_node_was = from_node;
    take.owner_node = ctx.node;
    take.owner_replica = "";
    auto mine = ctx.store.jobs().transition(job.id, take);
    if (!mine) continue;  // another node took it, or it ended meanwhile
    auto resumed = resume_stream(ctx, *mine);
    if (!resumed) return resumed.status();
    if (*resumed) ++taken;
  }
  return taken;
}

Result<int> resume_streams(const ServiceContext& ctx) {
  int resumed = 0;
  for (storage::JobState state :
       {storage::JobState::kPending, storage::JobState::kRunning, storage::JobState::kStopping}) {
    storage::JobQuery query;
    query.kind = "stream";
    query.state = state;
    query.limit = 100000;
    auto jobs = ctx.jobs.list(query);
    if (!jobs) return jobs.status();
    for (const storage::JobRecord& job : *jobs) {
      if (job.owner_node != ctx.node) continue;
      auto one = resume_stream(ctx, job);
      if (!one) return one.status();
      if (*one) ++resumed;
    }
  }
  return resumed;
}

std::string trades_subject(std::string_view source, std::string_view symbol) {
  return "tc.v1.data.trades." + std::string(source) + "." + std::string(symbol);
}

std::string latest_trade_key(std::string_view source, std::string_view symbol) {
  return "latest_trade:" + std::string(source) + ":" + std::string(symbol);
}

std::string trade_event_json(const market::TradeTick& t) {
  std::string out;
  out.reserve(200);
  JsonWriter w(out);
  w.begin_object()
      .field("source", t.instrument_id.source)
      .field("symbol", t.instrument_id.symbol)
      .field("trade_id", t.trade_id)
      .field("ts_event", format_utc_time(t.ts_event))
      .key("price")
      .raw(market::to_string(t.price))
      .key("size")
      .raw(market::to_string(t.size))
      .field("aggressor_side", market::aggressor_side_name(t.aggressor_side))
      .end_object();
  return out;
}

}  // namespace tc::services
