// Membership over any Bus: nodes join by heartbeat, are declared dead when they fall silent,
// come back when they resume, and leave at once when they say so; a new monitor (a restarted
// head) learns every node again from their heartbeats.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <mutex>
#include <vector>

#include "cluster/bus_conformance.hpp"
#include "cluster/membership.hpp"
#include "support/wait.hpp"

namespace tc::cluster {

class MembershipTest : public ::testing::TestWithParam<BusFactory> {
 protected:
  void SetUp() override {
    bus_ = GetParam()();
    ASSERT_NE(bus_, nullptr);
  }
  static NodeInfo worker(const std::string& id) {
    NodeInfo n;
    n.id = id;
    n.address = "127.0.0.1:10001";
    n.total = ResourceSet::from_cpu(2, 1LL << 30);
    n.labels = {{"zone", "a"}};
    return n;
  }
  std::unique_ptr<MembershipMonitor> monitor(NodeRegistry& registry) {
    MembershipOptions o;
    o.check_every = std::chrono::milliseconds(20);
    o.dead_after = std::chrono::milliseconds(300);
    o.cluster = cluster_;
    auto m = MembershipMonitor::start(
        *bus_, registry, clock_, o, [this](const NodeInfo& n, bool alive, const std::string& why) {
          std::lock_guard lock(mu_);
          events_.push_back(n.id + (alive ? " joined: " : " lost: ") + why);
        });
    EXPECT_TRUE(m.is_ok()) << m.status().to_string();
    return m.is_ok() ? std::move(m).value() : nullptr;
  }
  static bool alive(const NodeRegistry& registry, const std::string& id) {
    for (const NodeInfo& n : registry.snapshot()) {
      if (n.id == id) return n.alive;
    }
    return false;
  }
  std::vector<std::string> events() {
    std::lock_guard lock(mu_);
    return events_;
  }

  // Announces a worker of this test's own cluster (tests running side by side on one server do
  // not meet) every 30 ms.
  NodeAnnouncer* announcer(const std::string& id) {
    return new NodeAnnouncer(*bus_, cluster_, worker(id), std::chrono::milliseconds(30));
  }

  const std::string cluster_ =
      "test" + std::to_string(getpid()) + "x" +
      std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
  SystemClock clock_;
  std::unique_ptr<Bus> bus_;
  std::mutex mu_;
  std::vector<std::string> events_;
};

TEST_P(MembershipTest, NodesJoinFallSilentComeBackAndLeave) {
  NodeRegistry registry;
  auto head = monitor(registry);
  std::unique_ptr<NodeAnnouncer> w1(announcer("worker-1"));
  ASSERT_TRUE(testing::wait_until([&] { return alive(registry, "worker-1"); }));
  auto nodes = registry.snapshot();
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_EQ(nodes[0].total, ResourceSet::from_cpu(2, 1LL << 30));
  EXPECT_EQ(nodes[0].available, nodes[0].total);
  EXPECT_EQ(nodes[0].labels.at("zone"), "a");
  EXPECT_EQ(registry.reserve(ResourceSet::from_cpu(0.5, 0)), "worker-1");

  // A leaving node is dead at once; nothing more is placed on it.
  w1.reset();
  ASSERT_TRUE(testing::wait_until([&] { return !alive(registry, "worker-1"); }));
  EXPECT_EQ(registry.reserve(ResourceSet::from_cpu(0.5, 0)), std::nullopt);

  // Back again, with all its resources free.
  w1.reset(announcer("worker-1"));
  ASSERT_TRUE(testing::wait_until([&] { return alive(registry, "worker-1"); }));
  EXPECT_EQ(registry.snapshot()[0].available, registry.snapshot()[0].total);

  // A node that dies without a word (kill -9) is declared dead once its heartbeats stop.
  {
    std::unique_ptr<NodeAnnouncer> silent(announcer("worker-2"));
    ASSERT_TRUE(testing::wait_until([&] { return alive(registry, "worker-2"); }));
    head.reset();  // so that its leaving message goes unheard
    silent.reset();
    head = monitor(registry);
  }
  ASSERT_TRUE(testing::wait_until([&] { return !alive(registry, "worker-2"); }));
  EXPECT_TRUE(alive(registry, "worker-1"));
  // The listener hears of it right after the registry changes.
  auto has = [&](std::string_view prefix) {
    auto said = events();
    return std::any_of(said.begin(), said.end(),
                       [&](const std::string& e) { return e.starts_with(prefix); });
  };
  EXPECT_TRUE(testing::wait_until([&] { return has("worker-2 lost: no heartbeat for 0.3 s"); }))
      << ::testing::PrintToString(events());
  EXPECT_TRUE(has("worker-1 lost: it stopped")) << ::testing::PrintToString(events());
}

TEST_P(MembershipTest, ARestartedHeadLearnsEveryNodeAgain) {
  std::vector<std::unique_ptr<NodeAnnouncer>> workers;
  for (int i = 1; i <= 3; ++i) {
    workers.emplace_back(announcer("worker-" + std::to_string(i)));
  }
  NodeRegistry fresh;  // a head that knows nothing
  auto head = monitor(fresh);
  EXPECT_TRUE(testing::wait_until([&] { return fresh.snapshot().size() == 3; }));
  for (const NodeInfo& n : fresh.snapshot()) EXPECT_TRUE(n.alive) << n.id;
}

TEST_P(MembershipTest, ALateNodeIsReportedOnceBeforeItIsDeclaredDead) {
  NodeRegistry registry;
  std::mutex mu;
  std::vector<std::string> late;
  MembershipOptions o;
  o.check_every = std::chrono::milliseconds(10);
  o.dead_after = std::chrono::milliseconds(800);
  o.late_after = std::chrono::milliseconds(150);
  o.cluster = cluster_;
  o.on_late = [&](const std::string& node) {
    std::lock_guard lock(mu);
    late.push_back(node);
  };
  auto started = MembershipMonitor::start(*bus_, registry, clock_, o, nullptr);
  ASSERT_TRUE(started.is_ok());
  auto head = std::move(started).value();
  // A worker that dies without a word: its announcer is silenced by ending the head's view of
  // it, as the kill -9 case above does, so no leaving message is heard.
  std::unique_ptr<NodeAnnouncer> w(announcer("worker-1"));
  ASSERT_TRUE(testing::wait_until([&] { return alive(registry, "worker-1"); }));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // beating: never late
  {
    std::lock_guard lock(mu);
    EXPECT_TRUE(late.empty());
  }
  head.reset();
  w.reset();
  auto again = MembershipMonitor::start(*bus_, registry, clock_, o, nullptr);
  ASSERT_TRUE(again.is_ok());
  ASSERT_TRUE(testing::wait_until([&] {
    std::lock_guard lock(mu);
    return !late.empty();
  }));
  EXPECT_TRUE(alive(registry, "worker-1"));  // late, not dead yet
  ASSERT_TRUE(testing::wait_until([&] { return !alive(registry, "worker-1"); }));
  std::lock_guard lock(mu);
  EXPECT_EQ(late, std::vector<std::string>{"worker-1"});  // once
}

TEST_P(MembershipTest, AMalformedHeartbeatIsIgnored) {
  NodeRegistry registry;
  auto head = monitor(registry);
  ASSERT_TRUE(bus_->publish(heartbeat_subject(cluster_), "{not json").is_ok());
  ASSERT_TRUE(bus_->publish(heartbeat_subject(cluster_), R"({"id":"x","milli_cpu":-5})").is_ok());
  std::unique_ptr<NodeAnnouncer> ok(announcer("worker-9"));
  ASSERT_TRUE(testing::wait_until([&] { return alive(registry, "worker-9"); }));
  EXPECT_EQ(registry.snapshot().size(), 1u);
}

}  // namespace tc::cluster
