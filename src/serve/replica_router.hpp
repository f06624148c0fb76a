// ReplicaRouter: Ray Serve's "power of two choices" replica choice, as a pure function of the
// replicas' loads and a seeded random source.
//
// It samples two distinct replicas that have room (ongoing < max_ongoing) and returns the one
// with fewer ongoing requests (ties: the first sampled). With one candidate it returns that one;
// with none, nothing — the caller then queues the request or refuses it.
// Not thread-safe: each deployment owns one and calls it under its lock.
#pragma once

#include <cstdint>
#include <optional>
#include <random>
#include <span>

namespace tc::serve {

struct ReplicaLoad {
  int ongoing = 0;
  int max_ongoing = 0;
  bool accepting = true;  // running, not draining
};

class ReplicaRouter {
 public:
  explicit ReplicaRouter(uint64_t seed) : rng_(seed) {}

  // Index into `replicas` of the replica to send the next request to, or nothing when none has
  // room.
  std::optional<size_t> choose(std::span<const ReplicaLoad> replicas);

 private:
  std::mt19937_64 rng_;
};

}  // namespace tc::serve
