// FakeBinanceWs: a local WebSocket server speaking Binance's combined-stream format
// ({"stream": "<symbol>@aggTrade", "data": {aggTrade}}), for tests of live feeds. Each connection
// is given its messages by a script (by connection number); after them the server pings, then
// either drops the connection (as a venue does) or holds it open until the test ends.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <functional>
#include <thread>

namespace tc::testing {

class FakeBinanceWs {
 public:
  struct Script {
    std::vector<std::string> messages;
    // Then `paced_count` messages made at the moment they are sent, `spacing` apart.
    int paced_count = 0;
    std::chrono::microseconds spacing{0};
    std::function<std::string(int)> paced;
    bool drop = true;  // close the connection after the messages
  };
  using ScriptFor = std::function<Script(int connection)>;

  explicit FakeBinanceWs(ScriptFor script)
      : script_(std::move(script)),
        acceptor_(ioc_, {boost::asio::ip::make_address("127.0.0.1"), 0}) {
    thread_ = std::thread([this] { serve(); });
  }
  ~FakeBinanceWs() {
    stop_ = true;
    // A connection of our own wakes a blocking accept (closing the acceptor would not).
    boost::system::error_code ignored;
    boost::asio::io_context wake_ioc;
    boost::asio::ip::tcp::socket wake(wake_ioc);
    wake.connect(acceptor_.local_endpoint(), ignored);
    thread_.join();
    wake.close(ignored);
    acceptor_.close(ignored);
  }

  std::string url() const {
    return "ws://127.0.0.1:" + std::to_string(acceptor_.local_endpoint().port());
  }
  int connections() const { return connections_.load(); }
  std::string last_target() const {
    std::lock_guard lock(mu_);
    return last_target_;
  }

  // The combined-stream message of one trade.
  static std::string message(const std::string& symbol, int64_t id, const std::string& price,
                             const std::string& qty, int64_t ms, bool maker) {
    std::string lower = symbol;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return "{\"stream\":\"" + lower +
           "@aggTrade\",\"data\":{\"e\":\"aggTrade\",\"E\":" + std::to_string(ms + 1) +
           ",\"s\":\"" + symbol + "\",\"a\":" + std::to_string(id) + ",\"p\":\"" + price +
           "\",\"q\":\"" + qty + "\",\"f\":" + std::to_string(id) + ",\"l\":" + std::to_string(id) +
           ",\"T\":" + std::to_string(ms) + ",\"m\":" + (maker ? "true" : "false") +
           ",\"M\":true}}";
  }

 private:
  void serve() {
    namespace beast = boost::beast;
    namespace ws = beast::websocket;
    while (!stop_) {
      boost::system::error_code ec;
      boost::asio::ip::tcp::socket socket(ioc_);
      acceptor_.accept(socket, ec);
      if (ec || stop_) return;
      int n = connections_++;
      ws::stream<boost::asio::ip::tcp::socket> w(std::move(socket));
      beast::http::request<beast::http::string_body> req;
      beast::flat_buffer buffer;
      beast::http::read(w.next_layer(), buffer, req, ec);
      if (ec) continue;
      {
        std::lock_guard lock(mu_);
        last_target_ = std::string(req.target());
      }
      w.accept(req, ec);
      if (ec) continue;
      Script script = script_(n);
      w.ping({}, ec);
      for (const std::string& m : script.messages) {
        w.text(true);
        w.write(boost::asio::buffer(m), ec);
        if (ec) break;
      }
      auto next = std::chrono::steady_clock::now();
      for (int i = 0; i < script.paced_count && !ec && !stop_; ++i) {
        next += script.spacing;
        std::this_thread::sleep_until(next);
        std::string m = script.paced(i);
        w.text(true);
        w.write(boost::asio::buffer(m), ec);
      }
      if (script.drop) {
        w.next_layer().close(ec);  // abruptly, as a dropped connection
        continue;
      }
      // Hold the connection until the client closes it or the test ends.
      while (!stop_) {
        beast::flat_buffer in;
        w.read(in, ec);
        if (ec) break;
      }
    }
  }

  ScriptFor script_;
  boost::asio::io_context ioc_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  mutable std::mutex mu_;
  std::string last_target_;
};

}  // namespace tc::testing
