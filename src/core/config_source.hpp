// ConfigSource: named settings read in one precedence order — command-line flags, then the
// process environment, then a `.env` file, then the caller's default.
//
// Every getter validates and, on a bad value, returns invalid_argument naming the variable, the
// value and where it came from, so that startup can stop with a message a user can act on.
// Thread-safety: immutable after construction; safe to share between threads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/status.hpp"

namespace tc {

class ConfigSource {
 public:
  using Map = std::map<std::string, std::string, std::less<>>;

  ConfigSource() = default;
  ConfigSource(Map flags, Map environment, Map dotenv)
      : flags_(std::move(flags)), env_(std::move(environment)), dotenv_(std::move(dotenv)) {}

  // Reads the process environment and, when `dotenv_path` exists, that file.
  // Fails with invalid_argument naming the line of a malformed .env file.
  static Result<ConfigSource> load(Map flags, const std::filesystem::path& dotenv_path);
  // Parses the text of a .env file: KEY=VALUE lines, `#` comments, optional `export ` and
  // single or double quotes around the value.
  static Result<Map> parse_dotenv(std::string_view text);

  struct Value {
    std::string text;
    std::string_view origin;  // "flag", "environment" or ".env"
  };
  std::optional<Value> find(std::string_view name) const;

  Result<std::string> get_string(std::string_view name, std::string fallback) const;
  Result<int64_t> get_int(std::string_view name, int64_t fallback, int64_t min, int64_t max) const;
  Result<double> get_double(std::string_view name, double fallback, double min, double max) const;
  // Seconds as a decimal number ("10", "0.5").
  Result<Duration> get_seconds(std::string_view name, Duration fallback, Duration min,
                               Duration max) const;
  // A byte size: a number with an optional unit (B, KB, MB, GB, KiB, MiB, GiB; "2GB").
  Result<int64_t> get_bytes(std::string_view name, int64_t fallback) const;
  Result<bool> get_bool(std::string_view name, bool fallback) const;

 private:
  Map flags_, env_, dotenv_;
};

// Parses a byte size such as "64MB", "2GB", "512MiB" or "1048576".
std::optional<int64_t> parse_byte_size(std::string_view text);

}  // namespace tc
