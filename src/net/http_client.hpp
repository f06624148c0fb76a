// A small blocking HTTP/1.1 client for the CLI, the sources and the tests: one request per
// connection, with one deadline over resolve, connect, handshake, write and read. HTTPS (TLS
// through OpenSSL, with the system's CA certificates, SNI and host-name verification) when
// `tls` is set.
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
  std::string host = "127.0.0.1";  // an address or a name to resolve
  uint16_t port = 0;
  bool tls = false;
  std::string method = "GET";
  std::string target = "/";
  std::string body;
  Fields headers;  // extra request headers
  Duration timeout = std::chrono::seconds(10);
};

// unavailable when the server cannot be reached (or its certificate is not trusted),
// deadline_exceeded past the timeout.
Result<HttpResult> http_request(const HttpCall& call);

// The parts of an http:// or https:// base URL ("https://api.binance.com", "http://127.0.0.1:9")
// as a call: host, port (the scheme's default when absent) and tls; `prefix` gets the URL's path
// without its trailing slash. invalid_argument for anything else.
Result<HttpCall> call_for_url(std::string_view url, std::string* prefix = nullptr);

}  // namespace tc::net
