// Parsing and printing of UTC times as the API accepts them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.hpp"

namespace tc {

// Parses "2024-01-31", "2024-01-31T09:30:00Z", "2024-01-31T09:30:00.250Z" (a trailing Z or
// +00:00 only: times are UTC) or an integer of Unix milliseconds (negative before 1970), into UTC
// nanoseconds. Years 1678 to 2261 are accepted: the span int64 nanoseconds can hold.
Result<int64_t> parse_utc_time(std::string_view text);
// "2024-01-31T09:30:00.250000000Z".
std::string format_utc_time(int64_t unix_nanos);

}  // namespace tc
