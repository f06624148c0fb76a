// Who may call what: the access check both servers run before routing a request (the gateway
// on 8000 and the control API on 8265 share it, so they agree on what "mutating" means and how
// a refusal reads).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "net/http_message.hpp"

namespace tc::net {

struct AccessPolicy {
  std::string token;  // empty: no token configured
  // With no token configured, refuse mutating requests whose peer is not on loopback (the
  // control API: stopping a node from another host needs a token).
  bool remote_mutations_need_token = false;
};

// True for methods that change state: every method but GET, HEAD and OPTIONS.
bool is_mutating(std::string_view method);

// True when `peer` is a loopback address (127.0.0.0/8, ::1, or 127.x mapped into IPv6), or empty
// (a request made in-process).
bool is_loopback_peer(std::string_view peer);

// True when no token is configured, or `authorization` is "Bearer <token>" (the scheme in any
// case, RFC 9110 §11.1). The comparison takes the same time wherever the first difference is.
bool bearer_token_ok(std::string_view authorization, std::string_view token);

// nullopt when `request` may go on. Otherwise the answer: 401 (unauthenticated, with
// WWW-Authenticate: Bearer) for a mutating request without the configured token; 403
// (permission_denied) for a mutating request from another host when no token is configured and
// the policy asks for one.
std::optional<Response> authorize(const Request& request, const AccessPolicy& policy);

}  // namespace tc::net
