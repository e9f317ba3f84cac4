#include "apiserver/api_error.h"

#include "apiserver/resources.h"
#include "kube/kube.h"

namespace converge::apiserver {
namespace {

ApiError Make(int code, std::string reason, std::string message) {
  ApiError error;
  error.code = code;
  error.reason = std::move(reason);
  error.message = std::move(message);
  return error;
}

ApiError WithDetails(ApiError error, const ResourceType& type, const std::string& name) {
  error.name = name;
  error.group = type.group;
  error.kind = type.resource;
  return error;
}

// How a field error prints its value, as field.Error does with %#v-like quoting of strings.
std::string ShowValue(const nlohmann::json& value) {
  if (value.is_string()) return "\"" + value.get<std::string>() + "\"";
  if (value.is_null()) return "null";
  return kube::EncodeJson(value);
}

std::string CauseText(const Cause& cause) { return cause.field + ": " + cause.message; }

}  // namespace

nlohmann::json ApiError::ToStatus() const {
  nlohmann::json status = {
      {"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", nlohmann::json::object()},
      {"status", "Failure"}, {"message", message}, {"code", code}};
  if (!reason.empty()) status["reason"] = reason;
  nlohmann::json details = nlohmann::json::object();
  if (!name.empty()) details["name"] = name;
  if (!group.empty()) details["group"] = group;
  if (!kind.empty()) details["kind"] = kind;
  if (!uid.empty()) details["uid"] = uid;
  if (!causes.empty()) {
    nlohmann::json list = nlohmann::json::array();
    for (const Cause& cause : causes) {
      nlohmann::json item = {{"reason", cause.type}, {"message", cause.message}};
      if (!cause.field.empty()) item["field"] = cause.field;
      list.push_back(std::move(item));
    }
    details["causes"] = std::move(list);
  }
  if (!details.empty()) status["details"] = std::move(details);
  return status;
}

ApiError BadRequest(std::string message) { return Make(400, "BadRequest", std::move(message)); }

ApiError Unauthorized() { return Make(401, "Unauthorized", "Unauthorized"); }

ApiError Forbidden(const ResourceType& type, const std::string& name, const std::string& why) {
  return WithDetails(
      Make(403, "Forbidden", type.QualifiedResource() + " \"" + name + "\" is forbidden: " + why),
      type, name);
}

ApiError AccessDenied(const std::string& group, const std::string& resource,
                      const std::string& name, const std::string& why) {
  if (resource.empty()) return Make(403, "Forbidden", "forbidden: " + why);
  std::string qualified = group.empty() ? resource : resource + "." + group;
  std::string subject = name.empty() ? qualified : qualified + " \"" + name + "\"";
  ApiError error = Make(403, "Forbidden", subject + " is forbidden: " + why);
  error.name = name;
  error.group = group;
  error.kind = resource;
  return error;
}

ApiError NotFound(const ResourceType& type, const std::string& name) {
  return WithDetails(
      Make(404, "NotFound", type.QualifiedResource() + " \"" + name + "\" not found"), type, name);
}

ApiError NamespaceNotFound(const std::string& ns) {
  ApiError error = Make(404, "NotFound", "namespaces \"" + ns + "\" not found");
  error.name = ns;
  error.kind = "namespaces";
  return error;
}

ApiError AlreadyExists(const ResourceType& type, const std::string& name) {
  return WithDetails(
      Make(409, "AlreadyExists", type.QualifiedResource() + " \"" + name + "\" already exists"),
      type, name);
}

ApiError Conflict(const ResourceType& type, const std::string& name, const std::string& why) {
  return WithDetails(Make(409, "Conflict",
                          "Operation cannot be fulfilled on " + type.QualifiedResource() + " \"" +
                              name + "\": " + why),
                     type, name);
}

ApiError StaleResourceVersion(const ResourceType& type, const std::string& name) {
  return Conflict(type, name,
                  "the object has been modified; please apply your changes to the latest version "
                  "and try again");
}

ApiError Invalid(const ResourceType& type, const std::string& name, std::vector<Cause> causes) {
  std::string list;
  if (causes.size() == 1) {
    list = CauseText(causes[0]);
  } else {
    list = "[";
    for (size_t i = 0; i < causes.size(); ++i) {
      list += (i > 0 ? ", " : "") + CauseText(causes[i]);
    }
    list += "]";
  }
  ApiError error =
      Make(422, "Invalid", type.QualifiedKind() + " \"" + name + "\" is invalid: " + list);
  error.name = name;
  error.group = type.group;
  error.kind = type.kind;
  error.causes = std::move(causes);
  return error;
}

ApiError MethodNotAllowed() {
  return Make(405, "MethodNotAllowed",
              "the server does not allow this method on the requested resource");
}

ApiError UnsupportedMediaType(const std::vector<std::string>& accepted) {
  std::string list;
  for (size_t i = 0; i < accepted.size(); ++i) list += (i > 0 ? ", " : "") + accepted[i];
  return Make(
      415, "UnsupportedMediaType",
      "the body of the request was in an unknown format - accepted media types include: " + list);
}

ApiError NotAcceptable(const std::string& message) { return Make(406, "NotAcceptable", message); }

ApiError Expired(const std::string& message) { return Make(410, "Expired", message); }

ApiError ResourceNotFound() {
  return Make(404, "NotFound", "the server could not find the requested resource");
}

ApiError InternalError(const std::string& message) {
  return Make(500, "InternalError", "Internal error occurred: " + message);
}

ApiError TooManyRequests(const std::string& message) {
  return Make(429, "TooManyRequests", message);
}

Cause Required(const std::string& field, const std::string& detail) {
  return {"FieldValueRequired", detail.empty() ? "Required value" : "Required value: " + detail,
          field};
}

Cause InvalidValue(const std::string& field, const nlohmann::json& value,
                   const std::string& detail) {
  return {"FieldValueInvalid", "Invalid value: " + ShowValue(value) + ": " + detail, field};
}

Cause ForbiddenField(const std::string& field, const std::string& detail) {
  return {"FieldValueForbidden", "Forbidden: " + detail, field};
}

}  // namespace converge::apiserver
