#include "core/logging.hpp"

#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <vector>

namespace tc {
namespace {

std::shared_ptr<spdlog::logger>& access_logger_slot() {
  static std::shared_ptr<spdlog::logger> logger = [] {
    auto l = std::make_shared<spdlog::logger>("access");  // no sinks: drops everything
    l->set_level(spdlog::level::off);
    return l;
  }();
  return logger;
}

}  // namespace

spdlog::logger& access_logger() { return *access_logger_slot(); }

namespace {
// A batch stays well under the file size, so that rotation (before a write that would pass it)
// keeps each file within its limit.
std::atomic<size_t> batch_bytes{32 << 10};
}  // namespace

bool AccessLogBatch::enabled() { return access_logger().should_log(spdlog::level::info); }

std::string& AccessLogBatch::begin_line() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  int64_t micros = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  int64_t second = micros / 1'000'000;
  if (second != stamp_second_) {
    stamp_second_ = second;
    std::time_t t = static_cast<std::time_t>(second);
    std::tm utc{};
    gmtime_r(&t, &utc);
    char text[32];
    size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
    stamp_.assign(text, n);
  }
  buffer_.append(stamp_);
  char fraction[] = ".000000Z ";
  for (int i = 6, rest = static_cast<int>(micros % 1'000'000); i >= 1; --i, rest /= 10) {
    fraction[i] = static_cast<char>('0' + rest % 10);
  }
  buffer_.append(fraction, sizeof fraction - 1);
  return buffer_;
}

void AccessLogBatch::end_line() {
  buffer_.push_back('\n');
  if (buffer_.size() >= batch_bytes.load(std::memory_order_relaxed)) hand_over();
}

void AccessLogBatch::hand_over() {
  if (buffer_.empty()) return;
  // The logger ends the message with a line end: hand it the lines without the last one's.
  access_logger().log(spdlog::level::info, std::string_view(buffer_.data(), buffer_.size() - 1));
  buffer_.clear();
}

void AccessLogBatch::flush() {
  if (buffer_.empty()) return;
  hand_over();
  access_logger().flush();
}

namespace {

Result<spdlog::level::level_enum> parse_level(const std::string& text) {
  if (!is_log_level(text)) {
    return invalid_argument("log level must be one of trace, debug, info, warn, error, off; got '" +
                            text + "'");
  }
  return spdlog::level::from_str(text);
}

}  // namespace

bool is_log_level(std::string_view name) {
  for (std::string_view level : {"trace", "debug", "info", "warn", "error", "off"}) {
    if (name == level) return true;
  }
  return false;
}

Status init_logging(const LogOptions& options) {
  spdlog::level::level_enum level, access_level;
  TC_ASSIGN_OR_RETURN(level, parse_level(options.level));
  TC_ASSIGN_OR_RETURN(access_level, parse_level(options.access_level));
  auto file_sink = [&](const std::string& name) {
    return std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
        (options.directory / name).string(), std::max<size_t>(options.max_file_bytes, 1024),
        options.max_files);
  };
  std::vector<spdlog::sink_ptr> sinks;
  try {
    if (options.to_stderr) sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    if (!options.directory.empty()) {
      std::filesystem::create_directories(options.directory);
      sinks.push_back(file_sink(options.file_name));
    }
  } catch (const std::exception& e) {
    return unavailable("cannot open the log file: " + std::string(e.what()));
  }
  std::shared_ptr<spdlog::logger> access;
  try {
    if (!options.directory.empty() && access_level != spdlog::level::off) {
      access = std::make_shared<spdlog::logger>("access", file_sink("access.log"));
    }
  } catch (const std::exception& e) {
    return unavailable("cannot open the access log: " + std::string(e.what()));
  }
  if (access) {
    access->set_pattern("%v");  // AccessLogBatch writes whole lines
    access->set_level(access_level);
    batch_bytes = std::clamp<size_t>(options.max_file_bytes / 8, 256, 32 << 10);
    // Registered so that flush_every() below reaches it.
    spdlog::drop("access");
    spdlog::register_logger(access);
    access_logger_slot() = access;
  }
  auto logger = std::make_shared<spdlog::logger>("tradecluster", sinks.begin(), sinks.end());
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ level=%l %v", spdlog::pattern_time_type::utc);
  logger->set_level(level);
  logger->flush_on(spdlog::level::warn);
  spdlog::drop("tradecluster");
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
  return Status::ok();
}

}  // namespace tc
