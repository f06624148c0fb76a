#include "cluster/bus.hpp"

namespace tc::cluster {
namespace {

// Splits off the first token of `s`, advancing it past the dot.
std::string_view next_token(std::string_view& s) {
  size_t dot = s.find('.');
  std::string_view token = s.substr(0, dot);
  s = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  return token;
}

}  // namespace

bool is_valid_subject(std::string_view subject, bool allow_wildcards) {
  if (subject.empty() || subject.size() > 512) return false;
  if (subject.front() == '.' || subject.back() == '.') return false;
  std::string_view rest = subject;
  while (!rest.empty()) {
    bool last = rest.find('.') == std::string_view::npos;
    std::string_view token = next_token(rest);
    if (token.empty()) return false;
    if (token == "*" || token == ">") {
      if (!allow_wildcards || (token == ">" && !last)) return false;
      continue;
    }
    for (char c : token) {
      if (c <= ' ' || c == 0x7f || c == '*' || c == '>') return false;
    }
  }
  return true;
}

bool subject_matches(std::string_view pattern, std::string_view subject) {
  while (!pattern.empty()) {
    std::string_view p = next_token(pattern);
    if (p == ">") return !subject.empty();
    if (subject.empty()) return false;
    std::string_view s = next_token(subject);
    if (p != "*" && p != s) return false;
  }
  return subject.empty();
}

}  // namespace tc::cluster
