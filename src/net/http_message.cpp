#include "net/http_message.hpp"

#include <cctype>
#include <charconv>

namespace tc::net {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) != b[i]) return false;
  }
  return true;
}

}  // namespace

bool accepts_gzip_encoding(std::string_view header) {
  while (!header.empty()) {
    size_t comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    size_t semicolon = item.find(';');
    std::string_view coding = trim(item.substr(0, semicolon));
    if (!equals_ignoring_case(coding, "gzip") && !equals_ignoring_case(coding, "x-gzip")) continue;
    if (semicolon == std::string_view::npos) return true;
    std::string_view parameter = trim(item.substr(semicolon + 1));
    if (parameter.size() < 2 || std::tolower(static_cast<unsigned char>(parameter[0])) != 'q' ||
        parameter[1] != '=') {
      return true;
    }
    double quality = 1;
    parameter.remove_prefix(2);
    auto [end, ec] =
        std::from_chars(parameter.data(), parameter.data() + parameter.size(), quality);
    return ec != std::errc() || quality > 0;
  }
  return false;
}

}  // namespace tc::net
