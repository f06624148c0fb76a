#include "storage/memory_cache.hpp"

namespace tc::storage {

MemoryCache::MemoryCache(const Clock& clock, int64_t capacity_bytes)
    : clock_(clock), capacity_bytes_(capacity_bytes) {}

std::optional<std::string> MemoryCache::get(const std::string& key) {
  std::lock_guard lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return std::nullopt;
  if (clock_.now() >= it->second->expires) {
    erase_locked(it->second);
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->value;
}

void MemoryCache::put(const std::string& key, std::string value, Duration ttl) {
  int64_t bytes = static_cast<int64_t>(key.size() + value.size());
  std::lock_guard lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) erase_locked(it->second);
  if (bytes > capacity_bytes_) return;  // larger than the whole cache: never stored
  while (size_bytes_ + bytes > capacity_bytes_ && !lru_.empty())
    erase_locked(std::prev(lru_.end()));
  TimePoint expires = ttl.count() > 0 ? clock_.now() + ttl : TimePoint::max();
  lru_.push_front(Entry{key, std::move(value), expires});
  index_[key] = lru_.begin();
  size_bytes_ += bytes;
}

void MemoryCache::erase(const std::string& key) {
  std::lock_guard lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) erase_locked(it->second);
}

int64_t MemoryCache::size_bytes() const {
  std::lock_guard lock(mu_);
  return size_bytes_;
}

size_t MemoryCache::entries() const {
  std::lock_guard lock(mu_);
  return index_.size();
}

void MemoryCache::erase_locked(List::iterator it) {
  size_bytes_ -= static_cast<int64_t>(it->key.size() + it->value.size());
  index_.erase(it->key);
  lru_.erase(it);
}

}  // namespace tc::storage
