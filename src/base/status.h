// Status and Result<T>: errors as values across module boundaries.
//
// A Status is OK or carries a code that says what the caller should do
// (retry, fix the input, fix the configuration, alert) and a message that says
// what happened. Result<T> is std::expected<T, Status>. Both are cheap to move
// and thread-compatible (no shared state).
#pragma once

#include <expected>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace logstream {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,     // bad input or configuration: fix it, do not retry
  kNotFound,            // the named thing does not exist
  kAlreadyExists,       // the named thing exists and differs
  kFailedPrecondition,  // the system is not in a state to do this (e.g. locked)
  kUnavailable,         // transient: retry with backoff
  kDataLoss,            // corrupt or lost data: alert a human
  kIoError,             // the operating system refused (disk, permissions)
  kInternal,            // a bug
  kCancelled,           // the operation was stopped on request
  kAborted,             // a transaction lost its group membership (rebalance): restore, retry
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message)
      : code_(code), message_(std::move(message)) {}

  // Lets `return Err(status);` work in functions returning Status too.
  Status(std::unexpected<Status> u) : Status(std::move(u.error())) {}  // NOLINT

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "CODE: message", or "OK".
  std::string ToString() const;

  // Returns a copy whose message is "context: message".
  Status WithContext(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
inline Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
inline Status FailedPrecondition(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
inline Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
inline Status DataLoss(std::string m) { return {StatusCode::kDataLoss, std::move(m)}; }
inline Status IoError(std::string m) { return {StatusCode::kIoError, std::move(m)}; }
inline Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
inline Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
inline Status Aborted(std::string m) { return {StatusCode::kAborted, std::move(m)}; }

// IoError from errno, naming the operation and the path.
Status ErrnoError(std::string_view op, std::string_view path, int err);

template <typename T>
using Result = std::expected<T, Status>;

inline std::unexpected<Status> Err(Status s) { return std::unexpected<Status>(std::move(s)); }

// A Result<unique_ptr<Derived>> as a Result<unique_ptr<Base>> (factories that
// return an interface).
template <typename Base, typename Derived>
Result<std::unique_ptr<Base>> Upcast(Result<std::unique_ptr<Derived>> r) {
  if (!r) return Err(std::move(r.error()));
  return std::unique_ptr<Base>(std::move(*r));
}

}  // namespace logstream

// Early return on error. RETURN_IF_ERROR(expr) for Status;
// ASSIGN_OR_RETURN(lhs, expr) for Result<T> in functions returning Status or Result.
#define LS_CONCAT_INNER(a, b) a##b
#define LS_CONCAT(a, b) LS_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                       \
  do {                                              \
    ::logstream::Status ls_status_ = (expr);        \
    if (!ls_status_.ok()) return ::logstream::Err(std::move(ls_status_)); \
  } while (0)

#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(LS_CONCAT(ls_result_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp) return ::logstream::Err(std::move(tmp).error()); \
  lhs = std::move(*tmp)
