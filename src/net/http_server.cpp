#include "net/http_server.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <charconv>
#include <condition_variable>
#include <future>
#include <list>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/ids.hpp"
#include "core/logging.hpp"
#include "net/http_error.hpp"

namespace tc::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {
class Session;
using Socket = asio::basic_stream_socket<tcp, asio::io_context::executor_type>;
using Timer = asio::basic_waitable_timer<std::chrono::steady_clock,
                                         asio::wait_traits<std::chrono::steady_clock>,
                                         asio::io_context::executor_type>;
}  // namespace

struct HttpServer::Impl : std::enable_shared_from_this<HttpServer::Impl> {
  Impl(HttpServerOptions o, HttpHandler h) : options(std::move(o)), handler(std::move(h)) {}

  void accept();
  void start_session(Socket socket, size_t loop, bool full);
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
  std::atomic<int64_t> open_connections{0};
  std::atomic<int64_t> accepted_total{0};
  std::atomic<int64_t> refused_total{0};
  std::atomic<int64_t> evicted_total{0};
  std::atomic<int64_t> event_streams{0};
  std::atomic<int64_t> event_streams_dropped{0};
  // Per event loop, the sessions waiting for a keep-alive client's next request, longest idle
  // first; each list is touched only on its loop's thread (or after the loops have stopped).
  std::vector<std::list<Session*>> idle;
  // Per event loop, its access-log lines, handed over every half second by a timer on the loop.
  bool access_log = false;
  std::vector<AccessLogBatch> access_logs;
  std::vector<std::unique_ptr<Timer>> log_timers;
  void flush_access_log_every_half_second(size_t loop);
  std::mutex idle_mu;
  std::condition_variable idle_cv;
  bool stopped = false;
};

namespace {

// True for an origin-form target with no query, fragment or escapes: "/api/x/status". Beast's
// parser has already refused spaces and control characters in it.
bool is_plain_path(std::string_view target) {
  return !target.empty() && target.front() == '/' &&
         target.find_first_of("%?#") == std::string_view::npos;
}

void append_decimal(std::string& out, uint64_t n) {
  char digits[24];
  auto [end, ec] = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, end);
}

// Appends `micros` as milliseconds with three decimals: 1234 -> "1.234".
void append_millis(std::string& out, uint64_t micros) {
  append_decimal(out, micros / 1000);
  char fraction[4] = {'.', static_cast<char>('0' + micros % 1000 / 100),
                      static_cast<char>('0' + micros % 100 / 10),
                      static_cast<char>('0' + micros % 10)};
  out.append(fraction, 4);
}

// Appends the HTTP/1.1 form of `r` to `out`.
void serialize(const Response& r, std::string_view request_id, bool keep_alive, bool head,
               std::string& out) {
  char number[24];
  auto append_number = [&](size_t n) {
    auto [end, ec] = std::to_chars(number, number + sizeof number, n);
    out.append(number, end);
  };
  out.append("HTTP/1.1 ");
  append_number(static_cast<size_t>(r.status));
  out.push_back(' ');
  auto reason = http::obsolete_reason(static_cast<http::status>(r.status));
  out.append(reason.data(), reason.size());
  out.append("\r\nContent-Type: ").append(r.content_type);
  out.append("\r\nX-Request-Id: ").append(request_id);
  for (const auto& [name, value] : r.headers)
    out.append("\r\n").append(name).append(": ").append(value);
  if (!keep_alive) out.append("\r\nConnection: close");
  if (r.events) {
    // An event stream: no length, it ends when the connection closes.
    out.append("\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\n\r\n");
    return;
  }
  out.append("\r\nContent-Length: ");
  append_number(r.body.size());
  out.append("\r\n\r\n");
  if (!head) out.append(r.body);
}

class Session;

// The EventSink of one streaming session: a bounded buffer that any thread appends to and the
// session's loop drains.
class StreamSink final : public EventSink {
 public:
  StreamSink(std::weak_ptr<Session> session, asio::any_io_executor executor, size_t limit)
      : session_(std::move(session)), executor_(std::move(executor)), limit_(limit) {}

  bool send(std::string text) override;
  void finish() override;

  // On the session's loop: what to write next (empty when nothing), and whether the stream
  // should end once it is written.
  std::string take(bool& finish_after) {
    std::lock_guard lock(mu_);
    std::string out;
    out.swap(pending_);
    finish_after = finishing_;
    scheduled_ = false;
    return out;
  }
  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    pending_.clear();
  }
  bool overflowed() const {
    std::lock_guard lock(mu_);
    return overflowed_;
  }

 private:
  void schedule_locked();

  std::weak_ptr<Session> session_;
  asio::any_io_executor executor_;
  const size_t limit_;
  mutable std::mutex mu_;
  std::string pending_;
  bool scheduled_ = false;
  bool finishing_ = false;
  bool closed_ = false;
  bool overflowed_ = false;
};

// One connection: read a request, hand it to the handler, write its response, repeat.
// Lives on one I/O thread's event loop; every member is touched only there.
//
// Timeouts use one watchdog timer per connection that wakes a few times per timeout and
// compares the clock with the current phase's deadline, so that a request costs no timer
// operations: idle between requests (close), reading a request (408), writing (close). There is
// no socket deadline while the handler runs; the serve runtime enforces the request's own.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Socket socket, HttpServer::Impl& server, size_t loop, std::string peer)
      : socket_(std::move(socket)),
        server_(server),
        watchdog_(socket_.get_executor()),
        idle_list_(server.idle[loop]),
        loop_(loop),
        peer_(std::move(peer)) {}  // counted open when accepted
  ~Session() {
    leave_idle();
    end_events();
    server_.open_connections.fetch_sub(1);
  }

  void end_events() {
    if (!events_) return;
    if (sink_) sink_->close();
    events_->stop();
    events_.reset();
    server_.event_streams.fetch_sub(1);
  }

  // Closes a session that waits for its client's next request, to make room for a new
  // connection. Runs on the session's loop.
  void evict() { close(); }

  void start() {
    watch();
    read();
  }

 private:
  enum class Phase { kIdle, kReading, kHandling, kWriting, kStreaming };
  static constexpr size_t kReadChunk = 8192;

  // Enters `phase`, whose deadline is `timeout` from `now`.
  void set_phase(Phase phase, Duration timeout,
                 std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) {
    phase_ = phase;
    deadline_ = now + timeout;
  }

  void watch() {
    Duration period = std::min({server_.options.read_timeout, server_.options.idle_timeout}) / 2;
    if (phase_ == Phase::kStreaming) period = server_.options.event_keepalive / 2;
    watchdog_.expires_after(period);
    watchdog_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->closed_) return;
      if (self->phase_ == Phase::kStreaming) {
        if (std::chrono::steady_clock::now() - self->last_sent_ >=
            self->server_.options.event_keepalive) {
          self->sink_->send(":keep-alive\n\n");
        }
        return self->watch();
      }
      if (self->phase_ != Phase::kHandling && std::chrono::steady_clock::now() >= self->deadline_) {
        if (self->phase_ != Phase::kReading) return self->close();
        self->timed_out_ = true;  // on_read answers 408
        beast::error_code ignored;
        self->socket_.cancel(ignored);
      }
      self->watch();
    });
  }

  // Waits for the next request's first bytes under the idle timeout, then reads the whole
  // request under the read timeout.
  //
  // Reads go straight to the socket and the parser is fed by hand (no composed read operation):
  // Asio skips the speculative read after one that drained the socket, so a request costs one
  // receive, one send and the wait between them.
  void read(std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now()) {
    if (buffer_.size() > 0) {
      begin_request();
      return parse();
    }
    set_phase(Phase::kIdle, server_.options.idle_timeout, now);
    enter_idle();
    receive();
  }

  void begin_request() {
    request_started_ = std::chrono::steady_clock::now();
    set_phase(Phase::kReading, server_.options.read_timeout, request_started_);
    parser_.emplace();
    parser_->eager(true);
    parser_->header_limit(static_cast<uint32_t>(server_.options.max_header_bytes));
    parser_->body_limit(server_.options.max_body_bytes);
  }

  void receive() {
    socket_.async_read_some(
        buffer_.prepare(kReadChunk),
        [self = shared_from_this()](beast::error_code ec, size_t n) { self->on_received(ec, n); });
  }

  void on_received(beast::error_code ec, size_t n) {
    if (ec) {
      if (phase_ == Phase::kReading) return on_read_error(ec);
      return close();  // idle: the client went away, or the idle timeout closed it
    }
    buffer_.commit(n);
    if (phase_ == Phase::kIdle) {
      leave_idle();
      begin_request();
    }
    parse();
  }

  // Feeds the parser what the buffer holds; waits for more, or hands on a whole request.
  void parse() {
    beast::error_code ec;
    while (buffer_.size() > 0 && !parser_->is_done()) {
      size_t used = parser_->put(buffer_.data(), ec);
      buffer_.consume(used);
      if (ec == http::error::need_more) {
        ec = {};
        break;
      }
      if (ec) return on_read_error(ec);
      if (used == 0) break;
    }
    if (parser_->is_done()) return on_read({});
    receive();
  }

  void on_read(beast::error_code ec) {
    if (ec) return on_read_error(ec);
    phase_ = Phase::kHandling;  // no socket deadline: the serve runtime has the request's
    auto& req = parser_->get();
    keep_alive_ = req.keep_alive() && !server_.draining.load();
    if (auto refusal = check_framing(req)) {
      keep_alive_ = false;
      request_id_ = next_request_id();
      method_.assign(req.method_string());
      return write(std::move(*refusal), false);
    }
    head_ = req.method() == http::verb::head;
    if (auto it = req.find("X-Request-Id"); it != req.end() && is_valid_request_id(it->value())) {
      request_id_ = std::string(it->value());
    } else {
      request_id_ = next_request_id();
    }
    method_.assign(req.method_string());
    // Logged as is: cut long targets and keep quotes out of the log's quoted field.
    target_.assign(req.target().substr(0, 256));
    std::replace(target_.begin(), target_.end(), '"', '\'');
    Request request;
    request.method = method_;
    request.request_id = request_id_;
    request.peer = peer_;
    if (is_plain_path(req.target())) {
      request.path = req.target();  // nothing to decode: the common case, without Boost.URL
    } else {
      auto target = boost::urls::parse_origin_form(req.target());
      if (!target) {
        keep_alive_ = false;
        return write(error_response(invalid_argument("malformed request target")), false);
      }
      request.path = target->path();
      for (auto param : target->params()) request.query.emplace_back(param.key, param.value);
    }
    if (auto it = req.find(http::field::content_type); it != req.end()) {
      request.content_type = std::string(it->value());
    }
    if (auto it = req.find(http::field::authorization); it != req.end()) {
      request.authorization = std::string(it->value());
    }
    if (auto it = req.find(http::field::accept_encoding); it != req.end()) {
      request.accepts_gzip = accepts_gzip_encoding(it->value());
    }
    if (auto it = req.find(http::field::origin); it != req.end()) {
      request.origin = std::string(it->value().substr(0, 256));
    }
    if (auto it = req.find("Idempotency-Key"); it != req.end()) {
      request.idempotency_key = std::string(it->value().substr(0, 256));
    }
    request.body = std::move(req.body());
    server_.request_started();
    server_.handler(std::move(request), [self = shared_from_this()](Response response) {
      auto executor = self->socket_.get_executor();
      asio::dispatch(executor, [self = std::move(self), response = std::move(response)]() mutable {
        self->write(std::move(response), true);
      });
    });
  }

  void on_read_error(beast::error_code ec) {
    keep_alive_ = false;
    if (request_id_.empty()) request_id_ = next_request_id();
    if (timed_out_) {
      return write(error_response(Status(StatusCode::kRequestTimeout,
                                         std::string("the request did not arrive in time"))),
                   false);
    }
    if (ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
        ec == asio::error::eof || ec == http::error::end_of_stream) {
      return close();
    }
    if (ec == http::error::body_limit) {
      return write(
          error_response(Status(
              StatusCode::kPayloadTooLarge,
              "request body exceeds " + std::to_string(server_.options.max_body_bytes) + " bytes")),
          false);
    }
    if (ec == http::error::header_limit) {
      return write(
          error_response(Status(StatusCode::kHeadersTooLarge,
                                "request headers exceed " +
                                    std::to_string(server_.options.max_header_bytes) + " bytes")),
          false);
    }
    write(error_response(invalid_argument("malformed HTTP request: " + ec.message())), false);
  }

  // A refusal for a request whose framing cannot be trusted: a Transfer-Encoding that does not
  // end in chunked. (Headers over the limit in all are the parser's: it is fed the whole
  // buffered header at once, so its limit counts every byte of it.)
  std::optional<Response> check_framing(const http::request<http::string_body>& req) const {
    if (req.find(http::field::transfer_encoding) != req.end() && !parser_->chunked()) {
      return error_response(invalid_argument(
          "Transfer-Encoding must end in chunked (RFC 9112 section 6.3); the connection is "
          "closed"));
    }
    return std::nullopt;
  }

  // `counted`: the response ends a request handed to the handler.
  void write(Response response, bool counted) {
    if (server_.draining.load()) keep_alive_ = false;
    if (response.events) {
      keep_alive_ = false;
      if (server_.event_streams.fetch_add(1) >= server_.options.max_event_streams) {
        server_.event_streams.fetch_sub(1);
        response =
            error_response(unavailable("too many event streams are open (at most " +
                                       std::to_string(server_.options.max_event_streams) + ")"));
        response.headers.emplace_back("Retry-After", "5");
      } else {
        events_ = response.events;
      }
    }
    // One clock read serves the access log, the write deadline and the next idle deadline.
    const auto now = std::chrono::steady_clock::now();
    if (server_.access_log) {
      // Written by hand: this runs for every request.
      auto micros = std::chrono::duration_cast<std::chrono::microseconds>(now - request_started_);
      AccessLogBatch& log = server_.access_logs[loop_];
      std::string& line = log.begin_line();
      line.append("server=").append(server_.options.name);
      line.append(" request_id=").append(request_id_);
      line.append(" method=").append(method_);
      line.append(" target=\"").append(target_);
      line.append("\" status=");
      append_decimal(line, static_cast<uint64_t>(response.status));
      line.append(" ms=");
      append_millis(line, static_cast<uint64_t>(std::max<int64_t>(0, micros.count())));
      log.end_line();
    }
    if (response.status == 500) {  // a handler failed; 503 and 504 are load, in the access log
      spdlog::warn("event=server_error server={} request_id={} method={} target=\"{}\" status={}",
                   server_.options.name, request_id_, method_, target_, response.status);
    }
    out_.clear();
    serialize(response, request_id_, keep_alive_, head_, out_);
    set_phase(Phase::kWriting, server_.options.read_timeout, now);
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this(), counted, now](beast::error_code ec, size_t) {
                        if (counted) self->server_.request_finished();
                        if (!ec && self->events_) return self->start_streaming();
                        if (ec || !self->keep_alive_) return self->close();
                        self->request_id_.clear();
                        self->read(now);
                      });
  }

 public:
  // On the session's loop: writes what the sink has queued, one write at a time.
  void flush_events() {
    if (closed_ || writing_events_ || !sink_) return;
    bool finish_after = false;
    out_ = sink_->take(finish_after);
    if (out_.empty()) {
      if (finish_after) close();
      return;
    }
    writing_events_ = true;
    asio::async_write(socket_, asio::buffer(out_),
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        self->writing_events_ = false;
                        self->last_sent_ = std::chrono::steady_clock::now();
                        if (ec) return self->close();
                        self->flush_events();
                      });
  }
  // On the session's loop: a client that fell too far behind.
  void drop_slow_client() {
    server_.event_streams_dropped.fetch_add(1);
    spdlog::info(
        "event=event_stream_dropped server={} request_id={} reason=\"the client fell "
        "more than {} bytes behind\"",
        server_.options.name, request_id_, server_.options.max_event_buffer);
    close();
  }

 private:
  // After the headers of an event stream: hand the stream its sink and watch for the client
  // going away (it sends nothing more; a read ends when it closes).
  void start_streaming() {
    phase_ = Phase::kStreaming;
    last_sent_ = std::chrono::steady_clock::now();
    sink_ = std::make_shared<StreamSink>(weak_from_this(), socket_.get_executor(),
                                         server_.options.max_event_buffer);
    events_->start(sink_);
    watchdog_.cancel();  // re-armed at the keep-alive period
    watch();
    socket_.async_read_some(buffer_.prepare(kReadChunk),
                            [self = shared_from_this()](beast::error_code, size_t) {
                              self->close();  // the client closed, or sent what it must not
                            });
  }

  void enter_idle() { idle_pos_ = idle_list_.insert(idle_list_.end(), this); }
  void leave_idle() {
    if (!idle_pos_) return;
    idle_list_.erase(*idle_pos_);
    idle_pos_.reset();
  }

  void close() {
    leave_idle();
    if (closed_) return;
    closed_ = true;
    end_events();
    beast::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_send, ignored);
    socket_.close(ignored);
    watchdog_.cancel();
  }

  Socket socket_;
  HttpServer::Impl& server_;
  Timer watchdog_;
  std::list<Session*>& idle_list_;
  const size_t loop_;
  std::optional<std::list<Session*>::iterator> idle_pos_;
  const std::string peer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::string out_;
  std::string request_id_;
  std::string method_;
  std::string target_;
  std::chrono::steady_clock::time_point request_started_;
  Phase phase_ = Phase::kIdle;
  std::chrono::steady_clock::time_point deadline_;
  bool timed_out_ = false;
  bool keep_alive_ = true;
  bool head_ = false;
  bool closed_ = false;
  std::shared_ptr<EventStream> events_;
  std::shared_ptr<StreamSink> sink_;
  bool writing_events_ = false;
  std::chrono::steady_clock::time_point last_sent_;
};

bool StreamSink::send(std::string text) {
  std::lock_guard lock(mu_);
  if (closed_) return false;
  if (pending_.size() + text.size() > limit_) {
    closed_ = overflowed_ = true;
    pending_.clear();
    asio::post(executor_, [weak = session_] {
      if (auto session = weak.lock()) session->drop_slow_client();
    });
    return false;
  }
  pending_.append(text);
  schedule_locked();
  return true;
}

void StreamSink::finish() {
  std::lock_guard lock(mu_);
  finishing_ = true;
  schedule_locked();
}

void StreamSink::schedule_locked() {
  if (scheduled_) return;
  scheduled_ = true;
  asio::post(executor_, [weak = session_] {
    if (auto session = weak.lock()) session->flush_events();
  });
}

}  // namespace

void HttpServer::Impl::accept() {
  size_t loop = next_context++ % contexts.size();
  asio::io_context& target = *contexts[loop];
  acceptor->async_accept(target.get_executor(), [self = shared_from_this(), loop](
                                                    beast::error_code ec, Socket socket) {
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
    self->accepted_total.fetch_add(1, std::memory_order_relaxed);
    bool full = self->open_connections.fetch_add(1) >= self->options.max_connections;
    // The session starts on its own loop, where a full server can close an idle one for it.
    auto executor = socket.get_executor();
    asio::post(executor, [self, loop, full, socket = std::move(socket)]() mutable {
      self->start_session(std::move(socket), loop, full);
    });
    self->accept();
  });
}

void HttpServer::Impl::flush_access_log_every_half_second(size_t loop) {
  log_timers[loop]->expires_after(std::chrono::milliseconds(500));
  log_timers[loop]->async_wait([self = shared_from_this(), loop](beast::error_code ec) {
    self->access_logs[loop].flush();
    if (!ec) self->flush_access_log_every_half_second(loop);
  });
}

void HttpServer::Impl::start_session(Socket socket, size_t loop, bool full) {
  beast::error_code ignored;
  if (full) {
    // At the limit, the connection idle the longest between requests makes room (so that a
    // flood of idle connections cannot lock out health checks); with none idle, the new one is
    // closed at once.
    if (idle[loop].empty()) {
      refused_total.fetch_add(1, std::memory_order_relaxed);
      open_connections.fetch_sub(1);
      socket.close(ignored);
      return;
    }
    evicted_total.fetch_add(1, std::memory_order_relaxed);
    idle[loop].front()->evict();
  }
  socket.set_option(tcp::no_delay(true), ignored);
  auto endpoint = socket.remote_endpoint(ignored);
  std::string peer = ignored ? std::string() : endpoint.address().to_string();
  std::make_shared<Session>(std::move(socket), *this, loop, std::move(peer))->start();
}

HttpServer::HttpServer(HttpServerOptions options, HttpHandler handler)
    : impl_(std::make_shared<Impl>(std::move(options), std::move(handler))) {}

HttpServer::~HttpServer() { stop(); }

Status HttpServer::start() {
  Impl& s = *impl_;
  int threads = std::max(1, s.options.io_threads);
  for (int i = 0; i < threads; ++i) {
    // No locks around a socket's reactor state: each socket's operations start and complete on
    // its own loop only (sessions start on their loop; the acceptor lives on loop 0). Posting to
    // a loop from other threads — responders, stop — stays locked.
    s.contexts.push_back(std::make_unique<asio::io_context>(BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO));
    s.guards.push_back(asio::make_work_guard(*s.contexts.back()));
  }
  s.idle.resize(s.contexts.size());
  s.access_log = s.options.access_log && AccessLogBatch::enabled();
  s.access_logs.resize(s.contexts.size());
  if (s.access_log) {
    for (size_t i = 0; i < s.contexts.size(); ++i) {
      s.log_timers.push_back(std::make_unique<Timer>(s.contexts[i]->get_executor()));
      s.flush_access_log_every_half_second(i);
    }
  }
  std::string where = s.options.host + ":" + std::to_string(s.options.port);
  beast::error_code ec;
  auto address =
      asio::ip::make_address(s.options.host == "localhost" ? "127.0.0.1" : s.options.host, ec);
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

HttpServer::ConnectionStats HttpServer::connection_stats() const {
  return {impl_->open_connections.load(), impl_->accepted_total.load(),
          impl_->refused_total.load(),    impl_->evicted_total.load(),
          impl_->event_streams.load(),    impl_->event_streams_dropped.load()};
}

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
  for (auto& log : s.access_logs) log.flush();
  s.log_timers.clear();
  s.acceptor.reset();
  s.accept_retry.reset();
  s.contexts.clear();
}

}  // namespace tc::net
