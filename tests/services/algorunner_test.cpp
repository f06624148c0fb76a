#include <gtest/gtest.h>

#include <fstream>
#include <optional>

#include "market/reference_indicators.hpp"
#include "services/service_fixture.hpp"
#include "services/tickscrawler/stream.hpp"
#include "support/wait.hpp"

namespace tc::services {
namespace {

class AlgorunnerTest : public ServiceFixture {
 protected:
  std::vector<market::Bar> stored(const std::string& symbol) {
    storage::BarQuery q;
    q.id = {symbol, "simulator"};
    auto bars = store_->bars().bars(q);
    EXPECT_TRUE(bars.is_ok());
    return bars.is_ok() ? *bars : std::vector<market::Bar>{};
  }

  json::object run(const std::string& request, int status = 200) {
    serve::Response r = call("POST", "/api/algorunner/run", request);
    EXPECT_EQ(r.status, status) << request << " -> " << r.body;
    return body(r);
  }

  void refused(const std::string& request, int status, const std::string& reason) {
    serve::Response r = call("POST", "/api/algorunner/run", request);
    EXPECT_EQ(r.status, status) << request << " -> " << r.body;
    EXPECT_NE(r.body.find(reason), std::string::npos) << request << " -> " << r.body;
  }
};

TEST_F(AlgorunnerTest, ABacktestOnStoredBarsAgreesWithAPlainLoop) {
  std::string symbol = equity();
  json::object job = run(R"({"algorithm": "sma_crossover", "symbols": [")" + symbol +
                         R"("], "parameters": {"fast_period": 3, "slow_period": 7, "quantity": 10},
                            "initial_capital": 10000, "wait": true})");
  ASSERT_EQ(job.at("state").as_string(), "succeeded") << to_json(job);
  const json::object& metrics = job.at("result").at("metrics").as_object();

  // The convention spelled out: signals from textbook averages, fills at the next open.
  auto bars = stored(symbol);
  market::reference::Series close, open;
  for (const auto& b : bars) {
    close.push_back(b.close.to_double());
    open.push_back(b.open.to_double());
  }
  auto fast = market::reference::sma(close, 3), slow = market::reference::sma(close, 7);
  auto up = market::reference::cross(fast, slow, true);
  auto down = market::reference::cross(fast, slow, false);
  double cash = 10000, position = 0;
  int fills = 0;
  std::optional<int> pending;
  for (size_t i = 0; i < bars.size(); ++i) {
    if (pending) {
      cash -= *pending * 10 * open[i];
      position += *pending * 10;
      ++fills;
      pending.reset();
    }
    if (up[i] == 1 && position == 0) pending = 1;
    if (down[i] == 1 && position > 0) pending = -1;
  }
  EXPECT_EQ(metrics.at("num_fills").as_int64(), fills);
  EXPECT_NEAR(metrics.at("final_equity").to_number<double>(), cash + position * close.back(), 1e-6);
  EXPECT_EQ(metrics.at("bars").as_int64(), static_cast<int64_t>(bars.size()));
  EXPECT_FALSE(job.at("result").at("equity_curve").as_array().empty());
}

TEST_F(AlgorunnerTest, EveryBuiltInAlgorithmRuns) {
  auto algorithms = body(call("GET", "/api/algorunner/algorithms")).at("algorithms").as_array();
  ASSERT_EQ(algorithms.size(), 9u);
  std::string symbols = "[\"" + equity() + "\", \"" + crypto() + "\"]";
  for (const auto& a : algorithms) {
    std::string name(a.at("name").as_string());
    SCOPED_TRACE(name);
    EXPECT_TRUE(a.at("parameters").as_object().contains("fraction"));
    std::string params = name == "sma_crossover" || name == "ema_crossover"
                             ? R"({"fast_period": 3, "slow_period": 8})"
                         : name == "momentum_rank"
                             ? R"({"lookback": 5, "top_n": 1, "rebalance_every": 5})"
                             : "{}";
    json::object job = run(R"({"algorithm": ")" + name + R"(", "symbols": )" + symbols +
                           R"(, "parameters": )" + params + R"(, "wait": true})");
    EXPECT_EQ(job.at("state").as_string(), "succeeded") << to_json(job);
  }
}

TEST_F(AlgorunnerTest, RulesInTheScreenersLanguageTradeAsTheBuiltInCrossover) {
  std::string symbol = "[\"" + equity() + "\"]";
  json::object built_in =
      run(R"({"algorithm": "sma_crossover", "symbols": )" + symbol +
          R"(, "parameters": {"fast_period": 3, "slow_period": 7}, "wait": true})");
  json::object rules =
      run(R"json({"algorithm": "rules", "symbols": )json" + symbol +
          R"json(, "parameters": {"entry": "crossover(sma(close, 3), sma(close, 7))",
                              "exit": "crossunder(sma(close, 3), sma(close, 7))"}, "wait": true})json");
  ASSERT_EQ(rules.at("state").as_string(), "succeeded") << to_json(rules);
  EXPECT_EQ(to_json(rules.at("result").at("metrics")),
            to_json(built_in.at("result").at("metrics")));
  EXPECT_EQ(to_json(rules.at("result").at("trades")), to_json(built_in.at("result").at("trades")));
  refused(R"json({"algorithm": "rules", "symbols": )json" + symbol +
              R"json(, "parameters": {"entry": "smaa(close, 3) > 1"}})json",
          400, "parameter 'entry': unknown function 'smaa' at 1:1; did you mean 'sma'?");
  refused(R"json({"algorithm": "rules", "symbols": )json" + symbol +
              R"json(, "parameters": {"exit": "close + 1"}})json",
          400, "parameter 'exit': the expression must be a condition");
  refused(R"json({"algorithm": "rules", "symbols": )json" + symbol +
              R"json(, "parameters": {"entry": 5}})json",
          400, "parameter 'entry' must be an expression");
}

TEST_F(AlgorunnerTest, ASweepRunsEveryCombinationAsOneJob) {
  std::string symbol = equity();
  json::object sweep = run(R"({"algorithm": "sma_crossover", "symbols": [")" + symbol +
                           R"("], "sweep": {"fast_period": [2, 3, 8], "slow_period": [5, 8]},
                              "wait": true})");
  ASSERT_EQ(sweep.at("state").as_string(), "succeeded") << to_json(sweep);
  const json::array& table = sweep.at("result").at("sweep").as_array();
  ASSERT_EQ(table.size(), 6u);
  // Each row equals the single run with its parameters; 8/5 and 8/8 cannot run.
  for (const auto& row : table) {
    int64_t fast = row.at("parameters").at("fast_period").as_int64();
    int64_t slow = row.at("parameters").at("slow_period").as_int64();
    if (slow <= fast) {
      EXPECT_NE(to_json(row.at("error")).find("slow_period"), std::string::npos);
      continue;
    }
    json::object one = run(R"({"algorithm": "sma_crossover", "symbols": [")" + symbol +
                           R"("], "parameters": {"fast_period": )" + std::to_string(fast) +
                           R"(, "slow_period": )" + std::to_string(slow) + R"(}, "wait": true})");
    EXPECT_EQ(to_json(row.at("metrics")), to_json(one.at("result").at("metrics")));
  }
  EXPECT_EQ(body(call("GET", "/api/algorunner/runs")).at("count").as_int64(), 5);  // 1 + 4
}

TEST_F(AlgorunnerTest, APaperRunTradesLiveTradesFromTheBusUntilStopped) {
  std::string symbol = equity();
  serve::Response r =
      call("POST", "/api/algorunner/run",
           R"({"algorithm": "sma_crossover", "mode": "paper", "interval": "1m",
                               "symbols": [")" +
               symbol + R"("], "parameters": {"fast_period": 2, "slow_period": 3}})");
  ASSERT_EQ(r.status, 202) << r.body;
  json::object run = body(r);
  std::string id(run.at("id").as_string());
  EXPECT_TRUE(run.at("params").as_object().contains("stream_id"));  // a stream was started
  // Its first result is stored once it listens to the bus (a run is "running" a little before:
  // trades published in between would never reach it).
  ASSERT_TRUE(testing::wait_until([&] {
    json::object now = body(call("GET", "/api/algorunner/runs/" + id));
    return now.at("state").as_string() == "running" && now.contains("result") &&
           now.at("result").is_object();
  }));
  // Live trades as a stream publishes them: one a minute, falling, then rising — a cross up.
  const int64_t t0 = *parse_utc_time("2024-06-03T12:00:00Z");
  double prices[] = {110, 108, 106, 104, 102, 100, 103, 107, 112, 118, 125, 126};
  for (size_t i = 0; i < std::size(prices); ++i) {
    market::TradeTick t;
    t.instrument_id = {symbol, "simulator"};
    t.ts_event = t.ts_init = t0 + static_cast<int64_t>(i) * 60'000'000'000;
    t.trade_id = std::to_string(i);
    t.price = market::Decimal{static_cast<int64_t>(prices[i]), 0};
    t.size = market::Decimal{1, 0};
    ASSERT_TRUE(bus_.publish(trades_subject("simulator", symbol), trade_event_json(t)).is_ok());
  }
  // Its equity is shown while it runs.
  ASSERT_TRUE(testing::wait_until(
      [&] {
        json::object now = body(call("GET", "/api/algorunner/runs/" + id));
        return now.contains("result") && now.at("result").is_object() &&
               now.at("result").at("trades_processed").as_int64() == 12;
      },
      std::chrono::seconds(10)));
  serve::Response stopped = call("POST", "/api/algorunner/stop", "{\"run_id\": \"" + id + "\"}");
  ASSERT_EQ(stopped.status, 200) << stopped.body;
  ASSERT_TRUE(testing::wait_until([&] {
    return body(call("GET", "/api/algorunner/runs/" + id)).at("state").as_string() == "stopped";
  }));
  json::object done = body(call("GET", "/api/algorunner/runs/" + id));
  const json::object& metrics = done.at("result").at("metrics").as_object();
  // The cross up closes the minute of 107 (fast 105 > slow 103.3 after fast < slow): bought at
  // the next trade, 112, and marked at the last one, 126.
  EXPECT_EQ(metrics.at("num_fills").as_int64(), 1);
  EXPECT_DOUBLE_EQ(metrics.at("final_equity").to_number<double>(), 100000 - 112 + 126);
  EXPECT_FALSE(done.at("result").at("complete").as_bool());
  refused(R"({"algorithm": "sma_crossover", "mode": "paper", "csv": "x.csv", "symbols": ["A"]})",
          400, "'csv' is for backtests");
  refused(R"({"algorithm": "sma_crossover", "mode": "paper", "symbols": ["NOPE"]})", 404, "NOPE");
}

TEST_F(AlgorunnerTest, RunsBeyondTheConcurrencyLimitAreRefusedWithTheReason) {
  // Paper runs hold their slot until stopped: ten fill ALGORUNNER_MAX_CONCURRENT (10).
  std::string request =
      R"({"algorithm": "buy_and_hold", "mode": "paper", "symbols": [")" + equity() + "\"]}";
  for (int i = 0; i < 10; ++i) ASSERT_EQ(call("POST", "/api/algorunner/run", request).status, 202);
  refused(R"({"algorithm": "buy_and_hold", "symbols": [")" + equity() + "\"]}", 429,
          "algorithm_run");
}

TEST_F(AlgorunnerTest, WithoutWaitARunAnswers202AndEndsInTheBackground) {
  serve::Response r = call("POST", "/api/algorunner/run",
                           R"({"algorithm": "buy_and_hold", "symbols": [")" + equity() + "\"]}");
  ASSERT_EQ(r.status, 202) << r.body;
  std::string id(body(r).at("id").as_string());
  ASSERT_TRUE(testing::wait_until([&] {
    return body(call("GET", "/api/algorunner/runs/" + id)).at("state").as_string() == "succeeded";
  }));
  json::object done = body(call("GET", "/api/algorunner/runs/" + id));
  EXPECT_EQ(done.at("result").at("metrics").at("num_fills").as_int64(), 1);
  EXPECT_EQ(done.at("params").at("algorithm").as_string(), "buy_and_hold");
}

TEST_F(AlgorunnerTest, ARunOverACsvFileOfBars) {
  std::ofstream(import_dir() / "bars.csv") << "time,open,high,low,close,volume\n"
                                              "2024-01-01,10,11,9,10,100\n"
                                              "2024-01-02,10,12,10,12,100\n"
                                              "2024-01-03,13,14,12,14,100\n"
                                              "2024-01-04,15,15,13,13,100\n";
  json::object job = run(R"({"algorithm": "buy_and_hold", "csv": "bars.csv", "symbols": ["X"],
                            "fee_rate": 0.001, "initial_capital": 1000, "wait": true})");
  ASSERT_EQ(job.at("state").as_string(), "succeeded") << to_json(job);
  // Bought 1 at the second open, 10, with a fee of 0.01; marked at the last close, 13.
  EXPECT_NEAR(job.at("result").at("metrics").at("final_equity").to_number<double>(),
              1000 - 10 - 0.01 + 13, 1e-9);

  std::ofstream(import_dir() / "bad.csv") << "time,open,high,low,close,volume\n"
                                             "2024-01-01,10,11,9,10,100\n"
                                             "2024-01-02,10,12,10,abc,100\n";
  json::object failed =
      run(R"({"algorithm": "buy_and_hold", "csv": "bad.csv", "symbols": ["X"], "wait": true})");
  EXPECT_EQ(failed.at("state").as_string(), "failed");
  EXPECT_NE(to_json(failed.at("error")).find("line 3"), std::string::npos) << to_json(failed);
  refused(R"({"algorithm": "buy_and_hold", "csv": "missing.csv", "symbols": ["X"]})", 404,
          "missing.csv");
}

TEST_F(AlgorunnerTest, BadRunsAreRefusedWithTheReasonBeforeAnyJobExists) {
  std::string symbol = "[\"" + equity() + "\"]";
  refused(R"({"algorithm": "sma_crossover", "symbols": )" + symbol +
              R"(, "parameters": {"fast_period": 20, "slow_period": 10}})",
          400, "'slow_period' (10) must be above 'fast_period' (20)");
  refused(R"({"algorithm": "sma_crossover", "symbols": )" + symbol +
              R"(, "parameters": {"fast_period": "ten"}})",
          400, "must be a number");
  refused(R"({"algorithm": "sma_crossover", "symbols": )" + symbol +
              R"(, "parameters": {"quantity": 1, "fraction": 0.5}})",
          400, "not both");
  refused(
      R"({"algorithm": "sma_crossover", "symbols": )" + symbol + R"(, "parameters": {"speed": 1}})",
      400, "unknown parameter 'speed'");
  refused(R"({"algorithm": "sma_crossover", "symbols": )" + symbol +
              R"(, "start": "1990-01-01", "end": "1990-02-01"})",
          400, "no 1d bars");
  refused(R"({"algorithm": "sma_crossover"})", 400, "'symbols'");
  refused(R"({"algorithm": "sma_crossover", "symbols": )" + symbol + R"(, "source": "nowhere"})",
          404, "no source named 'nowhere'");
  refused(R"({"algorithm": "sma_crossover", "symbols": )" + symbol + R"(, "fee_rate": 0.5})", 400,
          "fee_rate");
  refused(R"({"algorithm": "sma_crossover", "symbols": )" + symbol +
              R"(, "sweep": {"speed": [5, 10]}})",
          400, "'sweep.speed' is not a parameter of 'sma_crossover'");
  refused(R"({"algorithm": "sma_crossover", "symbols": )" + symbol +
              R"(, "sweep": {"fast_period": [50], "slow_period": [10, 20]}})",
          400, "no combination of the sweep can run");
  refused(R"({"algorithm": "sma_crossover", "symbols": )" + symbol +
              R"(, "sweep": {"fast_period": [0, 5]}})",
          400, "body: sweep: parameter 'fast_period' must be from 2 to 500");
  EXPECT_EQ(body(call("GET", "/api/algorunner/runs")).at("count").as_int64(), 0);
}

}  // namespace
}  // namespace tc::services
