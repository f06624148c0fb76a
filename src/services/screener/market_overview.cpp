#include "services/screener/market_overview.hpp"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/time_parse.hpp"
#include "market/expression_plan.hpp"

namespace tc::services {
namespace {

enum Output { kChange, kTraded, kNewHigh, kNewLow, kOutputs };

struct Row {
  const market::BarSeries* series;
  double values[kOutputs];
};

json::object row_json(const Row& r) {
  const market::BarSeries& s = *r.series;
  auto number = [](double v) { return std::isfinite(v) ? json::value(v) : json::value(nullptr); };
  return json::object{{"symbol", s.instrument.id.symbol},
                      {"sector", s.instrument.sector},
                      {"close", s.close.back()},
                      {"volume", s.volume.back()},
                      {"change_pct", number(r.values[kChange])},
                      {"traded_value", number(r.values[kTraded])}};
}

// The first `n` rows by `by`; with `sign` +1 (-1) only rows whose value is above (below) zero.
json::array top(std::vector<const Row*> rows, int n, Output by, bool descending, int sign = 0) {
  rows.erase(std::remove_if(rows.begin(), rows.end(),
                            [&](const Row* r) {
                              double v = r->values[by];
                              return std::isnan(v) || (sign > 0 && v <= 0) || (sign < 0 && v >= 0);
                            }),
             rows.end());
  auto order = [&](const Row* a, const Row* b) {
    if (a->values[by] != b->values[by]) {
      return descending ? a->values[by] > b->values[by] : a->values[by] < b->values[by];
    }
    return a->series->instrument.id.symbol < b->series->instrument.id.symbol;
  };
  size_t k = std::min(rows.size(), static_cast<size_t>(n));
  std::partial_sort(rows.begin(), rows.begin() + k, rows.end(), order);
  json::array out;
  for (size_t i = 0; i < k; ++i) out.push_back(row_json(*rows[i]));
  return out;
}

json::object symbols_where(const std::vector<Row>& rows, Output flag) {
  json::array symbols;
  for (const Row& r : rows) {
    if (r.values[flag] == 1) symbols.push_back(json::value(r.series->instrument.id.symbol));
  }
  return json::object{{"count", symbols.size()}, {"symbols", std::move(symbols)}};
}

}  // namespace

Result<json::object> market_overview(const SeriesUniverse& universe,
                                     const OverviewOptions& options) {
  market::ExpressionCompiler compiler;
  std::string n = std::to_string(options.high_low_bars);
  for (const std::string& text :
       {std::string("pct_change(close, 1)"), std::string("close * volume"),
        "high >= highest(high, " + n + ")", "low <= lowest(low, " + n + ")"}) {
    auto added = compiler.add(text);
    if (!added) return added.status();
  }
  market::ExpressionPlan plan = compiler.build();
  std::vector<market::ExpressionPlan::Target> targets;
  for (const auto& s : universe.series) targets.push_back({s.get(), s->size() - 1});
  auto values = plan.evaluate(targets);
  if (!values) return values.status();

  std::vector<Row> rows(targets.size());
  int64_t as_of = std::numeric_limits<int64_t>::min();
  for (size_t t = 0; t < targets.size(); ++t) {
    rows[t].series = targets[t].series;
    std::copy_n(values->begin() + t * kOutputs, kOutputs, rows[t].values);
    as_of = std::max(as_of, targets[t].series->open_time.back());
  }
  std::vector<const Row*> all;
  for (const Row& r : rows) all.push_back(&r);

  struct Sector {
    int64_t instruments = 0, advancers = 0, decliners = 0, changes = 0;
    double change_sum = 0;
  };
  std::map<std::string, Sector> sectors;
  int64_t advancers = 0, decliners = 0, unchanged = 0;
  for (const Row& r : rows) {
    Sector& sector = sectors[r.series->instrument.sector];
    ++sector.instruments;
    double change = r.values[kChange];
    if (std::isnan(change)) continue;
    ++sector.changes;
    sector.change_sum += change;
    if (change > 0) {
      ++advancers;
      ++sector.advancers;
    } else if (change < 0) {
      ++decliners;
      ++sector.decliners;
    } else {
      ++unchanged;
    }
  }
  std::vector<std::pair<std::string, Sector>> by_sector(sectors.begin(), sectors.end());
  auto average = [](const Sector& s) {
    return s.changes > 0 ? s.change_sum / s.changes : -std::numeric_limits<double>::infinity();
  };
  std::stable_sort(by_sector.begin(), by_sector.end(), [&](const auto& a, const auto& b) {
    return average(a.second) > average(b.second);
  });
  json::array sector_json;
  for (const auto& [name, s] : by_sector) {
    sector_json.push_back(
        json::object{{"sector", name},
                     {"instruments", s.instruments},
                     {"advancers", s.advancers},
                     {"decliners", s.decliners},
                     {"average_change_pct", s.changes > 0 ? json::value(s.change_sum / s.changes)
                                                          : json::value(nullptr)}});
  }

  json::object body{
      {"source", universe.source},
      {"interval", universe.interval.name()},
      {"universe_size", rows.size()},
      {"computed_at", format_utc_time(options.computed_at)},
      {"breadth",
       json::object{{"advancers", advancers}, {"decliners", decliners}, {"unchanged", unchanged}}},
      {"top_gainers", top(all, options.top, kChange, true, +1)},
      {"top_losers", top(all, options.top, kChange, false, -1)},
      {"most_active", top(all, options.top, kTraded, true)},
      {"new_highs", symbols_where(rows, kNewHigh)},
      {"new_lows", symbols_where(rows, kNewLow)},
      {"sectors", std::move(sector_json)},
  };
  body["as_of"] = rows.empty() ? json::value(nullptr) : json::value(format_utc_time(as_of));
  return body;
}

}  // namespace tc::services
