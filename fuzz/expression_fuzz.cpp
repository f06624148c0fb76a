// libFuzzer target for the expression language: any bytes go through the parser and the
// compiler, and whatever compiles is evaluated over a short series. It must never crash, hang,
// overflow the stack or read out of bounds; errors are expected and ignored.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "market/expression_plan.hpp"

namespace {

tc::market::BarSeries make_series() {
  tc::market::BarSeries s;
  s.instrument.id = {"FUZZ", "fuzz"};
  s.instrument.sector = "Technology";
  double price = 100;
  for (int i = 0; i < 40; ++i) {
    price *= (i % 3 == 0) ? 1.01 : 0.995;
    s.open_time.push_back(i);
    s.open.push_back(price);
    s.high.push_back(price * 1.01);
    s.low.push_back(price * 0.99);
    s.close.push_back(price);
    s.volume.push_back(i % 5 == 0 ? 0 : 1000 + i);  // zero volumes reach the divisions
    s.vwap.push_back(price);
  }
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const tc::market::BarSeries series = make_series();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  tc::market::ExpressionCompiler compiler;
  if (!compiler.add(text)) return 0;
  tc::market::ExpressionPlan plan = compiler.build();
  tc::market::ExpressionPlan::Target targets[] = {{&series, 0}, {&series, 39}, {&series, 100}};
  (void)plan.evaluate(targets);
  return 0;
}
