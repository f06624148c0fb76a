// RedisCache: the Cache interface over a Redis server (hiredis), for a cluster whose nodes share
// cached results. Keys live under a namespace prefix; a put with a TTL sets the key's expiry in
// Redis. When Redis is unreachable the cache keeps answering as a cache that holds nothing — a
// get is a miss, a put or erase is dropped — and a reconnect is tried at most once per
// `retry_after`, so a down server costs a request at most one connect timeout. available() says
// whether the last command reached Redis (the node reports itself degraded while it does not).
//
// Thread-safe: one connection, used under a mutex.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "core/status.hpp"
#include "storage/cache.hpp"

struct redisContext;

namespace tc::storage {

struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;            // AUTH when set (the seed's REDIS_PASSWORD)
  std::string key_prefix = "tc:";  // every key of this cache starts with it
  Duration connect_timeout = std::chrono::milliseconds(500);
  Duration command_timeout = std::chrono::milliseconds(500);
  Duration retry_after = std::chrono::seconds(1);
};

class RedisCache final : public Cache {
 public:
  explicit RedisCache(RedisOptions options);
  ~RedisCache() override;
  RedisCache(const RedisCache&) = delete;
  RedisCache& operator=(const RedisCache&) = delete;

  std::optional<std::string> get(const std::string& key) override;
  void put(const std::string& key, std::string value, Duration ttl) override;
  void erase(const std::string& key) override;

  // True when the last command reached Redis (trying to reconnect first when it is due).
  bool available();
  // Sends PING (reconnecting when due): the node's health check, as the seed's redis-cli ping.
  Status ping();

 private:
  struct Reply;
  // The connection, opened (or reopened) when missing and a retry is due; null when Redis is
  // unreachable. Called under mu_.
  redisContext* connection();
  // Runs a command of `argc` arguments; null (and the connection dropped) on a failure.
  std::unique_ptr<Reply> command(int argc, const char** argv, const size_t* lengths);

  const RedisOptions options_;
  mutable std::mutex mu_;
  redisContext* context_ = nullptr;
  std::chrono::steady_clock::time_point next_attempt_{};
  bool available_ = false;
};

}  // namespace tc::storage
