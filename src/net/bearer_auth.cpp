#include "net/bearer_auth.hpp"

#include <cctype>

#include "net/http_error.hpp"

namespace tc::net {

bool is_mutating(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

bool is_loopback_peer(std::string_view peer) {
  // An empty peer is a request made in-process, not read from a socket.
  return peer.empty() || peer.starts_with("127.") || peer == "::1" ||
         peer.starts_with("::ffff:127.");
}

bool bearer_token_ok(std::string_view authorization, std::string_view token) {
  if (token.empty()) return true;
  constexpr std::string_view kScheme = "bearer";
  if (authorization.size() <= kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(authorization[i])) != kScheme[i]) return false;
  }
  std::string_view given = authorization.substr(kScheme.size());
  if (given.front() != ' ') return false;
  while (!given.empty() && given.front() == ' ') given.remove_prefix(1);
  if (given.size() != token.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < token.size(); ++i) {
    diff |= static_cast<unsigned char>(given[i] ^ token[i]);
  }
  return diff == 0;
}

std::optional<Response> authorize(const Request& request, const AccessPolicy& policy) {
  if (!is_mutating(request.method)) return std::nullopt;
  if (policy.token.empty()) {
    if (!policy.remote_mutations_need_token || is_loopback_peer(request.peer)) return std::nullopt;
    return error_response(
        permission_denied(request.method +
                          " from another host needs a token: start the node with --token (or "
                          "TC_API_TOKEN) and send Authorization: Bearer <token>"));
  }
  if (bearer_token_ok(request.authorization, policy.token)) return std::nullopt;
  Response r = error_response(
      unauthenticated("this request needs the header Authorization: Bearer <token>"));
  r.headers.emplace_back("WWW-Authenticate", "Bearer");
  return r;
}

}  // namespace tc::net
