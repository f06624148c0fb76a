// HttpServer: an HTTP/1.1 server (Boost.Beast) that hands each request, as a plain
// Request, to a handler and writes the Response it gets back.
//
// Keep-alive connections are read one request at a time. Limits: a body over max_body_bytes is
// answered 413, headers over max_header_bytes in all 431, a request that does not arrive whole
// within read_timeout 408, an unparsable one 400 — as is a Transfer-Encoding that does not end
// in chunked (RFC 9112 §6.3: its body's length is unknowable, so the bytes after it must not be
// read as another request) — each as the JSON error body, and the connection is closed. At most
// max_connections are open at once (plus, briefly, the ones being closed): a connection beyond
// that closes the connection idle the longest between requests, or, when none is idle, is
// closed as soon as it is accepted; both are counted. So a flood of idle connections can use
// up neither the process's files nor the server's attention.
// A response with `events` is a server-sent event stream (net/event_stream.hpp) that lasts until
// either side ends it; the connection is closed after it.
// Every response carries X-Request-Id: the client's when it sent a valid one, else a new one. I/O
// runs on `io_threads` threads, each with its own event loop; the handler is called on one of them
// and must not block (the serve runtime moves blocking work to its requests pool).
//
// Thread-safety: start() and stop() from one thread; the rest from any. stop() is idempotent.
// Stop the server only after every responder it handed out has been called.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "net/http_message.hpp"

namespace tc::net {

struct HttpServerOptions {
  std::string name = "gateway";  // for logs
  std::string host = "127.0.0.1";
  uint16_t port = 8000;  // 0: any free port
  int io_threads = 2;
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16 << 10;
  Duration read_timeout = std::chrono::seconds(30);
  Duration idle_timeout = std::chrono::seconds(75);
  int max_connections = 10000;
  // Log every request (method, target, status, duration, request id) in the access log; 500s
  // are also logged to the process log either way.
  bool access_log = true;
  // Event streams (responses with `events`): at most this many at once (beyond: 503), each
  // buffering at most max_event_buffer bytes for a slow client (beyond: the client is dropped),
  // with a keep-alive comment after event_keepalive without an event.
  int max_event_streams = 1000;
  size_t max_event_buffer = 1 << 20;
  Duration event_keepalive = std::chrono::seconds(15);
};

using HttpHandler = std::function<void(Request, Responder)>;

class HttpServer {
 public:
  HttpServer(HttpServerOptions options, HttpHandler handler);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds, listens and starts the I/O threads. unavailable naming the host and port when the
  // address is in use or cannot be bound.
  Status start();
  // The bound port (useful with port 0).
  uint16_t port() const;
  // Closes the listening socket; connections open now are answered and then closed.
  void stop_accepting();
  // Waits until no request is being handled or written, or `timeout` passes; true when idle.
  bool wait_idle(Duration timeout);
  // Stops the I/O threads and closes every connection.
  void stop();

  struct ConnectionStats {
    int64_t open = 0;
    int64_t accepted_total = 0;
    int64_t refused_total = 0;          // closed at once: max_connections were open, none idle
    int64_t evicted_total = 0;          // idle keep-alive connections closed to make room
    int64_t event_streams = 0;          // open now
    int64_t event_streams_dropped = 0;  // clients dropped for falling behind
  };
  ConnectionStats connection_stats() const;

  struct Impl;  // defined in http_server.cpp, with the connection sessions

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace tc::net
