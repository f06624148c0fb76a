#include "services/algorunner/algorithm_parameters.hpp"

#include <gtest/gtest.h>

namespace tc::services {
namespace {

json::object declared() {
  return parse_json(R"({"fast_period":{"type":"int","default":10,"min":2,"max":500},
                        "num_std":{"type":"number","default":2.0,"min":0.5,"max":5}})")
      ->as_object();
}

TEST(AlgorithmParametersTest, FillsDefaults) {
  auto p = resolve_parameters(declared(), json::object{{"num_std", 3}});
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  EXPECT_EQ(p->at("fast_period").as_int64(), 10);
  EXPECT_EQ(p->at("num_std").as_int64(), 3);
}

TEST(AlgorithmParametersTest, RefusesUnknownParameterListingKnownOnes) {
  auto p = resolve_parameters(declared(), json::object{{"slow", 3}});
  ASSERT_FALSE(p.is_ok());
  EXPECT_NE(p.status().message().find("unknown parameter 'slow'"), std::string::npos);
  EXPECT_NE(p.status().message().find("fast_period"), std::string::npos);
}

TEST(AlgorithmParametersTest, RefusesWrongTypeAndRange) {
  EXPECT_FALSE(resolve_parameters(declared(), json::object{{"fast_period", 2.5}}).is_ok());
  EXPECT_FALSE(resolve_parameters(declared(), json::object{{"fast_period", "10"}}).is_ok());
  EXPECT_FALSE(resolve_parameters(declared(), json::object{{"fast_period", 1}}).is_ok());
  EXPECT_FALSE(resolve_parameters(declared(), json::object{{"num_std", 9.5}}).is_ok());
  EXPECT_TRUE(resolve_parameters(declared(), json::object{{"fast_period", 500}}).is_ok());
}

}  // namespace
}  // namespace tc::services
