#include <gtest/gtest.h>

#include "cluster/bus_conformance.hpp"
#include "cluster/membership_conformance.hpp"
#include "cluster/nats/nats_bus.hpp"
#include "support/nats_server.hpp"
#include "support/test_servers.hpp"

namespace tc::cluster {
namespace {

// A connection to the run's nats-server per test.
std::unique_ptr<Bus> make_nats() {
  NatsOptions o;
  o.servers = {testing::test_server("TC_TEST_NATS")};
  auto bus = NatsBus::connect(o);
  EXPECT_TRUE(bus.is_ok()) << bus.status().to_string();
  return bus.is_ok() ? std::move(bus).value() : nullptr;
}

INSTANTIATE_TEST_SUITE_P(Nats, BusConformanceTest, ::testing::Values(&make_nats));
INSTANTIATE_TEST_SUITE_P(Nats, MembershipTest, ::testing::Values(&make_nats));

TEST(NatsBusTest, TwoConnectionsTalkThroughTheServer) {
  auto a = make_nats(), b = make_nats();
  auto sub = a->subscribe("tc.v1.test.across", "", [&](const Message& m) {
    (void)a->publish(m.reply_to, "from a: " + m.data);
  });
  ASSERT_TRUE(sub.is_ok());
  auto reply = b->request("tc.v1.test.across", "hello", std::chrono::seconds(2));
  ASSERT_TRUE(reply.is_ok()) << reply.status().to_string();
  EXPECT_EQ(reply->data, "from a: hello");
}

TEST(NatsBusTest, AnUnreachableServerIsUnavailableNamingIt) {
  NatsOptions o;
  o.servers = {"nats://127.0.0.1:" + std::to_string(testing::free_port())};
  o.connect_timeout = std::chrono::milliseconds(500);
  auto bus = NatsBus::connect(o);
  ASSERT_FALSE(bus.is_ok());
  EXPECT_EQ(bus.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(bus.status().message().find(o.servers[0]), std::string::npos) << bus.status().message();
}

TEST(NatsBusTest, BinaryDataArrivesWhole) {
  auto bus = make_nats();
  std::string data("a\0b\xff\n", 5);
  auto sub = bus->subscribe("tc.v1.test.binary", "",
                            [&](const Message& m) { (void)bus->publish(m.reply_to, m.data); });
  ASSERT_TRUE(sub.is_ok());
  auto reply = bus->request("tc.v1.test.binary", data, std::chrono::seconds(2));
  ASSERT_TRUE(reply.is_ok());
  EXPECT_EQ(reply->data, data);
}

TEST(NatsBusTest, AHandlerMayEndItsOwnSubscription) {
  auto bus = make_nats();
  std::unique_ptr<Subscription> sub;
  std::atomic<int> calls{0};
  std::mutex mu;
  auto made = bus->subscribe("tc.v1.test.once", "", [&](const Message&) {
    ++calls;
    std::lock_guard lock(mu);
    sub.reset();
  });
  ASSERT_TRUE(made.is_ok());
  {
    std::lock_guard lock(mu);
    sub = std::move(made).value();
  }
  ASSERT_TRUE(bus->publish("tc.v1.test.once", "x").is_ok());
  ASSERT_TRUE(testing::wait_until([&] { return calls == 1; }));
  // The handler counts before it ends the subscription: wait for the end too.
  ASSERT_TRUE(testing::wait_until([&] {
    std::lock_guard lock(mu);
    return sub == nullptr;
  }));
  ASSERT_TRUE(bus->publish("tc.v1.test.once", "y").is_ok());
  EXPECT_EQ(bus->request("tc.v1.test.once", "z", std::chrono::seconds(1)).status().code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(calls.load(), 1);
}

// Tries the servers in order: the first one first.
std::unique_ptr<NatsBus> connect_to(std::vector<std::string> servers) {
  NatsOptions o;
  o.servers = std::move(servers);
  o.randomize = false;
  o.reconnect_wait = std::chrono::milliseconds(50);
  auto bus = NatsBus::connect(o);
  EXPECT_TRUE(bus.is_ok()) << bus.status().to_string();
  return bus.is_ok() ? std::move(bus).value() : nullptr;
}

// Echoes requests on `subject`, and says whether a request through `client` is answered.
struct Echo {
  Echo(NatsBus& server, NatsBus& client, std::string subject)
      : client_(client), subject_(std::move(subject)) {
    auto s = server.subscribe(
        subject_, "", [&server](const Message& m) { (void)server.publish(m.reply_to, m.data); });
    EXPECT_TRUE(s.is_ok());
    if (s.is_ok()) sub_ = std::move(s).value();
  }
  bool answered() {
    auto r = client_.request(subject_, "ping", std::chrono::milliseconds(500));
    return r.is_ok() && r->data == "ping";
  }
  NatsBus& client_;
  std::string subject_;
  std::unique_ptr<Subscription> sub_;
};

// These tests stop servers: they run their own.
TEST(NatsBusTest, ReconnectsAndResubscribesAfterTheServerRestarts) {
  testing::NatsServer server;
  ASSERT_TRUE(server.start());
  auto a = connect_to({server.url()}), b = connect_to({server.url()});
  Echo echo(*a, *b, "tc.v1.test.restart");
  ASSERT_TRUE(echo.answered());
  server.stop();
  EXPECT_FALSE(echo.answered());
  EXPECT_FALSE(a->connected());
  testing::NatsServer again(server.port());
  ASSERT_TRUE(again.start());
  EXPECT_TRUE(testing::wait_until([&] { return echo.answered(); }));
  EXPECT_TRUE(a->connected());
}

TEST(NatsBusTest, RidesOutTheLossOfOneOfTwoClusteredServers) {
  uint16_t route1 = testing::free_port(), route2 = testing::free_port();
  testing::NatsServer s1(0, route1), s2(0, route2);
  ASSERT_TRUE(s1.start({route2}));
  ASSERT_TRUE(s2.start({route1}));
  // The responder knows both servers; the client only the one that stays.
  auto responder = connect_to({s1.url(), s2.url()});
  auto client = connect_to({s2.url()});
  Echo echo(*responder, *client, "tc.v1.test.cluster");
  ASSERT_TRUE(testing::wait_until([&] { return echo.answered(); }))
      << "the two servers did not form a cluster";
  // The responder loses its server and moves to the other.
  ASSERT_EQ(responder->connected_url(), s1.url());
  s1.stop();
  ASSERT_TRUE(testing::wait_until([&] { return echo.answered(); }));
  EXPECT_EQ(responder->connected_url(), s2.url());
  int failures = 0;
  for (int i = 0; i < 100; ++i) failures += echo.answered() ? 0 : 1;
  EXPECT_EQ(failures, 0);
}

}  // namespace
}  // namespace tc::cluster
