#include "core/logging.hpp"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

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

Status init_logging(const LogOptions& options) {
  auto level = spdlog::level::from_str(options.level);
  if (level == spdlog::level::off && options.level != "off") {
    return invalid_argument("log level must be one of trace, debug, info, warn, error, off");
  }
  std::vector<spdlog::sink_ptr> sinks;
  try {
    if (options.to_stderr) sinks.push_back(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    if (!options.directory.empty()) {
      std::filesystem::create_directories(options.directory);
      sinks.push_back(std::make_shared<spdlog::sinks::basic_file_sink_mt>(
          (options.directory / options.file_name).string()));
    }
  } catch (const std::exception& e) {
    return unavailable("cannot open the log file: " + std::string(e.what()));
  }
  std::shared_ptr<spdlog::logger> access;
  try {
    if (!options.directory.empty()) {
      access = std::make_shared<spdlog::logger>("access",
                                                std::make_shared<spdlog::sinks::basic_file_sink_mt>(
                                                    (options.directory / "access.log").string()));
    }
  } catch (const std::exception& e) {
    return unavailable("cannot open the access log: " + std::string(e.what()));
  }
  if (access) {
    access->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %v", spdlog::pattern_time_type::utc);
    access->set_level(level);
    access_logger_slot() = access;
  }
  auto logger = std::make_shared<spdlog::logger>("tradecluster", sinks.begin(), sinks.end());
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ level=%l %v", spdlog::pattern_time_type::utc);
  logger->set_level(level);
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
  return Status::ok();
}

}  // namespace tc
