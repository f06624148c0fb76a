// `tradecluster backtest`: one run of an algorithm over a CSV file of bars, with no server — the
// engine the API runs, from a shell. The algorithm's parameters are checked against the same
// catalog a node has (its migrations, in a temporary store).
#pragma once

#include <string>
#include <vector>

namespace tc::cli {

struct BacktestFlags {
  std::string algorithm;
  std::string csv;                  // a file of OHLCV bars
  std::vector<std::string> params;  // name=value; a value that is not JSON is text
  std::string symbol;               // for a file without a symbol column (default: its name)
  std::string interval = "1d";
  double initial_capital = 100000;
  double fee_rate = 0;
  double slippage_bps = 0;
  double periods_per_year = 0;  // 0: 365 for crypto (a CSV's default class), 252 for equities
  bool json = false;
};

// Prints the metrics (a table, or the result as JSON) and returns 0; prints the reason and
// returns 2 for bad flags or parameters, 1 when the file cannot be read or holds a bad row.
int run_backtest(const BacktestFlags& flags);

}  // namespace tc::cli
