// Server-sent event streams through the HTTP server: events as they are sent, the client going
// away, a slow client dropped, the limit on streams, keep-alive comments.
#include "net/event_stream.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>

#include "net/http_server.hpp"
#include "support/raw_http.hpp"
#include "support/wait.hpp"

namespace tc::net {
namespace {

// Hands its sink to the test.
class TestStream final : public EventStream {
 public:
  void start(std::shared_ptr<EventSink> sink) override {
    std::lock_guard lock(mu_);
    sink_ = std::move(sink);
  }
  void stop() override { ++stops_; }
  std::shared_ptr<EventSink> sink() {
    std::lock_guard lock(mu_);
    return sink_;
  }
  int stops() const { return stops_.load(); }

 private:
  std::mutex mu_;
  std::shared_ptr<EventSink> sink_;
  std::atomic<int> stops_{0};
};

class EventStreamTest : public ::testing::Test {
 protected:
  void start(HttpServerOptions options = {}) {
    options.port = 0;
    options.io_threads = 2;
    server_ = std::make_unique<HttpServer>(options, [this](Request, Responder respond) {
      auto stream = std::make_shared<TestStream>();
      {
        std::lock_guard lock(mu_);
        streams_.push_back(stream);
      }
      Response r;
      r.content_type = "text/event-stream";
      r.events = stream;
      respond(std::move(r));
    });
    ASSERT_TRUE(server_->start().is_ok());
  }
  std::shared_ptr<TestStream> stream(size_t i) {
    std::lock_guard lock(mu_);
    return i < streams_.size() ? streams_[i] : nullptr;
  }
  static constexpr const char* kGet = "GET /events HTTP/1.1\r\nHost: x\r\n\r\n";

  std::mutex mu_;
  std::vector<std::shared_ptr<TestStream>> streams_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(EventStreamTest, EventsArriveAsSentAndTheStreamStopsWhenTheClientLeaves) {
  start();
  testing::RawConnection c(server_->port());
  ASSERT_TRUE(c.send_text(kGet));
  ASSERT_TRUE(testing::wait_until([&] { return stream(0) && stream(0)->sink(); }));
  ASSERT_TRUE(c.read_until("\r\n\r\n"));
  EXPECT_NE(c.received().find("Content-Type: text/event-stream"), std::string::npos);
  EXPECT_EQ(c.received().find("Content-Length"), std::string::npos);
  EXPECT_TRUE(stream(0)->sink()->send(sse_event("trade", R"({"n":1})")));
  ASSERT_TRUE(c.read_until("event: trade\ndata: {\"n\":1}\n\n"));
  EXPECT_TRUE(stream(0)->sink()->send(sse_event("trade", R"({"n":2})")));
  ASSERT_TRUE(c.read_until("data: {\"n\":2}\n\n"));
  EXPECT_EQ(server_->connection_stats().event_streams, 1);
  c.close();
  ASSERT_TRUE(testing::wait_until([&] { return stream(0)->stops() == 1; }));
  EXPECT_TRUE(testing::wait_until([&] { return server_->connection_stats().event_streams == 0; }));
  EXPECT_FALSE(stream(0)->sink()->send("event: late\n\n"));
}

TEST_F(EventStreamTest, FinishEndsTheResponseAfterWhatIsQueued) {
  start();
  testing::RawConnection c(server_->port());
  ASSERT_TRUE(c.send_text(kGet));
  ASSERT_TRUE(testing::wait_until([&] { return stream(0) && stream(0)->sink(); }));
  stream(0)->sink()->send(sse_event("end", "{}"));
  stream(0)->sink()->finish();
  ASSERT_TRUE(c.read_until_closed());
  EXPECT_NE(c.received().find("event: end\ndata: {}\n\n"), std::string::npos);
  EXPECT_TRUE(testing::wait_until([&] { return stream(0)->stops() == 1; }));
}

TEST_F(EventStreamTest, AClientThatFallsBehindIsDroppedNotWaitedFor) {
  HttpServerOptions o;
  o.max_event_buffer = 64 << 10;
  start(o);
  testing::RawConnection c(server_->port());  // never reads
  ASSERT_TRUE(c.send_text(kGet));
  ASSERT_TRUE(testing::wait_until([&] { return stream(0) && stream(0)->sink(); }));
  std::string event = sse_event("trade", std::string(1000, 'x'));
  bool refused = false;
  for (int i = 0; i < 100000 && !refused; ++i) refused = !stream(0)->sink()->send(event);
  EXPECT_TRUE(refused);  // the socket's buffers filled, then ours
  ASSERT_TRUE(testing::wait_until([&] { return stream(0)->stops() == 1; }));
  EXPECT_EQ(server_->connection_stats().event_streams_dropped, 1);
}

TEST_F(EventStreamTest, StreamsBeyondTheLimitAreRefused503) {
  HttpServerOptions o;
  o.max_event_streams = 1;
  start(o);
  testing::RawConnection first(server_->port());
  ASSERT_TRUE(first.send_text(kGet));
  ASSERT_TRUE(first.read_until("\r\n\r\n"));
  testing::RawConnection second(server_->port());
  ASSERT_TRUE(second.send_text(kGet));
  ASSERT_TRUE(second.read_until_closed());
  EXPECT_TRUE(second.received().starts_with("HTTP/1.1 503")) << second.received();
  EXPECT_NE(second.received().find("too many event streams"), std::string::npos);
}

TEST_F(EventStreamTest, AQuietStreamSendsKeepAliveComments) {
  HttpServerOptions o;
  o.event_keepalive = std::chrono::milliseconds(200);
  start(o);
  testing::RawConnection c(server_->port());
  ASSERT_TRUE(c.send_text(kGet));
  EXPECT_TRUE(c.read_until(":keep-alive\n\n", std::chrono::seconds(5)));
}

}  // namespace
}  // namespace tc::net
