// MemoryCache: an in-process LRU cache bounded by total bytes of keys and values, with per-entry
// expiry read from an injected Clock. Thread-safe (one mutex).
#pragma once

#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>

#include "storage/cache.hpp"

namespace tc::storage {

class MemoryCache final : public Cache {
 public:
  MemoryCache(const Clock& clock, int64_t capacity_bytes);

  std::optional<std::string> get(const std::string& key) override;
  void put(const std::string& key, std::string value, Duration ttl) override;
  void erase(const std::string& key) override;

  int64_t size_bytes() const;
  size_t entries() const;

 private:
  struct Entry {
    std::string key;
    std::string value;
    TimePoint expires;  // TimePoint::max() when it never expires
  };
  using List = std::list<Entry>;

  void erase_locked(List::iterator it);

  const Clock& clock_;
  const int64_t capacity_bytes_;
  mutable std::mutex mu_;
  List lru_;  // most recently used first
  std::unordered_map<std::string, List::iterator> index_;
  int64_t size_bytes_ = 0;
};

}  // namespace tc::storage
