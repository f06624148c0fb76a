// Writes of crawls and streams that ride out an outage of the store (a restarting PostgreSQL):
// the batch is kept and tried again, after pauses growing from 100 ms to 5 s, for as long as the
// store answers unavailable and the job is not asked to stop. Nothing the source delivered is
// lost, and since the stores' writes are idempotent nothing is stored twice.
#pragma once

#include <algorithm>
#include <chrono>
#include <thread>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "serve/job_runner.hpp"

namespace tc::services {

// Calls `write()` (returning a Result) until it succeeds, fails otherwise than unavailable, or
// `ctx` is stopped; `waiting(status)` hears of each unavailable try before its pause.
template <typename Write, typename Waiting>
auto write_riding_out_outages(serve::JobContext& ctx, Write write, Waiting waiting)
    -> decltype(write()) {
  Duration pause = std::chrono::milliseconds(100);
  while (true) {
    auto written = write();
    if (written || written.status().code() != StatusCode::kUnavailable) return written;
    waiting(written.status());
    for (auto until = std::chrono::steady_clock::now() + pause;
         std::chrono::steady_clock::now() < until;) {
      if (ctx.should_stop()) return written;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    pause = std::min<Duration>(pause * 2, std::chrono::seconds(5));
  }
}

}  // namespace tc::services
