// ServiceFixture: the three services wired as a node wires them — a SQLite store in a temporary
// directory seeded by a small simulator universe, the in-process bus and cache, the job runner —
// and driven through the gateway without sockets.
#pragma once

#include <gtest/gtest.h>

#include "cluster/inproc_bus.hpp"
#include "core/time_parse.hpp"
#include "gateway/gateway.hpp"
#include "market/simulator.hpp"
#include "services/algorunner/algorunner_deployment.hpp"
#include "services/common/handler_support.hpp"
#include "services/screener/screener_deployment.hpp"
#include "services/tickscrawler/simulator_seed.hpp"
#include "services/tickscrawler/tickscrawler_deployment.hpp"
#include "sources/csv_source.hpp"
#include "sources/replay_source.hpp"
#include "storage/memory_cache.hpp"
#include "storage/sqlite/sqlite_store.hpp"
#include "support/nodes.hpp"
#include "support/temp_dir.hpp"

namespace tc::services {

class ServiceFixture : public ::testing::Test {
 protected:
  // Thirteen instruments: two crypto pairs (indexes 0 and 12) and one equity per sector.
  static constexpr int kUniverse = 13;
  static constexpr int kHistoryDays = 40;

  explicit ServiceFixture(TickscrawlerOptions tickscrawler = {})
      : clock_(*parse_utc_time("2024-06-03T12:00:00Z")),
        runtime_(clock_, executor_, executor_, nodes_) {
    EXPECT_TRUE(nodes_.add(testing::head_node(4)).is_ok());
    auto store = storage::SqliteStore::open(dir_.path() / "t.db");
    EXPECT_TRUE(store.is_ok());
    store_ = std::move(store).value();
    auto simulator =
        std::make_unique<market::MarketSimulator>(market::SimulatorOptions{42, kUniverse}, clock_);
    simulator_ = simulator.get();
    EXPECT_TRUE(seed_daily_history(*simulator, *store_, clock_, kHistoryDays, 1).is_ok());
    sources_.add(std::move(simulator));
    std::filesystem::create_directories(import_dir());
    sources_.add(std::make_unique<sources::CsvSource>(import_dir()));
    sources_.add(
        std::make_unique<sources::ReplaySource>(store_->ticks(), store_->instruments(), clock_));
    jobs_ = std::make_unique<serve::JobRegistry>(store_->jobs(), bus_, clock_);
    runner_ = std::make_unique<serve::JobRunner>(*jobs_, bus_, clock_);
    series_ = std::make_unique<BarSeriesCache>(store_->bars(), store_->instruments(), 64 << 20);
    ctx_ = std::make_unique<ServiceContext>(
        ServiceContext{clock_, *store_, cache_, *series_, bus_, sources_, *jobs_, *runner_,
                       runtime_status_source(runtime_), nullptr, "head", clock_.unix_nanos()});
    serve::DeploymentConfig c;
    EXPECT_TRUE(runtime_.add(make_algorunner_deployment(*ctx_, {}), c).is_ok());
    EXPECT_TRUE(runtime_.add(make_screener_deployment(*ctx_, {}), c).is_ok());
    EXPECT_TRUE(runtime_.add(make_tickscrawler_deployment(*ctx_, tickscrawler), c).is_ok());
    runtime_.deploy_all();
    gateway_ = std::move(gateway::Gateway::create({}, clock_, runtime_)).value();
  }
  ~ServiceFixture() override { runner_->stop(std::chrono::seconds(10)); }

  serve::Response call(std::string method, std::string path, std::string body = "",
                       serve::Fields query = {}) {
    serve::Request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.body = std::move(body);
    r.query = std::move(query);
    serve::Response out;
    gateway_->handle(std::move(r), [&](serve::Response resp) { out = std::move(resp); });
    return out;
  }
  static json::object body(const serve::Response& r) {
    auto v = parse_json(r.body);
    EXPECT_TRUE(v.is_ok() && v->is_object()) << r.body;
    return v.is_ok() && v->is_object() ? v->as_object() : json::object{};
  }
  static std::string error_code(const serve::Response& r) {
    return std::string(body(r).at("error").as_object().at("code").as_string());
  }
  std::filesystem::path import_dir() const { return dir_.path() / "import"; }
  std::string crypto() const { return simulator_->universe()[0].id.symbol; }
  std::string equity() const { return simulator_->universe()[1].id.symbol; }

  testing::TempDir dir_;
  ManualClock clock_;
  InlineExecutor executor_;
  cluster::NodeRegistry nodes_;
  cluster::InProcBus bus_;
  storage::MemoryCache cache_{clock_, 1 << 20};
  market::SourceRegistry sources_;
  market::MarketSimulator* simulator_ = nullptr;
  serve::ServeRuntime runtime_;
  std::unique_ptr<storage::SqliteStore> store_;
  std::unique_ptr<serve::JobRegistry> jobs_;
  std::unique_ptr<serve::JobRunner> runner_;
  std::unique_ptr<BarSeriesCache> series_;
  std::unique_ptr<ServiceContext> ctx_;
  std::unique_ptr<gateway::Gateway> gateway_;
};

}  // namespace tc::services
