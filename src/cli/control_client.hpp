// ControlClient: the CLI's view of a running node's control API.
#pragma once

#include <cstdint>
#include <string>

#include "core/json.hpp"
#include "core/status.hpp"

namespace tc::cli {

class ControlClient {
 public:
  ControlClient(std::string host, uint16_t port, std::string token)
      : host_(std::move(host)), port_(port), token_(std::move(token)) {}

  // The parsed JSON body of a 2xx answer. unavailable when the node cannot be reached; the
  // server's error message otherwise.
  Result<json::value> get(const std::string& target) const;
  Result<json::value> post(const std::string& target, const std::string& json_body = "") const;
  // True when a node answers at the address at all (starting, ready or stopping).
  bool alive() const;
  // True when the node says it is ready (its /health answers 200).
  bool ready() const;
  std::string address() const { return host_ + ":" + std::to_string(port_); }

 private:
  Result<json::value> call(const std::string& method, const std::string& target,
                           const std::string& json_body = "") const;

  std::string host_;
  uint16_t port_;
  std::string token_;
};

}  // namespace tc::cli
