#include "storage/redis/redis_cache.hpp"

#include <hiredis/hiredis.h>
#include <spdlog/spdlog.h>

namespace tc::storage {
namespace {

timeval to_timeval(Duration d) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(d).count();
  return timeval{static_cast<time_t>(us / 1'000'000), static_cast<suseconds_t>(us % 1'000'000)};
}

}  // namespace

struct RedisCache::Reply {
  redisReply* reply;
  ~Reply() { freeReplyObject(reply); }
};

RedisCache::RedisCache(RedisOptions options) : options_(std::move(options)) {}

RedisCache::~RedisCache() {
  if (context_ != nullptr) redisFree(context_);
}

redisContext* RedisCache::connection() {
  if (context_ != nullptr) return context_;
  auto now = std::chrono::steady_clock::now();
  if (now < next_attempt_) return nullptr;
  next_attempt_ = now + options_.retry_after;
  redisContext* c = redisConnectWithTimeout(options_.host.c_str(), options_.port,
                                            to_timeval(options_.connect_timeout));
  if (c == nullptr || c->err != 0) {
    if (available_ || c == nullptr) {
      spdlog::warn("event=redis_unavailable host={}:{} why=\"{}\"", options_.host, options_.port,
                   c != nullptr ? c->errstr : "out of memory");
    }
    if (c != nullptr) redisFree(c);
    available_ = false;
    return nullptr;
  }
  redisSetTimeout(c, to_timeval(options_.command_timeout));
  if (!options_.password.empty()) {
    auto* r = static_cast<redisReply*>(redisCommand(c, "AUTH %s", options_.password.c_str()));
    // A server without a password refuses AUTH and serves anyone: use it as it is.
    bool ok = r != nullptr && (r->type != REDIS_REPLY_ERROR ||
                               std::string_view(r->str, r->len).find("without any password") !=
                                   std::string_view::npos);
    if (r != nullptr) freeReplyObject(r);
    if (!ok) {
      spdlog::warn("event=redis_auth_failed host={}:{}", options_.host, options_.port);
      redisFree(c);
      available_ = false;
      return nullptr;
    }
  }
  if (!available_) spdlog::info("event=redis_connected host={}:{}", options_.host, options_.port);
  context_ = c;
  return context_;
}

std::unique_ptr<RedisCache::Reply> RedisCache::command(int argc, const char** argv,
                                                       const size_t* lengths) {
  redisContext* c = connection();
  if (c == nullptr) return nullptr;
  auto* r = static_cast<redisReply*>(redisCommandArgv(c, argc, argv, lengths));
  if (r == nullptr) {
    // The connection broke or timed out: drop it, and try again after retry_after.
    spdlog::warn("event=redis_unavailable host={}:{} why=\"{}\"", options_.host, options_.port,
                 c->errstr);
    redisFree(c);
    context_ = nullptr;
    next_attempt_ = std::chrono::steady_clock::now() + options_.retry_after;
    available_ = false;
    return nullptr;
  }
  available_ = true;
  return std::unique_ptr<Reply>(new Reply{r});
}

std::optional<std::string> RedisCache::get(const std::string& key) {
  std::string k = options_.key_prefix + key;
  const char* argv[] = {"GET", k.data()};
  const size_t lengths[] = {3, k.size()};
  std::lock_guard lock(mu_);
  auto reply = command(2, argv, lengths);
  if (!reply || reply->reply->type != REDIS_REPLY_STRING) return std::nullopt;
  return std::string(reply->reply->str, reply->reply->len);
}

void RedisCache::put(const std::string& key, std::string value, Duration ttl) {
  std::string k = options_.key_prefix + key;
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(ttl).count();
  std::string px = std::to_string(std::max<int64_t>(ms, 1));
  const char* argv[] = {"SET", k.data(), value.data(), "PX", px.data()};
  const size_t lengths[] = {3, k.size(), value.size(), 2, px.size()};
  std::lock_guard lock(mu_);
  command(ttl > Duration::zero() ? 5 : 3, argv, lengths);
}

void RedisCache::erase(const std::string& key) {
  std::string k = options_.key_prefix + key;
  const char* argv[] = {"DEL", k.data()};
  const size_t lengths[] = {3, k.size()};
  std::lock_guard lock(mu_);
  command(2, argv, lengths);
}

Status RedisCache::ping() {
  const char* argv[] = {"PING"};
  const size_t lengths[] = {4};
  std::lock_guard lock(mu_);
  auto reply = command(1, argv, lengths);
  std::string where = "Redis at " + options_.host + ":" + std::to_string(options_.port);
  if (!reply) return unavailable(where + " does not answer");
  if (reply->reply->type == REDIS_REPLY_ERROR) {
    return unavailable(where + " answered " + std::string(reply->reply->str, reply->reply->len));
  }
  return Status::ok();
}

bool RedisCache::available() {
  std::lock_guard lock(mu_);
  if (context_ == nullptr) connection();  // a reconnect, when one is due
  return available_;
}

}  // namespace tc::storage
