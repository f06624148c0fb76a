// The Bus conformance suite: every Bus implementation must pass it. An implementation's test
// file instantiates it with a factory:
//
//   INSTANTIATE_TEST_SUITE_P(InProc, BusConformanceTest, ::testing::Values(&make_inproc));
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "cluster/bus.hpp"
#include "support/wait.hpp"

namespace tc::cluster {

using BusFactory = std::unique_ptr<Bus> (*)();

class BusConformanceTest : public ::testing::TestWithParam<BusFactory> {
 protected:
  void SetUp() override {
    bus_ = GetParam()();
    ASSERT_NE(bus_, nullptr);
  }
  std::unique_ptr<Bus> bus_;
};

TEST_P(BusConformanceTest, SubscriberReceivesPublishedMessagesInOrder) {
  std::mutex mu;
  std::vector<std::string> got;
  auto sub = bus_->subscribe("tc.v1.test.order", "", [&](const Message& m) {
    std::lock_guard lock(mu);
    got.push_back(m.data);
  });
  ASSERT_TRUE(sub.is_ok());
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(bus_->publish("tc.v1.test.order", std::to_string(i)).is_ok());
  }
  ASSERT_TRUE(testing::wait_until([&] {
    std::lock_guard lock(mu);
    return got.size() == 100;
  }));
  for (int i = 0; i < 100; ++i) EXPECT_EQ(got[i], std::to_string(i));
}

TEST_P(BusConformanceTest, WildcardsMatchTokens) {
  std::atomic<int> star{0}, tail{0};
  auto a = bus_->subscribe("tc.v1.data.trades.*.BTCUSDT", "", [&](const Message&) { ++star; });
  auto b = bus_->subscribe("tc.v1.data.>", "", [&](const Message&) { ++tail; });
  ASSERT_TRUE(a.is_ok() && b.is_ok());
  ASSERT_TRUE(bus_->publish("tc.v1.data.trades.binance.BTCUSDT", "x").is_ok());
  ASSERT_TRUE(bus_->publish("tc.v1.data.trades.binance.ETHUSDT", "x").is_ok());
  ASSERT_TRUE(bus_->publish("tc.v1.jobs.x", "x").is_ok());
  ASSERT_TRUE(testing::wait_until([&] { return star == 1 && tail == 2; }));
}

TEST_P(BusConformanceTest, QueueGroupDeliversEachMessageOnce) {
  std::atomic<int> a{0}, b{0};
  auto s1 = bus_->subscribe("tc.v1.work", "workers", [&](const Message&) { ++a; });
  auto s2 = bus_->subscribe("tc.v1.work", "workers", [&](const Message&) { ++b; });
  ASSERT_TRUE(s1.is_ok() && s2.is_ok());
  for (int i = 0; i < 50; ++i) ASSERT_TRUE(bus_->publish("tc.v1.work", "job").is_ok());
  ASSERT_TRUE(testing::wait_until([&] { return a + b == 50; }));
  EXPECT_GT(a.load(), 0);
  EXPECT_GT(b.load(), 0);
}

TEST_P(BusConformanceTest, RequestGetsReply) {
  auto sub = bus_->subscribe("tc.v1.echo", "", [&](const Message& m) {
    (void)bus_->publish(m.reply_to, "echo:" + m.data);
  });
  ASSERT_TRUE(sub.is_ok());
  auto reply = bus_->request("tc.v1.echo", "hi", std::chrono::seconds(2));
  ASSERT_TRUE(reply.is_ok()) << reply.status().to_string();
  EXPECT_EQ(reply->data, "echo:hi");
}

TEST_P(BusConformanceTest, RequestWithoutRespondersFailsAtOnce) {
  // unavailable, not deadline_exceeded: the request did not wait for its timeout.
  auto reply = bus_->request("tc.v1.nobody.home", "x", std::chrono::hours(1));
  ASSERT_FALSE(reply.is_ok());
  EXPECT_EQ(reply.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(reply.status().message().find("no responders"), std::string::npos);
}

TEST_P(BusConformanceTest, RequestTimesOutWhenNobodyReplies) {
  auto sub = bus_->subscribe("tc.v1.silent", "", [](const Message&) {});
  ASSERT_TRUE(sub.is_ok());
  auto reply = bus_->request("tc.v1.silent", "x", std::chrono::milliseconds(50));
  ASSERT_FALSE(reply.is_ok());
  EXPECT_EQ(reply.status().code(), StatusCode::kDeadlineExceeded);
}

// request_async answers each request once, with what request() would: the reply, no
// responders at once, or the deadline.
TEST_P(BusConformanceTest, AsyncRequestsAnswerOnceEach) {
  auto echo = bus_->subscribe("tc.v1.aecho", "", [&](const Message& m) {
    (void)bus_->publish(m.reply_to, "echo:" + m.data);
  });
  auto silent = bus_->subscribe("tc.v1.asilent", "", [](const Message&) {});
  ASSERT_TRUE(echo.is_ok() && silent.is_ok());
  std::mutex mu;
  std::map<std::string, std::vector<Result<Message>>> answers;
  auto record = [&](std::string key) {
    return [&, key](Result<Message> r) {
      std::lock_guard lock(mu);
      answers[key].push_back(std::move(r));
    };
  };
  constexpr int kEchoes = 200;
  for (int i = 0; i < kEchoes; ++i) {
    bus_->request_async("tc.v1.aecho", std::to_string(i), std::chrono::seconds(5),
                        record("echo" + std::to_string(i)));
  }
  bus_->request_async("tc.v1.anobody", "x", std::chrono::hours(1), record("nobody"));
  bus_->request_async("tc.v1.asilent", "x", std::chrono::milliseconds(50), record("silent"));
  ASSERT_TRUE(testing::wait_until([&] {
    std::lock_guard lock(mu);
    return answers.size() == kEchoes + 2;
  }));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // nothing answers twice
  std::lock_guard lock(mu);
  for (int i = 0; i < kEchoes; ++i) {
    auto& a = answers["echo" + std::to_string(i)];
    ASSERT_EQ(a.size(), 1u);
    ASSERT_TRUE(a[0].is_ok()) << a[0].status().to_string();
    EXPECT_EQ(a[0]->data, "echo:" + std::to_string(i));
  }
  ASSERT_EQ(answers["nobody"].size(), 1u);
  EXPECT_EQ(answers["nobody"][0].status().code(), StatusCode::kUnavailable);
  ASSERT_EQ(answers["silent"].size(), 1u);
  EXPECT_EQ(answers["silent"][0].status().code(), StatusCode::kDeadlineExceeded);
}

TEST_P(BusConformanceTest, HandlerMayMakeRequests) {
  auto inner = bus_->subscribe("tc.v1.inner", "",
                               [&](const Message& m) { (void)bus_->publish(m.reply_to, "inner"); });
  auto outer = bus_->subscribe("tc.v1.outer", "", [&](const Message& m) {
    auto r = bus_->request("tc.v1.inner", "", std::chrono::seconds(2));
    (void)bus_->publish(m.reply_to, r.is_ok() ? "outer+" + r->data : "failed");
  });
  ASSERT_TRUE(inner.is_ok() && outer.is_ok());
  auto reply = bus_->request("tc.v1.outer", "", std::chrono::seconds(5));
  ASSERT_TRUE(reply.is_ok()) << reply.status().to_string();
  EXPECT_EQ(reply->data, "outer+inner");
}

TEST_P(BusConformanceTest, UnsubscribedHandlerGetsNothing) {
  std::atomic<int> n{0};
  auto sub = bus_->subscribe("tc.v1.gone", "", [&](const Message&) { ++n; });
  ASSERT_TRUE(sub.is_ok());
  sub->reset();
  ASSERT_TRUE(bus_->publish("tc.v1.gone", "x").is_ok());
  auto reply = bus_->request("tc.v1.gone", "x", std::chrono::seconds(1));
  EXPECT_EQ(reply.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(n.load(), 0);
}

TEST_P(BusConformanceTest, EndingASubscriptionWaitsForTheCallInProgress) {
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false, release = false, finished = false;
  auto sub = bus_->subscribe("tc.v1.slow", "", [&](const Message&) {
    std::unique_lock lock(mu);
    entered = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
    finished = true;
  });
  ASSERT_TRUE(sub.is_ok());
  ASSERT_TRUE(bus_->publish("tc.v1.slow", "x").is_ok());
  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return entered; }));
  }
  std::thread ender([&] {
    sub->reset();
    std::lock_guard lock(mu);
    EXPECT_TRUE(finished) << "the subscription ended under a running handler";
  });
  {
    std::lock_guard lock(mu);
    release = true;
  }
  cv.notify_all();
  ender.join();
}

TEST_P(BusConformanceTest, RefusesMalformedSubjects) {
  EXPECT_EQ(bus_->publish("tc..v1", "x").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bus_->publish("tc.v1.*", "x").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bus_->publish("has space", "x").code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(bus_->subscribe("tc.>.x", "", [](const Message&) {}).is_ok());
}

}  // namespace tc::cluster
