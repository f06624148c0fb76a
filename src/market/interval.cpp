#include "market/interval.hpp"

#include <array>

namespace tc::market {
namespace {

struct Named {
  std::string_view name;
  Interval interval;
};

constexpr std::array<Named, 11> kIntervals{{
    {"1s", Interval(1)},
    {"5s", Interval(5)},
    {"15s", Interval(15)},
    {"30s", Interval(30)},
    {"1m", Interval(60)},
    {"5m", Interval(300)},
    {"15m", Interval(900)},
    {"30m", Interval(1800)},
    {"1h", Interval(3600)},
    {"4h", Interval(14400)},
    {"1d", Interval(86400)},
}};

constexpr std::array<Interval, 11> kAll = [] {
  std::array<Interval, 11> out{Interval(0), Interval(0), Interval(0), Interval(0),
                               Interval(0), Interval(0), Interval(0), Interval(0),
                               Interval(0), Interval(0), Interval(0)};
  for (size_t i = 0; i < kIntervals.size(); ++i) out[i] = kIntervals[i].interval;
  return out;
}();

}  // namespace

std::optional<Interval> Interval::parse(std::string_view name) {
  for (const Named& n : kIntervals) {
    if (n.name == name) return n.interval;
  }
  return std::nullopt;
}

std::span<const Interval> Interval::all() { return kAll; }

std::string_view Interval::name() const {
  for (const Named& n : kIntervals) {
    if (n.interval.seconds_ == seconds_) return n.name;
  }
  return "?";
}

std::string_view interval_names() { return "1s 5s 15s 30s 1m 5m 15m 30m 1h 4h 1d"; }

}  // namespace tc::market
