// The preamble both HTTP servers (the gateway and the control API) run on every request before
// their own logic: match the route (404, or 405 with Allow), then check access (401 with
// WWW-Authenticate, or 403). Pure, so testable without sockets.
#pragma once

#include <optional>

#include "net/bearer_auth.hpp"
#include "net/http_message.hpp"
#include "net/route_table.hpp"

namespace tc::net {

// On success returns nullopt, sets `target` to the matched route and moves the captures into
// `request.path_params`. Otherwise returns the error response to send.
std::optional<Response> route_and_authorize(const RouteTable& routes, const AccessPolicy& policy,
                                            Request& request, const RouteTarget*& target);

}  // namespace tc::net
