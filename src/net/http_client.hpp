// A small blocking HTTP/1.1 client for the CLI and the tests: one request per connection, with
// one deadline over connect, write and read.
#pragma once

#include <cstdint>
#include <string>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "net/http_message.hpp"

namespace tc::net {

struct HttpResult {
  int status = 0;
  std::string body;
  Fields headers;
  std::string header(std::string_view name) const;  // case-insensitive, "" when absent
};

struct HttpCall {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  std::string method = "GET";
  std::string target = "/";
  std::string body;
  Fields headers;  // extra request headers
  Duration timeout = std::chrono::seconds(10);
};

// unavailable when the server cannot be reached, deadline_exceeded past the timeout.
Result<HttpResult> http_request(const HttpCall& call);

}  // namespace tc::net
