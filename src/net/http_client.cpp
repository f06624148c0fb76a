#include "net/http_client.hpp"

#include <strings.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>

namespace tc::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

std::string HttpResult::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return {};
}

namespace {

// Writes `req` and reads the response on a connected (and, for TLS, handshaken) stream.
template <typename Stream>
void exchange(Stream& stream, http::request<http::string_body>& req, beast::flat_buffer& buffer,
              http::response_parser<http::string_body>& parser, beast::error_code& failure,
              const char*& stage) {
  stage = "write";
  http::async_write(stream, req, [&](beast::error_code we, size_t) {
    if (we) {
      failure = we;
      return;
    }
    stage = "read";
    http::async_read(stream, buffer, parser, [&](beast::error_code re, size_t) { failure = re; });
  });
}

}  // namespace

Result<HttpResult> http_request(const HttpCall& call) {
  asio::io_context ioc;
  ssl::context tls_context(ssl::context::tls_client);
  beast::flat_buffer buffer;
  http::request<http::string_body> req;
  http::response_parser<http::string_body> parser;
  parser.body_limit(256 << 20);
  beast::error_code failure;
  const char* stage = "resolve";

  req.method_string(call.method);
  req.target(call.target);
  req.version(11);
  bool default_port = call.port == (call.tls ? 443 : 80);
  req.set(http::field::host,
          default_port ? call.host : call.host + ":" + std::to_string(call.port));
  req.keep_alive(false);
  for (const auto& [k, v] : call.headers) req.set(k, v);
  if (!call.body.empty()) {
    req.body() = call.body;
    if (req.find(http::field::content_type) == req.end()) {
      req.set(http::field::content_type, "application/json");
    }
  }
  req.prepare_payload();

  std::vector<tcp::endpoint> endpoints;
  beast::error_code ec;
  auto address = asio::ip::make_address(call.host == "localhost" ? "127.0.0.1" : call.host, ec);
  if (!ec) {
    endpoints.emplace_back(address, call.port);
  } else {
    tcp::resolver resolver(ioc);
    auto found = resolver.resolve(call.host, std::to_string(call.port), ec);
    if (ec) return unavailable("cannot resolve '" + call.host + "': " + ec.message());
    for (const auto& e : found) endpoints.push_back(e.endpoint());
  }

  if (!call.tls) {
    beast::tcp_stream stream(ioc);
    stream.expires_after(call.timeout);
    stage = "connect";
    stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) {
      if (e) {
        failure = e;
        return;
      }
      exchange(stream, req, buffer, parser, failure, stage);
    });
    ioc.run();
  } else {
    tls_context.set_default_verify_paths();
    tls_context.set_verify_mode(ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(ioc, tls_context);
    if (!SSL_set_tlsext_host_name(stream.native_handle(), call.host.c_str())) {
      return unavailable("cannot set the TLS server name for '" + call.host + "'");
    }
    stream.set_verify_callback(ssl::host_name_verification(call.host));
    beast::get_lowest_layer(stream).expires_after(call.timeout);
    stage = "connect";
    beast::get_lowest_layer(stream).async_connect(
        endpoints, [&](beast::error_code e, const tcp::endpoint&) {
          if (e) {
            failure = e;
            return;
          }
          stage = "TLS handshake";
          stream.async_handshake(ssl::stream_base::client, [&](beast::error_code he) {
            if (he) {
              failure = he;
              return;
            }
            exchange(stream, req, buffer, parser, failure, stage);
          });
        });
    ioc.run();
  }
  std::string where = call.host + ":" + std::to_string(call.port);
  if (failure == beast::error::timeout) {
    return deadline_exceeded(std::string("HTTP ") + stage + " to " + where + " timed out");
  }
  // A TLS peer may close without a close_notify after a complete response; the parser has it.
  if (failure && !(failure == ssl::error::stream_truncated && parser.is_done())) {
    return unavailable(std::string("HTTP ") + stage + " to " + where +
                       " failed: " + failure.message());
  }
  HttpResult out;
  auto& res = parser.get();
  out.status = static_cast<int>(res.result_int());
  out.body = std::move(res.body());
  for (const auto& field : res) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  return out;
}

Result<HttpCall> call_for_url(std::string_view url, std::string* prefix) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return invalid_argument("'" + std::string(url) + "' is not a URL");
  HttpCall call;
  std::string scheme(parsed->scheme());
  if (scheme == "https") {
    call.tls = true;
  } else if (scheme != "http") {
    return invalid_argument("'" + std::string(url) + "' is not an http:// or https:// URL");
  }
  call.host = std::string(parsed->host());
  if (call.host.empty()) return invalid_argument("'" + std::string(url) + "' has no host");
  call.port = parsed->has_port() ? static_cast<uint16_t>(parsed->port_number())
                                 : static_cast<uint16_t>(call.tls ? 443 : 80);
  if (prefix != nullptr) {
    *prefix = std::string(parsed->encoded_path());
    while (!prefix->empty() && prefix->back() == '/') prefix->pop_back();
  }
  return call;
}

}  // namespace tc::net
