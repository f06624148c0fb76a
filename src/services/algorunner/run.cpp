#include "services/algorunner/run.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

#include "core/time_parse.hpp"
#include "services/algorunner/algorithm_parameters.hpp"
#include "services/algorunner/algorithms.hpp"
#include "services/algorunner/paper_run.hpp"
#include "services/common/handler_support.hpp"

namespace tc::services {
namespace {

std::string range_text(const RunRequest& r) {
  std::string from =
      r.start == std::numeric_limits<int64_t>::min() ? "the start" : format_utc_time(r.start);
  std::string to = r.end == std::numeric_limits<int64_t>::max() ? "now" : format_utc_time(r.end);
  return "from " + from + " to " + to;
}

market::FetchOptions csv_options(const RunRequest& r) {
  market::FetchOptions o;
  o.file = r.csv;
  o.symbols_named = !r.symbols.empty();
  return o;
}

// One series per symbol: from the CSV file, or from the bar store.
Result<std::vector<market::BarSeries>> load_series(const ServiceContext& ctx,
                                                   const RunRequest& run) {
  std::vector<market::BarSeries> out;
  for (const std::string& symbol : run.symbols) {
    market::BarSeries s;
    s.interval = run.interval;
    s.instrument.id = {symbol, run.csv.empty() ? run.source : "csv"};
    if (run.csv.empty()) {
      auto instrument = ctx.store.instruments().instrument(s.instrument.id);
      if (instrument) s.instrument = *instrument;
      storage::BarQuery q;
      q.id = s.instrument.id;
      q.interval = run.interval;
      q.start = run.start;
      q.end = run.end;
      auto bars = ctx.store.bars().bars(q);
      if (!bars) return bars.status();
      s.append(*bars);
    } else {
      market::Source* csv = ctx.sources.find("csv");
      if (csv == nullptr) return unavailable("the csv source is not available on this node");
      Status read = csv->fetch_bars(symbol, run.interval, {run.start, run.end}, csv_options(run),
                                    [&](std::span<const market::Bar> page) {
                                      s.append(page);
                                      return true;
                                    });
      if (!read.is_ok()) return Status(read.code(), "'" + run.csv + "': " + read.message());
    }
    out.push_back(std::move(s));
  }
  return out;
}

constexpr size_t kMaxCombinations = 1000;

// The combinations of a sweep: the cartesian product of its values, over the given parameters.
Status expand_sweep(RunRequest& run, const json::object& declared) {
  if (run.sweep->empty()) return invalid_argument("body: field 'sweep' names no parameter");
  std::vector<json::object> combos{run.given};
  for (const auto& [key, values] : *run.sweep) {
    std::string name(key);
    if (!declared.contains(name)) {
      return invalid_argument("body: 'sweep." + name + "' is not a parameter of '" + run.algorithm +
                              "'");
    }
    if (!values.is_array() || values.as_array().empty() || values.as_array().size() > 100) {
      return invalid_argument("body: 'sweep." + name + "' must be a list of 1 to 100 values");
    }
    std::vector<json::object> next;
    for (const json::object& base : combos) {
      for (const json::value& v : values.as_array()) {
        json::object c = base;
        c[name] = v;
        next.push_back(std::move(c));
      }
      if (next.size() > kMaxCombinations) {
        return invalid_argument("body: the sweep has over " + std::to_string(kMaxCombinations) +
                                " combinations");
      }
    }
    combos = std::move(next);
  }
  size_t runnable = 0;
  for (json::object& given : combos) {
    auto resolved = resolve_parameters(declared, given);
    if (!resolved) return invalid_argument("body: sweep: " + resolved.status().message());
    RunRequest::Combination c{std::move(given), std::move(resolved).value(), ""};
    auto strategy = make_algorithm(run.algorithm, c.parameters, c.given);
    if (!strategy) {
      c.error = strategy.status().message();
    } else {
      ++runnable;
    }
    run.combinations.push_back(std::move(c));
  }
  if (runnable == 0) {
    return invalid_argument("body: no combination of the sweep can run: " +
                            run.combinations.front().error);
  }
  return Status::ok();
}

// Runs every combination on up to `threads` threads; each row has its parameters and metrics.
json::array run_sweep(const RunRequest& run, std::span<const market::BarSeries> series,
                      const std::vector<market::Instrument>& instruments, serve::JobContext& job) {
  const size_t n = run.combinations.size();
  std::vector<std::optional<BacktestResult>> results(n);
  std::atomic<size_t> next{0}, done{0};
  std::atomic<bool> stop{false};
  auto worker = [&] {
    for (size_t i = next++; i < n && !stop; i = next++) {
      const auto& c = run.combinations[i];
      if (c.error.empty()) {
        auto strategy = make_algorithm(run.algorithm, c.parameters, c.given);
        if (strategy) {
          Engine engine(instruments, run.interval, run.engine);
          RunControl control;
          control.should_stop = [&] { return stop.load(); };
          results[i] = engine.run_bars(**strategy, series, control);
        }
      }
      ++done;
    }
  };
  size_t threads = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, n);
  std::vector<std::thread> pool;
  for (size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
  // The job's own thread watches for a stop and reports progress while the workers run.
  while (done < n) {
    if (job.should_stop()) stop = true;
    job.set_progress(static_cast<double>(done) / static_cast<double>(n));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (std::thread& t : pool) t.join();
  json::array table;
  for (size_t i = 0; i < n; ++i) {
    json::object row{{"parameters", run.combinations[i].parameters}};
    if (!run.combinations[i].error.empty()) {
      row["error"] = run.combinations[i].error;
    } else if (results[i]) {
      row["metrics"] = metrics_json(results[i]->metrics);
      row["complete"] = results[i]->complete;
    } else {
      row["error"] = "not run: the sweep was stopped first";
    }
    table.push_back(std::move(row));
  }
  return table;
}

}  // namespace

json::object RunRequest::to_params() const {
  json::array names;
  for (const auto& s : symbols) names.push_back(json::value(s));
  json::object p{{"algorithm", algorithm},
                 {"symbols", std::move(names)},
                 {"parameters", parameters},
                 {"mode", mode},
                 {"source", csv.empty() ? source : "csv"},
                 {"interval", interval.name()},
                 {"initial_capital", engine.initial_capital},
                 {"fee_rate", engine.fee_rate},
                 {"slippage_bps", engine.slippage_bps}};
  if (start != std::numeric_limits<int64_t>::min()) p["start"] = format_utc_time(start);
  if (end != std::numeric_limits<int64_t>::max()) p["end"] = format_utc_time(end);
  if (!csv.empty()) p["csv"] = csv;
  if (!request_id.empty()) p["request_id"] = request_id;
  if (sweep) p["sweep"] = *sweep;
  return p;
}

Result<RunRequest> read_run_request(const serve::Request& request) {
  auto body = read_json_object(request);
  if (!body) return body.status();
  RunRequest run;
  ObjectReader r(*body, "body");
  auto algorithm = r.required_string("algorithm", 64);
  auto symbols = r.optional_string_array("symbols", 500, 32);
  const json::object* parameters = r.optional_object("parameters");
  auto start = r.optional_string("start", 40);
  auto end = r.optional_string("end", 40);
  auto mode = r.optional_string("mode", 16);
  auto source = r.optional_string("source", 64);
  auto interval = r.optional_string("interval", 8);
  auto capital = r.optional_number("initial_capital", 1, 1e12);
  auto request_id = r.optional_string("request_id", 128);
  auto fee_rate = r.optional_number("fee_rate", 0, 0.1);
  auto slippage = r.optional_number("slippage_bps", 0, 1000);
  auto csv = r.optional_string("csv", 256);
  auto wait = r.optional_bool("wait");
  const json::object* sweep = r.optional_object("sweep");
  TC_RETURN_IF_ERROR(r.finish());

  run.algorithm = *algorithm;
  if (symbols) run.symbols = std::move(*symbols);
  if (parameters) run.given = *parameters;
  if (mode) {
    if (*mode != "backtest" && *mode != "paper") {
      return invalid_argument("body: field 'mode' must be 'backtest' or 'paper'");
    }
    run.mode = *mode;
  }
  auto range = read_time_range(start, end, "body: field");
  if (!range) return range.status();
  run.start = range->start;
  run.end = range->end;
  if (source) run.source = *source;
  if (interval) {
    auto parsed = read_interval(*interval, "body: field 'interval'");
    if (!parsed) return parsed.status();
    run.interval = *parsed;
  }

  if (capital) run.engine.initial_capital = *capital;
  if (fee_rate) run.engine.fee_rate = *fee_rate;
  if (slippage) run.engine.slippage_bps = *slippage;
  if (request_id) run.request_id = *request_id;
  if (csv) run.csv = *csv;
  if (wait) run.wait = *wait;
  if (sweep != nullptr) run.sweep = *sweep;
  return run;
}

Status check_run(RunRequest& run, const ServiceContext& ctx) {
  auto catalog = ctx.store.catalog().algorithms();
  if (!catalog) return catalog.status();
  auto found = std::find_if(catalog->begin(), catalog->end(),
                            [&](const auto& a) { return a.name == run.algorithm; });
  if (found == catalog->end()) {
    return not_found("no algorithm named '" + run.algorithm +
                     "' (GET /api/algorunner/algorithms lists them)");
  }
  auto declared = parse_json(found->parameters);
  if (!declared || !declared->is_object()) {
    return internal_error("catalog: the parameters of '" + run.algorithm + "' are malformed");
  }
  auto resolved = resolve_parameters(declared->get_object(), run.given);
  if (!resolved) return resolved.status();
  run.parameters = std::move(resolved).value();
  if (run.sweep) {
    TC_RETURN_IF_ERROR(expand_sweep(run, declared->get_object()));
  } else {
    auto strategy = make_algorithm(run.algorithm, run.parameters, run.given);
    if (!strategy) {
      if (strategy.status().code() == StatusCode::kNotFound) {
        return unimplemented("'" + run.algorithm +
                             "' is in the catalog but not built into this "
                             "binary");
      }
      return strategy.status();
    }
  }
  if (run.mode == "paper") return check_paper_run(run, ctx);

  if (!run.csv.empty()) {
    market::Source* csv = ctx.sources.find("csv");
    if (csv == nullptr) return unavailable("the csv source is not available on this node");
    Status ok = csv->check_fetch(csv_options(run), true);
    if (!ok.is_ok()) return ok;
    if (run.symbols.empty()) {
      auto listed = csv->instruments_in(csv_options(run));
      if (!listed) return listed.status();
      for (const auto& i : *listed) run.symbols.push_back(i.id.symbol);
    }
    if (run.symbols.empty()) return invalid_argument("'" + run.csv + "' holds no bars");
    return Status::ok();
  }
  if (ctx.sources.find(run.source) == nullptr) {
    return not_found("no source named '" + run.source +
                     "' (GET /api/tickscrawler/sources lists them)");
  }
  if (run.symbols.empty()) return invalid_argument("body: give the 'symbols' to run on");
  for (const std::string& symbol : run.symbols) {
    storage::BarQuery q;
    q.id = {symbol, run.source};
    q.interval = run.interval;
    q.start = run.start;
    q.end = run.end;
    q.limit = 1;
    auto any = ctx.store.bars().bars(q);
    if (!any) return any.status();
    if (any->empty()) {
      return invalid_argument("no " + std::string(run.interval.name()) + " bars of '" + symbol +
                              "' from source '" + run.source + "' " + range_text(run) +
                              " (crawl them first, or import a CSV)");
    }
  }
  return Status::ok();
}

json::object result_json(const RunRequest& run, const BacktestResult& r) {
  json::array curve;
  for (const EquityPoint& p : r.equity_curve) {
    curve.push_back(json::object{{"time", format_utc_time(p.time)}, {"equity", p.equity}});
  }
  json::array trades;
  for (const ClosedTrade& t : r.trades) {
    trades.push_back(json::object{{"symbol", run.symbols[t.instrument]},
                                  {"side", t.long_side ? "long" : "short"},
                                  {"quantity", t.quantity},
                                  {"entry_time", format_utc_time(t.entry_time)},
                                  {"entry_price", t.entry_price},
                                  {"exit_time", format_utc_time(t.exit_time)},
                                  {"exit_price", t.exit_price},
                                  {"pnl", t.pnl},
                                  {"fees", t.fees}});
  }
  return json::object{{"metrics", metrics_json(r.metrics)},
                      {"equity_curve", std::move(curve)},
                      {"trades", std::move(trades)},
                      {run.mode == "paper" ? "trades_processed" : "bars_processed", r.events},
                      {"orders_rejected", r.orders_rejected},
                      {"complete", r.complete}};
}

serve::JobWork run_work(const ServiceContext& ctx, RunRequest run) {
  return [&ctx, run = std::move(run)](serve::JobContext& job) -> Result<json::value> {
    auto series = load_series(ctx, run);
    if (!series) return series.status();
    std::vector<market::Instrument> instruments;
    for (const auto& s : *series) instruments.push_back(s.instrument);
    if (run.sweep) {
      json::array table = run_sweep(run, *series, instruments, job);
      job.set_progress(1);
      return json::value(json::object{{"combinations", table.size()}, {"sweep", std::move(table)}});
    }
    auto strategy = make_algorithm(run.algorithm, run.parameters, run.given);
    if (!strategy) return strategy.status();
    Engine engine(std::move(instruments), run.interval, run.engine);
    RunControl control;
    control.should_stop = [&] { return job.should_stop(); };
    // The metrics so far are stored about once a second, for GET /runs/{id} while it runs.
    auto reported = std::chrono::steady_clock::now();
    control.progress = [&](double p) {
      job.set_progress(p);
      auto now = std::chrono::steady_clock::now();
      if (now - reported < std::chrono::seconds(1)) return;
      reported = now;
      job.report(json::value(result_json(run, engine.results(false))), true);
    };
    BacktestResult result = engine.run_bars(**strategy, *series, control);
    job.set_progress(1);
    return json::value(result_json(run, result));
  };
}

}  // namespace tc::services
