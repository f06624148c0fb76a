// A screen: which instruments of a universe pass some filters, with the values a trader asked
// for, sorted and cut to a limit. The logic behind POST /api/screener/screen, without HTTP.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/json.hpp"
#include "market/expression_plan.hpp"
#include "services/common/bar_series_cache.hpp"
#include "services/screener/screener_options.hpp"
#include "storage/catalog_store.hpp"

namespace tc::services {

struct ScreenRequest {
  std::string source = "simulator";
  market::Interval interval{86400};
  std::vector<std::string> symbols;  // the universe: these symbols only; all when empty
  std::string sector;                // the universe: this sector only (any case); all when empty
  std::vector<std::string> filters;  // names of built-in or custom filters, all must hold
  std::optional<std::string> expression;                    // must hold too
  std::vector<std::pair<std::string, std::string>> fields;  // name -> expression, as given
  std::optional<std::string> sort_by;                       // a field's name or an expression
  bool descending = true;
  int limit = 100;
  std::optional<int64_t> as_of;  // evaluate at the newest bar opening at or before this time
};

// The request in a screen body; invalid_argument naming the field that is wrong. Needs at least
// one of filters, expression or sort_by.
Result<ScreenRequest> read_screen_request(const json::object& body, const ScreenerOptions& options);

// The expression limits of the screener's options.
market::ExpressionLimits expression_limits(const ScreenerOptions& options);

// Screens `universe`. Filters are looked up in `catalog` (invalid_argument for an unknown name);
// every expression is compiled into one plan (invalid_argument with the expression's name and
// the position of the error) and evaluated at each instrument's bar. Returns the response body:
// matches [{symbol, sector, values}], count (all matches), universe_size (instruments
// evaluated), as_of (the newest bar used), source and interval. A large universe is evaluated
// on up to `threads` threads (ExpressionPlan::evaluate).
Result<json::object> screen(const ScreenRequest& request, const SeriesUniverse& universe,
                            const std::vector<storage::FilterRecord>& catalog,
                            const market::ExpressionLimits& limits, int threads = 1);

// Checks one expression without evaluating it, for an editor that checks as the user types:
// {"valid": true, "type": "a condition"} or {"valid": false, "error": {"message", "line",
// "column"}}. With `condition`, an expression of another type is not valid.
json::object check_expression(std::string_view text, bool condition,
                              const market::ExpressionLimits& limits);

// A number or condition as JSON: null when missing (or not finite), true/false for conditions.
json::value value_json(double v, market::ValueType type);

}  // namespace tc::services
