// The one Status-to-HTTP mapping (net/http_error.hpp), named here for the services.
#pragma once

#include "net/http_error.hpp"
#include "serve/request.hpp"

namespace tc::serve {

using net::error_response;
using net::http_status_for;
using net::json_response;

}  // namespace tc::serve
