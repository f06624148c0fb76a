// RouteTable: maps a method and a path to a deployment's route, as a pure function.
//
// Patterns are literal segments and `{name}` captures ("/api/tickscrawler/stream/{id}"); a
// capture matches one non-empty segment. match() tells found (with the captures), not found, or
// method not allowed (with the methods the path accepts, for the Allow header).
// Thread-safety: build with add() first; match() is then safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.hpp"
#include "net/http_message.hpp"

namespace tc::net {

struct RouteTarget {
  std::string deployment;  // empty for the gateway's own routes
  int route_id = 0;
  size_t index = 0;  // the owner's index for the deployment, for quick lookups
};

struct RouteMatch {
  enum class Kind { kFound, kNotFound, kMethodNotAllowed } kind = Kind::kNotFound;
  const RouteTarget* target = nullptr;
  Fields params;
  std::string allow;  // "GET, POST" when kMethodNotAllowed
};

class RouteTable {
 public:
  // invalid_argument for a malformed pattern, already_exists for a duplicate method and pattern.
  Status add(std::string method, std::string_view pattern, RouteTarget target);
  RouteMatch match(std::string_view method, std::string_view path) const;

 private:
  struct Route {
    std::string method;
    std::vector<std::string> segments;  // "{id}" for a capture
    RouteTarget target;
  };
  static std::vector<std::string_view> split(std::string_view path);
  bool matches(const Route& route, const std::vector<std::string_view>& parts,
               Fields* params) const;

  std::vector<Route> routes_;
  // Literal paths (no captures) by path: indices into routes_, so that most lookups are one hash.
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::string, std::vector<size_t>, StringHash, std::equal_to<>> literal_;
  std::vector<size_t> patterned_;
};

}  // namespace tc::net
