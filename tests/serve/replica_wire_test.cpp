#include "serve/replica_wire.hpp"

#include <gtest/gtest.h>

namespace tc::serve {
namespace {

TEST(ReplicaWireTest, ACallRoundTripsWithItsTimeLeft) {
  Request r;
  r.method = "POST";
  r.path = "/api/screener/screen";
  r.query = {{"a", "1"}, {"b", std::string("x\0y", 3)}};
  r.path_params = {{"id", "42"}};
  r.content_type = "application/json";
  r.authorization = "Bearer t";
  r.idempotency_key = "order-7";
  r.request_id = "abc";
  r.peer = "10.0.0.2";
  r.body = std::string(100000, 'z') + "\n\"'";
  std::string wire = encode_call(7, r, std::chrono::milliseconds(1500));
  TimePoint now{std::chrono::seconds(1000)};
  auto back = decode_call(wire, now);
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->route_id, 7);
  const Request& b = back->request;
  EXPECT_EQ(b.method, r.method);
  EXPECT_EQ(b.path, r.path);
  EXPECT_EQ(b.query, r.query);
  EXPECT_EQ(b.path_params, r.path_params);
  EXPECT_EQ(b.content_type, r.content_type);
  EXPECT_EQ(b.authorization, r.authorization);
  EXPECT_EQ(b.idempotency_key, r.idempotency_key);
  EXPECT_EQ(b.request_id, r.request_id);
  EXPECT_EQ(b.peer, r.peer);
  EXPECT_EQ(b.body, r.body);
  EXPECT_EQ(b.deadline, now + std::chrono::milliseconds(1500));
}

TEST(ReplicaWireTest, AResponseRoundTripsWithItsRelaySubjects) {
  Response r;
  r.status = 202;
  r.content_type = "text/plain";
  r.body = "accepted";
  r.headers = {{"Retry-After", "1"}};
  r.relay_subjects = {"tc.v1.data.trades.simulator.BTCUSDT", "tc.v1.jobs.x.ended"};
  r.relay_end_subject = "tc.v1.jobs.x.ended";
  r.relay_event_name = "trade";
  auto back = decode_response(encode_response(r));
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(back->status, 202);
  EXPECT_EQ(back->content_type, r.content_type);
  EXPECT_EQ(back->body, r.body);
  EXPECT_EQ(back->headers, r.headers);
  EXPECT_EQ(back->relay_subjects, r.relay_subjects);
  EXPECT_EQ(back->relay_end_subject, r.relay_end_subject);
  EXPECT_EQ(back->relay_event_name, r.relay_event_name);
}

TEST(ReplicaWireTest, MalformedMessagesAreRefusedNeverTrusted) {
  Request r;
  r.body = "hello";
  std::string call = encode_call(1, r, std::chrono::seconds(1));
  std::string response = encode_response(Response{});
  for (size_t cut = 0; cut < call.size(); ++cut) {
    EXPECT_FALSE(decode_call(call.substr(0, cut), TimePoint{}).is_ok()) << cut;
  }
  for (size_t cut = 0; cut < response.size(); ++cut) {
    EXPECT_FALSE(decode_response(response.substr(0, cut)).is_ok()) << cut;
  }
  EXPECT_FALSE(decode_call(call + "x", TimePoint{}).is_ok());
  EXPECT_FALSE(decode_call(response, TimePoint{}).is_ok());
  EXPECT_FALSE(decode_response(call).is_ok());
  // A length that claims more than is there.
  std::string huge = call;
  huge[1 + 4 + 8] = '\xff';
  huge[1 + 4 + 8 + 3] = '\x7f';
  EXPECT_FALSE(decode_call(huge, TimePoint{}).is_ok());
}

}  // namespace
}  // namespace tc::serve
