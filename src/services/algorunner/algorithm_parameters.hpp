// Checking a run's parameters against the parameters an algorithm declares in the catalog:
// {"fast_period": {"type": "int", "default": 10, "min": 2, "max": 500}, ...}. Types: "int",
// "number", and "expression" (text in the screener's language, checked where it is compiled).
#pragma once

#include "core/json.hpp"

namespace tc::services {

// The parameters with defaults filled in. invalid_argument names the first unknown parameter,
// wrong type or value out of range.
Result<json::object> resolve_parameters(const json::object& declared, const json::object& given);

}  // namespace tc::services
