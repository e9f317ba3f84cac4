#include "apiserver/scale.h"

#include <algorithm>
#include <string>
#include <vector>

#include "apiserver/resources.h"

namespace converge::apiserver {
namespace {

using nlohmann::json;

std::string Join(const std::vector<std::string>& values) {
  std::string out;
  for (const std::string& value : values) out += (out.empty() ? "" : ",") + value;
  return out;
}

// The text form of a LabelSelector as apimachinery prints it: requirements sorted by key.
std::string SelectorText(const json& selector) {
  std::vector<std::pair<std::string, std::string>> terms;
  const json labels = selector.value("matchLabels", json::object());
  for (const auto& [key, value] : labels.items()) {
    terms.emplace_back(key, key + "=" + (value.is_string() ? value.get<std::string>() : ""));
  }
  for (const json& expression : selector.value("matchExpressions", json::array())) {
    std::string key = expression.value("key", "");
    std::string op = expression.value("operator", "");
    std::vector<std::string> values;
    for (const json& value : expression.value("values", json::array())) {
      if (value.is_string()) values.push_back(value.get<std::string>());
    }
    std::sort(values.begin(), values.end());
    if (op == "In") terms.emplace_back(key, key + " in (" + Join(values) + ")");
    if (op == "NotIn") terms.emplace_back(key, key + " notin (" + Join(values) + ")");
    if (op == "Exists") terms.emplace_back(key, key);
    if (op == "DoesNotExist") terms.emplace_back(key, "!" + key);
  }
  std::stable_sort(terms.begin(), terms.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> texts;
  for (const auto& term : terms) texts.push_back(term.second);
  return Join(texts);
}

// The field names of a CRD's simple JSON path (".spec.replicas").
std::vector<std::string> PathFields(const json& paths, const char* which, const char* fallback) {
  std::string path = paths.is_object() ? paths.value(which, fallback) : fallback;
  std::vector<std::string> fields;
  size_t pos = path.empty() || path[0] != '.' ? 0 : 1;
  while (pos < path.size()) {
    size_t end = path.find('.', pos);
    if (end == std::string::npos) end = path.size();
    fields.push_back(path.substr(pos, end - pos));
    pos = end + 1;
  }
  return fields;
}

const json* Find(const json& object, const std::vector<std::string>& fields) {
  const json* at = &object;
  for (const std::string& field : fields) {
    if (!at->is_object() || !at->contains(field)) return nullptr;
    at = &(*at)[field];
  }
  return at;
}

}  // namespace

json ScaleOf(const ResourceType& type, const json& object) {
  const json& metadata = object.value("metadata", json::object());
  json scale_metadata = json::object();
  for (const char* field : {"name", "namespace", "uid", "resourceVersion", "creationTimestamp"}) {
    if (metadata.contains(field)) scale_metadata[field] = metadata[field];
  }
  const json* spec_replicas =
      Find(object, PathFields(type.scale_paths, "specReplicasPath", ".spec.replicas"));
  const json* status_replicas =
      Find(object, PathFields(type.scale_paths, "statusReplicasPath", ".status.replicas"));
  std::string selector;
  if (type.custom()) {
    std::vector<std::string> path = PathFields(type.scale_paths, "labelSelectorPath", "");
    const json* text = path.empty() ? nullptr : Find(object, path);
    if (text != nullptr && text->is_string()) selector = text->get<std::string>();
  } else if (const json* spec_selector = Find(object, {"spec", "selector"})) {
    selector = SelectorText(*spec_selector);
  }
  json scale_status = {{"replicas", status_replicas != nullptr ? *status_replicas : json(0)}};
  if (!selector.empty()) scale_status["selector"] = selector;
  // A built-in kind defaults replicas to 1; a custom resource without the field has 0.
  json replicas = spec_replicas != nullptr ? *spec_replicas : json(type.custom() ? 0 : 1);
  return {{"kind", "Scale"},
          {"apiVersion", "autoscaling/v1"},
          {"metadata", scale_metadata},
          {"spec", {{"replicas", replicas}}},
          {"status", scale_status}};
}

ApiResult<json> WithScale(const ResourceType& type, json object, const json& scale) {
  std::string name = object["metadata"].value("name", "");
  ResourceType scale_type;
  scale_type.group = "autoscaling";
  scale_type.kind = "Scale";
  if (!scale.is_object()) return BadRequest("the Scale must be a JSON object");
  std::string kind = scale.value("kind", "");
  if (!kind.empty() && kind != "Scale") {
    return BadRequest("the kind in the data (" + kind +
                      ") does not match the expected kind (Scale)");
  }
  json replicas = scale.value("spec", json::object()).value("replicas", json(int64_t{0}));
  if (!replicas.is_number_integer() || replicas.get<int64_t>() < 0) {
    return Invalid(scale_type, name,
                   {InvalidValue("spec.replicas", replicas,
                                 replicas.is_number_integer() ? "must be greater than or equal to 0"
                                                              : "must be an integer")});
  }
  json* at = &object;
  for (const std::string& field :
       PathFields(type.scale_paths, "specReplicasPath", ".spec.replicas")) {
    if (!at->is_object()) *at = json::object();
    at = &(*at)[field];
  }
  *at = replicas;
  const json& metadata = scale.value("metadata", json::object());
  for (const char* field : {"resourceVersion", "uid"}) {
    if (metadata.contains(field)) object["metadata"][field] = metadata[field];
  }
  return object;
}

}  // namespace converge::apiserver
