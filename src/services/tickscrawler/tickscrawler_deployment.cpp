#include "services/tickscrawler/tickscrawler_deployment.hpp"

#include <algorithm>

#include "core/ids.hpp"
#include "market/instrument.hpp"
#include "services/common/api_schemas.hpp"
#include "services/common/handler_support.hpp"
#include "services/tickscrawler/crawl.hpp"
#include "services/tickscrawler/history.hpp"
#include "services/tickscrawler/source_lookup.hpp"
#include "services/tickscrawler/stream.hpp"

namespace tc::services {
namespace {

using serve::error_response;
using serve::json_response;
using serve::Request;
using serve::Response;

constexpr std::string_view kService = "tickscrawler";
constexpr std::string_view kCrawlsPath = "/api/tickscrawler/crawls/";
constexpr std::string_view kStreamsPath = "/api/tickscrawler/streams/";

enum Route {
  kCrawl = 1,
  kSources,
  kInstruments,
  kStatus,
  kStream,
  kStopStream,
  kHistorical,
  kStreams,
  kCrawls,
  kGetCrawl,
  kStopCrawl,
  kGetStream,
  kStreamEvents,
};

class TickscrawlerReplica final : public ServiceReplica<TickscrawlerOptions> {
 public:
  TickscrawlerReplica(const ServiceContext& ctx, TickscrawlerOptions options,
                      serve::ReplicaInfo info)
      : ServiceReplica(
            kService, ctx, options, std::move(info),
            json::object{
                {"max_crawls", options.max_crawls},
                {"crawl_timeout_s", std::chrono::duration<double>(options.timeout).count()},
                {"max_streams", options.max_streams},
            }) {}

  Response handle(int route, const Request& request) override {
    switch (route) {
      case kCrawl:
        return crawl(request);
      case kSources:
        return sources();
      case kInstruments:
        return instruments(request);
      case kStatus:
        return status();
      case kStream:
        return stream(request);
      case kStopStream:
        return stop_stream(request);
      case kHistorical:
        return historical(request);
      case kStreams:
        return list_jobs(ctx_, kService, "stream", "streams", request);
      case kCrawls:
        return list_jobs(ctx_, kService, "crawl", "crawls", request);
      case kGetCrawl:
        return get_job(ctx_, "crawl", request);
      case kStopCrawl:
        return stop_crawl(request);
      case kGetStream:
        return get_job(ctx_, "stream", request);
      case kStreamEvents:
        return stream_events(request);
    }
    return error_response(internal_error("unknown route"));
  }

 private:
  Response crawl(const Request& request) {
    auto crawl = read_crawl_request(request);
    if (!crawl) return error_response(crawl.status());
    // A file import runs where the files are: on the head.
    if (crawl->source == "csv" && ctx_.on_head) return ctx_.on_head(kCrawl, request);
    auto source = check_crawl(*crawl, ctx_.store, ctx_.sources, ctx_.clock);
    if (!source) return error_response(source.status());
    serve::JobSpec spec;
    spec.kind = "crawl";
    spec.service = std::string(kService);
    spec.params = crawl->to_params();
    spec.owner = {info_.replica_id, ctx_.node};
    spec.max_active = options_.max_crawls;
    spec.timeout = options_.timeout;
    bool wait = crawl->wait;
    auto job =
        ctx_.runner.submit(std::move(spec), crawl_work(ctx_.store, **source, std::move(*crawl)));
    if (!job) return error_response(job.status());
    return job_accepted(ctx_, *job, wait, request.deadline, kCrawlsPath);
  }

  Response stop_crawl(const Request& request) {
    std::string id(request.path_param("id").value_or(""));
    if (!is_uuid(id)) return error_response(invalid_argument("crawl id must be a UUID"));
    return stop_job(ctx_, "crawl", id, "stopped by request");
  }

  Response stream(const Request& request) {
    auto stream = read_stream_request(request);
    if (!stream) return error_response(stream.status());
    auto source = check_stream(*stream, ctx_.store, ctx_.sources);
    if (!source) return error_response(source.status());
    serve::JobSpec spec;
    spec.kind = "stream";
    spec.service = std::string(kService);
    spec.params = stream->to_params();
    spec.owner = {info_.replica_id, ctx_.node};
    spec.max_active = options_.max_streams;
    spec.timeout = kStreamTimeLimit;
    auto job = ctx_.runner.submit(std::move(spec), stream_work({ctx_.store, ctx_.cache, ctx_.bus},
                                                               **source, std::move(*stream), 0));
    if (!job) return error_response(job.status());
    return job_accepted(ctx_, *job, false, request.deadline, kStreamsPath);
  }

  // The live trades of a stream as server-sent events: answered with a subscription that the
  // gateway relays, so this replica's slot is free at once.
  Response stream_events(const Request& request) {
    std::string id(request.path_param("id").value_or(""));
    if (!is_uuid(id)) return error_response(invalid_argument("stream id must be a UUID"));
    auto job = ctx_.jobs.get(id);
    if (!job) return error_response(job.status());
    if (job->kind != "stream") return error_response(not_found("no stream " + id));
    if (storage::is_terminal(job->state)) {
      return error_response(failed_precondition("stream " + id + " has ended (" +
                                                std::string(storage::job_state_name(job->state)) +
                                                ")"));
    }
    auto params = parse_json(job->params);
    auto stream =
        params ? StreamRequest::from_params(*params) : Result<StreamRequest>(params.status());
    if (!stream)
      return error_response(internal_error("stream params: " + stream.status().message()));
    Response r;
    r.content_type = "text/event-stream";
    for (const std::string& symbol : stream->symbols) {
      r.relay_subjects.push_back(trades_subject(stream->source, symbol));
    }
    r.relay_end_subject = serve::JobRegistry::ended_subject(id);
    r.relay_event_name = "trade";
    return r;
  }

  Response stop_stream(const Request& request) {
    std::string id(request.path_param("id").value_or(""));
    if (!is_uuid(id)) return error_response(invalid_argument("stream id must be a UUID"));
    return stop_job(ctx_, "stream", id, "stopped by request");
  }

  Response historical(const Request& request) {
    auto query = read_history_request(request);
    if (!query) return error_response(query.status());
    auto instrument = find_instrument(ctx_.store, nullptr, query->id);
    if (!instrument) return error_response(instrument.status());
    auto answer = answer_history(ctx_.store, *query, *instrument);
    if (!answer) return error_response(answer.status());
    return std::move(answer).value();
  }

  Response instruments(const Request& request) {
    storage::InstrumentQuery q;
    q.source = std::string(request.query_param("source").value_or("simulator"));
    q.search = std::string(request.query_param("search").value_or(""));
    q.sector = std::string(request.query_param("sector").value_or(""));
    q.after = std::string(request.query_param("cursor").value_or(""));
    if (q.search.size() > 64) {
      return error_response(invalid_argument("query parameter 'search' is longer than 64"));
    }
    if (auto c = request.query_param("asset_class")) {
      q.asset_class = market::parse_asset_class(*c);
      if (!q.asset_class) {
        return error_response(
            invalid_argument("query parameter 'asset_class' must be crypto, equity, fx or future"));
      }
    }
    auto limit = query_int(request, "limit", 100, 1, 10000);
    if (!limit) return error_response(limit.status());
    q.limit = static_cast<int>(*limit) + 1;  // one more says whether there is a next page
    auto known = ctx_.store.catalog().data_sources();
    if (!known) return error_response(known.status());
    if (std::none_of(known->begin(), known->end(),
                     [&](const auto& s) { return s.name == q.source; })) {
      return error_response(not_found("no data source named '" + q.source +
                                      "' (GET /api/tickscrawler/sources lists them)"));
    }
    auto found = ctx_.store.instruments().instruments(q);
    if (!found) return error_response(found.status());
    json::value next = nullptr;
    if (static_cast<int64_t>(found->size()) > *limit) {
      found->pop_back();
      next = json::value(found->back().id.symbol);
    }
    auto total = ctx_.store.instruments().count_instruments(q.source);
    if (!total) return error_response(total.status());
    json::array items;
    for (const market::Instrument& i : *found) {
      items.push_back(json::object{{"symbol", i.id.symbol},
                                   {"source", i.id.source},
                                   {"id", i.id.to_string()},
                                   {"name", i.name},
                                   {"asset_class", market::asset_class_name(i.asset_class)},
                                   {"sector", i.sector},
                                   {"currency", i.currency},
                                   {"price_precision", i.price_precision},
                                   {"size_precision", i.size_precision}});
    }
    return json_response(json::object{{"source", q.source},
                                      {"total", *total},
                                      {"count", items.size()},
                                      {"instruments", std::move(items)},
                                      {"next_cursor", std::move(next)}});
  }

  Response sources() {
    auto known = ctx_.store.catalog().data_sources();
    if (!known) return error_response(known.status());
    json::array items;
    for (const auto& s : *known) {
      auto config = parse_json(s.config);
      const market::Source* built = ctx_.sources.find(s.name);
      market::SourceCapabilities can = built ? built->capabilities() : market::SourceCapabilities{};
      auto count = ctx_.store.instruments().count_instruments(s.name);
      items.push_back(json::object{{"name", s.name},
                                   {"kind", s.kind},
                                   {"description", s.description},
                                   {"config", config ? *config : json::object{}},
                                   {"enabled", s.enabled},
                                   {"available", built != nullptr},
                                   {"capabilities", json::object{{"trades", can.trades},
                                                                 {"bars", can.bars},
                                                                 {"live", can.live},
                                                                 {"files", can.files}}},
                                   {"instruments", count ? *count : 0}});
    }
    return json_response(json::object{{"count", items.size()}, {"sources", std::move(items)}});
  }
};

}  // namespace

serve::DeploymentSpec make_tickscrawler_deployment(const ServiceContext& ctx,
                                                   TickscrawlerOptions options) {
  return deployment_spec<TickscrawlerReplica>(
      kService,
      {
          {"POST", "/api/tickscrawler/crawl", kCrawl, true, "Crawl history from a source (a job)",
           "", schemas::kCrawlRequest, schemas::kJob},
          {"GET", "/api/tickscrawler/sources", kSources, true, "List data sources", "", "",
           schemas::kSources},
          {"GET", "/api/tickscrawler/instruments", kInstruments, true,
           "List a source's instruments", schemas::kInstrumentsQuery, "", schemas::kInstruments},
          {"GET", "/api/tickscrawler/status", kStatus, false, "Service status", "", "",
           schemas::kServiceStatus},
          {"POST", "/api/tickscrawler/stream", kStream, true,
           "Start a stream of live trades (a job)", "", schemas::kStreamRequest, schemas::kJob},
          {"DELETE", "/api/tickscrawler/stream/{id}", kStopStream, true, "Stop a stream", "", "",
           schemas::kJob},
          {"GET", "/api/tickscrawler/stream/{id}/events", kStreamEvents, true,
           "A stream's trades as server-sent events", "", "", schemas::kTradeEvents},
          {"GET", "/api/tickscrawler/historical", kHistorical, true, "Historical trades or bars",
           schemas::kHistoricalQuery, "", schemas::kHistorical},
          {"GET", "/api/tickscrawler/streams", kStreams, true, "List streams", schemas::kJobQuery,
           "", schemas::kJobList},
          {"GET", "/api/tickscrawler/streams/{id}", kGetStream, true, "One stream", "", "",
           schemas::kJob},
          {"GET", "/api/tickscrawler/crawls", kCrawls, true, "List crawls", schemas::kJobQuery, "",
           schemas::kJobList},
          {"GET", "/api/tickscrawler/crawls/{id}", kGetCrawl, true, "One crawl", "", "",
           schemas::kJob},
          {"DELETE", "/api/tickscrawler/crawls/{id}", kStopCrawl, true, "Stop a crawl", "", "",
           schemas::kJob},
      },
      ctx, options);
}

}  // namespace tc::services
