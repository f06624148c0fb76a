#include "core/time_parse.hpp"

#include <charconv>
#include <cstdio>

namespace tc {
namespace {

// Int64 nanoseconds reach from 1677-09-21 to 2262-04-11; whole years inside that span are
// accepted, so that daily histories may start in 1900 and end past 2100.
constexpr int kMinYear = 1678;
constexpr int kMaxYear = 2261;
constexpr int64_t kMinMillis = -9'204'000'000'000LL;  // within 1678
constexpr int64_t kMaxMillis = 9'214'000'000'000LL;   // within 2261

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

bool read_digits(std::string_view& s, size_t n, int& out) {
  if (s.size() < n) return false;
  int v = 0;
  for (size_t i = 0; i < n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  s.remove_prefix(n);
  return true;
}

bool eat(std::string_view& s, char c) {
  if (s.empty() || s.front() != c) return false;
  s.remove_prefix(1);
  return true;
}

}  // namespace

Result<int64_t> parse_utc_time(std::string_view text) {
  auto bad = [&] {
    return invalid_argument(
        "time must be YYYY-MM-DD, YYYY-MM-DDTHH:MM:SS[.fff]Z or Unix milliseconds, between "
        "1678 and 2261, got '" +
        std::string(text.substr(0, 64)) + "'");
  };
  if (text.empty()) return bad();
  if (text.find('-', 1) == std::string_view::npos) {
    int64_t ms = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
    if (ec != std::errc() || ptr != text.data() + text.size() || ms < kMinMillis ||
        ms > kMaxMillis) {
      return bad();
    }
    return ms * 1'000'000;
  }
  std::string_view s = text;
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  int64_t nanos = 0;
  if (!read_digits(s, 4, year) || !eat(s, '-') || !read_digits(s, 2, month) || !eat(s, '-') ||
      !read_digits(s, 2, day)) {
    return bad();
  }
  if (!s.empty()) {
    if (!eat(s, 'T') && !eat(s, ' ')) return bad();
    if (!read_digits(s, 2, hour) || !eat(s, ':') || !read_digits(s, 2, minute)) return bad();
    if (eat(s, ':') && !read_digits(s, 2, second)) return bad();
    if (eat(s, '.')) {
      int digits = 0;
      while (!s.empty() && s.front() >= '0' && s.front() <= '9') {
        if (digits < 9) nanos = nanos * 10 + (s.front() - '0');
        ++digits;
        s.remove_prefix(1);
      }
      if (digits == 0) return bad();
      for (int i = digits; i < 9; ++i) nanos *= 10;
    }
    if (!(s == "Z" || s == "+00:00" || s.empty())) return bad();
  }
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  if (year < kMinYear || year > kMaxYear || month < 1 || month > 12 || day < 1 ||
      day > kDays[month - 1] || (month == 2 && day == 29 && !leap) || hour > 23 || minute > 59 ||
      second > 60) {
    return bad();
  }
  int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second;
  return secs * 1'000'000'000 + nanos;
}

std::string format_utc_time(int64_t unix_nanos) {
  int64_t secs = unix_nanos / 1'000'000'000;
  int64_t nanos = unix_nanos % 1'000'000'000;
  if (nanos < 0) {
    nanos += 1'000'000'000;
    --secs;
  }
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  // civil_from_days (Howard Hinnant's algorithm).
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%09lldZ",
                static_cast<long long>(y + (m <= 2)), m, d, static_cast<long long>(rem / 3600),
                static_cast<long long>(rem % 3600 / 60), static_cast<long long>(rem % 60),
                static_cast<long long>(nanos));
  return buf;
}

}  // namespace tc
