// Bearer-token checks for mutating requests.
#pragma once

#include <string_view>

namespace tc::gateway {

// True when no token is configured, or `authorization` is "Bearer <token>". The comparison
// takes the same time wherever the first difference is.
bool bearer_token_ok(std::string_view authorization, std::string_view token);

}  // namespace tc::gateway
