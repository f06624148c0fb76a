#include "net/server_preamble.hpp"

#include "net/http_error.hpp"

namespace tc::net {

std::optional<Response> route_and_authorize(const RouteTable& routes, const AccessPolicy& policy,
                                            Request& request, const RouteTarget*& target) {
  RouteMatch match = routes.match(request.method, request.path);
  // Paths are echoed cut short: an error body is not a place to reflect a megabyte back.
  auto path = [&] { return request.path.substr(0, 200); };
  switch (match.kind) {
    case RouteMatch::Kind::kNotFound:
      return error_response(not_found("no route for " + request.method + " " + path()));
    case RouteMatch::Kind::kMethodNotAllowed: {
      Response r = error_response(Status(
          StatusCode::kMethodNotAllowed,
          request.method + " is not allowed on " + path() + " (allowed: " + match.allow + ")"));
      r.headers.emplace_back("Allow", match.allow);
      return r;
    }
    case RouteMatch::Kind::kFound:
      break;
  }
  if (auto refusal = authorize(request, policy)) return refusal;
  target = match.target;
  request.path_params = std::move(match.params);
  return std::nullopt;
}

}  // namespace tc::net
