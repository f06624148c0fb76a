// Human-readable rendering of GET /api/cluster/status for `tradecluster status`.
#pragma once

#include <string>

#include "core/json.hpp"

namespace tc::cli {

std::string format_cluster_status(const json::value& status);

}  // namespace tc::cli
