// The one place where a failure becomes an HTTP status and the JSON error body
// {"error": {"code": "...", "message": "...", "details": ...}}.
#pragma once

#include <string_view>

#include "core/json.hpp"
#include "core/status.hpp"
#include "net/http_message.hpp"

namespace tc::net {

// The HTTP status for a Status code: invalid_argument 400, unauthenticated 401,
// permission_denied 403, not_found 404, method_not_allowed 405, request_timeout 408,
// already_exists and failed_precondition 409, payload_too_large 413, resource_exhausted 429,
// headers_too_large 431, cancelled 499, internal 500, unimplemented 501, unavailable 503,
// deadline_exceeded 504.
int http_status_for(StatusCode code);

// The error response for a non-ok Status; `details` is omitted when null. 503 and 429 carry
// Retry-After: 1.
Response error_response(const Status& status, const json::value& details = nullptr);

// A 200 (or `http_status`) response with `body` serialized as JSON.
Response json_response(const json::value& body, int http_status = 200);

}  // namespace tc::net
