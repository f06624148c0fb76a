// Waiting on a condition with a timeout — never a fixed sleep.
#pragma once

#include <chrono>
#include <thread>

namespace tc::testing {

// Polls `condition` every few milliseconds until it holds (true) or `timeout` passes (false).
template <typename Condition>
bool wait_until(Condition condition, std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

}  // namespace tc::testing
