// Argo CD's source.kustomize overrides, applied the way `kustomize edit` changes the file.
#include <algorithm>

#include "sources/kustomize/internal.h"

namespace converge::sources::kustomize {
namespace {

// `kustomize edit set image` argument -> an images entry.
json ImageEntry(const std::string& argument) {
  std::string name = argument;
  std::string reference = argument;
  size_t eq = argument.find('=');
  json entry = json::object();
  if (eq != std::string::npos) {
    name = argument.substr(0, eq);
    reference = argument.substr(eq + 1);
  }
  std::string new_name = reference;
  size_t at = reference.find('@');
  size_t slash = reference.rfind('/');
  size_t colon = reference.rfind(':');
  if (at != std::string::npos) {
    new_name = reference.substr(0, at);
    entry["digest"] = reference.substr(at + 1);
  } else if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    new_name = reference.substr(0, colon);
    entry["newTag"] = reference.substr(colon + 1);
  }
  if (eq == std::string::npos) {
    name = new_name;
  } else {
    entry["newName"] = new_name;
  }
  entry["name"] = name;
  return entry;
}

void MergeMap(json& kustomization, const char* field, const json& entries) {
  if (!entries.is_object() || entries.empty()) return;
  json& map = kustomization[field];
  if (!map.is_object()) map = json::object();
  for (auto it = entries.begin(); it != entries.end(); ++it) map[it.key()] = it.value();
}

// Replaces the entry of `list` whose `key` equals the new one's, or appends it.
void Upsert(json& list, const json& entry, const char* key) {
  if (!list.is_array()) list = json::array();
  for (json& existing : list) {
    if (existing.is_object() && existing.value(key, json()) == entry.value(key, json())) {
      existing = entry;
      return;
    }
  }
  list.push_back(entry);
}

}  // namespace

json ApplyOverrides(json k, const Overrides& overrides) {
  if (!overrides.name_prefix.empty()) k["namePrefix"] = overrides.name_prefix;
  if (!overrides.name_suffix.empty()) k["nameSuffix"] = overrides.name_suffix;
  if (!overrides.namespace_.empty()) k["namespace"] = overrides.namespace_;
  for (const std::string& image : overrides.images) Upsert(k["images"], ImageEntry(image), "name");
  MergeMap(k, "commonLabels", overrides.common_labels);
  MergeMap(k, "commonAnnotations", overrides.common_annotations);
  for (const json& replica : overrides.replicas) Upsert(k["replicas"], replica, "name");
  for (const json& patch : overrides.patches) {
    if (!k["patches"].is_array()) k["patches"] = json::array();
    k["patches"].push_back(patch);
  }
  for (const std::string& component : overrides.components) {
    json& list = k["components"];
    if (!list.is_array()) list = json::array();
    if (std::find(list.begin(), list.end(), json(component)) == list.end()) {
      list.push_back(component);
    }
  }
  return k;
}

}  // namespace converge::sources::kustomize
