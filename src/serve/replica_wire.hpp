// The wire form of a call to a replica on another node, and of its answer: a compact binary
// encoding (length-prefixed fields, little-endian), versioned by its first byte. A deadline
// travels as the time left, since nodes' clocks differ.
#pragma once

#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "serve/request.hpp"

namespace tc::serve {

struct WireCall {
  int route_id = 0;
  Request request;  // its deadline: now + the time left, on the receiving node's clock
};

std::string encode_call(int route_id, const Request& request, Duration time_left);
// invalid_argument for a malformed message.
Result<WireCall> decode_call(std::string_view data, TimePoint now);

// The Response's body, headers and relay subjects; an event stream cannot travel (the replica
// answers relay subjects instead).
std::string encode_response(const Response& response);
Result<Response> decode_response(std::string_view data);

}  // namespace tc::serve
