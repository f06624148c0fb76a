// Algorithm runs: a backtest of a built-in algorithm over stored bars (or a CSV file of bars), as
// a background job.
//
// A RunRequest is read from the body of POST /api/algorunner/run and checked in full up front —
// the algorithm and its parameters, the source, the symbols and that the range holds bars, or the
// CSV file — so that a bad request is refused with a 4xx before any job exists. run_work() is
// the job: it loads the bars, runs the engine, reports progress, and stops when asked (or at the
// time limit) with the results of the bars it has processed.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/json.hpp"
#include "market/interval.hpp"
#include "serve/job_runner.hpp"
#include "serve/request.hpp"
#include "services/algorunner/engine.hpp"
#include "services/common/service_context.hpp"

namespace tc::services {

struct RunRequest {
  std::string algorithm;
  std::vector<std::string> symbols;
  json::object given;       // parameters as the request gave them
  json::object parameters;  // with the catalog's defaults
  int64_t start = std::numeric_limits<int64_t>::min();
  int64_t end = std::numeric_limits<int64_t>::max();
  std::string mode = "backtest";
  std::string source = "simulator";
  market::Interval interval{86400};
  EngineOptions engine;
  std::string request_id;
  std::string csv;  // a file of bars in the import directory, instead of stored history
  bool wait = false;
  std::optional<json::object> sweep;  // parameter -> the values to try

  // A sweep's combinations, in order: as given and with defaults; or why one cannot run.
  struct Combination {
    json::object given, parameters;
    std::string error;
  };
  std::vector<Combination> combinations;

  json::object to_params() const;
};

// Reads the body; invalid_argument naming the field for a malformed body.
Result<RunRequest> read_run_request(const serve::Request& request);

// Checks the request against the catalog and the data: not_found for an unknown algorithm,
// source, symbol or file; invalid_argument for bad or contradictory parameters or a range with
// no bars; unimplemented for what is not built yet (paper runs). Fills in the parameters, a
// sweep's combinations (at most 1000; one that contradicts itself, such as slow_period <=
// fast_period, is kept with its error; a sweep where none can run is refused) and, for a CSV
// file with a symbol column, its symbols.
Status check_run(RunRequest& run, const ServiceContext& ctx);

// The run job's work; its result holds metrics, the equity curve and the closed trades — or for
// a sweep, a table of every combination's metrics, run in parallel on the cores.
serve::JobWork run_work(const ServiceContext& ctx, RunRequest run);

// A run's result as JSON.
json::object result_json(const RunRequest& run, const BacktestResult& result);

}  // namespace tc::services
