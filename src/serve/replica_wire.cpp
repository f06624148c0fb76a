#include "serve/replica_wire.hpp"

#include <cstdint>
#include <cstring>

namespace tc::serve {
namespace {

constexpr char kCallVersion = 'c';
constexpr char kResponseVersion = 'r';
constexpr uint32_t kMaxCount = 1 << 20;

class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void u32(uint32_t v) {
    char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
    out_.append(b, 4);
  }
  void i64(int64_t v) {
    auto u = static_cast<uint64_t>(v);
    char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((u >> (8 * i)) & 0xff);
    out_.append(b, 8);
  }
  void str(std::string_view s) {
    u32(static_cast<uint32_t>(s.size()));
    out_.append(s);
  }
  void fields(const Fields& f) {
    u32(static_cast<uint32_t>(f.size()));
    for (const auto& [k, v] : f) {
      str(k);
      str(v);
    }
  }

 private:
  std::string& out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool done() const { return ok_ && in_.empty(); }
  uint32_t u32() {
    if (!take(4)) return 0;
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i)
      v |= static_cast<uint32_t>(static_cast<uint8_t>(last_[i])) << (8 * i);
    return v;
  }
  int64_t i64() {
    if (!take(8)) return 0;
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
      v |= static_cast<uint64_t>(static_cast<uint8_t>(last_[i])) << (8 * i);
    return static_cast<int64_t>(v);
  }
  std::string str() {
    uint32_t n = u32();
    if (!take(n)) return {};
    return std::string(last_);
  }
  Fields fields() {
    uint32_t n = u32();
    Fields f;
    if (n > kMaxCount) ok_ = false;
    for (uint32_t i = 0; ok_ && i < n; ++i) {
      std::string k = str();
      std::string v = str();
      f.emplace_back(std::move(k), std::move(v));
    }
    return f;
  }
  std::vector<std::string> strings() {
    uint32_t n = u32();
    std::vector<std::string> out;
    if (n > kMaxCount) ok_ = false;
    for (uint32_t i = 0; ok_ && i < n; ++i) out.push_back(str());
    return out;
  }

 private:
  bool take(size_t n) {
    if (!ok_ || in_.size() < n) {
      ok_ = false;
      last_ = {};
      return false;
    }
    last_ = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  std::string_view in_;
  std::string_view last_;
  bool ok_ = true;
};

}  // namespace

std::string encode_call(int route_id, const Request& r, Duration time_left) {
  std::string out;
  out.reserve(128 + r.path.size() + r.body.size());
  out.push_back(kCallVersion);
  Writer w(out);
  w.u32(static_cast<uint32_t>(route_id));
  w.i64(std::chrono::duration_cast<std::chrono::microseconds>(time_left).count());
  w.str(r.method);
  w.str(r.path);
  w.fields(r.query);
  w.fields(r.path_params);
  w.str(r.content_type);
  w.str(r.authorization);
  w.str(r.idempotency_key);
  w.str(r.request_id);
  w.str(r.peer);
  w.str(r.body);
  return out;
}

Result<WireCall> decode_call(std::string_view data, TimePoint now) {
  if (data.empty() || data[0] != kCallVersion) {
    return invalid_argument("not a replica call (unknown version)");
  }
  Reader in(data.substr(1));
  WireCall c;
  c.route_id = static_cast<int>(in.u32());
  int64_t left_us = in.i64();
  Request& r = c.request;
  r.method = in.str();
  r.path = in.str();
  r.query = in.fields();
  r.path_params = in.fields();
  r.content_type = in.str();
  r.authorization = in.str();
  r.idempotency_key = in.str();
  r.request_id = in.str();
  r.peer = in.str();
  r.body = in.str();
  if (!in.done()) return invalid_argument("malformed replica call");
  r.deadline = now + std::chrono::microseconds(std::max<int64_t>(0, left_us));
  return c;
}

std::string encode_response(const Response& r) {
  std::string out;
  out.reserve(64 + r.body.size());
  out.push_back(kResponseVersion);
  Writer w(out);
  w.u32(static_cast<uint32_t>(r.status));
  w.str(r.content_type);
  w.fields(r.headers);
  w.u32(static_cast<uint32_t>(r.relay_subjects.size()));
  for (const auto& s : r.relay_subjects) w.str(s);
  w.str(r.relay_end_subject);
  w.str(r.relay_event_name);
  w.str(r.body);
  return out;
}

Result<Response> decode_response(std::string_view data) {
  if (data.empty() || data[0] != kResponseVersion) {
    return invalid_argument("not a replica response (unknown version)");
  }
  Reader in(data.substr(1));
  Response r;
  r.status = static_cast<int>(in.u32());
  r.content_type = in.str();
  r.headers = in.fields();
  r.relay_subjects = in.strings();
  r.relay_end_subject = in.str();
  r.relay_event_name = in.str();
  r.body = in.str();
  if (!in.done() || r.status < 100 || r.status > 599) {
    return invalid_argument("malformed replica response");
  }
  return r;
}

}  // namespace tc::serve
