#include "storage/job_record.hpp"

#include <array>
#include <utility>

namespace tc::storage {
namespace {

constexpr std::array<std::pair<JobState, std::string_view>, 7> kNames{{
    {JobState::kPending, "pending"},
    {JobState::kRunning, "running"},
    {JobState::kStopping, "stopping"},
    {JobState::kSucceeded, "succeeded"},
    {JobState::kFailed, "failed"},
    {JobState::kStopped, "stopped"},
    {JobState::kTimedOut, "timed_out"},
}};

}  // namespace

std::string_view job_state_name(JobState state) {
  for (const auto& [s, name] : kNames) {
    if (s == state) return name;
  }
  return "failed";
}

std::optional<JobState> parse_job_state(std::string_view name) {
  for (const auto& [s, n] : kNames) {
    if (n == name) return s;
  }
  return std::nullopt;
}

}  // namespace tc::storage
