#include "cli/backtest_command.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cctype>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "core/json.hpp"
#include "services/algorunner/algorithm_parameters.hpp"
#include "services/algorunner/algorithms.hpp"
#include "services/algorunner/run.hpp"
#include "sources/csv_source.hpp"
#include "storage/sqlite/sqlite_store.hpp"

namespace tc::cli {
namespace {

constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;

int fail(const std::string& message, int code) {
  std::cerr << "tradecluster backtest: " << message << "\n";
  return code;
}

// The catalog's declared parameters of `algorithm`, from a store made for the purpose.
Result<json::object> declared_parameters(const std::string& algorithm) {
  std::filesystem::path dir = std::filesystem::temp_directory_path() /
                              ("tradecluster-backtest-" + std::to_string(getpid()));
  Result<json::object> out = not_found("no algorithm named '" + algorithm + "'");
  {
    auto store = storage::SqliteStore::open(dir / "catalog.db");
    if (!store) return store.status();
    auto algorithms = (*store)->catalog().algorithms();
    if (!algorithms) return algorithms.status();
    std::string known;
    for (const auto& a : *algorithms) {
      known += (known.empty() ? "" : ", ") + a.name;
      if (a.name != algorithm) continue;
      auto parsed = parse_json(a.parameters);
      if (parsed && parsed->is_object()) out = parsed->as_object();
    }
    if (!out) out = not_found("no algorithm named '" + algorithm + "' (known: " + known + ")");
  }
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  return out;
}

std::string figure(const json::value& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_int64()) return std::to_string(v.as_int64());
  double d = v.to_number<double>();
  return std::abs(d) >= 1e6 || (d != 0 && std::abs(d) < 1e-3) ? fmt::format("{:.6g}", d)
                                                              : fmt::format("{:.4f}", d);
}

// A symbol made from a file's name: upper case, other characters as '_'.
std::string symbol_from(std::string name) {
  for (char& c : name) {
    c = std::isalnum(static_cast<unsigned char>(c))
            ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
            : '_';
  }
  if (name.size() > 32) name.resize(32);
  return name.empty() ? "CSV" : name;
}

}  // namespace

int run_backtest(const BacktestFlags& flags) {
  services::RunRequest run;
  run.algorithm = flags.algorithm;
  auto interval = market::Interval::parse(flags.interval);
  if (!interval) return fail("--interval must be one of 1s … 1d, not '" + flags.interval + "'", 2);
  run.interval = *interval;
  run.engine.initial_capital = flags.initial_capital;
  run.engine.fee_rate = flags.fee_rate;
  run.engine.slippage_bps = flags.slippage_bps;
  run.engine.periods_per_year = flags.periods_per_year;
  for (const std::string& p : flags.params) {
    auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) return fail("--param takes name=value, not " + p, 2);
    std::string name = p.substr(0, eq), text = p.substr(eq + 1);
    auto value = parse_json(text);
    run.given[name] =
        value && !value->is_object() && !value->is_array() ? *value : json::value(text);
  }
  auto declared = declared_parameters(flags.algorithm);
  if (!declared) return fail(declared.status().message(), kExitUsage);
  auto resolved = services::resolve_parameters(*declared, run.given);
  if (!resolved) return fail(resolved.status().message(), kExitUsage);
  run.parameters = *resolved;
  auto strategy = services::make_algorithm(run.algorithm, run.parameters, run.given);
  if (!strategy) return fail(strategy.status().message(), kExitUsage);

  std::filesystem::path path = std::filesystem::absolute(flags.csv);
  sources::CsvSource csv(path.parent_path());
  market::FetchOptions options;
  options.file = path.filename().string();
  // A file with a symbol column lists its symbols; one without is named by --symbol or its name.
  auto listed = csv.instruments_in(options);
  std::vector<market::Instrument> instruments =
      listed ? *listed : std::vector<market::Instrument>{};
  std::string symbol = !flags.symbol.empty() ? flags.symbol
                       : instruments.empty() ? symbol_from(path.stem().string())
                                             : instruments.front().id.symbol;
  run.symbols = {symbol};
  market::BarSeries series;
  series.instrument.id = {symbol, "csv"};
  for (const auto& i : instruments) {
    if (i.id.symbol == symbol) series.instrument = i;
  }
  series.interval = run.interval;
  Status read =
      csv.fetch_bars(symbol, run.interval,
                     {std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()},
                     options, [&](std::span<const market::Bar> page) {
                       series.append(page);
                       return true;
                     });
  if (!read.is_ok()) return fail(flags.csv + ": " + read.message(), kExitFailed);
  if (series.size() == 0) return fail(flags.csv + " holds no bars", kExitFailed);

  services::Engine engine({series.instrument}, run.interval, run.engine);
  services::BacktestResult result = engine.run_bars(**strategy, {&series, 1});
  json::object body = services::result_json(run, result);
  if (flags.json) {
    std::cout << to_json(body) << "\n";
    return 0;
  }
  std::cout << fmt::format("{} on {} ({} bars of {})\n", run.algorithm, symbol, series.size(),
                           flags.interval);
  for (const auto& [key, value] : body.at("metrics").as_object()) {
    std::cout << fmt::format("  {:<26}{:>20}\n", std::string(key), figure(value));
  }
  return 0;
}

}  // namespace tc::cli
