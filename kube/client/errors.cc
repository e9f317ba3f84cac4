#include <nlohmann/json.hpp>

#include "kube/client/client.h"

namespace converge::kube {
namespace {

using nlohmann::json;

struct ReasonName {
  std::string_view name;
  Reason reason;
};

// metav1.StatusReason values.
constexpr ReasonName kReasons[] = {
    {"BadRequest", Reason::kBadRequest},
    {"Unauthorized", Reason::kUnauthorized},
    {"Forbidden", Reason::kForbidden},
    {"NotFound", Reason::kNotFound},
    {"AlreadyExists", Reason::kAlreadyExists},
    {"Conflict", Reason::kConflict},
    {"Gone", Reason::kGone},
    {"Expired", Reason::kGone},
    {"Invalid", Reason::kInvalid},
    {"Timeout", Reason::kTimeout},
    {"ServerTimeout", Reason::kTimeout},
    {"TooManyRequests", Reason::kTooManyRequests},
    {"MethodNotAllowed", Reason::kMethodNotAllowed},
    {"UnsupportedMediaType", Reason::kUnsupportedMediaType},
    {"InternalError", Reason::kInternalError},
    {"ServiceUnavailable", Reason::kServiceUnavailable},
};

// What apimachinery's errors.FromObject concludes from a bare status code.
Reason ReasonForCode(int code) {
  switch (code) {
    case 400:
      return Reason::kBadRequest;
    case 401:
      return Reason::kUnauthorized;
    case 403:
      return Reason::kForbidden;
    case 404:
      return Reason::kNotFound;
    case 405:
      return Reason::kMethodNotAllowed;
    case 409:
      return Reason::kConflict;
    case 410:
      return Reason::kGone;
    case 415:
      return Reason::kUnsupportedMediaType;
    case 422:
      return Reason::kInvalid;
    case 429:
      return Reason::kTooManyRequests;
    case 500:
      return Reason::kInternalError;
    case 503:
      return Reason::kServiceUnavailable;
    case 504:
      return Reason::kTimeout;
    default:
      return Reason::kUnknown;
  }
}

}  // namespace

ApiError ErrorFromResponse(int http_status, std::string_view body) {
  ApiError error;
  error.http_status = http_status;
  error.reason = ReasonForCode(http_status);
  json status = json::parse(body, nullptr, false);
  if (status.is_object() && status.value("kind", "") == "Status") {
    error.message = status.value("message", "");
    std::string reason = status.value("reason", "");
    for (const ReasonName& entry : kReasons) {
      if (entry.name == reason) error.reason = entry.reason;
    }
    if (status.contains("details") && status["details"].is_object()) {
      for (const json& cause : status["details"].value("causes", json::array())) {
        if (!cause.is_object()) continue;
        error.causes.push_back(Cause{.type = cause.value("reason", ""),
                                     .field = cause.value("field", ""),
                                     .message = cause.value("message", "")});
      }
    }
  }
  if (error.message.empty()) {
    // Not a Status (a proxy's page, say): the first line of the body, kept short.
    std::string_view text = body.substr(0, body.find('\n'));
    error.message = "the server answered " + std::to_string(http_status) +
                    (text.empty() ? "" : ": " + std::string(text.substr(0, 200)));
  }
  return error;
}

Status ApiError::ToStatus() const {
  switch (reason) {
    case Reason::kNotFound:
      return Status::NotFound(message);
    case Reason::kAlreadyExists:
    case Reason::kConflict:
    case Reason::kGone:
      return Status::Conflict(message);
    case Reason::kBadRequest:
    case Reason::kInvalid:
    case Reason::kUnsupportedMediaType:
    case Reason::kMethodNotAllowed:
      return Status::Invalid(message);
    case Reason::kTransport:
    case Reason::kTimeout:
    case Reason::kTooManyRequests:
    case Reason::kServiceUnavailable:
    case Reason::kInternalError:
      return Status::Unavailable(message);
    case Reason::kUnauthorized:
    case Reason::kForbidden:
    case Reason::kUnknown:
      return Status::Internal(message);
  }
  return Status::Internal(message);
}

GroupVersionKind GroupVersionKind::Of(const Object& object) {
  return {std::string(object.Group()), std::string(object.Version()), std::string(object.Kind())};
}

std::string GroupVersionKind::ApiVersion() const {
  return group.empty() ? version : group + "/" + version;
}

std::string QueryEscape(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (unsigned char c : value) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace converge::kube
