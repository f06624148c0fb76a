#include "serve/autoscaling_policy.hpp"

#include <gtest/gtest.h>

namespace tc::serve {
namespace {

using std::chrono::seconds;

AutoscalingConfig config() {
  AutoscalingConfig c;
  c.min_replicas = 1;
  c.max_replicas = 10;
  c.target_ongoing_requests = 100;
  c.upscale_delay = seconds(10);
  c.downscale_delay = seconds(60);
  return c;
}

TEST(AutoscalingPolicyTest, DesiredIsCeilOfLoadOverTargetClamped) {
  AutoscalingPolicy p(config());
  EXPECT_EQ(p.desired_replicas(0), 1);
  EXPECT_EQ(p.desired_replicas(100), 1);
  EXPECT_EQ(p.desired_replicas(101), 2);
  EXPECT_EQ(p.desired_replicas(950), 10);
  EXPECT_EQ(p.desired_replicas(5000), 10);
}

TEST(AutoscalingPolicyTest, ScalesUpOnlyAfterUpscaleDelay) {
  AutoscalingPolicy p(config());
  TimePoint t{};
  EXPECT_FALSE(p.update(t, 1, 350));
  EXPECT_FALSE(p.update(t + seconds(9), 1, 350));
  auto d = p.update(t + seconds(10), 1, 350);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->from, 1);
  EXPECT_EQ(d->to, 4);
  EXPECT_EQ(d->load, 350);
  EXPECT_EQ(d->held, seconds(10));
  EXPECT_NE(d->reason.find("upscale"), std::string::npos);
}

TEST(AutoscalingPolicyTest, BriefSpikeDoesNotScale) {
  AutoscalingPolicy p(config());
  TimePoint t{};
  EXPECT_FALSE(p.update(t, 1, 500));
  EXPECT_FALSE(p.update(t + seconds(5), 1, 50));  // the spike ends: the wait restarts
  EXPECT_FALSE(p.update(t + seconds(6), 1, 500));
  EXPECT_FALSE(p.update(t + seconds(15), 1, 500));
  EXPECT_TRUE(p.update(t + seconds(16), 1, 500));
}

TEST(AutoscalingPolicyTest, ScalesDownOnlyAfterDownscaleDelay) {
  AutoscalingPolicy p(config());
  TimePoint t{};
  EXPECT_FALSE(p.update(t, 5, 0));
  EXPECT_FALSE(p.update(t + seconds(59), 5, 0));
  auto d = p.update(t + seconds(60), 5, 0);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->to, 1);
}

TEST(AutoscalingPolicyTest, NoFlappingBetweenUpAndDown) {
  AutoscalingPolicy p(config());
  TimePoint t{};
  // Load alternates around the current target: every direction change restarts the wait.
  for (int i = 0; i < 100; ++i) {
    double load = i % 2 == 0 ? 500 : 0;
    EXPECT_FALSE(p.update(t + seconds(i), 3, load)) << i;
  }
}

TEST(AutoscalingPolicyTest, SteadyLoadAtTargetKeepsCount) {
  AutoscalingPolicy p(config());
  TimePoint t{};
  for (int i = 0; i < 200; ++i) EXPECT_FALSE(p.update(t + seconds(i), 3, 250));
}

TEST(AutoscalingPolicyTest, ClampsToMaxAndMin) {
  AutoscalingConfig c = config();
  c.min_replicas = 2;
  c.max_replicas = 4;
  c.upscale_delay = c.downscale_delay = seconds(0);
  AutoscalingPolicy p(c);
  EXPECT_EQ(p.update(TimePoint{}, 2, 10000)->to, 4);
  EXPECT_EQ(p.update(TimePoint{}, 4, 0)->to, 2);
}

TEST(AutoscalingPolicyTest, TargetOutsideBoundsIsCorrectedAtOnce) {
  AutoscalingConfig c = config();
  c.min_replicas = 2;
  AutoscalingPolicy p(c);
  auto d = p.update(TimePoint{}, 1, 0);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->to, 2);
}

}  // namespace
}  // namespace tc::serve
