// The CatalogStore conformance suite (see store_factory.hpp).
#pragma once

#include "storage/store_factory.hpp"

namespace tc::storage {

class CatalogStoreConformanceTest : public StoreTest {};

TEST_P(CatalogStoreConformanceTest, HasSampleData) {
  auto algorithms = store_->catalog().algorithms();
  ASSERT_TRUE(algorithms.is_ok());
  EXPECT_GE(algorithms->size(), 5u);
  auto filters = store_->catalog().filters();
  ASSERT_TRUE(filters.is_ok());
  EXPECT_EQ(filters->size(), 14u);  // the six first ones and eight presets
  for (const FilterRecord& f : *filters) EXPECT_TRUE(f.builtin) << f.name;
  auto sources = store_->catalog().data_sources();
  ASSERT_TRUE(sources.is_ok());
  std::vector<std::string> names;
  for (const auto& s : *sources) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"binance", "csv", "replay", "simulator"}));
}

TEST_P(CatalogStoreConformanceTest, HostileTextIsStoredAsAValue) {
  CatalogStore& c = store_->catalog();
  for (const std::string& text : hostile_strings()) {
    ASSERT_TRUE(c.add_filter({text, text, text, false}).is_ok()) << text;
    AlgorithmRecord a{text, text, "{}", true};
    ASSERT_TRUE(c.put_algorithm(a).is_ok()) << text;
  }
  auto filters = c.filters();
  ASSERT_TRUE(filters.is_ok());
  EXPECT_EQ(filters->size(), 14u + hostile_strings().size());
  for (const std::string& text : hostile_strings()) {
    auto it = std::find_if(filters->begin(), filters->end(),
                           [&](const FilterRecord& f) { return f.name == text; });
    ASSERT_NE(it, filters->end()) << text;
    EXPECT_EQ(it->expression, text);
    EXPECT_EQ(it->description, text);
    EXPECT_TRUE(c.delete_filter(text).is_ok()) << text;
  }
  EXPECT_EQ(c.filters()->size(), 14u);
  EXPECT_GE(c.algorithms()->size(), 5u + hostile_strings().size());
}

TEST_P(CatalogStoreConformanceTest, CustomFiltersAreAddedReplacedAndDeleted) {
  CatalogStore& c = store_->catalog();
  ASSERT_TRUE(c.put_filter({"cheap", "close < 10", "Under ten", false}).is_ok());
  ASSERT_TRUE(c.put_filter({"cheap", "close < 5", "Under five", false}).is_ok());
  auto filters = c.filters();
  ASSERT_TRUE(filters.is_ok());
  ASSERT_EQ(filters->size(), 15u);
  EXPECT_EQ((*filters)[0].name, "above_sma_200");  // ordered by name
  auto it = std::find_if(filters->begin(), filters->end(),
                         [](const FilterRecord& f) { return f.name == "cheap"; });
  ASSERT_NE(it, filters->end());
  EXPECT_EQ(it->expression, "close < 5");
  EXPECT_FALSE(it->builtin);
  EXPECT_TRUE(c.delete_filter("cheap").is_ok());
  EXPECT_EQ(c.delete_filter("cheap").code(), StatusCode::kNotFound);
  EXPECT_EQ(c.filters()->size(), 14u);
}

TEST_P(CatalogStoreConformanceTest, AddingAFilterRefusesATakenName) {
  CatalogStore& c = store_->catalog();
  ASSERT_TRUE(c.add_filter({"mine", "close > 1", "First", false}).is_ok());
  EXPECT_EQ(c.add_filter({"mine", "close > 2", "Second", false}).code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(c.add_filter({"rsi_oversold", "close > 2", "", false}).code(),
            StatusCode::kAlreadyExists);
  auto filters = c.filters();
  ASSERT_TRUE(filters.is_ok());
  auto it = std::find_if(filters->begin(), filters->end(),
                         [](const FilterRecord& f) { return f.name == "mine"; });
  ASSERT_NE(it, filters->end());
  EXPECT_EQ(it->expression, "close > 1");  // the first one stays
  EXPECT_FALSE(it->builtin);
}

TEST_P(CatalogStoreConformanceTest, BuiltInFiltersCannotBeReplacedOrDeleted) {
  CatalogStore& c = store_->catalog();
  EXPECT_EQ(c.put_filter({"rsi_oversold", "close > 0", "", false}).code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(c.delete_filter("rsi_oversold").code(), StatusCode::kFailedPrecondition);
  auto filters = c.filters();
  auto it = std::find_if(filters->begin(), filters->end(),
                         [](const FilterRecord& f) { return f.name == "rsi_oversold"; });
  ASSERT_NE(it, filters->end());
  EXPECT_EQ(it->expression, "rsi(close, 14) < 30");
}

TEST_P(CatalogStoreConformanceTest, AlgorithmsAndSourcesAreUpserted) {
  CatalogStore& c = store_->catalog();
  ASSERT_TRUE(c.put_algorithm({"my_algo", "Mine", R"({"n":{"type":"int"}})", true}).is_ok());
  ASSERT_TRUE(c.put_algorithm({"my_algo", "Mine, again", "{}", false}).is_ok());
  auto algorithms = c.algorithms();
  auto it = std::find_if(algorithms->begin(), algorithms->end(),
                         [](const AlgorithmRecord& a) { return a.name == "my_algo"; });
  ASSERT_NE(it, algorithms->end());
  EXPECT_EQ(it->description, "Mine, again");
  EXPECT_FALSE(it->enabled);
  ASSERT_TRUE(c.put_data_source({"csv", "csv", "Files", R"({"dir":"x"})", false}).is_ok());
  auto sources = c.data_sources();
  auto csv = std::find_if(sources->begin(), sources->end(),
                          [](const DataSourceRecord& s) { return s.name == "csv"; });
  ASSERT_NE(csv, sources->end());
  EXPECT_FALSE(csv->enabled);
  EXPECT_EQ(csv->config, R"({"dir":"x"})");
}

}  // namespace tc::storage
