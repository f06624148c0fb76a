// Decimal: an exact decimal number as an integer count of 10^-scale units, the way exchanges send
// prices and sizes: "0.01000000" is 1000000 units at scale 8. The scale a source reported is
// kept, so a value round-trips to the same text at that precision, and comparisons and sums are
// exact (no binary floating point between the exchange and the store).
//
// Comparisons are by value: 1.5 at scale 1 equals 1.50 at scale 2.
#pragma once

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.hpp"

namespace tc::market {

inline constexpr int kMaxDecimalScale = 18;

// Wide enough for the product or sum of two decimals (GCC and Clang's 128-bit integer).
__extension__ typedef __int128 Int128;

struct Decimal {
  int64_t units = 0;
  int scale = 0;  // 0..kMaxDecimalScale

  double to_double() const;
  bool is_positive() const { return units > 0; }

  friend std::strong_ordering operator<=>(const Decimal& a, const Decimal& b);
  friend bool operator==(const Decimal& a, const Decimal& b) { return (a <=> b) == 0; }
};

// Parses "123", "-0.5", "0.01000000", "1.5e-3" exactly, keeping the written scale (trailing
// zeros count: "0.0100" has scale 4). invalid_argument for anything else: empty text, NaN,
// infinity, more than 18 significant digits, or more than 18 decimal places.
Result<Decimal> parse_decimal(std::string_view text);

// `value` rounded to the nearest multiple of 10^-scale; invalid_argument when it is not finite
// or does not fit.
Result<Decimal> decimal_from_double(double value, int scale);

// The value at `scale` (more digits, or fewer when the dropped digits are zero); nullopt when it
// would lose digits or overflow.
std::optional<Decimal> rescale(Decimal d, int scale);

// The shortest text with this value: "0.01", "100", "-1.5" (valid as a JSON number).
std::string to_string(Decimal d);
// Appends the value with at least `min_scale` decimal places ("0.010" for 0.01 at 3), never
// dropping a digit the value has.
void append_fixed(std::string& out, Decimal d, int min_scale);

}  // namespace tc::market
