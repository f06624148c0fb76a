// The three services' HTTP contracts, driven through the gateway without sockets.
#include <gtest/gtest.h>

#include <tuple>

#include "core/ids.hpp"
#include "services/service_fixture.hpp"

namespace tc::services {
namespace {

using ServicesApiTest = ServiceFixture;

TEST_F(ServicesApiTest, StatusEndpointsReportRealFigures) {
  for (const char* service : {"algorunner", "screener", "tickscrawler"}) {
    serve::Response r = call("GET", std::string("/api/") + service + "/status");
    ASSERT_EQ(r.status, 200) << service;
    json::object b = body(r);
    EXPECT_EQ(b.at("service").as_string(), service);
    EXPECT_EQ(b.at("status").as_string(), "healthy");
    json::object d = b.at("deployment").as_object();
    EXPECT_EQ(d.at("num_replicas").as_int64(), 1);
    EXPECT_EQ(d.at("ongoing").as_int64(), 1);  // this very request
    EXPECT_EQ(d.at("max_replicas").as_int64(), 10);
    EXPECT_TRUE(b.at("limits").is_object());
  }
}

TEST_F(ServicesApiTest, AlgorithmsComeFromTheCatalog) {
  serve::Response r = call("GET", "/api/algorunner/algorithms");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(body(r).at("count").as_int64(), 9);
}

TEST_F(ServicesApiTest, RunValidatesBeforeAnyJobExists) {
  EXPECT_EQ(call("POST", "/api/algorunner/run", "").status, 400);
  EXPECT_EQ(call("POST", "/api/algorunner/run", "{bad").status, 400);
  EXPECT_EQ(call("POST", "/api/algorunner/run", "[]").status, 400);
  EXPECT_EQ(call("POST", "/api/algorunner/run", R"({"algorithm": 5})").status, 400);
  EXPECT_EQ(call("POST", "/api/algorunner/run", R"({"algorithm": "x", "extra": 1})").status, 400);
  EXPECT_EQ(call("POST", "/api/algorunner/run", R"({"algorithm": "nope"})").status, 404);
  EXPECT_EQ(call("POST", "/api/algorunner/run",
                 R"({"algorithm": "sma_crossover", "parameters": {"fast_period": 0}})")
                .status,
            400);
  EXPECT_EQ(call("POST", "/api/algorunner/run",
                 R"({"algorithm": "sma_crossover", "start": "2024-02-01", "end": "2024-01-01"})")
                .status,
            400);
  serve::Response r = call("POST", "/api/algorunner/run",
                           R"({"algorithm": "sma_crossover", "symbols": ["BTCUSDT"]})");
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.body.find("no 1d bars of 'BTCUSDT'"), std::string::npos) << r.body;
  EXPECT_EQ(body(call("GET", "/api/algorunner/runs")).at("count").as_int64(), 0);
}

TEST_F(ServicesApiTest, StopFindsRealJobs) {
  EXPECT_EQ(call("POST", "/api/algorunner/stop", R"({"run_id": "x"})").status, 400);
  EXPECT_EQ(call("POST", "/api/algorunner/stop", "{\"run_id\": \"" + new_uuid() + "\"}").status,
            404);
  auto job = jobs_->create("algorithm_run", "algorunner", json::object{}, {}, 10);
  ASSERT_TRUE(job.is_ok());
  serve::Response r = call("POST", "/api/algorunner/stop", "{\"run_id\": \"" + job->id + "\"}");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(body(r).at("state").as_string(), "stopped");
  EXPECT_EQ(call("POST", "/api/algorunner/stop", "{\"run_id\": \"" + job->id + "\"}").status, 409);
  serve::Response runs = call("GET", "/api/algorunner/runs");
  EXPECT_EQ(body(runs).at("count").as_int64(), 1);
  EXPECT_EQ(call("GET", "/api/algorunner/runs/" + job->id).status, 200);
  EXPECT_EQ(call("GET", "/api/algorunner/runs", "", {{"state", "bogus"}}).status, 400);
}

TEST_F(ServicesApiTest, ScreenerEndpointsRefuseBadRequestsWithTheReason) {
  serve::Response filters = call("GET", "/api/screener/filters");
  ASSERT_EQ(filters.status, 200);
  EXPECT_EQ(body(filters).at("count").as_int64(), 14);
  auto refused = [&](const std::string& path, const std::string& request, int status,
                     const std::string& reason) {
    serve::Response r = call("POST", path, request);
    EXPECT_EQ(r.status, status) << request << " -> " << r.body;
    EXPECT_NE(r.body.find(reason), std::string::npos) << request << " -> " << r.body;
  };
  refused("/api/screener/screen", "{}", 400, "give 'filters', an 'expression' or a 'sort_by'");
  refused("/api/screener/screen", R"({"filters": ["nope"]})", 400, "no filter named 'nope'");
  refused("/api/screener/screen", R"({"expression": "rsi(close, 14) < 30", "limit": 0})", 400,
          "'limit'");
  refused("/api/screener/screen", R"({"expression": "rsi(close, 14) < 30", "limit": 1000001})", 400,
          "'limit'");
  refused("/api/screener/screen", R"({"expression": "smaa(close, 3) > 1"})", 400,
          "expression: unknown function 'smaa' at 1:1; did you mean 'sma'?");
  refused("/api/screener/screen", R"({"expression": "close + 1"})", 400,
          "expression: the expression must be a condition, not a number at 1:1");
  refused("/api/screener/screen", R"({"sort_by": "sector"})", 400,
          "sort_by: the expression is text");
  refused("/api/screener/screen", R"({"expression": "close > 1", "fields": {"x": 5}})", 400,
          "'fields.x' must be an expression");
  refused("/api/screener/screen", R"({"expression": "close > 1", "fields": {"a b": "close"}})", 400,
          "field name 'a b'");
  refused("/api/screener/screen", R"({"expression": "close > 1", "fields": {"r": "rsi(close"}})",
          400, "fields.r: expected ',' or ')'");
  refused("/api/screener/screen", R"({"expression": "close > 1", "source": "nowhere"})", 400,
          "unknown source 'nowhere'");
  refused("/api/screener/screen", R"({"expression": "close > 1", "universe": ["NOPE"]})", 400,
          "no 1d bars of source 'simulator' for NOPE");
  refused("/api/screener/screen", R"({"expression": "close > 1", "interval": "7m"})", 400,
          "'interval' must be one of");
  refused("/api/screener/screen", R"({"expression": "close > 1", "as_of": "yesterday"})", 400,
          "'as_of'");
  refused("/api/screener/screen", R"({"expression": "close > 1", "colour": "red"})", 400, "colour");
  std::string long_expression(5000, 'x');
  refused("/api/screener/screen", "{\"expression\": \"" + long_expression + "\"}", 400,
          "expression");
  std::string deep = std::string(100, '(') + "close" + std::string(100, ')') + " > 1";
  refused("/api/screener/screen", "{\"expression\": \"" + deep + "\"}", 400,
          "nests deeper than 64 levels");

  refused("/api/screener/custom-filter", R"({"name": "Bad Name", "expression": "x"})", 400,
          "'name'");
  refused("/api/screener/custom-filter", R"({"name": "rsi_oversold", "expression": "close > 1"})",
          409, "exists");
  refused("/api/screener/custom-filter", R"({"name": "mine", "expression": "close >"})", 400,
          "expression: unexpected end of the expression at 1:8");
  refused("/api/screener/custom-filter", R"({"name": "mine", "expression": "volume"})", 400,
          "must be a condition");
  EXPECT_EQ(call("GET", "/api/screener/custom-filter/mine").status, 404);  // nothing stored
  EXPECT_EQ(call("DELETE", "/api/screener/custom-filter/rsi_oversold").status, 409);
  EXPECT_EQ(call("DELETE", "/api/screener/custom-filter/none").status, 404);
  EXPECT_EQ(call("GET", "/api/screener/market-overview", "", {{"source", "nowhere"}}).status, 400);
}

// A catalog whose every read fails, as a broken or locked database would.
class FailingCatalog final : public storage::CatalogStore {
 public:
  Result<std::vector<storage::AlgorithmRecord>> algorithms() override { return failure(); }
  Result<std::vector<storage::FilterRecord>> filters() override { return failure(); }
  Result<std::vector<storage::DataSourceRecord>> data_sources() override { return failure(); }
  Status put_algorithm(const storage::AlgorithmRecord&) override { return failure(); }
  Status put_filter(const storage::FilterRecord&) override { return failure(); }
  Status add_filter(const storage::FilterRecord&) override { return failure(); }
  Status delete_filter(const std::string&) override { return failure(); }
  Status put_data_source(const storage::DataSourceRecord&) override { return failure(); }

 private:
  static Status failure() { return unavailable("database is locked"); }
};

// A store whose catalog fails (a fault injected by wrapping the interface).
class StoreWithFailingCatalog final : public storage::Store {
 public:
  explicit StoreWithFailingCatalog(storage::Store& inner) : inner_(inner) {}
  storage::JobStore& jobs() override { return inner_.jobs(); }
  storage::CatalogStore& catalog() override { return catalog_; }
  storage::InstrumentStore& instruments() override { return inner_.instruments(); }
  storage::TickStore& ticks() override { return inner_.ticks(); }
  storage::BarStore& bars() override { return inner_.bars(); }
  int schema_version() override { return inner_.schema_version(); }
  const char* backend() const override { return inner_.backend(); }

 private:
  storage::Store& inner_;
  FailingCatalog catalog_;
};

TEST(ServicesStoreFailureTest, StoreFailuresBecomeJsonErrorsNotCrashes) {
  testing::TempDir dir;
  ManualClock clock;
  InlineExecutor executor;
  cluster::NodeRegistry nodes;
  ASSERT_TRUE(nodes.add(testing::head_node(4)).is_ok());
  cluster::InProcBus bus;
  serve::ServeRuntime runtime(clock, executor, executor, nodes);
  auto store = storage::SqliteStore::open(dir.path() / "t.db");
  ASSERT_TRUE(store.is_ok());
  serve::JobRegistry jobs((*store)->jobs(), bus, clock);
  serve::JobRunner runner(jobs, bus, clock);
  storage::MemoryCache cache(clock, 1 << 20);
  market::SourceRegistry sources;
  StoreWithFailingCatalog failing(**store);
  BarSeriesCache series(failing.bars(), failing.instruments(), 1 << 20);
  ServiceContext ctx{clock,   failing, cache,
                     series,  bus,     sources,
                     jobs,    runner,  runtime_status_source(runtime),
                     nullptr, "head",  clock.unix_nanos()};
  ASSERT_TRUE(runtime.add(make_algorunner_deployment(ctx, {}), {}).is_ok());
  ASSERT_TRUE(runtime.add(make_screener_deployment(ctx, {}), {}).is_ok());
  ASSERT_TRUE(runtime.add(make_tickscrawler_deployment(ctx, {}), {}).is_ok());
  runtime.deploy_all();
  auto gateway = gateway::Gateway::create({}, clock, runtime);
  ASSERT_TRUE(gateway.is_ok());
  auto call = [&](std::string method, std::string path, std::string body) {
    serve::Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.body = std::move(body);
    serve::Response out;
    (*gateway)->handle(std::move(r), [&](serve::Response resp) { out = std::move(resp); });
    return out;
  };
  for (auto [method, path, body] :
       {std::tuple{"GET", "/api/algorunner/algorithms", ""},
        std::tuple{"POST", "/api/algorunner/run", R"({"algorithm":"sma_crossover"})"},
        std::tuple{"POST", "/api/tickscrawler/crawl", R"({"source":"simulator","symbols":["A"]})"},
        std::tuple{"POST", "/api/screener/screen", R"({"expression":"close > 1"})"},
        std::tuple{"POST", "/api/screener/custom-filter",
                   R"({"name":"mine","expression":"close > 1"})"}}) {
    serve::Response r = call(method, path, body);
    EXPECT_EQ(r.status, 503) << path;
    EXPECT_NE(r.body.find("database is locked"), std::string::npos) << r.body;
  }
  EXPECT_EQ(call("GET", "/api/algorunner/status", "").status, 200);
}

TEST_F(ServicesApiTest, StreamStopRefusesJobsOfOtherKinds) {
  auto run = jobs_->create("algorithm_run", "algorunner", json::object{}, {}, 10);
  ASSERT_TRUE(run.is_ok());
  EXPECT_EQ(call("DELETE", "/api/tickscrawler/stream/" + run->id).status, 404);
  auto stream = jobs_->create("stream", "tickscrawler", json::object{}, {}, 10);
  serve::Response r = call("DELETE", "/api/tickscrawler/stream/" + stream->id);
  EXPECT_EQ(r.status, 200);
}

}  // namespace
}  // namespace tc::services
