// JobRecord: one long-running piece of work (an algorithm run, a crawl, a stream) as stored.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace tc::storage {

// pending -> running -> succeeded | failed; a stop request or the time limit moves an active job
// to stopping, and its owner ends it as stopped or timed_out once its work has really stopped.
enum class JobState { kPending, kRunning, kStopping, kSucceeded, kFailed, kStopped, kTimedOut };

std::string_view job_state_name(JobState state);
std::optional<JobState> parse_job_state(std::string_view name);
// Pending, running and stopping jobs are active; the others are terminal and never change again.
inline bool is_terminal(JobState s) {
  return s != JobState::kPending && s != JobState::kRunning && s != JobState::kStopping;
}

struct JobRecord {
  std::string id;       // UUID
  std::string kind;     // "algorithm_run", "crawl", "stream"
  std::string service;  // owning deployment: "algorunner", ...
  std::string params;   // JSON text
  JobState state = JobState::kPending;
  double progress = 0;  // 0..1
  std::string owner_replica;
  std::string owner_node;
  int64_t created_at = 0;   // UTC nanoseconds
  int64_t started_at = 0;   // 0 until running
  int64_t finished_at = 0;  // 0 until terminal
  std::string result;       // JSON text: the result, or the partial result of a stopped job
  std::string error;        // JSON {"code", "message"}: why it failed, stopped or timed out
};

}  // namespace tc::storage
