#include "node/node_settings.hpp"

#include <gtest/gtest.h>

namespace tc::node {
namespace {

Result<NodeSettings> load(ConfigSource::Map env) {
  return load_node_settings(ConfigSource({}, std::move(env), {}));
}

TEST(NodeSettingsTest, CorsOriginsAreNoneByDefault) {
  auto s = load({});
  ASSERT_TRUE(s) << s.status().to_string();
  EXPECT_TRUE(s->cors_origins.empty());
}

TEST(NodeSettingsTest, CorsOriginsAreAListOfOrigins) {
  auto s = load({{"TC_CORS_ORIGINS", "https://desk.example.com/, http://localhost:5173,,*"}});
  ASSERT_TRUE(s) << s.status().to_string();
  EXPECT_EQ(s->cors_origins,
            (std::vector<std::string>{"https://desk.example.com", "http://localhost:5173", "*"}));
}

TEST(NodeSettingsTest, ACorsOriginMustBeOne) {
  auto s = load({{"TC_CORS_ORIGINS", "desk.example.com"}});
  ASSERT_FALSE(s);
  EXPECT_NE(s.status().message().find("TC_CORS_ORIGINS"), std::string::npos);
}

TEST(NodeSettingsTest, LabelsAreKeyValuePairs) {
  auto s = load({{"TC_NODE_LABELS", "zone=a, gpu=none,"}});
  ASSERT_TRUE(s) << s.status().to_string();
  EXPECT_EQ(s->node_labels.at("zone"), "a");
  EXPECT_EQ(s->node_labels.at("gpu"), "none");
  EXPECT_FALSE(load({{"TC_NODE_LABELS", "zone"}}));
}

}  // namespace
}  // namespace tc::node
