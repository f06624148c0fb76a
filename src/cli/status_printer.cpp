#include "cli/status_printer.hpp"

#include <fmt/format.h>

#include "core/time_parse.hpp"

namespace tc::cli {
namespace {

const json::value& field(const json::value& v, std::string_view key) {
  static const json::value kNull;
  if (!v.is_object()) return kNull;
  const json::value* f = v.as_object().if_contains(key);
  return f != nullptr ? *f : kNull;
}

std::string text(const json::value& v) {
  if (v.is_string()) return std::string(v.as_string());
  if (v.is_null()) return "-";
  return to_json(v);
}

double number(const json::value& v) { return v.is_number() ? v.to_number<double>() : 0.0; }

}  // namespace

std::string format_cluster_status(const json::value& s) {
  std::string out;
  auto add = [&]<typename... A>(fmt::format_string<A...> f, A&&... args) {
    out += fmt::format(f, std::forward<A>(args)...);
  };
  add("tradecluster: node {} up {:.0f}s, API on {}, store {}, cache {}, status {}\n",
      text(field(s, "node")), number(field(s, "uptime_s")), text(field(s, "gateway")),
      text(field(s, "store")), text(field(s, "cache")), text(field(s, "status")));
  if (field(s, "dependencies").is_array() && !field(s, "dependencies").as_array().empty()) {
    add("\nDEPENDENCIES\n");
    for (const auto& d : field(s, "dependencies").as_array()) {
      std::string why = text(field(d, "message"));
      add("  {:<10} {:<5} {}{}\n", text(field(d, "name")), text(field(d, "status")),
          text(field(d, "address")), why.empty() || why == "-" ? "" : "  (" + why + ")");
    }
  }
  add("\nNODES\n  {:<12} {:<6} {:>16} {:>22}\n", "ID", "STATE", "CPU FREE/TOTAL",
      "MEMORY FREE/TOTAL (GB)");
  if (field(s, "nodes").is_array()) {
    for (const auto& n : field(s, "nodes").as_array()) {
      const auto& r = field(n, "resources");
      add("  {:<12} {:<6} {:>16} {:>22}\n", text(field(n, "id")), text(field(n, "state")),
          fmt::format("{:.1f}/{:.1f}", number(field(field(r, "available"), "cpu")),
                      number(field(field(r, "total"), "cpu"))),
          fmt::format("{:.1f}/{:.1f}", number(field(field(r, "available"), "memory_bytes")) / 1e9,
                      number(field(field(r, "total"), "memory_bytes")) / 1e9));
    }
  }
  add("\nDEPLOYMENTS\n  {:<14} {:<14} {:>8} {:>7} {:>8} {:>8} {:>7} {:>9} {:>7}\n", "NAME",
      "STATUS", "REPLICAS", "TARGET", "MIN-MAX", "ONGOING", "QUEUED", "AVG LOAD", "ERRORS");
  if (field(s, "deployments").is_array()) {
    for (const auto& d : field(s, "deployments").as_array()) {
      int pending = static_cast<int>(number(field(d, "pending_replicas")));
      int starting = static_cast<int>(number(field(d, "starting_replicas")));
      std::string notes;
      if (starting > 0) notes += fmt::format("  ({} starting)", starting);
      if (pending > 0) notes += fmt::format("  ({} pending: no room for their resources)", pending);
      add("  {:<14} {:<14} {:>8} {:>7} {:>8} {:>8} {:>7} {:>9.1f} {:>7}{}\n",
          text(field(d, "name")), text(field(d, "status")), text(field(d, "num_replicas")),
          text(field(d, "target_replicas")),
          fmt::format("{}-{}", text(field(d, "min_replicas")), text(field(d, "max_replicas"))),
          text(field(d, "ongoing")), text(field(d, "queued")), number(field(d, "average_load")),
          text(field(d, "errors_total")), notes);
    }
  }
  const json::value& events = field(s, "events");
  if (events.is_array() && !events.as_array().empty()) {
    add("\nRECENT EVENTS\n");
    const auto& list = events.as_array();
    size_t from = list.size() > 8 ? list.size() - 8 : 0;
    for (size_t i = from; i < list.size(); ++i) {
      const auto& e = list[i];
      int64_t t = field(e, "time").is_int64() ? field(e, "time").as_int64() : 0;
      add("  {} {:<13} {:<18} {}\n", format_utc_time(t).substr(11, 8), text(field(e, "deployment")),
          text(field(e, "kind")), text(field(e, "reason")));
    }
  }
  return out;
}

}  // namespace tc::cli
