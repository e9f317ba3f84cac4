#pragma once
// apiserver/api_error.h (internal): Kubernetes API errors, sent to clients as metav1.Status with
// the reason and code apimachinery's pkg/api/errors would use.

#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace converge::apiserver {

struct ResourceType;

struct Cause {
  std::string type;  // FieldValueRequired, FieldValueInvalid, ...
  std::string message;
  std::string field;
};

struct ApiError {
  int code = 500;
  std::string reason;  // "NotFound", "Conflict", ...; empty for a plain 500
  std::string message;
  // details
  std::string name;
  std::string group;
  std::string kind;  // the resource (plural) or, for Invalid, the Kind
  std::string uid;
  std::vector<Cause> causes;

  nlohmann::json ToStatus() const;
};

// ApiResult<T>: a value or the ApiError explaining why there is none.
template <typename T>
class ApiResult {
 public:
  // NOLINTNEXTLINE(google-explicit-constructor)
  ApiResult(T value) : state_(std::move(value)) {}
  // NOLINTNEXTLINE(google-explicit-constructor)
  ApiResult(ApiError error) : state_(std::move(error)) {}
  bool ok() const { return std::holds_alternative<T>(state_); }
  const ApiError& error() const { return std::get<ApiError>(state_); }
  T& value() & { return std::get<T>(state_); }
  const T& value() const& { return std::get<T>(state_); }
  T&& value() && { return std::get<T>(std::move(state_)); }
  T& operator*() & { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, ApiError> state_;
};

ApiError BadRequest(std::string message);
ApiError Unauthorized();
ApiError Forbidden(const ResourceType& type, const std::string& name, const std::string& why);
// An authorization denial, worded as apimachinery's NewForbidden: "<resource>[.group] [\"name\"]
// is forbidden: <why>", or "forbidden: <why>" for a request that names no resource.
ApiError AccessDenied(const std::string& group, const std::string& resource,
                      const std::string& name, const std::string& why);
ApiError NotFound(const ResourceType& type, const std::string& name);
ApiError NamespaceNotFound(const std::string& ns);
ApiError AlreadyExists(const ResourceType& type, const std::string& name);
ApiError Conflict(const ResourceType& type, const std::string& name, const std::string& why);
// "the object has been modified; please apply your changes to the latest version and try again"
ApiError StaleResourceVersion(const ResourceType& type, const std::string& name);
ApiError Invalid(const ResourceType& type, const std::string& name, std::vector<Cause> causes);
ApiError MethodNotAllowed();
ApiError UnsupportedMediaType(const std::vector<std::string>& accepted);
ApiError NotAcceptable(const std::string& message);
ApiError Expired(const std::string& message);
ApiError ResourceNotFound();  // an unknown resource path
ApiError InternalError(const std::string& message);
ApiError TooManyRequests(const std::string& message);

// The Cause for a missing required field.
Cause Required(const std::string& field, const std::string& detail = "");
Cause InvalidValue(const std::string& field, const nlohmann::json& value,
                   const std::string& detail);
Cause ForbiddenField(const std::string& field, const std::string& detail);

}  // namespace converge::apiserver
