#include "net/route_table.hpp"

namespace tc::net {
namespace {

bool is_capture(std::string_view s) { return s.size() > 2 && s.front() == '{' && s.back() == '}'; }

}  // namespace

std::vector<std::string_view> RouteTable::split(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t i = 0;
  while (i < path.size()) {
    if (path[i] == '/') {
      ++i;
      continue;
    }
    size_t end = path.find('/', i);
    if (end == std::string_view::npos) end = path.size();
    parts.push_back(path.substr(i, end - i));
    i = end;
  }
  return parts;
}

Status RouteTable::add(std::string method, std::string_view pattern, RouteTarget target) {
  if (pattern.empty() || pattern.front() != '/') {
    return invalid_argument("route pattern must start with '/': " + std::string(pattern));
  }
  Route route{std::move(method), {}, std::move(target)};
  bool literal = true;
  for (std::string_view part : split(pattern)) {
    if (part.find_first_of("{}") != std::string_view::npos && !is_capture(part)) {
      return invalid_argument("malformed capture in route pattern " + std::string(pattern));
    }
    literal = literal && !is_capture(part);
    route.segments.emplace_back(part);
  }
  for (const Route& r : routes_) {
    if (r.method == route.method && r.segments == route.segments) {
      return already_exists("route " + route.method + " " + std::string(pattern) + " exists");
    }
  }
  routes_.push_back(std::move(route));
  size_t index = routes_.size() - 1;
  if (literal) {
    std::string key;
    for (const auto& s : routes_.back().segments) key += "/" + s;
    literal_[key.empty() ? "/" : key].push_back(index);
  } else {
    patterned_.push_back(index);
  }
  return Status::ok();
}

bool RouteTable::matches(const Route& route, const std::vector<std::string_view>& parts,
                         Fields* params) const {
  if (route.segments.size() != parts.size()) return false;
  for (size_t i = 0; i < parts.size(); ++i) {
    const std::string& seg = route.segments[i];
    if (is_capture(seg)) {
      if (params != nullptr) params->emplace_back(seg.substr(1, seg.size() - 2), parts[i]);
    } else if (seg != parts[i]) {
      return false;
    }
  }
  return true;
}

RouteMatch RouteTable::match(std::string_view method, std::string_view path) const {
  RouteMatch out;
  std::vector<const Route*> candidates;
  // A trailing slash is the same path ("/api/screener/status/").
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  if (auto it = literal_.find(path); it != literal_.end()) {
    for (size_t i : it->second) candidates.push_back(&routes_[i]);
  }
  std::vector<std::string_view> parts;
  if (candidates.empty()) {
    parts = split(path);
    for (size_t i : patterned_) {
      if (matches(routes_[i], parts, nullptr)) candidates.push_back(&routes_[i]);
    }
  }
  for (const Route* r : candidates) {
    if (r->method == method || (method == "HEAD" && r->method == "GET")) {
      out.kind = RouteMatch::Kind::kFound;
      out.target = &r->target;
      if (!parts.empty()) matches(*r, parts, &out.params);
      return out;
    }
  }
  if (!candidates.empty()) {
    out.kind = RouteMatch::Kind::kMethodNotAllowed;
    for (const Route* r : candidates) {
      if (out.allow.find(r->method) != std::string::npos) continue;
      out.allow += (out.allow.empty() ? "" : ", ") + r->method;
    }
  }
  return out;
}

}  // namespace tc::net
