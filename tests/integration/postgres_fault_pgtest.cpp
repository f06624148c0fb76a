// PostgreSQL restarting under load: no acknowledged trade is lost, the writers recover by
// themselves, and the node's /health says 503 while the store is down. Each test restarts a
// server of its own.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "storage/postgres/postgres_store.hpp"
#include "support/node_process.hpp"
#include "support/test_servers.hpp"
#include "support/wait.hpp"

namespace tc {
namespace {

using namespace std::chrono_literals;

storage::PgOptions store_options(const infra::InfraSettings& s) {
  storage::PgOptions o;
  o.port = s.postgres_port;
  o.dbname = s.postgres_db;
  o.user = s.postgres_user;
  o.password = s.postgres_password;
  o.max_backoff = 200ms;
  return o;
}

std::vector<market::TradeTick> batch(int first, int n) {
  std::vector<market::TradeTick> out;
  for (int i = first; i < first + n; ++i) {
    market::TradeTick t;
    t.instrument_id = {"BTCUSDT", "test"};
    t.trade_id = std::to_string(i);
    t.ts_event = t.ts_init = 1'700'000'000'000'000'000 + int64_t{i} * 1000;
    t.price = market::Decimal{3000000 + i, 2};
    t.size = market::Decimal{1, 0};
    out.push_back(t);
  }
  return out;
}

TEST(PostgresFaultTest, ARestartLosesNoAcknowledgedTickAndTheWriterRecovers) {
  testing::OwnServers servers({"postgres"});
  ASSERT_TRUE(servers.start().is_ok());
  auto store = storage::PostgresStore::open(store_options(servers.settings()));
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();

  constexpr int kBatch = 200;
  std::atomic<int> acknowledged{0};  // batches written and committed
  std::atomic<int> failures{0};
  std::atomic<bool> done{false};
  std::thread writer([&] {
    for (int b = 0; !done; ++b) {
      auto ticks = batch(b * kBatch, kBatch);
      // A writer keeps its batch until the store takes it, as a stream does.
      while (!done) {
        auto written = (*store)->ticks().write_ticks(ticks);
        if (written) {
          ++acknowledged;
          break;
        }
        EXPECT_EQ(written.status().code(), StatusCode::kUnavailable)
            << written.status().to_string();
        ++failures;
        std::this_thread::sleep_for(20ms);
      }
    }
  });
  ASSERT_TRUE(testing::wait_until([&] { return acknowledged >= 5; }));
  ASSERT_TRUE(servers.stop("postgres").is_ok());
  int before_restart = acknowledged;
  ASSERT_TRUE(testing::wait_until([&] { return failures > 0; }));
  ASSERT_TRUE(servers.start("postgres").is_ok());
  EXPECT_TRUE(testing::wait_until([&] { return acknowledged >= before_restart + 5; }, 30s))
      << "the writer did not recover";
  done = true;
  writer.join();

  storage::TickQuery all;
  all.id = {"BTCUSDT", "test"};
  auto count = (*store)->ticks().count_ticks(all);
  ASSERT_TRUE(count.is_ok()) << count.status().to_string();
  // Every acknowledged batch is stored, and nothing twice (the key is unique): at most the batch
  // in flight at the end may be there unacknowledged.
  EXPECT_GE(*count, int64_t{acknowledged} * kBatch);
  EXPECT_LE(*count, int64_t{acknowledged + 1} * kBatch);
  auto ticks = (*store)->ticks().ticks(all);
  ASSERT_TRUE(ticks.is_ok());
  for (int i = 0; i < acknowledged * kBatch; ++i) {
    ASSERT_EQ((*ticks)[static_cast<size_t>(i)].trade_id, std::to_string(i));
  }
}

TEST(PostgresFaultTest, AStreamRidesOutARestartAndHealthSaysWhileItIsDown) {
  testing::OwnServers servers({"postgres"});
  ASSERT_TRUE(servers.start().is_ok());
  const auto& s = servers.settings();
  testing::NodeProcess node(std::map<std::string, std::string>{
      {"TC_STORE", s.postgres_url()}, {"TC_HEALTH_CHECK_INTERVAL", "0.2"}});
  ASSERT_TRUE(node.start()) << node.output();
  // Every crypto instrument of the small universe, so that live trades come often.
  std::string symbols = node.crypto_symbols();
  ASSERT_FALSE(symbols.empty());
  auto started = node.request("POST", "/api/tickscrawler/stream",
                              R"({"source":"simulator","symbols":[)" + symbols + "]}");
  ASSERT_EQ(started->status, 202) << started->body;
  std::string id = std::string(parse_json(started->body)->as_object().at("id").as_string());
  auto stream = [&] { return node.request("GET", "/api/tickscrawler/streams/" + id)->body; };
  auto stored = [&]() -> int64_t {
    auto body = parse_json(stream());
    if (!body || !body->is_object()) return -1;
    auto* result = body->as_object().if_contains("result");
    if (result == nullptr || !result->is_object()) return 0;
    auto* n = result->as_object().if_contains("ticks_stored");
    return n != nullptr && n->is_int64() ? n->as_int64() : 0;
  };
  ASSERT_TRUE(testing::wait_until([&] { return stored() > 0; }, 60s)) << node.output();

  ASSERT_TRUE(servers.stop("postgres").is_ok());
  EXPECT_TRUE(testing::wait_until([&] { return node.request("GET", "/health")->status == 503; }))
      << node.request("GET", "/health")->body;
  ASSERT_TRUE(servers.start("postgres").is_ok());
  EXPECT_TRUE(testing::wait_until([&] { return node.request("GET", "/health")->status == 200; }));
  int64_t after_restart = stored();
  EXPECT_TRUE(testing::wait_until([&] { return stored() > after_restart; }, 60s))
      << "the stream stopped storing: " << stream();
  EXPECT_NE(stream().find("\"state\":\"running\""), std::string::npos) << stream();
}

}  // namespace
}  // namespace tc
