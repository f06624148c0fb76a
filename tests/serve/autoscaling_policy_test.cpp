#include "serve/autoscaling_policy.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <random>

namespace tc::serve {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

AutoscalingConfig config() {
  AutoscalingConfig c;
  c.min_replicas = 1;
  c.max_replicas = 10;
  c.target_ongoing_requests = 100;
  c.upscale_delay = seconds(10);
  c.downscale_delay = seconds(60);
  c.look_back_period = seconds(10);
  return c;
}

// Drives a policy as the control loop does: a sample every 100 ms, then a decision.
class Driver {
 public:
  explicit Driver(AutoscalingConfig c) : policy(c) {}
  // Runs `duration` of passes at `load(now)`; returns the first decision, if any.
  std::optional<ScalingDecision> run(Duration duration,
                                     const std::function<double(TimePoint)>& load) {
    for (TimePoint end = now + duration; now < end; now += milliseconds(100)) {
      policy.record(now, load(now));
      if (auto d = policy.update(now, target)) {
        target = d->to;
        now += milliseconds(100);
        return d;
      }
    }
    return std::nullopt;
  }
  std::optional<ScalingDecision> run(Duration duration, double load) {
    return run(duration, [load](TimePoint) { return load; });
  }

  AutoscalingPolicy policy;
  TimePoint now{};
  int target = 1;
};

TEST(AutoscalingPolicyTest, DesiredIsCeilOfLoadOverTargetClamped) {
  AutoscalingPolicy p(config());
  EXPECT_EQ(p.desired_replicas(0), 1);
  EXPECT_EQ(p.desired_replicas(100), 1);
  EXPECT_EQ(p.desired_replicas(101), 2);
  EXPECT_EQ(p.desired_replicas(950), 10);
  EXPECT_EQ(p.desired_replicas(5000), 10);
}

TEST(AutoscalingPolicyTest, AverageIsTimeWeightedOverTheLookBackWindow) {
  AutoscalingPolicy p(config());
  TimePoint t{};
  EXPECT_EQ(p.average_load(t), 0);
  p.record(t, 100);
  EXPECT_EQ(p.average_load(t), 100);
  p.record(t + seconds(2), 400);  // 100 held for 2 s, then 400
  EXPECT_DOUBLE_EQ(p.average_load(t + seconds(4)), (100.0 * 2 + 400.0 * 2) / 4);
  // 20 s later the window holds only the 400s.
  EXPECT_DOUBLE_EQ(p.average_load(t + seconds(24)), 400);
  // Uneven sampling: a sample's weight is how long it held, not one vote per sample.
  AutoscalingPolicy q(config());
  q.record(t, 0);
  for (int i = 1; i <= 9; ++i) q.record(t + milliseconds(i * 10), 1000);  // 90 ms of 1000
  q.record(t + milliseconds(100), 0);
  EXPECT_NEAR(q.average_load(t + seconds(10)), 1000 * 0.09 / 10, 1e-9);
}

TEST(AutoscalingPolicyTest, ScalesUpOnlyAfterUpscaleDelay) {
  Driver d(config());
  auto decision = d.run(seconds(30), 350);
  ASSERT_TRUE(decision);
  EXPECT_EQ(decision->from, 1);
  EXPECT_EQ(decision->to, 4);
  EXPECT_DOUBLE_EQ(decision->load, 350);
  // The mean crosses the target at the first sample; the delay then runs 10 s.
  EXPECT_EQ(decision->held, seconds(10));
  EXPECT_NE(decision->reason.find("upscale"), std::string::npos);
  EXPECT_NE(decision->reason.find("mean over 10 s"), std::string::npos);
}

TEST(AutoscalingPolicyTest, NoisyLoadAboveTargetScalesUpAfterTheDelay) {
  // Mean 140 per replica against a target of 100, with half the samples below the target: one
  // instant's sample would restart the wait every other pass and never scale.
  Driver d(config());
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> noise(-70, 70);
  auto decision = d.run(seconds(60), [&](TimePoint) { return 140 + noise(rng); });
  ASSERT_TRUE(decision);
  EXPECT_EQ(decision->to, 2);
  EXPECT_GT(decision->load, 100);
  EXPECT_LT(d.now, TimePoint{} + seconds(25));
}

TEST(AutoscalingPolicyTest, OneSpikeDoesNotScale) {
  Driver d(config());
  auto spike = [](TimePoint now) {
    return now >= TimePoint{} + seconds(5) && now < TimePoint{} + seconds(5) + milliseconds(300)
               ? 2000.0
               : 20.0;
  };
  EXPECT_FALSE(d.run(seconds(60), spike));
  EXPECT_EQ(d.target, 1);
}

TEST(AutoscalingPolicyTest, ScalesDownOnlyAfterDownscaleDelay) {
  Driver d(config());
  d.target = 5;
  auto decision = d.run(seconds(120), 0);
  ASSERT_TRUE(decision);
  EXPECT_EQ(decision->to, 1);
  EXPECT_EQ(decision->held, seconds(60));
}

TEST(AutoscalingPolicyTest, ColdStartFromZeroIsImmediate) {
  AutoscalingConfig c = config();
  c.min_replicas = 0;
  Driver d(c);
  d.target = 0;
  EXPECT_FALSE(d.run(seconds(30), 0));  // nothing asked for: stays at zero
  auto decision = d.run(seconds(1), 3);
  ASSERT_TRUE(decision);
  EXPECT_EQ(decision->from, 0);
  EXPECT_EQ(decision->to, 1);
  EXPECT_EQ(decision->held, Duration{0});
  EXPECT_NE(decision->reason.find("cold start"), std::string::npos);
}

TEST(AutoscalingPolicyTest, ColdStartTakesWhatTheQueueNeeds) {
  AutoscalingConfig c = config();
  c.min_replicas = 0;
  Driver d(c);
  d.target = 0;
  auto decision = d.run(seconds(1), 350);
  ASSERT_TRUE(decision);
  EXPECT_EQ(decision->to, 4);
}

TEST(AutoscalingPolicyTest, ScalingDownToZeroGoesThroughOne) {
  AutoscalingConfig c = config();
  c.min_replicas = 0;
  Driver d(c);
  d.target = 4;
  auto first = d.run(seconds(120), 0);
  ASSERT_TRUE(first);
  EXPECT_EQ(first->to, 1);
  EXPECT_NE(first->reason.find("going to 1 first"), std::string::npos);
  TimePoint at_one = d.now;
  auto second = d.run(seconds(120), 0);
  ASSERT_TRUE(second);
  EXPECT_EQ(second->from, 1);
  EXPECT_EQ(second->to, 0);
  EXPECT_GE(d.now - at_one, seconds(60));
}

TEST(AutoscalingPolicyTest, NoFlappingBetweenUpAndDown) {
  Driver d(config());
  d.target = 3;
  // Load alternating every 5 s between far above and far below averages to the target.
  auto alternating = [](TimePoint now) {
    return (now - TimePoint{}) / seconds(5) % 2 == 0 ? 500.0 : 0.0;
  };
  EXPECT_FALSE(d.run(seconds(100), alternating));
}

TEST(AutoscalingPolicyTest, SteadyLoadAtTargetKeepsCount) {
  Driver d(config());
  d.target = 3;
  EXPECT_FALSE(d.run(seconds(200), 250));
}

TEST(AutoscalingPolicyTest, ClampsToMaxAndMin) {
  AutoscalingConfig c = config();
  c.min_replicas = 2;
  c.max_replicas = 4;
  c.upscale_delay = c.downscale_delay = seconds(0);
  Driver up(c);
  up.target = 2;
  EXPECT_EQ(up.run(seconds(1), 10000)->to, 4);
  Driver down(c);
  down.target = 4;
  EXPECT_EQ(down.run(seconds(1), 0)->to, 2);
}

TEST(AutoscalingPolicyTest, TargetOutsideBoundsIsCorrectedAtOnce) {
  AutoscalingConfig c = config();
  c.min_replicas = 2;
  AutoscalingPolicy p(c);
  auto d = p.update(TimePoint{}, 1);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->to, 2);
}

}  // namespace
}  // namespace tc::serve
