// Cache: a bounded key-value cache with expiry for results that are costly to compute (screener
// results, market overview, latest quotes). MemoryCache is the in-process default; a Redis
// one is to come for multi-node clusters. Implementations are thread-safe.
#pragma once

#include <optional>
#include <string>

#include "core/clock.hpp"

namespace tc::storage {

class Cache {
 public:
  virtual ~Cache() = default;
  // The value, when present and not expired.
  virtual std::optional<std::string> get(const std::string& key) = 0;
  // Stores `value` for `ttl` (zero: until evicted).
  virtual void put(const std::string& key, std::string value, Duration ttl) = 0;
  virtual void erase(const std::string& key) = 0;
};

}  // namespace tc::storage
