#include "serve/deployment_config.hpp"

#include <gtest/gtest.h>

namespace tc::serve {
namespace {

using Map = ConfigSource::Map;

TEST(DeploymentConfigTest, SeedDefaults) {
  auto c = load_deployment_config("algorunner", "ALGORUNNER", ConfigSource{});
  ASSERT_TRUE(c.is_ok());
  EXPECT_EQ(c->num_replicas, 1);
  EXPECT_EQ(c->autoscaling.min_replicas, 1);
  EXPECT_EQ(c->autoscaling.max_replicas, 10);
  EXPECT_EQ(c->max_ongoing_requests, 100);
  EXPECT_EQ(c->autoscaling.target_ongoing_requests, 100);
  EXPECT_EQ(c->autoscaling.upscale_delay, std::chrono::seconds(10));
  EXPECT_EQ(c->autoscaling.downscale_delay, std::chrono::seconds(60));
  EXPECT_EQ(c->resources.milli_cpu, 200);
  EXPECT_EQ(c->resources.memory_bytes, 64LL << 20);
}

TEST(DeploymentConfigTest, ReadsSeedVariables) {
  ConfigSource source({},
                      Map{{"SCREENER_REPLICAS", "3"},
                          {"SCREENER_MAX_REPLICAS", "5"},
                          {"SCREENER_TARGET_REQUESTS", "20"},
                          {"SCREENER_SCALE_UP_DELAY", "2"},
                          {"SCREENER_MAX_ONGOING_REQUESTS", "7"}},
                      {});
  auto c = load_deployment_config("screener", "SCREENER", source);
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->num_replicas, 3);
  EXPECT_EQ(c->autoscaling.max_replicas, 5);
  EXPECT_EQ(c->autoscaling.target_ongoing_requests, 20);
  EXPECT_EQ(c->autoscaling.upscale_delay, std::chrono::seconds(2));
  EXPECT_EQ(c->max_ongoing_requests, 7);
}

TEST(DeploymentConfigTest, InvalidValueNamesVariable) {
  ConfigSource source({}, Map{{"TICKSCRAWLER_MAX_ONGOING_REQUESTS", "-3"}}, {});
  auto c = load_deployment_config("tickscrawler", "TICKSCRAWLER", source);
  ASSERT_FALSE(c.is_ok());
  EXPECT_NE(c.status().message().find("TICKSCRAWLER_MAX_ONGOING_REQUESTS"), std::string::npos);
}

TEST(DeploymentConfigTest, InconsistentBoundsAreRefused) {
  ConfigSource min_over_max({}, Map{{"X_MIN_REPLICAS", "5"}, {"X_MAX_REPLICAS", "2"}}, {});
  auto a = load_deployment_config("x", "X", min_over_max);
  ASSERT_FALSE(a.is_ok());
  EXPECT_NE(a.status().message().find("X_MIN_REPLICAS"), std::string::npos);
  ConfigSource initial_outside({}, Map{{"X_REPLICAS", "12"}}, {});
  auto b = load_deployment_config("x", "X", initial_outside);
  ASSERT_FALSE(b.is_ok());
  EXPECT_NE(b.status().message().find("X_REPLICAS"), std::string::npos);
}

TEST(DeploymentConfigTest, DotenvIsReadUnderEnvironment) {
  ConfigSource source({}, Map{{"ALGORUNNER_MAX_REPLICAS", "4"}},
                      Map{{"ALGORUNNER_MAX_REPLICAS", "8"}, {"ALGORUNNER_MIN_REPLICAS", "2"}});
  auto c = load_deployment_config("algorunner", "ALGORUNNER", source);
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->autoscaling.max_replicas, 4);
  EXPECT_EQ(c->autoscaling.min_replicas, 2);
  EXPECT_EQ(c->num_replicas, 2);  // initial follows min when not given
}

}  // namespace
}  // namespace tc::serve
