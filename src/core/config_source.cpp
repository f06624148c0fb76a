#include "core/config_source.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>

extern char** environ;

namespace tc {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Status bad_value(std::string_view name, const ConfigSource::Value& v, std::string_view expected) {
  return invalid_argument(std::string(name) + ": expected " + std::string(expected) + ", got '" +
                          v.text + "' (from " + std::string(v.origin) + ")");
}

std::optional<double> parse_double(std::string_view text) {
  text = trim(text);
  double out = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(out)) {
    return std::nullopt;
  }
  return out;
}

std::string fmt_number(double d) {
  std::ostringstream out;
  out << d;
  return out.str();
}

}  // namespace

Result<ConfigSource::Map> ConfigSource::parse_dotenv(std::string_view text) {
  Map out;
  int line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    if (line.starts_with("export ")) line = trim(line.substr(7));
    size_t eq = line.find('=');
    std::string_view key = eq == std::string_view::npos ? line : trim(line.substr(0, eq));
    bool key_ok = !key.empty() && std::all_of(key.begin(), key.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
    if (eq == std::string_view::npos || !key_ok) {
      return invalid_argument(".env line " + std::to_string(line_no) +
                              ": expected KEY=VALUE, got '" + std::string(line) + "'");
    }
    std::string_view value = trim(line.substr(eq + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
        value.back() == value.front()) {
      value = value.substr(1, value.size() - 2);
    } else if (size_t hash = value.find(" #"); hash != std::string_view::npos) {
      value = trim(value.substr(0, hash));
    }
    out[std::string(key)] = std::string(value);
  }
  return out;
}

Result<ConfigSource> ConfigSource::load(Map flags, const std::filesystem::path& dotenv_path) {
  Map env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    std::string_view kv(*e);
    size_t eq = kv.find('=');
    if (eq != std::string_view::npos) env[std::string(kv.substr(0, eq))] = kv.substr(eq + 1);
  }
  Map dotenv;
  std::error_code ec;
  if (!dotenv_path.empty() && std::filesystem::is_regular_file(dotenv_path, ec)) {
    std::ifstream in(dotenv_path);
    std::stringstream buf;
    buf << in.rdbuf();
    auto parsed = parse_dotenv(buf.str());
    if (!parsed) return invalid_argument(dotenv_path.string() + ": " + parsed.status().message());
    dotenv = std::move(parsed).value();
  }
  return ConfigSource(std::move(flags), std::move(env), std::move(dotenv));
}

std::optional<ConfigSource::Value> ConfigSource::find(std::string_view name) const {
  if (auto it = flags_.find(name); it != flags_.end()) return Value{it->second, "flag"};
  if (auto it = env_.find(name); it != env_.end()) return Value{it->second, "environment"};
  if (auto it = dotenv_.find(name); it != dotenv_.end()) return Value{it->second, ".env"};
  return std::nullopt;
}

Result<std::string> ConfigSource::get_string(std::string_view name, std::string fallback) const {
  auto v = find(name);
  if (!v) return fallback;
  return v->text;
}

Result<int64_t> ConfigSource::get_int(std::string_view name, int64_t fallback, int64_t min,
                                      int64_t max) const {
  auto v = find(name);
  if (!v) return fallback;
  std::string_view t = trim(v->text);
  int64_t out = 0;
  auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
  if (ec != std::errc() || ptr != t.data() + t.size() || t.empty() || out < min || out > max) {
    return bad_value(name, *v,
                     "an integer from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return out;
}

Result<double> ConfigSource::get_double(std::string_view name, double fallback, double min,
                                        double max) const {
  auto v = find(name);
  if (!v) return fallback;
  auto d = parse_double(v->text);
  if (!d || *d < min || *d > max) {
    return bad_value(name, *v, "a number from " + fmt_number(min) + " to " + fmt_number(max));
  }
  return *d;
}

Result<Duration> ConfigSource::get_seconds(std::string_view name, Duration fallback, Duration min,
                                           Duration max) const {
  auto v = find(name);
  if (!v) return fallback;
  auto d = parse_double(v->text);
  auto seconds = [](Duration x) { return std::chrono::duration<double>(x).count(); };
  if (!d || *d < seconds(min) || *d > seconds(max)) {
    return bad_value(
        name, *v, "seconds from " + fmt_number(seconds(min)) + " to " + fmt_number(seconds(max)));
  }
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(*d));
}

Result<int64_t> ConfigSource::get_bytes(std::string_view name, int64_t fallback) const {
  auto v = find(name);
  if (!v) return fallback;
  auto bytes = parse_byte_size(v->text);
  if (!bytes || *bytes <= 0) return bad_value(name, *v, "a size such as 64MB or 2GB");
  return *bytes;
}

Result<bool> ConfigSource::get_bool(std::string_view name, bool fallback) const {
  auto v = find(name);
  if (!v) return fallback;
  std::string t(trim(v->text));
  std::transform(t.begin(), t.end(), t.begin(), [](unsigned char c) { return std::tolower(c); });
  if (t == "1" || t == "true" || t == "yes" || t == "on") return true;
  if (t == "0" || t == "false" || t == "no" || t == "off") return false;
  return bad_value(name, *v, "true or false");
}

std::optional<int64_t> parse_byte_size(std::string_view text) {
  text = trim(text);
  size_t unit_at = 0;
  while (unit_at < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[unit_at])) || text[unit_at] == '.')) {
    ++unit_at;
  }
  auto number = parse_double(text.substr(0, unit_at));
  if (!number || *number < 0) return std::nullopt;
  std::string unit(trim(text.substr(unit_at)));
  std::transform(unit.begin(), unit.end(), unit.begin(),
                 [](unsigned char c) { return std::toupper(c); });
  double scale = 0;
  if (unit.empty() || unit == "B")
    scale = 1;
  else if (unit == "KB" || unit == "K")
    scale = 1e3;
  else if (unit == "MB" || unit == "M")
    scale = 1e6;
  else if (unit == "GB" || unit == "G")
    scale = 1e9;
  else if (unit == "KIB")
    scale = 1024.0;
  else if (unit == "MIB")
    scale = 1024.0 * 1024;
  else if (unit == "GIB")
    scale = 1024.0 * 1024 * 1024;
  else
    return std::nullopt;
  double bytes = *number * scale;
  if (bytes > 9e18) return std::nullopt;
  return static_cast<int64_t>(bytes);
}

}  // namespace tc
