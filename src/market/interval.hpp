// Interval: the length of a bar, one of 1s 5s 15s 30s 1m 5m 15m 30m 1h 4h 1d. Bars are aligned
// to UTC: a bar's open time is a multiple of its interval since the Unix epoch (a 1d bar opens at
// midnight UTC), also before 1970.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace tc::market {

class Interval {
 public:
  // nullopt unless `name` is one of the spellings above.
  static std::optional<Interval> parse(std::string_view name);
  // Every interval, shortest first.
  static std::span<const Interval> all();

  int64_t seconds() const { return seconds_; }
  int64_t nanos() const { return seconds_ * 1'000'000'000; }
  std::string_view name() const;

  // The open time of the bar holding `unix_nanos` (floor, also for negative times).
  int64_t open_time(int64_t unix_nanos) const {
    int64_t n = nanos();
    int64_t q = unix_nanos / n;
    if (unix_nanos % n != 0 && unix_nanos < 0) --q;
    return q * n;
  }
  // True when bars of this interval can be built from bars of `finer`.
  bool is_multiple_of(Interval finer) const { return seconds_ % finer.seconds_ == 0; }

  constexpr explicit Interval(int64_t seconds) : seconds_(seconds) {}
  bool operator==(const Interval&) const = default;
  auto operator<=>(const Interval&) const = default;

 private:
  int64_t seconds_;
};

// "1s 5s 15s 30s 1m 5m 15m 30m 1h 4h 1d", for error messages.
std::string_view interval_names();

}  // namespace tc::market
