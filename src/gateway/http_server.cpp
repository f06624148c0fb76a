#include "gateway/http_server.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/ids.hpp"
#include "serve/http_error.hpp"

namespace tc::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(HttpServerOptions o, HttpHandler h) : options(std::move(o)), handler(std::move(h)) {}

  void accept();
  void request_started() { in_flight.fetch_add(1); }
  void request_finished() {
    if (in_flight.fetch_sub(1) == 1) {
      std::lock_guard lock(idle_mu);
      idle_cv.notify_all();
    }
  }

  HttpServerOptions options;
  HttpHandler handler;
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::vector<std::thread> threads;
  std::optional<tcp::acceptor> acceptor;
  std::optional<asio::steady_timer> accept_retry;
  size_t next_context = 0;
  uint16_t bound_port = 0;
  std::atomic<bool> draining{false};
  std::atomic<int64_t> in_flight{0};
  std::mutex idle_mu;
  std::condition_variable idle_cv;
  bool stopped = false;
};

namespace {

// One connection: read a request, hand it to the handler, write its response, repeat.
// Lives on one I/O thread's event loop; every member is touched only there.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpServer::Impl& server)
      : stream_(std::move(socket)), server_(server), read_deadline_(stream_.get_executor()) {}

  void start() { read(); }

 private:
  // Waits for the next request's first bytes under the idle timeout, then reads the whole
  // request under the read timeout.
  void read() {
    if (buffer_.size() > 0) return read_request();
    stream_.expires_after(server_.options.idle_timeout);
    stream_.async_read_some(buffer_.prepare(8192),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) return self->close();
                              self->buffer_.commit(n);
                              self->read_request();
                            });
  }

  void read_request() {
    parser_.emplace();
    parser_->header_limit(static_cast<uint32_t>(server_.options.max_header_bytes));
    parser_->body_limit(server_.options.max_body_bytes);
    // Our own timer rather than the stream's: the stream closes the socket when its timer
    // fires, and a slow client is owed a 408 first.
    stream_.expires_never();
    timed_out_ = false;
    read_deadline_.expires_after(server_.options.read_timeout);
    read_deadline_.async_wait([weak = weak_from_this()](beast::error_code ec) {
      auto self = weak.lock();
      if (ec || !self) return;
      self->timed_out_ = true;
      beast::error_code ignored;
      self->stream_.socket().cancel(ignored);
    });
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, size_t) {
    read_deadline_.cancel();
    if (ec) return on_read_error(ec);
    auto& req = parser_->get();
    keep_alive_ = req.keep_alive() && !server_.draining.load();
    head_ = req.method() == http::verb::head;
    request_id_.clear();
    if (auto it = req.find("X-Request-Id"); it != req.end() && is_valid_request_id(it->value())) {
      request_id_ = std::string(it->value());
    } else {
      request_id_ = next_request_id();
    }
    serve::Request request;
    request.method = std::string(req.method_string());
    request.request_id = request_id_;
    auto target = boost::urls::parse_origin_form(req.target());
    if (!target) {
      keep_alive_ = false;
      return write(serve::error_response(400, "invalid_argument", "malformed request target"),
                   false);
    }
    request.path = target->path();
    for (auto param : target->params()) request.query.emplace_back(param.key, param.value);
    if (auto it = req.find(http::field::content_type); it != req.end()) {
      request.content_type = std::string(it->value());
    }
    if (auto it = req.find(http::field::authorization); it != req.end()) {
      request.authorization = std::string(it->value());
    }
    request.body = std::move(req.body());
    server_.request_started();
    counted_ = true;
    stream_.expires_never();  // the serve runtime enforces the request's deadline
    server_.handler(std::move(request), [self = shared_from_this()](serve::Response response) {
      auto executor = self->stream_.get_executor();
      asio::dispatch(executor, [self = std::move(self), response = std::move(response)]() mutable {
        self->write(std::move(response), true);
      });
    });
  }

  void on_read_error(beast::error_code ec) {
    if (timed_out_) {
      keep_alive_ = false;
      return write(
          serve::error_response(408, "request_timeout", "the request did not arrive in time"),
          false);
    }
    if (ec == asio::error::operation_aborted || ec == asio::error::connection_reset) {
      return close();
    }
    keep_alive_ = false;
    if (ec == http::error::body_limit) {
      return write(
          serve::error_response(
              413, "payload_too_large",
              "request body exceeds " + std::to_string(server_.options.max_body_bytes) + " bytes"),
          false);
    }
    if (ec == http::error::header_limit) {
      return write(
          serve::error_response(431, "headers_too_large",
                                "request headers exceed " +
                                    std::to_string(server_.options.max_header_bytes) + " bytes"),
          false);
    }
    write(serve::error_response(400, "invalid_argument", "malformed HTTP request: " + ec.message()),
          false);
  }

  void write(serve::Response response, bool counted) {
    res_ = {};
    res_.version(11);
    res_.result(static_cast<unsigned>(response.status));
    res_.set(http::field::content_type, response.content_type);
    res_.set("X-Request-Id", request_id_.empty() ? next_request_id() : request_id_);
    for (auto& [name, value] : response.headers) res_.set(name, value);
    if (server_.draining.load()) keep_alive_ = false;
    res_.keep_alive(keep_alive_);
    res_.body() = std::move(response.body);
    res_.prepare_payload();
    if (head_) res_.body().clear();
    if (response.status >= 500 || response.status == 429) {
      spdlog::info("event=http_response server={} request_id={} status={}", server_.options.name,
                   request_id_, response.status);
    }
    counted_ = counted;
    stream_.expires_after(server_.options.read_timeout);
    http::async_write(stream_, res_,
                      beast::bind_front_handler(&Session::on_write, shared_from_this()));
  }

  void on_write(beast::error_code ec, size_t) {
    if (counted_) {
      counted_ = false;
      server_.request_finished();
    }
    if (ec || !keep_alive_) return close();
    read();
  }

  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  beast::tcp_stream stream_;
  HttpServer::Impl& server_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  asio::steady_timer read_deadline_;
  bool timed_out_ = false;
  std::string request_id_;
  bool keep_alive_ = true;
  bool head_ = false;
  bool counted_ = false;
};

}  // namespace

void HttpServer::Impl::accept() {
  asio::io_context& target = *contexts[next_context++ % contexts.size()];
  acceptor->async_accept(target, [self = shared_from_this()](beast::error_code ec,
                                                             tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !self->acceptor->is_open()) return;
    if (ec) {
      // Out of descriptors and the like: wait a little rather than spin.
      spdlog::warn("event=accept_failed server={} error=\"{}\"", self->options.name, ec.message());
      self->accept_retry->expires_after(std::chrono::milliseconds(100));
      self->accept_retry->async_wait([self](beast::error_code) {
        if (self->acceptor->is_open()) self->accept();
      });
      return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<Session>(std::move(socket), *self)->start();
    self->accept();
  });
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { stop(); }

Status HttpServer::start() {
  Impl& s = *impl_;
  int threads = std::max(1, s.options.io_threads);
  for (int i = 0; i < threads; ++i) {
    s.contexts.push_back(std::make_unique<asio::io_context>(1));
    s.guards.push_back(asio::make_work_guard(*s.contexts.back()));
  }
  std::string where = s.options.host + ":" + std::to_string(s.options.port);
  beast::error_code ec;
  auto address = asio::ip::make_address(s.options.host, ec);
  if (ec) return invalid_argument(s.options.name + ": invalid host '" + s.options.host + "'");
  tcp::endpoint endpoint(address, s.options.port);
  s.acceptor.emplace(*s.contexts[0]);
  s.accept_retry.emplace(*s.contexts[0]);
  s.acceptor->open(endpoint.protocol(), ec);
  if (!ec) s.acceptor->set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) s.acceptor->bind(endpoint, ec);
  if (ec == asio::error::address_in_use) {
    return unavailable(s.options.name + ": port " + std::to_string(s.options.port) + " on " +
                       s.options.host + " is already in use (is another tradecluster running?)");
  }
  if (!ec) s.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return unavailable(s.options.name + ": cannot listen on " + where + ": " + ec.message());
  s.bound_port = s.acceptor->local_endpoint().port();
  s.accept();
  for (auto& context : s.contexts) {
    s.threads.emplace_back([c = context.get()] { c->run(); });
  }
  return Status::ok();
}

uint16_t HttpServer::port() const { return impl_->bound_port; }

void HttpServer::stop_accepting() {
  Impl& s = *impl_;
  s.draining = true;
  if (!s.acceptor || s.contexts.empty()) return;
  if (s.threads.empty()) {
    beast::error_code ignored;
    s.acceptor->close(ignored);
    return;
  }
  std::promise<void> done;
  asio::dispatch(*s.contexts[0], [&] {
    beast::error_code ignored;
    s.acceptor->close(ignored);
    s.accept_retry->cancel();
    done.set_value();
  });
  done.get_future().wait();
}

bool HttpServer::wait_idle(Duration timeout) {
  std::unique_lock lock(impl_->idle_mu);
  return impl_->idle_cv.wait_for(lock, timeout, [&] { return impl_->in_flight.load() == 0; });
}

void HttpServer::stop() {
  Impl& s = *impl_;
  if (s.stopped) return;
  s.stopped = true;
  if (s.threads.empty()) return;
  stop_accepting();
  for (auto& guard : s.guards) guard.reset();
  for (auto& context : s.contexts) context->stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
  // Sessions still queued on the loops are freed with them.
  s.acceptor.reset();
  s.accept_retry.reset();
  s.contexts.clear();
}

}  // namespace tc::gateway
