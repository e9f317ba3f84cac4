// The built-in transformers that edit fields in place: namespace, name prefix and suffix,
// labels and annotations, images and replica counts.
#include <regex>

#include "sources/kustomize/internal.h"

namespace converge::sources::kustomize {
namespace {

bool IsBinding(const ResId& id) {
  return id.group == "rbac.authorization.k8s.io" &&
         (id.kind == "RoleBinding" || id.kind == "ClusterRoleBinding");
}

void SetDefaultSubjectsNamespace(json& object, const std::string& ns) {
  auto subjects = object.find("subjects");
  if (subjects == object.end() || !subjects->is_array()) return;
  for (json& subject : *subjects) {
    if (subject.is_object() && subject.value("name", json()) == "default") {
      subject["namespace"] = ns;
    }
  }
}

void SetIfPresent(json& object, std::initializer_list<const char*> path, const std::string& value) {
  json* node = &object;
  for (const char* step : path) {
    if (!node->is_object() || !node->contains(step)) return;
    node = &(*node)[step];
  }
  *node = value;
}

std::string StringOf(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

struct ImageParts {
  std::string name, tag, digest;
};

// kustomize's image.Split: a ':' or '@' after the first '/' separates tag and digest.
ImageParts SplitImage(const std::string& image) {
  size_t slash = image.find('/');
  size_t start = slash == std::string::npos || slash == 0 ? 0 : slash;
  size_t at = image.find('@', start);
  size_t colon = image.find(':', start);
  if (colon == std::string::npos && at == std::string::npos) return {image, "", ""};
  if (at != std::string::npos && (colon == std::string::npos || at < colon)) {
    return {image.substr(0, at), "", image.substr(at + 1)};
  }
  if (at != std::string::npos) {
    return {image.substr(0, colon), image.substr(colon + 1, at - colon - 1), image.substr(at + 1)};
  }
  return {image.substr(0, colon), image.substr(colon + 1), ""};
}

struct ImageRule {
  std::regex pattern;
  std::string new_name, new_tag, digest, tag_suffix;
};

Result<std::vector<ImageRule>> ParseImageRules(const json& images) {
  std::vector<ImageRule> rules;
  for (const json& image : images) {
    if (!image.is_object()) return Status::Invalid("images: each entry must be a map");
    try {
      rules.push_back(ImageRule{
          .pattern = std::regex("^" + StringOf(image, "name") + "(@sha256)?(:[a-zA-Z0-9_.{}-]*)?$"),
          .new_name = StringOf(image, "newName"),
          .new_tag = StringOf(image, "newTag"),
          .digest = StringOf(image, "digest"),
          .tag_suffix = StringOf(image, "tagSuffix")});
    } catch (const std::regex_error&) {
      return Status::Invalid("images: name " + StringOf(image, "name") + " is not a valid regexp");
    }
  }
  return rules;
}

void UpdateImage(json& value, const ImageRule& rule) {
  if (!value.is_string()) return;
  const std::string& image = value.get_ref<const std::string&>();
  if (!std::regex_match(image, rule.pattern)) return;
  ImageParts parts = SplitImage(image);
  if (!rule.new_name.empty()) parts.name = rule.new_name;
  if (!rule.new_tag.empty()) {
    parts.tag = rule.new_tag;
    parts.digest = rule.digest;
  } else if (!rule.digest.empty()) {
    parts.tag.clear();
    parts.digest = rule.digest;
  }
  parts.tag += rule.tag_suffix;
  std::string result = parts.name;
  if (!parts.tag.empty()) result += ":" + parts.tag;
  if (!parts.digest.empty()) result += "@" + parts.digest;
  value = result;
}

// kustomize's legacy image pass: every containers/initContainers list at any depth.
void UpdateContainerImages(json& node, const ImageRule& rule) {
  if (node.is_array()) {
    for (json& element : node) UpdateContainerImages(element, rule);
    return;
  }
  if (!node.is_object()) return;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if ((it.key() == "containers" || it.key() == "initContainers") && it->is_array()) {
      for (json& container : *it) {
        if (container.is_object() && container.contains("image")) {
          UpdateImage(container["image"], rule);
        }
      }
      continue;
    }
    UpdateContainerImages(*it, rule);
  }
}

}  // namespace

Status SetNamespace(ResMap& resources, const std::string& ns) {
  if (ns.empty()) return Status();
  for (Resource& resource : resources) {
    ResId id = resource.Id();
    if (id.kind == "Namespace" && id.group.empty() && id.version == "v1") {
      resource.Rename(ns, "");
      continue;
    }
    if (!IsClusterScoped(resource.object.ApiVersion(), id.kind)) resource.Rename(id.name, ns);
    json& object = resource.object.mutable_json();
    if (IsBinding(id)) SetDefaultSubjectsNamespace(object, ns);
    if (id.group == "apiregistration.k8s.io" && id.kind == "APIService") {
      SetIfPresent(object, {"spec", "service", "namespace"}, ns);
    }
    if (id.group == "apiextensions.k8s.io" && id.kind == "CustomResourceDefinition") {
      SetIfPresent(object,
                   {"spec", "conversion", "webhook", "clientConfig", "service", "namespace"}, ns);
    }
  }
  return Status();
}

Status AddNamePrefixSuffix(ResMap& resources, const std::string& prefix,
                           const std::string& suffix) {
  if (prefix.empty() && suffix.empty()) return Status();
  for (Resource& resource : resources) {
    ResId id = resource.Id();
    if (id.kind == "CustomResourceDefinition" || id.kind == "APIService" ||
        id.kind == "Namespace") {
      continue;
    }
    resource.Rename(prefix + id.name + suffix, id.ns);
    if (!prefix.empty()) resource.prefixes.push_back(prefix);
    if (!suffix.empty()) resource.suffixes.push_back(suffix);
  }
  return Status();
}

Status AddMapEntries(ResMap& resources, const json& entries, const std::vector<FieldSpec>& specs) {
  if (!entries.is_object() || entries.empty()) return Status();
  auto apply = [&](json& leaf) -> Status {
    if (leaf.is_null()) leaf = json::object();
    if (!leaf.is_object()) return Status::Invalid("expected a map to add entries to");
    for (auto it = entries.begin(); it != entries.end(); ++it) leaf[it.key()] = it.value();
    return Status();
  };
  for (Resource& resource : resources) {
    ResId id = resource.Id();
    for (const FieldSpec& spec : specs) {
      if (!GvkMatches(spec, id)) continue;
      if (Status s = VisitFieldSpec(resource.object.mutable_json(), spec, apply); !s.ok()) {
        return Status::Invalid(FieldSpecError(spec, id, s));
      }
    }
  }
  return Status();
}

std::vector<FieldSpec> WithExtra(const std::vector<FieldSpec>& defaults,
                                 std::span<const FieldSpec> extra) {
  std::vector<FieldSpec> specs = defaults;
  specs.insert(specs.end(), extra.begin(), extra.end());
  return specs;
}

Status TransformImages(ResMap& resources, const json& images, std::span<const FieldSpec> extra) {
  Result<std::vector<ImageRule>> rules = ParseImageRules(images);
  if (!rules.ok()) return rules.status();
  for (const ImageRule& rule : *rules) {
    for (Resource& resource : resources) {
      json& object = resource.object.mutable_json();
      if (resource.object.Kind() != "CustomResourceDefinition") {
        UpdateContainerImages(object, rule);
      }
      for (const FieldSpec& spec : WithExtra(ImageSpecs(), extra)) {
        Status status = VisitFieldSpec(object, spec, [&](json& leaf) {
          UpdateImage(leaf, rule);
          return Status();
        });
        if (!status.ok()) return Status::Invalid(FieldSpecError(spec, resource.Id(), status));
      }
    }
  }
  return Status();
}

Status TransformReplicas(ResMap& resources, const json& replicas,
                         std::span<const FieldSpec> extra) {
  std::vector<FieldSpec> specs = WithExtra(ReplicaSpecs(), extra);
  for (const json& replica : replicas) {
    std::string name = StringOf(replica, "name");
    json count = replica.value("count", json(0));
    bool found = false;
    for (const FieldSpec& spec : specs) {
      for (Resource& resource : resources) {
        bool named = resource.Id().name == name;
        for (const ResId& previous : resource.previous) named = named || previous.name == name;
        if (!named || !GvkMatches(spec, resource.Id())) continue;
        found = true;
        Status status = VisitFieldSpec(resource.object.mutable_json(), spec, [&](json& leaf) {
          leaf = count;
          return Status();
        });
        if (!status.ok()) return status;
      }
    }
    if (!found) {
      std::string gvks;
      for (const FieldSpec& spec : specs) {
        gvks += (gvks.empty() ? "" : " ") + spec.kind + ".[noVer].[noGrp]";
      }
      return Status::Invalid("resource with name " + name +
                             " does not match a config with the following GVK [" + gvks + "]");
    }
  }
  return Status();
}

}  // namespace converge::sources::kustomize
