// The one place where a failure becomes an HTTP status and the JSON error body
// {"error": {"code": "...", "message": "...", "details": ...}}.
#pragma once

#include <string_view>

#include "core/json.hpp"
#include "core/status.hpp"
#include "serve/request.hpp"

namespace tc::serve {

// The HTTP status for a Status code: invalid_argument 400, unauthenticated 401, not_found 404,
// already_exists and failed_precondition 409, resource_exhausted 429, cancelled 499,
// internal 500, unimplemented 501, unavailable 503, deadline_exceeded 504.
int http_status_for(StatusCode code);

// An error response with an explicit HTTP status and code name; `details` is omitted when null.
Response error_response(int http_status, std::string_view code, std::string_view message,
                        const json::value& details = nullptr);
// The error response for a non-ok Status. 503 and 429 carry Retry-After: 1.
Response error_response(const Status& status, const json::value& details = nullptr);

// A 200 (or `http_status`) response with `body` serialized as JSON.
Response json_response(const json::value& body, int http_status = 200);

}  // namespace tc::serve
