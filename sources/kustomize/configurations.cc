// Field specs a build adds to kustomize's defaults: `configurations` files
// (builtinconfig.TransformerConfig) and `crds` files, whose OpenAPI definitions mark fields
// with x-kubernetes-* extensions (api/internal/accumulator/loadconfigfromcrds.go).
#include <algorithm>

#include "sources/kustomize/internal.h"

namespace converge::sources::kustomize {
namespace {

void Append(std::vector<FieldSpec>& to, const std::vector<FieldSpec>& from) {
  to.insert(to.end(), from.begin(), from.end());
}

std::string StringOf(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// What loadCrdIntoConfig reads from one definition's properties, recursing through $ref.
void LoadDefinition(const json& definitions, const std::string& type_name, const std::string& kind,
                    const std::string& path, TransformerConfig& config) {
  auto definition = definitions.find(type_name);
  if (definition == definitions.end() || !definition->is_object()) return;
  json properties = definition->value("Schema", json::object()).value("properties", json::object());
  if (!properties.is_object()) return;
  for (auto it = properties.begin(); it != properties.end(); ++it) {
    if (!it->is_object()) continue;
    std::string field = path.empty() ? it.key() : path + "/" + it.key();
    FieldSpec spec{.kind = kind, .path = field};
    auto marked = [&](const char* extension) {
      auto found = it->find(extension);
      return found != it->end() && found->is_string();
    };
    if (marked("x-kubernetes-annotation")) config.common_annotations.push_back(spec);
    if (marked("x-kubernetes-label-selector")) config.common_labels.push_back(spec);
    std::string version = StringOf(*it, "x-kubernetes-object-ref-api-version");
    std::string ref_kind = StringOf(*it, "x-kubernetes-object-ref-kind");
    if (marked("x-kubernetes-object-ref-api-version") && marked("x-kubernetes-object-ref-kind")) {
      std::string name_key = StringOf(*it, "x-kubernetes-object-ref-name-key");
      if (name_key.empty()) name_key = "name";
      config.name_references.push_back(
          {.version = version,
           .kind = ref_kind,
           .referrers = {FieldSpec{.kind = kind, .path = field + "/" + name_key}}});
    }
    std::string ref = StringOf(*it, "$ref");
    if (!ref.empty()) LoadDefinition(definitions, ref, kind, field, config);
  }
}

bool LooksLikeKubernetesType(const json& definition) {
  json properties = definition.value("Schema", json::object()).value("properties", json::object());
  return properties.is_object() && properties.contains("kind") &&
         properties.contains("apiVersion") && properties.contains("metadata");
}

}  // namespace

void TransformerConfig::Merge(const TransformerConfig& other) {
  Append(common_labels, other.common_labels);
  Append(common_annotations, other.common_annotations);
  Append(images, other.images);
  Append(replicas, other.replicas);
  for (const NameReference& reference : other.name_references) {
    auto same = std::find_if(
        name_references.begin(), name_references.end(), [&](const NameReference& existing) {
          return existing.group == reference.group && existing.version == reference.version &&
                 existing.kind == reference.kind;
        });
    if (same == name_references.end()) {
      name_references.push_back(reference);
    } else {
      Append(same->referrers, reference.referrers);
    }
  }
}

Result<TransformerConfig> ParseConfigurations(const json& document) {
  TransformerConfig config;
  if (document.is_null()) return config;
  if (!document.is_object()) {
    return Status::Invalid("a configurations file must be a map of field spec lists");
  }
  config.common_labels = ParseFieldSpecs(document.value("commonLabels", json()));
  config.common_annotations = ParseFieldSpecs(document.value("commonAnnotations", json()));
  config.images = ParseFieldSpecs(document.value("images", json()));
  config.replicas = ParseFieldSpecs(document.value("replicas", json()));
  json references = document.value("nameReference", json::array());
  if (references.is_array()) {
    for (const json& reference : references) {
      if (!reference.is_object()) continue;
      TransformerConfig one;
      one.name_references.push_back(
          {.group = StringOf(reference, "group"),
           .version = StringOf(reference, "version"),
           .kind = StringOf(reference, "kind"),
           .referrers = ParseFieldSpecs(reference.value("fieldSpecs", json()))});
      config.Merge(one);
    }
  }
  return config;
}

Result<TransformerConfig> ParseCrdDefinitions(const json& definitions) {
  TransformerConfig config;
  if (!definitions.is_object()) {
    return Status::Invalid("expected a map of OpenAPI definitions");
  }
  for (auto it = definitions.begin(); it != definitions.end(); ++it) {
    if (!it->is_object() || !LooksLikeKubernetesType(*it)) continue;
    std::string kind = it.key().substr(it.key().rfind('.') + 1);
    TransformerConfig one;
    LoadDefinition(definitions, it.key(), kind, "", one);
    config.Merge(one);
  }
  return config;
}

}  // namespace converge::sources::kustomize
