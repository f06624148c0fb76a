// JSON forms of the serve runtime's status, shared by the services' status endpoints, the
// control API and the CLI. Written with JsonWriter: status endpoints are polled hard.
#pragma once

#include "core/json_writer.hpp"
#include "serve/deployment.hpp"
#include "serve/scaling_event.hpp"

namespace tc::serve {

void write_json(JsonWriter& w, const DeploymentStatus& status);
void write_json(JsonWriter& w, const ScalingEvent& event);

}  // namespace tc::serve
