#include "market/decimal.hpp"

#include <charconv>
#include <cmath>

namespace tc::market {
namespace {

constexpr int64_t kPow10[] = {1,
                              10,
                              100,
                              1000,
                              10000,
                              100000,
                              1000000,
                              10000000,
                              100000000,
                              1000000000,
                              10000000000,
                              100000000000,
                              1000000000000,
                              10000000000000,
                              100000000000000,
                              1000000000000000,
                              10000000000000000,
                              100000000000000000,
                              1000000000000000000};

Int128 scaled(const Decimal& d, int scale) {
  return static_cast<Int128>(d.units) * kPow10[scale - d.scale];
}

void append_digits(std::string& out, uint64_t magnitude, int scale, int min_scale) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, magnitude);
  (void)ec;
  std::string_view digits(buf, static_cast<size_t>(end - buf));
  if (scale == 0) {
    out += digits;
  } else if (static_cast<int>(digits.size()) <= scale) {
    out += "0.";
    out.append(static_cast<size_t>(scale) - digits.size(), '0');
    out += digits;
  } else {
    size_t whole = digits.size() - static_cast<size_t>(scale);
    out += digits.substr(0, whole);
    out += '.';
    out += digits.substr(whole);
  }
  if (min_scale > scale) {
    if (scale == 0) out += '.';
    out.append(static_cast<size_t>(min_scale - scale), '0');
  }
}

}  // namespace

double Decimal::to_double() const {
  // Exact for the units and the power of ten, so the result is the correctly rounded quotient.
  return static_cast<double>(units) / static_cast<double>(kPow10[scale]);
}

std::strong_ordering operator<=>(const Decimal& a, const Decimal& b) {
  if (a.scale == b.scale) return a.units <=> b.units;
  int scale = std::max(a.scale, b.scale);
  return scaled(a, scale) <=> scaled(b, scale);
}

Result<Decimal> parse_decimal(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return invalid_argument("'" + std::string(text.substr(0, 40)) + "' is not a decimal number" +
                            (why.empty() ? "" : ": " + std::string(why)));
  };
  std::string_view s = text;
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  uint64_t units = 0;
  int significant = 0;
  int fraction_digits = 0;
  bool any_digit = false;
  bool in_fraction = false;
  while (!s.empty()) {
    char c = s.front();
    if (c == '.' && !in_fraction) {
      in_fraction = true;
    } else if (c >= '0' && c <= '9') {
      any_digit = true;
      if (units != 0 || c != '0') ++significant;
      if (significant > 18) return bad("more than 18 significant digits");
      units = units * 10 + static_cast<uint64_t>(c - '0');
      if (in_fraction) ++fraction_digits;
    } else {
      break;
    }
    s.remove_prefix(1);
  }
  if (!any_digit) return bad("");
  int exponent = 0;
  if (!s.empty() && (s.front() == 'e' || s.front() == 'E')) {
    s.remove_prefix(1);
    if (!s.empty() && s.front() == '+') s.remove_prefix(1);
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), exponent);
    if (ec != std::errc() || ptr == s.data() || exponent < -40 || exponent > 40) {
      return bad("bad exponent");
    }
    s.remove_prefix(static_cast<size_t>(ptr - s.data()));
  }
  if (!s.empty()) return bad("");
  int scale = fraction_digits - exponent;
  while (scale > kMaxDecimalScale && units % 10 == 0) {
    units /= 10;
    --scale;
  }
  if (scale > kMaxDecimalScale) return bad("more than 18 decimal places");
  while (scale < 0) {
    if (units > static_cast<uint64_t>(INT64_MAX) / 10) return bad("too large");
    units *= 10;
    ++scale;
  }
  if (units > static_cast<uint64_t>(INT64_MAX)) return bad("too large");
  int64_t signed_units = static_cast<int64_t>(units);
  return Decimal{negative ? -signed_units : signed_units, scale};
}

Result<Decimal> decimal_from_double(double value, int scale) {
  if (scale < 0 || scale > kMaxDecimalScale) return invalid_argument("scale must be 0..18");
  double units = std::round(value * static_cast<double>(kPow10[scale]));
  if (!std::isfinite(units) || std::fabs(units) >= 9.2e18) {
    return invalid_argument("value does not fit a decimal at scale " + std::to_string(scale));
  }
  return Decimal{static_cast<int64_t>(units), scale};
}

std::optional<Decimal> rescale(Decimal d, int scale) {
  if (scale < 0 || scale > kMaxDecimalScale) return std::nullopt;
  if (scale >= d.scale) {
    Int128 v = scaled(d, scale);
    if (v > INT64_MAX || v < INT64_MIN) return std::nullopt;
    return Decimal{static_cast<int64_t>(v), scale};
  }
  int64_t divisor = kPow10[d.scale - scale];
  if (d.units % divisor != 0) return std::nullopt;
  return Decimal{d.units / divisor, scale};
}

std::string to_string(Decimal d) {
  while (d.scale > 0 && d.units % 10 == 0) {
    d.units /= 10;
    --d.scale;
  }
  std::string out;
  append_fixed(out, d, 0);
  return out;
}

void append_fixed(std::string& out, Decimal d, int min_scale) {
  uint64_t magnitude = d.units < 0 ? 0 - static_cast<uint64_t>(d.units) : d.units;
  if (d.units < 0) out += '-';
  append_digits(out, magnitude, d.scale, min_scale);
}

}  // namespace tc::market
