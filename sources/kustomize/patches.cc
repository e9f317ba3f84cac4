// Patches: target selectors, kyaml's strategic merge (merge2 over the built-in schema's merge
// keys) and JSON 6902.
#include <algorithm>
#include <optional>
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

// RFC 6901: "/a/b~1c" -> {"a", "b/c"}.
std::vector<std::string> PointerTokens(const std::string& pointer) {
  std::vector<std::string> tokens;
  size_t start = 1;
  while (start <= pointer.size() && !pointer.empty()) {
    size_t slash = pointer.find('/', start);
    if (slash == std::string::npos) slash = pointer.size();
    std::string token = pointer.substr(start, slash - start);
    for (size_t at = token.find("~1"); at != std::string::npos; at = token.find("~1", at + 1)) {
      token.replace(at, 2, "/");
    }
    for (size_t at = token.find("~0"); at != std::string::npos; at = token.find("~0", at + 1)) {
      token.replace(at, 2, "~");
    }
    tokens.push_back(std::move(token));
    start = slash + 1;
  }
  return tokens;
}

std::optional<size_t> ArrayIndex(const std::string& token) {
  if (token.empty() || token.size() > 9 ||
      !std::all_of(token.begin(), token.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return static_cast<size_t>(std::stoul(token));
}

// The container holding the last token of `tokens`, or nullptr.
json* Parent(json& root, const std::vector<std::string>& tokens) {
  json* node = &root;
  for (size_t i = 0; i + 1 < tokens.size(); ++i) {
    if (node->is_object()) {
      auto it = node->find(tokens[i]);
      if (it == node->end()) return nullptr;
      node = &*it;
    } else if (node->is_array()) {
      std::optional<size_t> index = ArrayIndex(tokens[i]);
      if (!index || *index >= node->size()) return nullptr;
      node = &(*node)[*index];
    } else {
      return nullptr;
    }
  }
  return node;
}

json* Find(json& root, const std::vector<std::string>& tokens) {
  if (tokens.empty()) return &root;
  json* parent = Parent(root, tokens);
  if (parent == nullptr) return nullptr;
  if (parent->is_object()) {
    auto it = parent->find(tokens.back());
    return it == parent->end() ? nullptr : &*it;
  }
  if (parent->is_array()) {
    std::optional<size_t> index = ArrayIndex(tokens.back());
    return index && *index < parent->size() ? &(*parent)[*index] : nullptr;
  }
  return nullptr;
}

Status Add(json& root, const std::string& path, json value) {
  std::vector<std::string> tokens = PointerTokens(path);
  if (tokens.empty()) {
    root = std::move(value);
    return Status();
  }
  json* parent = Parent(root, tokens);
  std::string missing =
      "add operation does not apply: doc is missing path: \"" + path + "\": missing value";
  if (parent == nullptr) return Status::Invalid(missing);
  if (parent->is_object()) {
    (*parent)[tokens.back()] = std::move(value);
    return Status();
  }
  if (!parent->is_array()) return Status::Invalid(missing);
  if (tokens.back() == "-") {
    parent->push_back(std::move(value));
    return Status();
  }
  std::optional<size_t> index = ArrayIndex(tokens.back());
  if (!index || *index > parent->size()) {
    return Status::Invalid("Unable to access invalid index: " + tokens.back() +
                           ": invalid index referenced");
  }
  parent->insert(parent->begin() + static_cast<long>(*index), std::move(value));
  return Status();
}

Result<json> Remove(json& root, const std::string& path, const char* op) {
  std::vector<std::string> tokens = PointerTokens(path);
  json* parent = tokens.empty() ? nullptr : Parent(root, tokens);
  std::string missing = std::string(op) + " operation does not apply: doc is missing path: \"" +
                        path + "\": missing value";
  if (parent == nullptr) return Status::Invalid(missing);
  if (parent->is_object()) {
    auto it = parent->find(tokens.back());
    if (it == parent->end()) {
      return Status::Invalid("error in " + std::string(op) + " for path: '" + path +
                             "': Unable to remove nonexistent key: " + tokens.back() +
                             ": missing value");
    }
    json removed = std::move(*it);
    parent->erase(it);
    return removed;
  }
  std::optional<size_t> index = ArrayIndex(tokens.back());
  if (!parent->is_array() || !index || *index >= parent->size()) return Status::Invalid(missing);
  json removed = std::move((*parent)[*index]);
  parent->erase(parent->begin() + static_cast<long>(*index));
  return removed;
}

Status ApplyOperation(json& object, const json& operation) {
  std::string op = StringOf(operation, "op");
  std::string path = StringOf(operation, "path");
  std::string from = StringOf(operation, "from");
  json value = operation.value("value", json());
  if (op == "add") return Add(object, path, std::move(value));
  if (op == "remove") return Remove(object, path, "remove").status();
  if (op == "replace") {
    json* target = Find(object, PointerTokens(path));
    if (target == nullptr) {
      return Status::Invalid("replace operation does not apply: doc is missing key: " + path +
                             ": missing value");
    }
    *target = std::move(value);
    return Status();
  }
  if (op == "move") {
    Result<json> moved = Remove(object, from, "move");
    if (!moved.ok()) return moved.status();
    return Add(object, path, std::move(*moved));
  }
  if (op == "copy") {
    json* source = Find(object, PointerTokens(from));
    if (source == nullptr) {
      return Status::Invalid("copy operation does not apply: doc is missing from path: \"" + from +
                             "\": missing value");
    }
    return Add(object, path, *source);
  }
  if (op == "test") {
    json* target = Find(object, PointerTokens(path));
    if (target == nullptr || *target != value) {
      return Status::Invalid("testing value " + path + " failed: test failed");
    }
    return Status();
  }
  return Status::Invalid("Unexpected kind: " + op);
}

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
  if (!operations.is_array()) return Status::Invalid("a JSON patch must be a list of operations");
  for (const json& operation : operations) {
    if (Status s = ApplyOperation(object, operation); !s.ok()) return s;
  }
  return Status();
}

}  // namespace converge::sources::kustomize
