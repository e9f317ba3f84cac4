#pragma once
// base/status.h: errors as values. Every fallible function in Converge returns a Status or a
// Result<T>; no exception crosses a library boundary.
//
// Messages name the input that failed (file and line, object, field) and read like
//   values.yaml:12: .image.tag: expected string, got map
// Callers add context on the way up with Wrap().

#include <cassert>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace converge {

enum class StatusCode {
  kOk,
  kInvalid,      // bad input: a broken file, a wrong flag, a malformed object
  kNotFound,     // a named thing does not exist
  kConflict,     // the world changed under us or refuses the change
  kUnavailable,  // a peer (Git remote, cluster) cannot be reached; retrying may help
  kInternal,     // our own bug or an environment failure we cannot name better
};

std::string_view StatusCodeName(StatusCode code);

class Status {
 public:
  // An OK status. Costs no allocation.
  Status() = default;

  static Status Invalid(std::string message) { return {StatusCode::kInvalid, std::move(message)}; }
  static Status NotFound(std::string message) {
    return {StatusCode::kNotFound, std::move(message)};
  }
  static Status Conflict(std::string message) {
    return {StatusCode::kConflict, std::move(message)};
  }
  static Status Unavailable(std::string message) {
    return {StatusCode::kUnavailable, std::move(message)};
  }
  static Status Internal(std::string message) {
    return {StatusCode::kInternal, std::move(message)};
  }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns the same status with "context: " in front of the message. OK stays OK.
  Status Wrap(std::string_view context) const&;
  Status Wrap(std::string_view context) &&;

  // "ok", or the message alone: codes are for programs, messages for people.
  std::string ToString() const { return ok() ? "ok" : message_; }

  friend bool operator==(const Status&, const Status&) = default;

 private:
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// A value or the Status explaining why there is none.
template <typename T>
class Result {
 public:
  // NOLINTNEXTLINE(google-explicit-constructor): results are returned like values.
  Result(T value) : state_(std::move(value)) {}
  // REQUIRES: !status.ok()
  // NOLINTNEXTLINE(google-explicit-constructor)
  Result(Status status) : state_(std::move(status)) { assert(!std::get<Status>(state_).ok()); }

  bool ok() const { return std::holds_alternative<T>(state_); }

  // The error, or an OK status when a value is present.
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(state_);
  }

  // REQUIRES: ok()
  const T& value() const& { return std::get<T>(state_); }
  T& value() & { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<T, Status> state_;
};

}  // namespace converge
