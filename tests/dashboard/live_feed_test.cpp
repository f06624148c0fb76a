#include "dashboard/live_feed.hpp"

#include <gtest/gtest.h>

#include "core/json.hpp"
#include "support/one_deployment_runtime.hpp"
#include "support/recording_sink.hpp"

namespace tc::dashboard {
namespace {

// The traffic of one deployment, "svc", as the gateway would count it.
struct FakeTraffic {
  serve::TrafficTotals totals{"svc", 0, 0, {0.001, 0.01, 0.1}, {0, 0, 0, 0}};
  std::vector<serve::TrafficTotals> operator()() const { return {totals}; }
};

class LiveFeedTest : public ::testing::Test, protected testing::OneDeploymentRuntime {
 protected:
  LiveFeedTest() {
    LiveFeedOptions options;
    options.history = 3;
    options.rate_window = 2;
    feed_ = std::make_unique<LiveFeed>(
        clock_, runtime_, [this] { return traffic_(); }, [] { return std::string("{\"x\":1}"); },
        options);
  }

  json::object history() {
    auto text = feed_->history("svc");
    EXPECT_TRUE(text.has_value());
    return parse_json(*text)->as_object();
  }

  FakeTraffic traffic_;
  std::unique_ptr<LiveFeed> feed_;
};

TEST_F(LiveFeedTest, SamplesReplicasAndRatesOverTheWindow) {
  feed_->tick();
  // 100 answers in the next second: 90 within 1 ms, 10 between 10 and 100 ms, 5 of them 5xx.
  clock_.advance(std::chrono::seconds(1));
  traffic_.totals.requests = 100;
  traffic_.totals.server_errors = 5;
  traffic_.totals.counts = {90, 0, 10, 0};
  feed_->tick();
  json::array samples = history()["samples"].as_array();
  ASSERT_EQ(samples.size(), 2u);
  const json::object& last = samples.back().as_object();
  EXPECT_EQ(last.at("target").as_int64(), 2);
  EXPECT_EQ(last.at("running").as_int64() + last.at("starting").as_int64() +
                last.at("pending").as_int64(),
            2);
  EXPECT_DOUBLE_EQ(last.at("requests_per_s").to_number<double>(), 100);
  EXPECT_DOUBLE_EQ(last.at("error_rate").to_number<double>(), 0.05);
  // The median is inside the first bucket, the 99th percentile inside the third.
  EXPECT_GT(last.at("p50_ms").to_number<double>(), 0);
  EXPECT_LE(last.at("p50_ms").to_number<double>(), 1);
  EXPECT_GT(last.at("p99_ms").to_number<double>(), 10);
  EXPECT_LE(last.at("p99_ms").to_number<double>(), 100);
}

TEST_F(LiveFeedTest, RatesForgetWhatIsOlderThanTheWindow) {
  traffic_.totals.requests = 1000;  // before the window: never counted as a rate
  feed_->tick();
  for (int i = 0; i < 3; ++i) {
    clock_.advance(std::chrono::seconds(1));
    feed_->tick();
  }
  EXPECT_DOUBLE_EQ(
      history()["samples"].as_array().back().as_object().at("requests_per_s").to_number<double>(),
      0);
}

TEST_F(LiveFeedTest, KeepsTheLastSamplesOnly) {
  for (int i = 0; i < 5; ++i) {
    feed_->tick();
    clock_.advance(std::chrono::seconds(1));
  }
  json::array samples = history()["samples"].as_array();
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_LT(samples[0].as_object().at("time").as_int64(),
            samples[2].as_object().at("time").as_int64());
}

TEST_F(LiveFeedTest, HistoryOfAnUnknownDeploymentIsNone) {
  EXPECT_FALSE(feed_->history("nope").has_value());
}

TEST_F(LiveFeedTest, FollowersGetTheLastEventAtOnceAndEachTickUntilTheyLeave) {
  feed_->tick();
  auto sink = std::make_shared<testing::RecordingSink>();
  auto stream = feed_->follow();
  stream->start(sink);
  ASSERT_EQ(sink->sent().size(), 1u);
  EXPECT_TRUE(sink->sent()[0].starts_with("event: status\ndata: {"));
  EXPECT_NE(sink->sent()[0].find("\"status\":{\"x\":1}"), std::string::npos);
  feed_->tick();
  EXPECT_EQ(sink->sent().size(), 2u);
  stream->stop();
  feed_->tick();
  EXPECT_EQ(sink->sent().size(), 2u);
  EXPECT_EQ(feed_->followers(), 0u);
}

TEST_F(LiveFeedTest, AClientThatIsGoneIsDropped) {
  auto sink = std::make_shared<testing::RecordingSink>();
  feed_->follow()->start(sink);
  EXPECT_EQ(feed_->followers(), 1u);
  sink->close();
  feed_->tick();
  EXPECT_EQ(feed_->followers(), 0u);
}

TEST_F(LiveFeedTest, StopEndsEveryStream) {
  auto sink = std::make_shared<testing::RecordingSink>();
  feed_->follow()->start(sink);
  feed_->stop();
  EXPECT_TRUE(sink->finished());
}

TEST(HistogramQuantileTest, InterpolatesInsideTheBucket) {
  const std::vector<double> bounds{1, 2, 4};
  EXPECT_EQ(serve::histogram_quantile(0.5, bounds, {0, 0, 0, 0}), 0);
  // 10 in (0, 1], 10 in (2, 4]: the median is the top of the first bucket, p75 half-way up
  // the third.
  EXPECT_DOUBLE_EQ(serve::histogram_quantile(0.5, bounds, {10, 0, 10, 0}), 1);
  EXPECT_DOUBLE_EQ(serve::histogram_quantile(0.75, bounds, {10, 0, 10, 0}), 3);
  // In the overflow bucket: the last bound, as Prometheus answers.
  EXPECT_DOUBLE_EQ(serve::histogram_quantile(0.99, bounds, {1, 0, 0, 9}), 4);
}

}  // namespace
}  // namespace tc::dashboard
