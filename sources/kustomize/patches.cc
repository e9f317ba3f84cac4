// Patches: target selectors, kyaml's strategic merge (merge2 over the built-in schema's merge
// keys) and JSON 6902.
#include <regex>

#include "sources/kustomize/internal.h"

namespace converge::sources::kustomize {
namespace {

bool FullMatch(const std::string& pattern, std::string_view text) {
  if (pattern.empty()) return true;
  try {
    return std::regex_match(text.begin(), text.end(), std::regex("^(?:" + pattern + ")$"));
  } catch (const std::regex_error&) {
    return false;
  }
}

std::string StringOf(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool IdSelected(const Selector& selector, const ResId& id) {
  return FullMatch(selector.name, id.name) &&
         FullMatch(selector.ns, id.ns.empty() ? "default" : id.ns);
}

// Kinds of the built-in API, whose lists merge by key. Custom resources merge as JSON merge
// patches: lists are replaced.
bool IsBuiltinGroup(std::string_view group) {
  return group.empty() || group.find('.') == std::string_view::npos || group.ends_with(".k8s.io");
}

// The patch merge key of a built-in list, by field name (k8s.io/api patchMergeKey tags).
std::string MergeKey(const std::string& field, const json& sample) {
  if (field == "containers" || field == "initContainers" || field == "ephemeralContainers" ||
      field == "env" || field == "volumes" || field == "imagePullSecrets") {
    return "name";
  }
  if (field == "ports") {
    return sample.is_object() && sample.contains("containerPort") ? "containerPort" : "port";
  }
  if (field == "volumeMounts") return "mountPath";
  if (field == "volumeDevices") return "devicePath";
  if (field == "hostAliases") return "ip";
  if (field == "topologySpreadConstraints") return "topologyKey";
  if (field == "conditions") return "type";
  if (field == "ownerReferences") return "uid";
  return "";
}

bool IsDirective(const json& node, const char* value) {
  return node.is_object() && node.contains("$patch") && node["$patch"] == value;
}

json WithoutDirectives(json node) {
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end();) {
      if (it.key().starts_with("$")) {
        it = node.erase(it);
      } else {
        *it = WithoutDirectives(std::move(*it));
        ++it;
      }
    }
  }
  return node;
}

class Merger {
 public:
  explicit Merger(bool builtin) : builtin_(builtin) {}

  // Returns nullopt-equivalent (discarded) when the node is deleted by a directive.
  json Merge(const json& dest, const json& patch, const std::string& field) {
    if (patch.is_object()) {
      if (IsDirective(patch, "replace")) return WithoutDirectives(patch);
      json out = dest.is_object() ? dest : json::object();
      for (auto it = patch.begin(); it != patch.end(); ++it) {
        if (it.key().starts_with("$")) continue;
        if (it->is_null()) {
          out.erase(it.key());
          continue;
        }
        auto existing = out.find(it.key());
        json merged = Merge(existing != out.end() ? *existing : json(), *it, it.key());
        out[it.key()] = std::move(merged);
      }
      return out;
    }
    if (patch.is_array() && dest.is_array() && builtin_) {
      std::string key = MergeKey(field, patch.empty() ? json() : patch.front());
      if (!key.empty()) return MergeList(dest, patch, key);
    }
    if (patch.is_array()) {
      json out = json::array();
      for (const json& item : patch) {
        if (!IsDirective(item, "delete")) out.push_back(Merge(json(), item, ""));
      }
      return out;
    }
    return patch;
  }

 private:
  json MergeList(const json& dest, const json& patch, const std::string& key) {
    json out = dest;
    json added = json::array();
    for (const json& item : patch) {
      if (!item.is_object() || !item.contains(key)) continue;
      auto match = std::find_if(out.begin(), out.end(), [&](const json& element) {
        return element.is_object() && element.value(key, json()) == item[key];
      });
      if (IsDirective(item, "delete")) {
        if (match != out.end()) out.erase(match);
        continue;
      }
      if (match != out.end()) {
        *match = Merge(*match, item, "");
      } else {
        added.push_back(Merge(json(), item, ""));
      }
    }
    for (json& element : out) added.push_back(std::move(element));
    return added;
  }

  bool builtin_;
};

}  // namespace

Result<Selector> ParseSelector(const json& target) {
  if (!target.is_object()) return Status::Invalid("target must be a map");
  return Selector{.group = StringOf(target, "group"),
                  .version = StringOf(target, "version"),
                  .kind = StringOf(target, "kind"),
                  .name = StringOf(target, "name"),
                  .ns = StringOf(target, "namespace"),
                  .label_selector = StringOf(target, "labelSelector"),
                  .annotation_selector = StringOf(target, "annotationSelector")};
}

Result<std::vector<Resource*>> Select(ResMap& resources, const Selector& selector) {
  Result<kube::LabelSelector> labels = kube::LabelSelector::Parse(selector.label_selector);
  if (!labels.ok()) return labels.status();
  Result<kube::LabelSelector> annotations =
      kube::LabelSelector::Parse(selector.annotation_selector);
  if (!annotations.ok()) return annotations.status();
  std::vector<Resource*> out;
  for (Resource& resource : resources) {
    ResId id = resource.Id();
    if (!FullMatch(selector.group, id.group) || !FullMatch(selector.version, id.version) ||
        !FullMatch(selector.kind, id.kind)) {
      continue;
    }
    if (!IdSelected(selector, id) && !IdSelected(selector, resource.OriginalId())) continue;
    if (!labels->Matches(resource.object.Labels()) ||
        !annotations->Matches(resource.object.Annotations())) {
      continue;
    }
    out.push_back(&resource);
  }
  return out;
}

Result<json> MergePatch(const json& target, const json& patch, const ResId& id) {
  if (IsDirective(patch, "delete")) return json();
  Merger merger(IsBuiltinGroup(id.group));
  return merger.Merge(target, patch, "");
}

Status ApplyJsonPatch(json& object, const json& operations) {
  try {
    object = object.patch(operations);
  } catch (const nlohmann::json::exception& error) {
    return Status::Invalid(std::string("json patch: ") + error.what());
  }
  return Status();
}

}  // namespace converge::sources::kustomize
