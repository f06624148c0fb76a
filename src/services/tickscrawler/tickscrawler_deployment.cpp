#include "services/tickscrawler/tickscrawler_deployment.hpp"

#include <algorithm>

#include "core/ids.hpp"
#include "market/instrument.hpp"
#include "services/common/handler_support.hpp"

namespace tc::services {
namespace {

using serve::error_response;
using serve::json_response;
using serve::Request;
using serve::Response;

constexpr std::string_view kService = "tickscrawler";

enum Route { kCrawl = 1, kSources, kStatus, kStream, kStopStream, kHistorical, kStreams, kCrawls };

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
    }
    return error_response(internal_error("unknown route"));
  }

 private:
  // ok when `source` names an enabled data source and every symbol is well formed.
  Status check_source_and_symbols(const std::string& source,
                                  const std::vector<std::string>& symbols) {
    auto known = ctx_.catalog.data_sources();
    if (!known) return known.status();
    auto it =
        std::find_if(known->begin(), known->end(), [&](const auto& s) { return s.name == source; });
    if (it == known->end()) {
      return not_found("no data source named '" + source +
                       "' (GET /api/tickscrawler/sources lists them)");
    }
    if (!it->enabled) return failed_precondition("data source '" + source + "' is disabled");
    for (const std::string& symbol : symbols) {
      if (!market::is_valid_symbol(symbol)) {
        return invalid_argument("invalid symbol '" + symbol +
                                "': 1-32 characters of A-Z, 0-9, _, - or /");
      }
    }
    return Status::ok();
  }

  Response crawl(const Request& request) {
    auto body = read_json_object(request);
    if (!body) return error_response(body.status());
    ObjectReader r(*body, "body");
    auto source = r.required_string("source", 64);
    auto symbols = r.optional_string_array("symbols", 100, 32);
    auto start = r.optional_string("start", 40);
    auto end = r.optional_string("end", 40);
    Status s = r.finish();
    if (s.is_ok() && (!symbols || symbols->empty())) {
      s = invalid_argument("body: field 'symbols' must list at least one symbol");
    }
    if (s.is_ok()) s = read_time_range(start, end, "body: field").status();
    if (s.is_ok()) s = check_source_and_symbols(*source, *symbols);
    if (!s.is_ok()) return error_response(s);
    return not_built("crawling (the market data sources)");
  }

  Response stream(const Request& request) {
    auto body = read_json_object(request);
    if (!body) return error_response(body.status());
    ObjectReader r(*body, "body");
    auto source = r.required_string("source", 64);
    auto symbols = r.optional_string_array("symbols", 100, 32);
    r.optional_number("speed", 0.01, 10000);  // replay speed: checked now, used by replay
    Status s = r.finish();
    if (s.is_ok() && (!symbols || symbols->empty())) {
      s = invalid_argument("body: field 'symbols' must list at least one symbol");
    }
    if (s.is_ok()) s = check_source_and_symbols(*source, *symbols);
    if (!s.is_ok()) return error_response(s);
    return not_built("live streaming (the market data sources)");
  }

  Response stop_stream(const Request& request) {
    std::string id(request.path_param("id").value_or(""));
    if (!is_uuid(id)) return error_response(invalid_argument("stream id must be a UUID"));
    return stop_job(ctx_, "stream", id, "stopped by request");
  }

  Response historical(const Request& request) {
    auto symbol = request.query_param("symbol");
    if (!symbol) return error_response(invalid_argument("query parameter 'symbol' is required"));
    std::string source(request.query_param("source").value_or("simulator"));
    auto limit = query_int(request, "limit", 1000, 1, 100000);
    if (!limit) return error_response(limit.status());
    auto format = request.query_param("format").value_or("json");
    if (format != "json" && format != "csv") {
      return error_response(invalid_argument("query parameter 'format' must be json or csv"));
    }
    Status s =
        read_time_range(request.query_param("start"), request.query_param("end"), "query parameter")
            .status();
    if (s.is_ok()) s = check_source_and_symbols(source, {std::string(*symbol)});
    if (!s.is_ok()) return error_response(s);
    return not_built("historical data (tick storage and resampling)");
  }

  Response sources() {
    auto known = ctx_.catalog.data_sources();
    if (!known) return error_response(known.status());
    json::array items;
    for (const auto& s : *known) {
      auto config = parse_json(s.config);
      items.push_back(json::object{{"name", s.name},
                                   {"kind", s.kind},
                                   {"description", s.description},
                                   {"config", config ? *config : json::object{}},
                                   {"enabled", s.enabled}});
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
          {"POST", "/api/tickscrawler/crawl", kCrawl, true, "Crawl tick data"},
          {"GET", "/api/tickscrawler/sources", kSources, true, "List data sources"},
          {"GET", "/api/tickscrawler/status", kStatus, false, "Service status"},
          {"POST", "/api/tickscrawler/stream", kStream, true, "Start streaming"},
          {"DELETE", "/api/tickscrawler/stream/{id}", kStopStream, true, "Stop a stream"},
          {"GET", "/api/tickscrawler/historical", kHistorical, true, "Historical data"},
          {"GET", "/api/tickscrawler/streams", kStreams, true, "List streams"},
          {"GET", "/api/tickscrawler/crawls", kCrawls, true, "List crawls"},
      },
      ctx, options);
}

}  // namespace tc::services
