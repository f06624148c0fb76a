#include "cli/control_client.hpp"

#include "net/http_client.hpp"

namespace tc::cli {

Result<json::value> ControlClient::call(const std::string& method, const std::string& target,
                                        const std::string& json_body) const {
  net::HttpCall c;
  c.host = host_ == "0.0.0.0" ? "127.0.0.1" : host_;
  c.port = port_;
  c.method = method;
  c.target = target;
  c.timeout = std::chrono::seconds(5);
  if (!json_body.empty()) {
    c.body = json_body;
    c.headers.emplace_back("Content-Type", "application/json");
  }
  if (!token_.empty()) c.headers.emplace_back("Authorization", "Bearer " + token_);
  auto res = net::http_request(c);
  if (!res)
    return unavailable("no tradecluster node answers at " + address() + ": " +
                       res.status().message());
  auto body = parse_json(res->body);
  if (res->status / 100 != 2) {
    std::string message = "HTTP " + std::to_string(res->status);
    if (body && body->is_object() && body->as_object().contains("error")) {
      const json::value& e = body->as_object().at("error");
      if (e.is_object() && e.as_object().contains("message")) {
        message += ": " + std::string(e.as_object().at("message").as_string());
      }
    }
    return Status(res->status == 401 ? StatusCode::kUnauthenticated : StatusCode::kInternal,
                  message);
  }
  if (!body) return internal_error("the node sent malformed JSON: " + body.status().message());
  return body;
}

Result<json::value> ControlClient::get(const std::string& target) const {
  return call("GET", target);
}

Result<json::value> ControlClient::post(const std::string& target,
                                        const std::string& json_body) const {
  return call("POST", target, json_body);
}

bool ControlClient::alive() const {
  auto health = get("/health");
  return health.is_ok() || health.status().code() != StatusCode::kUnavailable;
}

bool ControlClient::ready() const { return get("/health").is_ok(); }

}  // namespace tc::cli
