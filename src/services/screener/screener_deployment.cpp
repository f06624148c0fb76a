#include "services/screener/screener_deployment.hpp"

#include <algorithm>
#include <cctype>
#include <thread>

#include "core/json_writer.hpp"
#include "services/common/api_schemas.hpp"
#include "services/common/handler_support.hpp"
#include "services/screener/market_overview.hpp"
#include "services/screener/screen.hpp"

namespace tc::services {
namespace {

using serve::error_response;
using serve::json_response;
using serve::Request;
using serve::Response;

constexpr std::string_view kService = "screener";

enum Route {
  kScreen = 1,
  kFilters,
  kStatus,
  kCustomFilter,
  kGetCustomFilter,
  kDeleteCustomFilter,
  kMarketOverview,
  kCheck,
};

bool is_filter_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '_';
  });
}

json::object filter_json(const storage::FilterRecord& f) {
  return json::object{{"name", f.name},
                      {"expression", f.expression},
                      {"description", f.description},
                      {"builtin", f.builtin}};
}

double elapsed_ms(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - since)
      .count();
}

class ScreenerReplica final : public ServiceReplica<ScreenerOptions> {
 public:
  ScreenerReplica(const ServiceContext& ctx, ScreenerOptions options, serve::ReplicaInfo info)
      : ServiceReplica(kService, ctx, options, std::move(info),
                       json::object{
                           {"max_results", options.max_results},
                           {"refresh_interval_s",
                            std::chrono::duration<double>(options.refresh_interval).count()},
                           {"max_expression_length", options.max_expression_length},
                       }) {}

  Response handle(int route, const Request& request) override {
    switch (route) {
      case kScreen:
        return screen(request);
      case kFilters:
        return filters();
      case kStatus: {
        SeriesCacheStats series = ctx_.series.stats();
        return status("series", to_json(json::object{
                                    {"series_loaded", series.series_loaded},
                                    {"universes_dropped", series.universes_dropped},
                                    {"memory_bytes", series.memory_bytes},
                                    {"memory_budget_bytes", series.memory_budget},
                                }));
      }
      case kCustomFilter:
        return create_custom_filter(request);
      case kGetCustomFilter:
        return get_custom_filter(request);
      case kDeleteCustomFilter:
        return delete_custom_filter(request);
      case kMarketOverview:
        return market_overview(request);
      case kCheck:
        return check(request);
    }
    return error_response(internal_error("unknown route"));
  }

 private:
  // The series of `source` at `interval`; invalid_argument for a source that is neither
  // registered nor has stored bars.
  Result<std::shared_ptr<const SeriesUniverse>> universe(const std::string& source,
                                                         market::Interval interval) {
    auto u = ctx_.series.universe(source, interval);
    if (!u) return u.status();
    if ((*u)->series.empty() && ctx_.sources.find(source) == nullptr) {
      return invalid_argument("unknown source '" + source +
                              "' (GET /api/tickscrawler/sources lists them)");
    }
    return u;
  }

  Response screen(const Request& request) {
    auto started = std::chrono::steady_clock::now();
    auto body = read_json_object(request);
    if (!body) return error_response(body.status());
    auto req = read_screen_request(*body, options_);
    if (!req) return error_response(req.status());
    auto catalog = ctx_.store.catalog().filters();
    if (!catalog) return error_response(catalog.status());
    auto u = universe(req->source, req->interval);
    if (!u) return error_response(u.status());
    auto result = services::screen(*req, **u, *catalog, expression_limits(options_),
                                   static_cast<int>(std::thread::hardware_concurrency()));
    if (!result) return error_response(result.status());
    (*result)["elapsed_ms"] = elapsed_ms(started);
    return json_response(*result);
  }

  Response check(const Request& request) {
    auto body = read_json_object(request);
    if (!body) return error_response(body.status());
    ObjectReader in(*body, "body");
    auto expression = in.required_string("expression", options_.max_expression_length);
    auto as = in.optional_string("as").value_or("any");
    if (auto st = in.finish(); !st.is_ok()) return error_response(st);
    if (as != "any" && as != "condition") {
      return error_response(invalid_argument("field 'as' must be \"any\" or \"condition\""));
    }
    return json_response(
        check_expression(*expression, as == "condition", expression_limits(options_)));
  }

  Response filters() {
    auto known = ctx_.store.catalog().filters();
    if (!known) return error_response(known.status());
    json::array items;
    for (const auto& f : *known) items.push_back(filter_json(f));
    return json_response(json::object{{"count", items.size()}, {"filters", std::move(items)}});
  }

  Response create_custom_filter(const Request& request) {
    auto body = read_json_object(request);
    if (!body) return error_response(body.status());
    ObjectReader r(*body, "body");
    auto name = r.required_string("name", 64);
    auto expression = r.required_string("expression", options_.max_expression_length);
    auto description = r.optional_string("description", 1024);
    Status s = r.finish();
    if (!s.is_ok()) return error_response(s);
    if (!is_filter_name(*name)) {
      return error_response(
          invalid_argument("body: field 'name' must be 1-64 characters of a-z, 0-9 and _"));
    }
    market::ExpressionCompiler compiler(expression_limits(options_));
    auto checked = compiler.add(*expression, market::ValueType::kCondition);
    if (!checked)
      return error_response(invalid_argument("expression: " + checked.status().message()));
    storage::FilterRecord record{*name, *expression, description.value_or(""), false};
    Status stored = ctx_.store.catalog().add_filter(record);
    if (!stored.is_ok()) return error_response(stored);
    Response response = json_response(filter_json(record));
    response.status = 201;
    response.headers.emplace_back("Location", "/api/screener/custom-filter/" + *name);
    return response;
  }

  Result<storage::FilterRecord> named_filter(const Request& request) {
    std::string name(request.path_param("name").value_or(""));
    auto known = ctx_.store.catalog().filters();
    if (!known) return known.status();
    for (auto& f : *known) {
      if (f.name == name) return std::move(f);
    }
    return not_found("no filter named '" + name + "'");
  }

  Response get_custom_filter(const Request& request) {
    auto f = named_filter(request);
    if (!f) return error_response(f.status());
    return json_response(filter_json(*f));
  }

  Response delete_custom_filter(const Request& request) {
    auto f = named_filter(request);
    if (!f) return error_response(f.status());
    if (f->builtin) {
      return error_response(
          failed_precondition("'" + f->name + "' is a built-in filter and cannot be deleted"));
    }
    Status s = ctx_.store.catalog().delete_filter(f->name);
    if (!s.is_ok()) return error_response(s);
    return json_response(json::object{{"deleted", f->name}});
  }

  Response market_overview(const Request& request) {
    std::string source(request.query_param("source").value_or("simulator"));
    if (source.empty() || source.size() > 64) {
      return error_response(invalid_argument("query parameter 'source' must be 1-64 characters"));
    }
    // Cached through the cache interface, so that every replica (and node) shares one answer.
    std::string key = "screener:market-overview:v1:" + source;
    if (auto cached = ctx_.cache.get(key)) {
      Response response = json_response_text(std::move(*cached));
      response.headers.emplace_back("X-Cache", "hit");
      return response;
    }
    auto u = universe(source, market::Interval(86400));
    if (!u) return error_response(u.status());
    OverviewOptions o;
    o.computed_at = ctx_.clock.unix_nanos();
    auto body = services::market_overview(**u, o);
    if (!body) return error_response(body.status());
    (*body)["refresh_interval_s"] =
        std::chrono::duration<double>(options_.refresh_interval).count();
    std::string text = to_json(*body);
    ctx_.cache.put(key, text, options_.refresh_interval);
    Response response = json_response_text(std::move(text));
    response.headers.emplace_back("X-Cache", "miss");
    return response;
  }

  static Response json_response_text(std::string text) {
    Response r;
    r.status = 200;
    r.content_type = "application/json";
    r.body = std::move(text);
    return r;
  }
};

}  // namespace

serve::DeploymentSpec make_screener_deployment(const ServiceContext& ctx, ScreenerOptions options) {
  return deployment_spec<ScreenerReplica>(
      kService,
      {
          {"POST", "/api/screener/screen", kScreen, true, "Screen instruments with filters", "",
           schemas::kScreenRequest, schemas::kScreen},
          {"GET", "/api/screener/filters", kFilters, true, "List filters", "", "",
           schemas::kFilters},
          {"GET", "/api/screener/status", kStatus, false, "Service status", "", "",
           schemas::kServiceStatus},
          {"POST", "/api/screener/custom-filter", kCustomFilter, true, "Create a custom filter", "",
           schemas::kFilterRequest, schemas::kFilter},
          {"GET", "/api/screener/custom-filter/{name}", kGetCustomFilter, true, "Show a filter", "",
           "", schemas::kFilter},
          {"DELETE", "/api/screener/custom-filter/{name}", kDeleteCustomFilter, true,
           "Delete a custom filter"},
          {"GET", "/api/screener/market-overview", kMarketOverview, true, "Market overview",
           schemas::kSourceQuery, "", schemas::kMarketOverview},
          {"POST", "/api/screener/check", kCheck, true,
           "Check an expression without running it (for editors)", "", schemas::kCheckRequest,
           schemas::kCheck},
      },
      ctx, options);
}

}  // namespace tc::services
