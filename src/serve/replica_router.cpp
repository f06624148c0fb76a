#include "serve/replica_router.hpp"

#include <vector>

namespace tc::serve {

std::optional<size_t> ReplicaRouter::choose(std::span<const ReplicaLoad> replicas) {
  // Candidates are few (at most max_replicas), so a small scan is cheaper than any index.
  size_t candidates[64];
  size_t n = 0;
  std::vector<size_t> overflow;
  for (size_t i = 0; i < replicas.size(); ++i) {
    const ReplicaLoad& r = replicas[i];
    if (!r.accepting || r.ongoing >= r.max_ongoing) continue;
    if (n < 64) {
      candidates[n++] = i;
    } else {
      if (overflow.empty()) overflow.assign(candidates, candidates + n);
      overflow.push_back(i);
    }
  }
  const size_t* pool = overflow.empty() ? candidates : overflow.data();
  size_t count = overflow.empty() ? n : overflow.size();
  if (count == 0) return std::nullopt;
  if (count == 1) return pool[0];
  std::uniform_int_distribution<size_t> pick(0, count - 1);
  size_t a = pick(rng_);
  size_t b = pick(rng_);
  while (b == a) b = pick(rng_);
  return replicas[pool[b]].ongoing < replicas[pool[a]].ongoing ? pool[b] : pool[a];
}

}  // namespace tc::serve
