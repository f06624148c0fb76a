#include "services/algorunner/algorithm_parameters.hpp"

#include <cmath>

namespace tc::services {
namespace {

constexpr size_t kMaxExpressionLength = 4096;

double number_or(const json::object& o, std::string_view key, double fallback) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_number() ? v->to_number<double>() : fallback;
}

}  // namespace

Result<json::object> resolve_parameters(const json::object& declared, const json::object& given) {
  for (const auto& kv : given) {
    if (!declared.contains(kv.key())) {
      std::string known;
      for (const auto& d : declared) known += (known.empty() ? "" : ", ") + std::string(d.key());
      return invalid_argument(
          "unknown parameter '" + std::string(kv.key()) + "'" +
          (known.empty() ? " (this algorithm takes none)" : " (known: " + known + ")"));
    }
  }
  json::object out;
  for (const auto& d : declared) {
    std::string name(d.key());
    if (!d.value().is_object()) return internal_error("catalog: parameter " + name + " malformed");
    const json::object& spec = d.value().get_object();
    std::string_view type = spec.contains("type") && spec.at("type").is_string()
                                ? std::string_view(spec.at("type").get_string())
                                : "number";
    const json::value* v = given.if_contains(name);
    if (v == nullptr) {
      if (const json::value* def = spec.if_contains("default")) out[name] = *def;
      continue;
    }
    if (type == "expression") {
      if (!v->is_string() || v->as_string().size() > kMaxExpressionLength) {
        return invalid_argument("parameter '" + name + "' must be an expression of at most " +
                                std::to_string(kMaxExpressionLength) + " characters");
      }
      out[name] = *v;
      continue;
    }
    if (!v->is_number()) return invalid_argument("parameter '" + name + "' must be a number");
    double x = v->to_number<double>();
    if (type == "int" && (std::floor(x) != x || (!v->is_int64() && !v->is_uint64()))) {
      return invalid_argument("parameter '" + name + "' must be an integer");
    }
    double lo = number_or(spec, "min", -1e300), hi = number_or(spec, "max", 1e300);
    if (!std::isfinite(x) || x < lo || x > hi) {
      return invalid_argument("parameter '" + name + "' must be from " + to_json(spec.at("min")) +
                              " to " + to_json(spec.at("max")));
    }
    out[name] = *v;
  }
  return out;
}

}  // namespace tc::services
