#include "services/screener/screen.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <numeric>
#include <set>

#include "core/time_parse.hpp"
#include "services/common/handler_support.hpp"

namespace tc::services {
namespace {

bool is_field_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  if (!std::isalpha(static_cast<unsigned char>(name[0])) && name[0] != '_') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

bool same_text_any_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

market::ExpressionLimits expression_limits(const ScreenerOptions& options) {
  market::ExpressionLimits limits;
  limits.max_length = options.max_expression_length;
  return limits;
}

Result<ScreenRequest> read_screen_request(const json::object& body,
                                          const ScreenerOptions& options) {
  ScreenRequest req;
  ObjectReader r(body, "body");
  auto source = r.optional_string("source", 64);
  auto interval = r.optional_string("interval", 8);
  auto symbols = r.optional_string_array("universe", 10000, 32);
  auto sector = r.optional_string("sector", 128);
  auto filters = r.optional_string_array("filters", 50, 64);
  req.expression = r.optional_string("expression", options.max_expression_length);
  const json::object* fields = r.optional_object("fields");
  req.sort_by = r.optional_string("sort_by", options.max_expression_length);
  auto descending = r.optional_bool("descending");
  auto limit = r.optional_int("limit", 1, options.max_results);
  auto as_of = r.optional_string("as_of", 40);
  TC_RETURN_IF_ERROR(r.finish());

  if (source) req.source = *source;
  if (interval) {
    auto parsed = read_interval(*interval, "body: field 'interval'");
    if (!parsed) return parsed.status();
    req.interval = *parsed;
  }

  if (symbols) req.symbols = std::move(*symbols);
  if (sector) req.sector = *sector;
  if (filters) req.filters = std::move(*filters);
  if (descending) req.descending = *descending;
  if (limit) req.limit = static_cast<int>(*limit);
  req.limit = std::min(req.limit, options.max_results);
  if (as_of) {
    auto t = parse_utc_time(*as_of);
    if (!t) return invalid_argument("body: field 'as_of': " + t.status().message());
    req.as_of = *t;
  }
  if (fields) {
    if (fields->size() > 50) return invalid_argument("body: field 'fields' has over 50 fields");
    for (const auto& [name, value] : *fields) {
      std::string key(name);
      if (!is_field_name(key)) {
        return invalid_argument("body: field name '" + key.substr(0, 64) +
                                "' in 'fields' must be 1-64 letters, digits and _");
      }
      if (!value.is_string() || value.as_string().size() > options.max_expression_length) {
        return invalid_argument("body: 'fields." + key + "' must be an expression of at most " +
                                std::to_string(options.max_expression_length) + " characters");
      }
      req.fields.emplace_back(key, std::string(value.as_string()));
    }
  }
  if (req.filters.empty() && !req.expression && !req.sort_by) {
    return invalid_argument("body: give 'filters', an 'expression' or a 'sort_by' to rank by");
  }
  return req;
}

json::value value_json(double v, market::ValueType type) {
  if (!std::isfinite(v)) return nullptr;
  if (type == market::ValueType::kCondition) return v != 0;
  return v;
}

Result<json::object> screen(const ScreenRequest& req, const SeriesUniverse& universe,
                            const std::vector<storage::FilterRecord>& catalog,
                            const market::ExpressionLimits& limits, int threads) {
  market::ExpressionCompiler compiler(limits);
  auto compile = [&](const std::string& text, std::optional<market::ValueType> type,
                     const std::string& what) -> Result<size_t> {
    auto out = type ? compiler.add(text, *type) : compiler.add(text);
    if (!out) return invalid_argument(what + ": " + out.status().message());
    return out;
  };

  std::vector<size_t> conditions;
  for (const std::string& name : req.filters) {
    auto f = std::find_if(catalog.begin(), catalog.end(),
                          [&](const storage::FilterRecord& r) { return r.name == name; });
    if (f == catalog.end()) {
      return invalid_argument("no filter named '" + name +
                              "' (GET /api/screener/filters lists them)");
    }
    auto out = compile(f->expression, market::ValueType::kCondition, "filter '" + name + "'");
    if (!out) return out.status();
    conditions.push_back(*out);
  }
  if (req.expression) {
    auto out = compile(*req.expression, market::ValueType::kCondition, "expression");
    if (!out) return out.status();
    conditions.push_back(*out);
  }
  std::vector<size_t> field_outputs;
  for (const auto& [name, text] : req.fields) {
    auto out = compile(text, std::nullopt, "fields." + name);
    if (!out) return out.status();
    field_outputs.push_back(*out);
  }
  std::optional<size_t> sort_output;
  if (req.sort_by) {
    for (size_t i = 0; i < req.fields.size(); ++i) {
      if (req.fields[i].first == *req.sort_by) sort_output = field_outputs[i];
    }
    if (!sort_output) {
      auto out = compile(*req.sort_by, std::nullopt, "sort_by");
      if (!out) return out.status();
      sort_output = *out;
    }
  }
  market::ExpressionPlan plan = compiler.build();

  // The universe and the bar each instrument is evaluated at.
  std::set<std::string> wanted(req.symbols.begin(), req.symbols.end());
  std::vector<market::ExpressionPlan::Target> targets;
  std::set<std::string> found;
  for (const auto& series : universe.series) {
    const market::Instrument& instrument = series->instrument;
    if (!wanted.empty()) {
      if (!wanted.contains(instrument.id.symbol)) continue;
      found.insert(instrument.id.symbol);  // to name the symbols that have no bars
    }
    if (!req.sector.empty() && !same_text_any_case(instrument.sector, req.sector)) continue;
    std::optional<size_t> bar = req.as_of ? series->bar_at_or_before(*req.as_of)
                                          : std::optional<size_t>(series->size() - 1);
    if (bar) targets.push_back({series.get(), *bar});
  }
  if (found.size() < wanted.size()) {
    std::string missing;
    int shown = 0;
    for (const std::string& s : wanted) {
      if (found.contains(s) || shown == 5) continue;
      missing += (shown++ ? ", " : "") + s;
    }
    return invalid_argument("body: field 'universe': no " + std::string(universe.interval.name()) +
                            " bars of source '" + req.source + "' for " + missing);
  }

  auto values = plan.evaluate(targets, threads);
  if (!values) return values.status();
  const size_t width = plan.outputs();
  auto value = [&](size_t target, size_t output) { return (*values)[target * width + output]; };

  std::vector<size_t> matches;
  int64_t as_of = std::numeric_limits<int64_t>::min();
  for (size_t t = 0; t < targets.size(); ++t) {
    as_of = std::max(as_of, targets[t].series->open_time[targets[t].bar]);
    bool selected = std::all_of(conditions.begin(), conditions.end(),
                                [&](size_t c) { return value(t, c) == 1; });
    if (selected) matches.push_back(t);
  }
  auto symbol = [&](size_t t) -> const std::string& {
    return targets[t].series->instrument.id.symbol;
  };
  if (sort_output) {
    // Missing values last in either direction; ties by symbol.
    std::sort(matches.begin(), matches.end(), [&](size_t a, size_t b) {
      double va = value(a, *sort_output), vb = value(b, *sort_output);
      bool ma = std::isnan(va), mb = std::isnan(vb);
      if (ma != mb) return mb;
      if (!ma && va != vb) return req.descending ? va > vb : va < vb;
      return symbol(a) < symbol(b);
    });
  } else {
    std::sort(matches.begin(), matches.end(),
              [&](size_t a, size_t b) { return symbol(a) < symbol(b); });
  }

  json::array out;
  for (size_t i = 0; i < matches.size() && i < static_cast<size_t>(req.limit); ++i) {
    size_t t = matches[i];
    json::object fields;
    for (size_t f = 0; f < req.fields.size(); ++f) {
      fields[req.fields[f].first] =
          value_json(value(t, field_outputs[f]), plan.output_type(field_outputs[f]));
    }
    const market::Instrument& instrument = targets[t].series->instrument;
    out.push_back(json::object{{"symbol", instrument.id.symbol},
                               {"sector", instrument.sector},
                               {"values", std::move(fields)}});
  }
  json::object body{{"matches", std::move(out)},
                    {"count", matches.size()},
                    {"universe_size", targets.size()},
                    {"source", req.source},
                    {"interval", req.interval.name()}};
  body["as_of"] = targets.empty() ? json::value(nullptr) : json::value(format_utc_time(as_of));
  return body;
}

json::object check_expression(std::string_view text, bool condition,
                              const market::ExpressionLimits& limits) {
  market::ExpressionCompiler compiler(limits);
  auto added = condition ? compiler.add(text, market::ValueType::kCondition) : compiler.add(text);
  if (added) {
    market::ExpressionPlan plan = compiler.build();
    return json::object{{"valid", true},
                        {"type", market::value_type_name(plan.output_type(*added))}};
  }
  json::object error{{"message", added.status().message()}};
  if (auto position = market::error_position(added.status().message())) {
    error["line"] = position->first;
    error["column"] = position->second;
  }
  return json::object{{"valid", false}, {"error", std::move(error)}};
}

}  // namespace tc::services
