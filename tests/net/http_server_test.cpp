#include "net/http_server.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <thread>

#include "net/http_client.hpp"
#include "net/http_error.hpp"
#include "support/raw_http.hpp"
#include "support/wait.hpp"

namespace tc::net {
namespace {

class HttpServerTest : public ::testing::Test {
 protected:
  void start(HttpServerOptions options = {}) {
    options.port = 0;
    options.io_threads = 2;
    server_ = std::make_unique<HttpServer>(options, [this](Request r, Responder respond) {
      if (r.path == "/later") {
        // Answer from another thread, as the worker pool does.
        std::thread([respond = std::move(respond)] {
          respond(json_response(json::object{{"later", true}}));
        }).detach();
        return;
      }
      json::object out{{"method", r.method},
                       {"path", r.path},
                       {"peer", r.peer},
                       {"body_size", r.body.size()},
                       {"request_id", r.request_id}};
      for (auto& [k, v] : r.query) out[k] = v;
      respond(json_response(out));
    });
    ASSERT_TRUE(server_->start().is_ok());
  }
  uint16_t port() const { return server_->port(); }

  Result<HttpResult> get(const std::string& target, Fields headers = {}) {
    HttpCall c;
    c.port = port();
    c.target = target;
    c.headers = std::move(headers);
    return http_request(c);
  }

  void TearDown() override {
    std::lock_guard lock(mu_);
    if (later_.joinable()) later_.join();  // before the server goes
  }

  std::mutex mu_;
  std::thread later_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, ServesRequestAndDecodesQuery) {
  start();
  auto r = get("/a%20b?x=1&y=hello%20world");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r->status, 200);
  auto body = parse_json(r->body);
  EXPECT_EQ(body->as_object().at("path").as_string(), "/a b");
  EXPECT_EQ(body->as_object().at("y").as_string(), "hello world");
  EXPECT_EQ(r->header("Content-Type"), "application/json");
}

TEST_F(HttpServerTest, EchoesValidRequestIdAndMakesOneOtherwise) {
  start();
  auto mine = get("/", {{"X-Request-Id", "client-42"}});
  EXPECT_EQ(mine->header("X-Request-Id"), "client-42");
  auto bad = get("/", {{"X-Request-Id", "has spaces and ;"}});
  EXPECT_FALSE(bad->header("X-Request-Id").empty());
  EXPECT_NE(bad->header("X-Request-Id"), "has spaces and ;");
}

TEST_F(HttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start();
  std::string two =
      "GET /one HTTP/1.1\r\nHost: x\r\n\r\n"
      "GET /two HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  std::string out = testing::raw_exchange(port(), two);
  EXPECT_NE(out.find("\"path\":\"/one\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"path\":\"/two\""), std::string::npos) << out;
}

TEST_F(HttpServerTest, BodyOverLimitIs413) {
  HttpServerOptions o;
  o.max_body_bytes = 1024;
  start(o);
  std::string req =
      "POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n" + std::string(5000, 'a');
  std::string out = testing::raw_exchange(port(), req);
  EXPECT_TRUE(out.starts_with("HTTP/1.1 413")) << out;
  EXPECT_NE(out.find("\"code\":\"payload_too_large\""), std::string::npos);
}

TEST_F(HttpServerTest, HeadersOverLimitAre431) {
  HttpServerOptions o;
  o.max_header_bytes = 1024;
  start(o);
  std::string req = "GET /x HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4000, 'a') + "\r\n\r\n";
  std::string out = testing::raw_exchange(port(), req);
  EXPECT_TRUE(out.starts_with("HTTP/1.1 431")) << out;
}

TEST_F(HttpServerTest, MalformedRequestIs400AndServerKeepsServing) {
  start();
  std::string out = testing::raw_exchange(port(), "GARBAGE\r\n\r\n");
  EXPECT_TRUE(out.starts_with("HTTP/1.1 400")) << out;
  EXPECT_EQ(get("/still-up")->status, 200);
}

TEST_F(HttpServerTest, SlowPartialRequestGets408) {
  HttpServerOptions o;
  o.read_timeout = std::chrono::milliseconds(200);
  start(o);
  std::string out = testing::raw_exchange(port(), "GET /x HTTP/1.1\r\nHost:", 5000);
  EXPECT_TRUE(out.starts_with("HTTP/1.1 408")) << out;
}

TEST_F(HttpServerTest, ResponderMayAnswerFromAnotherThread) {
  start();
  auto r = get("/later");
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->body, "{\"later\":true}");
  EXPECT_TRUE(server_->wait_idle(std::chrono::seconds(5)));
}

TEST_F(HttpServerTest, SecondServerOnSamePortFailsNamingIt) {
  start();
  HttpServerOptions o;
  o.port = port();
  HttpServer second(o, [](Request, Responder) {});
  Status s = second.start();
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_NE(s.message().find(std::to_string(port())), std::string::npos) << s.message();
}

TEST_F(HttpServerTest, StopAcceptingRefusesNewConnections) {
  start();
  server_->stop_accepting();
  auto r = get("/");
  EXPECT_FALSE(r.is_ok());
  server_->stop();
  server_->stop();  // idempotent
}

TEST_F(HttpServerTest, RequestCarriesThePeerAddress) {
  start();
  auto r = get("/");
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(parse_json(r->body)->as_object().at("peer").as_string(), "127.0.0.1");
}

TEST_F(HttpServerTest, TransferEncodingNotEndingInChunkedIs400AndCloses) {
  start();
  // Behind a proxy the bytes after the headers would run as a second, smuggled request.
  std::string smuggle =
      "POST /first HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"
      "GET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n";
  std::string out = testing::raw_exchange(port(), smuggle);
  EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0u) << out;
  EXPECT_NE(out.find("Connection: close"), std::string::npos) << out;
  EXPECT_NE(out.find("chunked"), std::string::npos) << out;
  EXPECT_EQ(out.find("/smuggled"), std::string::npos) << out;
  EXPECT_EQ(out.find("HTTP/1.1 200"), std::string::npos) << out;
}

TEST_F(HttpServerTest, AmbiguousFramingIs400AndCloses) {
  start();
  const char* cases[] = {
      // Content-Length beside Transfer-Encoding: which one a proxy believed is unknowable.
      "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n"
      "0\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\n",
      "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}x",
      "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n",
      "POST /a HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
  };
  for (const char* bytes : cases) {
    std::string out = testing::raw_exchange(port(), bytes);
    EXPECT_EQ(out.rfind("HTTP/1.1 400", 0), 0u) << bytes << "\n" << out;
    EXPECT_EQ(out.find("HTTP/1.1", 1), std::string::npos) << "one answer, then the close: " << out;
  }
}

TEST_F(HttpServerTest, ChunkedBodyIsRead) {
  start();
  std::string chunked =
      "POST /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
      "5\r\nhello\r\n0\r\n\r\n";
  std::string out = testing::raw_exchange(port(), chunked);
  EXPECT_EQ(out.rfind("HTTP/1.1 200", 0), 0u) << out;
  EXPECT_NE(out.find("\"body_size\":5"), std::string::npos) << out;
}

TEST_F(HttpServerTest, ManySmallHeadersOverTheTotalLimitGet431) {
  start();
  std::string request = "GET / HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 5000; ++i) request += "X-" + std::to_string(i) + ": a\r\n";
  request += "\r\n";
  ASSERT_GT(request.size(), 16u << 10);
  std::string out = testing::raw_exchange(port(), request);
  EXPECT_EQ(out.rfind("HTTP/1.1 431", 0), 0u) << out.substr(0, 200);
  EXPECT_NE(out.find("headers_too_large"), std::string::npos);
}

int connect_to(uint16_t port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  return fd;
}

TEST_F(HttpServerTest, AtTheLimitANewConnectionReplacesTheLongestIdle) {
  HttpServerOptions options;
  options.max_connections = 2;
  start(options);
  int a = connect_to(port());
  int b = connect_to(port());
  ASSERT_TRUE(testing::wait_until([&] { return server_->connection_stats().open == 2; }));
  // Idle connections cannot lock a health check out.
  auto health = get("/health");
  ASSERT_TRUE(health.is_ok()) << health.status().to_string();
  EXPECT_EQ(health->status, 200);
  auto stats = server_->connection_stats();
  EXPECT_EQ(stats.evicted_total, 1);
  EXPECT_EQ(stats.refused_total, 0);
  // The longest idle, the first, was closed by the server.
  timeval tv{2, 0};
  setsockopt(a, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char byte = 0;
  EXPECT_EQ(recv(a, &byte, 1, 0), 0);
  close(a);
  close(b);
}

TEST_F(HttpServerTest, AtTheLimitWithNoneIdleANewConnectionIsClosedAtOnce) {
  std::mutex hold_mu;
  std::condition_variable hold_cv;
  std::vector<Responder> held;
  HttpServerOptions options;
  options.port = 0;
  options.io_threads = 1;
  options.max_connections = 2;
  server_ = std::make_unique<HttpServer>(options, [&](Request, Responder respond) {
    std::lock_guard lock(hold_mu);
    held.push_back(std::move(respond));  // busy: answered only when released
    hold_cv.notify_all();
  });
  ASSERT_TRUE(server_->start().is_ok());
  std::vector<std::thread> busy;
  for (int i = 0; i < 2; ++i) busy.emplace_back([&] { (void)get("/hold"); });
  {
    std::unique_lock lock(hold_mu);
    ASSERT_TRUE(hold_cv.wait_for(lock, std::chrono::seconds(10), [&] { return held.size() == 2; }));
  }
  std::string out = testing::raw_exchange(port(), "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 2000);
  EXPECT_EQ(out, "");
  EXPECT_EQ(server_->connection_stats().refused_total, 1);
  {
    std::lock_guard lock(hold_mu);
    for (auto& r : held) r(json_response(json::object{}));
  }
  for (auto& t : busy) t.join();
}

}  // namespace
}  // namespace tc::net
