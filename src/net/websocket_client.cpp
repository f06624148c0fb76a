#include "net/websocket_client.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/url/parse.hpp>
#include <mutex>
#include <variant>

namespace tc::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace ws = beast::websocket;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

struct WebSocketClient::Impl {
  asio::io_context ioc;
  ssl::context tls{ssl::context::tls_client};
  std::variant<std::monostate, ws::stream<beast::tcp_stream>,
               ws::stream<beast::ssl_stream<beast::tcp_stream>>>
      stream;
  beast::flat_buffer buffer;
  std::mutex mu;
  bool open = false;
  // A read that outlived its caller's timeout stays pending (cancelling a WebSocket read would
  // end the connection); the next read() goes on waiting for it.
  bool reading = false;
  bool read_done = false;
  beast::error_code read_result;

  // Runs `start(done)` on the context until it completes or `timeout` passes.
  template <typename Start>
  beast::error_code run(Start&& start, Duration timeout) {
    beast::error_code result = asio::error::would_block;
    start([&](beast::error_code ec) { result = ec; });
    ioc.restart();
    ioc.run_for(std::chrono::duration_cast<std::chrono::nanoseconds>(timeout));
    if (result == asio::error::would_block) {
      // Cancel what is pending and let its handler run.
      std::visit(
          [](auto& s) {
            if constexpr (!std::is_same_v<std::decay_t<decltype(s)>, std::monostate>) {
              beast::get_lowest_layer(s).cancel();
            }
          },
          stream);
      ioc.restart();
      ioc.run();
      return beast::error::timeout;
    }
    return result;
  }
};

WebSocketClient::WebSocketClient() : impl_(std::make_unique<Impl>()) {}
WebSocketClient::~WebSocketClient() { close(); }

Status WebSocketClient::connect(const std::string& url, Duration timeout) {
  auto parsed = boost::urls::parse_absolute_uri(url);
  if (!parsed) return invalid_argument("'" + url + "' is not a URL");
  std::string scheme(parsed->scheme());
  if (scheme != "ws" && scheme != "wss") {
    return invalid_argument("'" + url + "' is not a ws:// or wss:// URL");
  }
  bool tls = scheme == "wss";
  std::string host(parsed->host());
  std::string port = parsed->has_port() ? std::string(parsed->port()) : (tls ? "443" : "80");
  std::string target(parsed->encoded_path());
  if (target.empty()) target = "/";
  if (parsed->has_query()) target += "?" + std::string(parsed->encoded_query());

  Impl& s = *impl_;
  tcp::resolver resolver(s.ioc);
  beast::error_code ec;
  auto endpoints = resolver.resolve(host, port, ec);
  if (ec) return unavailable("cannot resolve '" + host + "': " + ec.message());
  auto fail = [&](std::string_view stage, beast::error_code e) {
    return e == beast::error::timeout
               ? deadline_exceeded("WebSocket " + std::string(stage) + " to " + host + " timed out")
               : unavailable("WebSocket " + std::string(stage) + " to " + host +
                             " failed: " + e.message());
  };
  auto host_header = host + ":" + port;
  // Connect, then `secure` (the TLS handshake, or nothing), then the WebSocket handshake.
  auto open = [&](auto& w, auto secure) -> Status {
    beast::error_code e = s.run(
        [&](auto done) {
          beast::get_lowest_layer(w).async_connect(endpoints,
                                                   [done](beast::error_code r, auto) { done(r); });
        },
        timeout);
    if (e) return fail("connect", e);
    if (e = secure(w); e) return fail("TLS handshake", e);
    e = s.run([&](auto done) { w.async_handshake(host_header, target, done); }, timeout);
    if (e) return fail("handshake", e);
    return Status::ok();
  };
  Status opened;
  if (!tls) {
    opened = open(s.stream.emplace<ws::stream<beast::tcp_stream>>(s.ioc),
                  [](auto&) { return beast::error_code{}; });
  } else {
    s.tls.set_default_verify_paths();
    s.tls.set_verify_mode(ssl::verify_peer);
    auto& w = s.stream.emplace<ws::stream<beast::ssl_stream<beast::tcp_stream>>>(s.ioc, s.tls);
    SSL_set_tlsext_host_name(w.next_layer().native_handle(), host.c_str());
    w.next_layer().set_verify_callback(ssl::host_name_verification(host));
    opened = open(w, [&](auto& stream) {
      return s.run(
          [&](auto done) { stream.next_layer().async_handshake(ssl::stream_base::client, done); },
          timeout);
    });
  }
  TC_RETURN_IF_ERROR(opened);
  std::lock_guard lock(s.mu);
  s.open = true;
  return Status::ok();
}

Result<std::string> WebSocketClient::read(Duration timeout) {
  Impl& s = *impl_;
  {
    std::lock_guard lock(s.mu);
    if (!s.open) return unavailable("the WebSocket is closed");
  }
  if (!s.reading) {
    s.buffer.clear();
    s.reading = true;
    s.read_done = false;
    std::visit(
        [&](auto& w) {
          if constexpr (std::is_same_v<std::decay_t<decltype(w)>, std::monostate>) {
            s.read_done = true;
            s.read_result = asio::error::not_connected;
          } else {
            // Pings are answered inside the read, as Beast does by default.
            w.async_read(s.buffer, [&s](beast::error_code e, size_t) {
              s.read_result = e;
              s.read_done = true;
            });
          }
        },
        s.stream);
  }
  s.ioc.restart();
  s.ioc.run_for(std::chrono::duration_cast<std::chrono::nanoseconds>(timeout));
  if (!s.read_done) return deadline_exceeded("no WebSocket message in time");
  s.reading = false;
  if (s.read_result) {
    std::lock_guard lock(s.mu);
    s.open = false;
    return unavailable("the WebSocket closed: " + s.read_result.message());
  }
  return beast::buffers_to_string(s.buffer.data());
}

void WebSocketClient::close() {
  Impl& s = *impl_;
  std::lock_guard lock(s.mu);
  if (!s.open) return;
  s.open = false;
  std::visit(
      [](auto& w) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(w)>, std::monostate>) {
          beast::error_code ignored;
          beast::get_lowest_layer(w).socket().close(ignored);
        }
      },
      s.stream);
}

}  // namespace tc::net
