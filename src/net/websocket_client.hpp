// WebSocketClient: a blocking WebSocket client (ws:// or wss://, TLS as net/'s HTTP client does)
// for feeds such as Binance's. connect() opens the connection; read() waits for the next text
// message (answering the server's pings on the way, as RFC 6455 asks) until a deadline;
// close() ends it. Beast stays in the .cpp.
//
// Thread-safety: not thread-safe; one thread connects, reads and closes (a reader that must stop
// reads with a short timeout and checks its own flag).
#pragma once

#include <memory>
#include <string>

#include "core/clock.hpp"
#include "core/status.hpp"

namespace tc::net {

class WebSocketClient {
 public:
  WebSocketClient();
  ~WebSocketClient();
  WebSocketClient(const WebSocketClient&) = delete;
  WebSocketClient& operator=(const WebSocketClient&) = delete;

  // Connects to `url` (ws://host:port/path?query or wss://...). unavailable when the server
  // cannot be reached or refuses the upgrade; invalid_argument for a malformed URL.
  Status connect(const std::string& url, Duration timeout);
  // The next message. deadline_exceeded when none arrives within `timeout`; unavailable when
  // the connection is closed or broken.
  Result<std::string> read(Duration timeout);
  // Ends the connection.
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tc::net
