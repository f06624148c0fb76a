// The node on nats-server (TC_BUS=nats://…): live trades, job stops and event streams travel
// through the run's nats-server, where any other client of the cluster sees them.
#include <gtest/gtest.h>

#include <atomic>

#include "cluster/nats/nats_bus.hpp"
#include "support/node_process.hpp"
#include "support/test_servers.hpp"

namespace tc {
namespace {

TEST(NatsNodeTest, AStreamsTradesGoThroughNatsServer) {
  std::string nats = testing::test_server("TC_TEST_NATS");
  testing::NodeProcess node(std::map<std::string, std::string>{{"TC_BUS", nats}});
  ASSERT_TRUE(node.start()) << node.output();
  EXPECT_NE(node.output().find("event=bus_connected backend=nats"), std::string::npos);

  // Another client of the same server sees the node's trades.
  cluster::NatsOptions o;
  o.servers = {nats};
  auto watcher = cluster::NatsBus::connect(o);
  ASSERT_TRUE(watcher.is_ok()) << watcher.status().to_string();
  std::atomic<int> seen{0};
  auto sub = (*watcher)->subscribe("tc.v1.data.trades.simulator.>", "",
                                   [&](const cluster::Message&) { ++seen; });
  ASSERT_TRUE(sub.is_ok());

  std::string symbols = node.crypto_symbols();
  ASSERT_FALSE(symbols.empty());
  auto started = node.request("POST", "/api/tickscrawler/stream",
                              R"({"source":"simulator","symbols":[)" + symbols + "]}");
  ASSERT_EQ(started->status, 202) << started->body;
  std::string id(parse_json(started->body)->as_object().at("id").as_string());
  EXPECT_TRUE(testing::wait_until([&] { return seen > 0; }, std::chrono::seconds(60)));

  // A stop goes through the bus too.
  auto stop = node.request("DELETE", "/api/tickscrawler/stream/" + id);
  EXPECT_EQ(stop->status, 200) << stop->body;
  EXPECT_TRUE(testing::wait_until([&] {
    return node.request("GET", "/api/tickscrawler/streams/" + id)->body.find("\"stopped\"") !=
           std::string::npos;
  }));
  std::string st = node.cluster_status();
  EXPECT_NE(st.find("\"bus\":\"nats\""), std::string::npos) << st;
}

TEST(NatsNodeTest, AnUnreachableBusStopsTheStartNamingIt) {
  std::string url = "nats://127.0.0.1:" + std::to_string(testing::free_port());
  testing::NodeProcess node(std::map<std::string, std::string>{{"TC_BUS", url}});
  node.start(false);
  ASSERT_TRUE(node.wait_exit(std::chrono::seconds(30)));
  EXPECT_NE(node.exit_code(), 0);
  EXPECT_NE(node.output().find(url), std::string::npos) << node.output();
}

}  // namespace
}  // namespace tc
