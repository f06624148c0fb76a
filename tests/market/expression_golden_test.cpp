// Runs the golden cases in tests/market/golden/*.golden (the format is described at the top of
// each file): every expression's values at each instrument's newest bar, or its error.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "market/expression_plan.hpp"

namespace tc::market {
namespace {

std::string decode(std::string text) {
  for (size_t i = text.find("\\n"); i != std::string::npos; i = text.find("\\n", i + 1)) {
    text.replace(i, 2, "\n");
  }
  return text;
}

std::string show(double v, ValueType type) {
  if (std::isnan(v)) return type == ValueType::kCondition ? "unknown" : "missing";
  if (type == ValueType::kCondition) return v != 0 ? "true" : "false";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

Bar parse_bar(const InstrumentId& id, int64_t index, std::istringstream& in) {
  Bar b;
  b.instrument_id = id;
  b.interval = Interval(86400);
  b.open_time = index * 86'400'000'000'000;
  std::string open, high, low, close, volume;
  in >> open >> high >> low >> close >> volume;
  b.open = parse_decimal(open).value();
  b.high = parse_decimal(high).value();
  b.low = parse_decimal(low).value();
  b.close = parse_decimal(close).value();
  b.volume = parse_decimal(volume).value();
  return b;
}

// What one case printed: "values A=1 B=2" or "error <message>".
std::string run_case(const std::string& text, bool filter, const std::vector<BarSeries>& universe) {
  ExpressionCompiler compiler;
  auto added = filter ? compiler.add(text, ValueType::kCondition) : compiler.add(text);
  if (!added) return "error " + added.status().message();
  ExpressionPlan plan = compiler.build();
  std::vector<ExpressionPlan::Target> targets;
  for (const BarSeries& s : universe) targets.push_back({&s, s.size() - 1});
  auto values = plan.evaluate(targets);
  if (!values) return "error " + values.status().message();
  std::string out = "values";
  for (size_t i = 0; i < universe.size(); ++i) {
    out += " " + universe[i].instrument.id.symbol + "=" + show((*values)[i], plan.output_type(0));
  }
  return out;
}

void run_file(const std::filesystem::path& path) {
  std::ifstream file(path);
  ASSERT_TRUE(file) << path;
  std::vector<BarSeries> universe;
  std::string line, pending;
  bool pending_filter = false;
  int line_number = 0, cases = 0;
  while (std::getline(file, line)) {
    ++line_number;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    std::string word;
    in >> word;
    std::string rest = line.size() > word.size() ? line.substr(word.size() + 1) : "";
    if (word == "instrument") {
      BarSeries s;
      std::string asset;
      in >> s.instrument.id.symbol >> asset >> s.instrument.sector;
      s.instrument.id.source = "golden";
      s.instrument.asset_class = parse_asset_class(asset).value();
      universe.push_back(std::move(s));
    } else if (word == "bar") {
      BarSeries& s = universe.back();
      Bar b = parse_bar(s.instrument.id, static_cast<int64_t>(s.size()), in);
      s.append(std::span<const Bar>(&b, 1));
    } else if (word == "expression" || word == "filter") {
      pending = decode(rest);
      pending_filter = word == "filter";
    } else if (word == "values" || word == "error") {
      EXPECT_EQ(line, run_case(pending, pending_filter, universe))
          << path.filename().string() << ":" << line_number << ": " << pending;
      ++cases;
    } else {
      ADD_FAILURE() << path.filename().string() << ":" << line_number << ": unknown line";
    }
  }
  EXPECT_GT(cases, 0) << path;
}

TEST(ExpressionGoldenTest, EveryCaseGivesItsExpectedValuesOrError) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(TC_GOLDEN_DIR)) {
    if (entry.path().extension() != ".golden") continue;
    SCOPED_TRACE(entry.path().string());
    run_file(entry.path());
    ++files;
  }
  EXPECT_GT(files, 0);
}

}  // namespace
}  // namespace tc::market
