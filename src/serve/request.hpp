// Request and Response as the serve runtime and the services see them: net's plain HTTP values,
// named here so that services depend on serve/ and never on net/.
#pragma once

#include "net/http_message.hpp"

namespace tc::serve {

using net::Fields;
using net::find_field;
using net::Request;
using net::Responder;
using net::Response;

}  // namespace tc::serve
