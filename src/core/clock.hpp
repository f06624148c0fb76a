// Clock: where every component gets the time, so that tests and backtests can drive it.
//
// SystemClock reads the machine's clocks. ManualClock only moves when told to; it is
// thread-safe, and is the clock of the serve runtime's unit tests.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace tc {

using Duration = std::chrono::nanoseconds;
// A monotonic instant, for deadlines, delays and durations.
using TimePoint = std::chrono::time_point<std::chrono::steady_clock, Duration>;

class Clock {
 public:
  virtual ~Clock() = default;
  // Monotonic time, for deadlines and delays.
  virtual TimePoint now() const = 0;
  // Wall-clock time in UTC nanoseconds since the Unix epoch, for records and events.
  virtual int64_t unix_nanos() const = 0;
};

class SystemClock final : public Clock {
 public:
  TimePoint now() const override;
  int64_t unix_nanos() const override;
};

class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_unix_nanos = 1'700'000'000'000'000'000)
      : unix_start_(start_unix_nanos) {}
  TimePoint now() const override { return TimePoint(Duration(offset_.load())); }
  int64_t unix_nanos() const override { return unix_start_ + offset_.load(); }
  void advance(Duration d) { offset_ += d.count(); }

 private:
  int64_t unix_start_;
  std::atomic<int64_t> offset_{0};
};

}  // namespace tc
