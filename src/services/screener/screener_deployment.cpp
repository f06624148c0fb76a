#include "services/screener/screener_deployment.hpp"

#include <algorithm>
#include <cctype>

#include "services/common/handler_support.hpp"

namespace tc::services {
namespace {

using serve::error_response;
using serve::json_response;
using serve::Request;
using serve::Response;

constexpr std::string_view kService = "screener";

enum Route { kScreen = 1, kFilters, kStatus, kCustomFilter, kMarketOverview };

bool is_filter_name(std::string_view name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return std::islower(static_cast<unsigned char>(c)) ||
           std::isdigit(static_cast<unsigned char>(c)) || c == '_';
  });
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
      case kStatus:
        return status();
      case kCustomFilter:
        return custom_filter(request);
      case kMarketOverview:
        return not_built("the market overview (it needs stored bars)");
    }
    return error_response(internal_error("unknown route"));
  }

 private:
  Response screen(const Request& request) {
    auto body = read_json_object(request);
    if (!body) return error_response(body.status());
    ObjectReader r(*body, "body");
    auto expression = r.optional_string("expression", options_.max_expression_length);
    auto filter_names = r.optional_string_array("filters", 50, 64);
    // Fields read only to check them: they are used once screening lands.
    r.optional_string_array("universe", 10000, 32);
    r.optional_string("source", 64);
    r.optional_string("interval", 8);
    r.optional_int("limit", 1, options_.max_results);
    r.optional_string("sort_by", 256);
    r.optional_bool("descending");
    Status s = r.finish();
    if (!s.is_ok()) return error_response(s);
    if (!expression && (!filter_names || filter_names->empty())) {
      return error_response(invalid_argument("body: give an 'expression' or 'filters'"));
    }
    if (filter_names) {
      auto known = ctx_.store.catalog().filters();
      if (!known) return error_response(known.status());
      for (const std::string& name : *filter_names) {
        bool found = std::any_of(known->begin(), known->end(),
                                 [&](const auto& f) { return f.name == name; });
        if (!found) {
          return error_response(
              not_found("no filter named '" + name + "' (GET /api/screener/filters lists them)"));
        }
      }
    }
    return not_built("screening (the expression language and stored bars)");
  }

  Response filters() {
    auto known = ctx_.store.catalog().filters();
    if (!known) return error_response(known.status());
    json::array items;
    for (const auto& f : *known) {
      items.push_back(json::object{{"name", f.name},
                                   {"expression", f.expression},
                                   {"description", f.description},
                                   {"builtin", f.builtin}});
    }
    return json_response(json::object{{"count", items.size()}, {"filters", std::move(items)}});
  }

  Response custom_filter(const Request& request) {
    auto body = read_json_object(request);
    if (!body) return error_response(body.status());
    ObjectReader r(*body, "body");
    auto name = r.required_string("name", 64);
    auto expression = r.required_string("expression", options_.max_expression_length);
    r.optional_string("description", 1024);  // checked now, stored once filters can be
    Status s = r.finish();
    if (!s.is_ok()) return error_response(s);
    if (!is_filter_name(*name)) {
      return error_response(
          invalid_argument("body: field 'name' must be 1-64 characters of a-z, 0-9 and _"));
    }
    auto known = ctx_.store.catalog().filters();
    if (!known) return error_response(known.status());
    if (std::any_of(known->begin(), known->end(), [&](const auto& f) { return f.name == *name; })) {
      return error_response(already_exists("a filter named '" + *name + "' exists"));
    }
    return not_built("custom filters (the expression language)");
  }
};

}  // namespace

serve::DeploymentSpec make_screener_deployment(const ServiceContext& ctx, ScreenerOptions options) {
  return deployment_spec<ScreenerReplica>(
      kService,
      {
          {"POST", "/api/screener/screen", kScreen, true, "Screen instruments with filters"},
          {"GET", "/api/screener/filters", kFilters, true, "List filters"},
          {"GET", "/api/screener/status", kStatus, false, "Service status"},
          {"POST", "/api/screener/custom-filter", kCustomFilter, true, "Create a custom filter"},
          {"GET", "/api/screener/market-overview", kMarketOverview, true, "Market overview"},
      },
      ctx, options);
}

}  // namespace tc::services
