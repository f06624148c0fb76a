#include "net/http_client.hpp"

#include <strings.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace tc::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

std::string HttpResult::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return {};
}

Result<HttpResult> http_request(const HttpCall& call) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::flat_buffer buffer;
  http::request<http::string_body> req;
  http::response_parser<http::string_body> parser;
  parser.body_limit(256 << 20);
  beast::error_code failure;
  const char* stage = "connect";

  req.method_string(call.method);
  req.target(call.target);
  req.version(11);
  req.set(http::field::host, call.host + ":" + std::to_string(call.port));
  req.keep_alive(false);
  for (const auto& [k, v] : call.headers) req.set(k, v);
  if (!call.body.empty()) {
    req.body() = call.body;
    if (req.find(http::field::content_type) == req.end()) {
      req.set(http::field::content_type, "application/json");
    }
  }
  req.prepare_payload();

  beast::error_code ec;
  auto address = asio::ip::make_address(call.host == "localhost" ? "127.0.0.1" : call.host, ec);
  if (ec) return invalid_argument("invalid host '" + call.host + "'");
  stream.expires_after(call.timeout);
  stream.async_connect(tcp::endpoint(address, call.port), [&](beast::error_code e) {
    if (e) {
      failure = e;
      return;
    }
    stage = "write";
    http::async_write(stream, req, [&](beast::error_code we, size_t) {
      if (we) {
        failure = we;
        return;
      }
      stage = "read";
      http::async_read(stream, buffer, parser, [&](beast::error_code re, size_t) { failure = re; });
    });
  });
  ioc.run();
  if (failure == beast::error::timeout) {
    return deadline_exceeded(std::string("HTTP ") + stage + " to " + call.host + ":" +
                             std::to_string(call.port) + " timed out");
  }
  if (failure) {
    return unavailable(std::string("HTTP ") + stage + " to " + call.host + ":" +
                       std::to_string(call.port) + " failed: " + failure.message());
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

}  // namespace tc::net
