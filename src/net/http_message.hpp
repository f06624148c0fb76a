// Request and Response: an HTTP exchange as the serve runtime and the services see it — plain
// values with no network types, so that handlers and routing are testable without sockets.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.hpp"
#include "net/event_stream.hpp"

namespace tc::net {

using Fields = std::vector<std::pair<std::string, std::string>>;

// The first value of `name` in `fields` (exact match), if any.
inline std::optional<std::string_view> find_field(const Fields& fields, std::string_view name) {
  for (const auto& [k, v] : fields) {
    if (k == name) return std::string_view(v);
  }
  return std::nullopt;
}

// True when an Accept-Encoding header accepts gzip: it names gzip (or x-gzip) in any case,
// without a quality of 0.
bool accepts_gzip_encoding(std::string_view accept_encoding);

struct Request {
  std::string method;         // "GET", "POST", ...
  std::string path;           // decoded path without the query
  Fields query;               // decoded query parameters in order
  Fields path_params;         // captured by the route pattern: {"id", "..."}
  std::string content_type;   // as sent, may be empty
  std::string authorization;  // the Authorization header, may be empty
  // The Idempotency-Key header, may be empty: a POST that carries one may be retried on another
  // replica when the one running it is lost.
  std::string idempotency_key;
  std::string origin;         // the Origin header of a browser's cross-origin request, may be empty
  bool accepts_gzip = false;  // Accept-Encoding names gzip (without q=0)
  std::string body;
  std::string request_id;
  std::string peer;    // the client's address ("127.0.0.1"), empty when not from a socket
  TimePoint deadline;  // when the caller stops waiting; set by the gateway and the deployment

  std::optional<std::string_view> query_param(std::string_view name) const {
    return find_field(query, name);
  }
  std::optional<std::string_view> path_param(std::string_view name) const {
    return find_field(path_params, name);
  }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  Fields headers;  // extra headers: Retry-After, Allow, ...

  // A stream of server-sent events instead of `body` (see event_stream.hpp).
  std::shared_ptr<EventStream> events;
  // A replica's answer that is a subscription: the bus subjects whose messages the gateway
  // relays to the client as events (the replica holds no slot while they flow), and the subject
  // whose message ends the stream.
  std::vector<std::string> relay_subjects;
  std::string relay_end_subject;
  std::string relay_event_name = "message";
};

// Answers a request; called exactly once, from any thread.
using Responder = std::function<void(Response)>;

}  // namespace tc::net
