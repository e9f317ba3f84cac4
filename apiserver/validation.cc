#include "apiserver/validation.h"

#include <cmath>
#include <regex>

#include "apiserver/typemodel.h"
#include "kube/kube.h"

namespace converge::apiserver {
namespace {

using nlohmann::json;

bool IsAlnumLower(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

std::string DecodeFailure(const ResourceType& type, const std::string& detail) {
  return type.kind + " in version \"" + type.version + "\" cannot be handled as a " + type.kind +
         ": " + detail;
}

std::string JoinUnknown(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    out += (i > 0 ? ", " : "") + std::string("unknown field \"") + fields[i] + "\"";
  }
  return out;
}

// --- custom resources: a structural-schema subset of OpenAPI v3 -------------------------------

std::string JsonTypeOf(const json& value) {
  if (value.is_string()) return "string";
  if (value.is_boolean()) return "boolean";
  if (value.is_number_integer() || value.is_number_unsigned()) return "integer";
  if (value.is_number_float()) {
    double number = value.get<double>();
    return std::trunc(number) == number ? "integer" : "number";
  }
  if (value.is_array()) return "array";
  if (value.is_object()) return "object";
  return "null";
}

class SchemaChecker {
 public:
  std::vector<Cause> causes;
  std::vector<std::string> unknown;

  // Checks (and prunes unknown fields of) `value` against `schema` at `path`.
  void Check(const json& schema, json& value, const std::string& path) {
    if (!schema.is_object()) return;
    if (value.is_null()) {
      if (!schema.value("nullable", false) && !path.empty()) {
        // Kubernetes drops nulls for non-nullable fields rather than failing.
      }
      return;
    }
    bool int_or_string = schema.value("x-kubernetes-int-or-string", false);
    std::string type = schema.value("type", "");
    std::string actual = JsonTypeOf(value);
    if (int_or_string) {
      if (actual != "integer" && actual != "string") {
        Add(InvalidValue(path, value, "must be of type integer or string"));
      }
    } else if (!type.empty() && type != actual && !(type == "number" && actual == "integer")) {
      causes.push_back({"FieldValueTypeInvalid",
                        "Invalid value: \"" + actual + "\": " + path + " in body must be of type " +
                            type + ": \"" + actual + "\"",
                        path});
      return;
    }
    CheckEnum(schema, value, path);
    CheckBounds(schema, value, path);
    if (value.is_object()) CheckObject(schema, value, path);
    if (value.is_array() && schema.contains("items")) {
      for (size_t i = 0; i < value.size(); ++i) {
        Check(schema["items"], value[i], path + "[" + std::to_string(i) + "]");
      }
    }
  }

 private:
  void Add(Cause cause) { causes.push_back(std::move(cause)); }

  void CheckEnum(const json& schema, const json& value, const std::string& path) {
    auto it = schema.find("enum");
    if (it == schema.end() || !it->is_array()) return;
    for (const json& allowed : *it) {
      if (allowed == value) return;
    }
    std::string list;
    for (const json& allowed : *it) {
      list += (list.empty() ? "" : ", ") + kube::EncodeJson(allowed);
    }
    causes.push_back(
        {"FieldValueNotSupported",
         "Unsupported value: " + kube::EncodeJson(value) + ": supported values: " + list, path});
  }

  void CheckBounds(const json& schema, const json& value, const std::string& path) {
    if (value.is_number()) {
      double number = value.get<double>();
      if (schema.contains("minimum") && number < schema["minimum"].get<double>()) {
        Add(InvalidValue(
            path, value,
            "should be greater than or equal to " + kube::EncodeJson(schema["minimum"])));
      }
      if (schema.contains("maximum") && number > schema["maximum"].get<double>()) {
        Add(InvalidValue(path, value,
                         "should be less than or equal to " + kube::EncodeJson(schema["maximum"])));
      }
    }
    if (value.is_string()) {
      size_t length = value.get_ref<const std::string&>().size();
      if (schema.contains("maxLength") && length > schema["maxLength"].get<size_t>()) {
        Add({"FieldValueTooLong",
             "Too long: may not be more than " + kube::EncodeJson(schema["maxLength"]) + " bytes",
             path});
      }
      if (schema.contains("minLength") && length < schema["minLength"].get<size_t>()) {
        Add(InvalidValue(
            path, value,
            "should be at least " + kube::EncodeJson(schema["minLength"]) + " chars long"));
      }
      if (schema.contains("pattern") && schema["pattern"].is_string()) {
        try {
          std::regex pattern(schema["pattern"].get<std::string>(), std::regex::ECMAScript);
          if (!std::regex_search(value.get<std::string>(), pattern)) {
            Add(InvalidValue(path, value,
                             "should match '" + schema["pattern"].get<std::string>() + "'"));
          }
        } catch (const std::regex_error&) {
          // A pattern std::regex cannot compile is not enforced.
        }
      }
    }
    if (value.is_array()) {
      if (schema.contains("maxItems") && value.size() > schema["maxItems"].get<size_t>()) {
        Add({"FieldValueTooMany",
             "Too many: " + std::to_string(value.size()) + ": must have at most " +
                 kube::EncodeJson(schema["maxItems"]) + " items",
             path});
      }
      if (schema.contains("minItems") && value.size() < schema["minItems"].get<size_t>()) {
        Add(InvalidValue(
            path, value,
            "should have at least " + kube::EncodeJson(schema["minItems"]) + " items"));
      }
    }
  }

  void CheckObject(const json& schema, json& value, const std::string& path) {
    bool preserve = schema.value("x-kubernetes-preserve-unknown-fields", false);
    const json* properties = schema.contains("properties") ? &schema["properties"] : nullptr;
    const json* additional =
        schema.contains("additionalProperties") ? &schema["additionalProperties"] : nullptr;
    if (auto required = schema.find("required"); required != schema.end() && required->is_array()) {
      for (const json& name : *required) {
        if (name.is_string() && !value.contains(name.get<std::string>())) {
          Add(Required(Join(path, name.get<std::string>())));
        }
      }
    }
    std::vector<std::string> prune;
    for (auto it = value.begin(); it != value.end(); ++it) {
      std::string child = Join(path, it.key());
      if (path.empty() &&
          (it.key() == "apiVersion" || it.key() == "kind" || it.key() == "metadata")) {
        continue;
      }
      if (properties != nullptr && properties->contains(it.key())) {
        Check((*properties)[it.key()], it.value(), child);
      } else if (additional != nullptr && additional->is_object()) {
        Check(*additional, it.value(), child);
      } else if (!preserve &&
                 !(additional != nullptr && additional->is_boolean() && additional->get<bool>())) {
        if (properties != nullptr || additional != nullptr || !schema.contains("type") ||
            schema.value("type", "") == "object") {
          unknown.push_back(child);
          prune.push_back(it.key());
        }
      }
    }
    for (const std::string& key : prune) value.erase(key);
  }

  static std::string Join(const std::string& path, const std::string& key) {
    return path.empty() ? key : path + "." + key;
  }
};

}  // namespace

ApiResult<DecodeOutcome> CheckDecode(const ResourceType& type, json& object,
                                     FieldValidation validation) {
  DecodeOutcome outcome;
  std::vector<std::string> unknown;
  if (!type.model.empty() && !type.custom()) {
    typemodel::DecodeReport report = typemodel::CheckDecode(type.model, object);
    if (report.type_error) return BadRequest(DecodeFailure(type, *report.type_error));
    unknown = std::move(report.unknown_fields);
  } else if (type.custom() && type.schema.is_object()) {
    SchemaChecker checker;
    json body = object;
    checker.Check(type.schema, body, "");
    unknown = checker.unknown;
    if (!checker.causes.empty()) {
      return Invalid(type, object.value("metadata", json::object()).value("name", ""),
                     std::move(checker.causes));
    }
    if (validation != FieldValidation::kStrict) object = std::move(body);
  }
  if (!unknown.empty()) {
    if (validation == FieldValidation::kStrict) {
      return BadRequest(DecodeFailure(type, "strict decoding error: " + JoinUnknown(unknown)));
    }
    if (validation == FieldValidation::kWarn) {
      for (const std::string& field : unknown) {
        outcome.warnings.push_back("unknown field \"" + field + "\"");
      }
    }
  }
  return outcome;
}

std::string CheckDnsSubdomain(const std::string& value) {
  bool ok = !value.empty() && value.size() <= 253 && IsAlnumLower(value.front()) &&
            IsAlnumLower(value.back());
  for (char c : value) ok = ok && (IsAlnumLower(c) || c == '-' || c == '.');
  if (ok) return "";
  return "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
         "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
         "regex used for validation is "
         "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
}

std::string CheckDnsLabel(const std::string& value) {
  bool ok = !value.empty() && value.size() <= 63 && IsAlnumLower(value.front()) &&
            IsAlnumLower(value.back());
  for (char c : value) ok = ok && (IsAlnumLower(c) || c == '-');
  if (ok) return "";
  return "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
         "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
         "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
}

std::vector<Cause> ValidateObject(const ResourceType& type, const json& object) {
  std::vector<Cause> causes;
  const json& metadata = object.value("metadata", json::object());
  std::string name = metadata.value("name", "");
  bool label_names =
      !type.custom() && (type.resource == "namespaces" || type.resource == "services");
  std::string problem = label_names ? CheckDnsLabel(name) : CheckDnsSubdomain(name);
  if (!problem.empty() && type.resource != "events") {
    causes.push_back(InvalidValue("metadata.name", name, problem));
  }
  if (!type.custom()) {
    for (Cause& cause : typemodel::MissingRequired(type.model, object)) {
      causes.push_back(std::move(cause));
    }
  }
  return causes;
}

namespace {

// Kubernetes' immutable fields of built-in kinds, with the wording of their validation errors.
struct ImmutableField {
  std::string_view group;
  std::string_view resource;
  std::vector<std::string_view> path;
  std::string_view detail;
};

const std::vector<ImmutableField>& ImmutableFields() {
  static const std::vector<ImmutableField> fields = {
      {"apps", "deployments", {"spec", "selector"}, "field is immutable"},
      {"apps", "replicasets", {"spec", "selector"}, "field is immutable"},
      {"apps", "daemonsets", {"spec", "selector"}, "field is immutable"},
      {"apps", "statefulsets", {"spec", "selector"}, "field is immutable"},
      {"batch", "jobs", {"spec", "template"}, "field is immutable"},
      {"", "services", {"spec", "clusterIP"}, "may not change once set"},
  };
  return fields;
}

const json* At(const json& object, const std::vector<std::string_view>& path) {
  const json* at = &object;
  for (std::string_view step : path) {
    if (!at->is_object()) return nullptr;
    auto found = at->find(std::string(step));
    if (found == at->end()) return nullptr;
    at = &*found;
  }
  return at;
}

}  // namespace

std::vector<Cause> ValidateUpdate(const ResourceType& type, const json& updated, const json& old) {
  std::vector<Cause> causes;
  if (type.custom()) return causes;
  for (const ImmutableField& field : ImmutableFields()) {
    if (field.group != type.group || field.resource != type.resource) continue;
    const json* before = At(old, field.path);
    const json* after = At(updated, field.path);
    // Unset before (not yet defaulted or allocated) is not a change.
    if (before == nullptr || before->is_null() || (before->is_string() && before->empty())) {
      continue;
    }
    if (after != nullptr && *after != *before) {
      std::string name;
      for (std::string_view step : field.path)
        name += (name.empty() ? "" : ".") + std::string(step);
      causes.push_back(InvalidValue(name, *after, std::string(field.detail)));
    }
  }
  return causes;
}

}  // namespace converge::apiserver
