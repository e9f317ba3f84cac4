#pragma once
// apiserver/validation.h (internal): what the API server checks in an object before storing it:
// decoding (types, unknown fields under fieldValidation), names, required fields, and custom
// resources against their CRD's openAPIV3Schema.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apiserver/api_error.h"
#include "apiserver/resources.h"

namespace converge::apiserver {

enum class FieldValidation { kIgnore, kWarn, kStrict };

struct DecodeOutcome {
  std::vector<std::string> warnings;  // for Warning: 299 headers
};

// Type errors are always 400 BadRequest; unknown fields are 400 under Strict, warnings under
// Warn, and silently kept (built-ins) or pruned (custom resources) under Ignore. Custom
// resources also get their schema's type, enum and bound errors as 422 Invalid. May prune
// `object` in place.
ApiResult<DecodeOutcome> CheckDecode(const ResourceType& type, nlohmann::json& object,
                                     FieldValidation validation);

// Name rules and required fields: 422 Invalid with causes.
std::vector<Cause> ValidateObject(const ResourceType& type, const nlohmann::json& object);

// Changes of fields Kubernetes refuses to change after creation (a workload's selector, a Job's
// template, a Service's clusterIP): 422 Invalid causes, worded as Kubernetes words them.
std::vector<Cause> ValidateUpdate(const ResourceType& type, const nlohmann::json& updated,
                                  const nlohmann::json& old);

// DNS-1123 checks as Kubernetes words them; empty when valid.
std::string CheckDnsSubdomain(const std::string& value);
std::string CheckDnsLabel(const std::string& value);

}  // namespace converge::apiserver
