#include "net/http_error.hpp"

namespace tc::net {

int http_status_for(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return 200;
    case StatusCode::kInvalidArgument:
      return 400;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kNotFound:
      return 404;
    case StatusCode::kAlreadyExists:
      return 409;
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kCancelled:
      return 499;
    case StatusCode::kPermissionDenied:
      return 403;
    case StatusCode::kInternal:
      return 500;
    case StatusCode::kMethodNotAllowed:
      return 405;
    case StatusCode::kRequestTimeout:
      return 408;
    case StatusCode::kPayloadTooLarge:
      return 413;
    case StatusCode::kHeadersTooLarge:
      return 431;
    case StatusCode::kUnimplemented:
      return 501;
    case StatusCode::kUnavailable:
      return 503;
    case StatusCode::kDeadlineExceeded:
      return 504;
  }
  return 500;
}

Response error_response(const Status& status, const json::value& details) {
  const int http_status = http_status_for(status.code());
  json::object error{{"code", status_code_name(status.code())}, {"message", status.message()}};
  if (!details.is_null()) error["details"] = details;
  Response r;
  r.status = http_status;
  r.body = to_json(json::object{{"error", std::move(error)}});
  if (http_status == 503 || http_status == 429) r.headers.emplace_back("Retry-After", "1");
  return r;
}

Response json_response(const json::value& body, int http_status) {
  Response r;
  r.status = http_status;
  r.body = to_json(body);
  return r;
}

}  // namespace tc::net
