// Status and Result<T>: how expected failures travel through tradecluster.
//
// A Status is ok or carries a code from a small fixed set and a message meant for the user.
// Result<T> holds a value or a non-ok Status. Both are [[nodiscard]]: a failure is never dropped
// silently. Code that calls throwing libraries catches at the adapter and converts to a Status.
// Thread-safety: plain values, safe to copy between threads.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace tc {

enum class StatusCode {
  kOk,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kFailedPrecondition,
  kResourceExhausted,
  kUnavailable,
  kDeadlineExceeded,
  kCancelled,
  kUnimplemented,
  kUnauthenticated,
  kPermissionDenied,
  kInternal,
  // Refusals of the HTTP exchange itself, before a request reaches a handler.
  kMethodNotAllowed,
  kRequestTimeout,
  kPayloadTooLarge,
  kHeadersTooLarge,
};

// The snake_case name used in JSON error bodies ("invalid_argument", ...).
std::string_view status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return {}; }

  bool is_ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "code: message", for logs.
  std::string to_string() const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status invalid_argument(std::string m) {
  return {StatusCode::kInvalidArgument, std::move(m)};
}
inline Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status already_exists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status failed_precondition(std::string m) {
  return {StatusCode::kFailedPrecondition, std::move(m)};
}
inline Status resource_exhausted(std::string m) {
  return {StatusCode::kResourceExhausted, std::move(m)};
}
inline Status unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status deadline_exceeded(std::string m) {
  return {StatusCode::kDeadlineExceeded, std::move(m)};
}
inline Status cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
inline Status unimplemented(std::string m) { return {StatusCode::kUnimplemented, std::move(m)}; }
inline Status internal_error(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status unauthenticated(std::string m) {
  return {StatusCode::kUnauthenticated, std::move(m)};
}
inline Status permission_denied(std::string m) {
  return {StatusCode::kPermissionDenied, std::move(m)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : value_(std::move(status)) {}  // NOLINT: implicit by design

  bool is_ok() const { return std::holds_alternative<T>(value_); }
  explicit operator bool() const { return is_ok(); }

  // The failure; ok() when the result holds a value.
  Status status() const { return is_ok() ? Status::ok() : std::get<Status>(value_); }

  T& value() & { return std::get<T>(value_); }
  const T& value() const& { return std::get<T>(value_); }
  T&& value() && { return std::get<T>(std::move(value_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> value_;
};

}  // namespace tc

// Returns early from the enclosing function when `expr` (a Status) is not ok.
#define TC_RETURN_IF_ERROR(expr)                \
  do {                                          \
    ::tc::Status tc_status_ = (expr);           \
    if (!tc_status_.is_ok()) return tc_status_; \
  } while (false)

// Assigns the value of `expr` (a Result) to `lhs`, or returns its Status from the enclosing
// function.
#define TC_ASSIGN_OR_RETURN(lhs, expr)           \
  do {                                           \
    auto tc_result_ = (expr);                    \
    if (!tc_result_) return tc_result_.status(); \
    lhs = std::move(tc_result_).value();         \
  } while (false)
