// JSON forms of the serve runtime's status, shared by the services' status endpoints, the
// control API and the CLI.
#pragma once

#include "core/json.hpp"
#include "serve/deployment.hpp"
#include "serve/scaling_event.hpp"

namespace tc::serve {

json::object to_json_object(const DeploymentStatus& status);
json::object to_json_object(const ScalingEvent& event);

}  // namespace tc::serve
