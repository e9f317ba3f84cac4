// replacements: copy a field of one object (or a literal) into fields of others.
#include <regex>

#include "sources/kustomize/internal.h"

namespace converge::sources::kustomize {
namespace {

// Splits "a.b.[k=v.x].c" at dots outside brackets; "a[k=v]" becomes "a", "[k=v]".
std::vector<std::string> SplitFieldPath(std::string_view path) {
  std::vector<std::string> steps;
  std::string current;
  int depth = 0;
  auto flush = [&] {
    if (!current.empty()) steps.push_back(std::move(current));
    current.clear();
  };
  for (char c : path) {
    if (c == '[' && depth == 0) {
      flush();
      ++depth;
      current.push_back(c);
    } else if (c == ']' && depth > 0) {
      --depth;
      current.push_back(c);
      if (depth == 0) flush();
    } else if (c == '.' && depth == 0) {
      flush();
    } else {
      current.push_back(c);
    }
  }
  flush();
  return steps;
}

bool IsIndex(const std::string& step) {
  return !step.empty() &&
         std::all_of(step.begin(), step.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool ElementMatches(const json& element, const std::string& key, const std::string& value,
                    bool regex) {
  if (!element.is_object() || !element.contains(key) || !element[key].is_primitive()) return false;
  std::string text =
      element[key].is_string() ? element[key].get<std::string>() : element[key].dump();
  if (!regex) return text == value;
  try {
    return std::regex_search(text, std::regex(value));
  } catch (const std::regex_error&) {
    return false;
  }
}

// Visits the nodes `steps` reach; in targets [k=v] is an unanchored regex and `create` adds
// missing map keys, [k=v] elements and an index equal to the list length.
Status Walk(json& node, std::span<const std::string> steps, bool create, bool target,
            const std::function<Status(json&)>& apply, bool& found) {
  if (steps.empty()) {
    found = true;
    return apply(node);
  }
  const std::string& step = steps.front();
  if (step.starts_with('[') && step.ends_with(']')) {
    std::string inner = step.substr(1, step.size() - 2);
    size_t eq = inner.find('=');
    if (eq == std::string::npos) {
      std::vector<std::string> rest(steps.begin() + 1, steps.end());
      rest.insert(rest.begin(), inner);
      return Walk(node, rest, create, target, apply, found);
    }
    if (!node.is_array()) return Status();
    std::string key = inner.substr(0, eq);
    std::string value = inner.substr(eq + 1);
    bool any = false;
    for (json& element : node) {
      if (!ElementMatches(element, key, value, target)) continue;
      any = true;
      if (Status s = Walk(element, steps.subspan(1), create, target, apply, found); !s.ok()) {
        return s;
      }
    }
    if (!any && create) {
      node.push_back(json{{key, value}});
      return Walk(node.back(), steps.subspan(1), create, target, apply, found);
    }
    return Status();
  }
  if (step == "*" && node.is_array()) {
    for (json& element : node) {
      if (Status s = Walk(element, steps.subspan(1), create, target, apply, found); !s.ok()) {
        return s;
      }
    }
    return Status();
  }
  if (node.is_array() && IsIndex(step)) {
    size_t index = std::stoul(step);
    if (index == node.size() && create) node.push_back(json());
    if (index >= node.size()) return Status();
    return Walk(node[index], steps.subspan(1), create, target, apply, found);
  }
  if (node.is_null() && create) node = json::object();
  if (!node.is_object()) return Status();
  auto it = node.find(step);
  if (it == node.end()) {
    if (!create) return Status();
    node[step] = steps.size() == 1 ? json() : json::object();
    it = node.find(step);
  }
  return Walk(*it, steps.subspan(1), create, target, apply, found);
}

std::vector<std::string> Split(const std::string& text, const std::string& delimiter) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t at = text.find(delimiter, start);
    if (at == std::string::npos || delimiter.empty()) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, at - start));
    start = at + delimiter.size();
  }
}

std::string StringOf(const json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool IdFieldsMatch(const json& selector, const ResId& id) {
  auto field = [&](const char* key, const std::string& value) {
    std::string wanted = StringOf(selector, key);
    return wanted.empty() || wanted == value;
  };
  return field("group", id.group) && field("version", id.version) && field("kind", id.kind) &&
         field("name", id.name) && field("namespace", id.ns);
}

bool HasIdFields(const json& selector) {
  for (const char* key : {"group", "version", "kind", "name", "namespace"}) {
    if (!StringOf(selector, key).empty()) return true;
  }
  return false;
}

Result<bool> SelectorMatches(const json& selector, const Resource& resource, bool ids) {
  if (ids) {
    bool hit = IdFieldsMatch(selector, resource.Id());
    for (const ResId& previous : resource.previous) hit = hit || IdFieldsMatch(selector, previous);
    if (!hit) return false;
  }
  Result<kube::LabelSelector> labels =
      kube::LabelSelector::Parse(StringOf(selector, "labelSelector"));
  if (!labels.ok()) return labels.status();
  Result<kube::LabelSelector> annotations =
      kube::LabelSelector::Parse(StringOf(selector, "annotationSelector"));
  if (!annotations.ok()) return annotations.status();
  return labels->Matches(resource.object.Labels()) &&
         annotations->Matches(resource.object.Annotations());
}

// A selector as kustomize prints it: "ConfigMap.[noVer].[noGrp]/name.[noNs]".
std::string SelectorString(const json& selector) {
  auto part = [&](const char* key, const char* none) {
    std::string value = StringOf(selector, key);
    return value.empty() ? std::string(none) : value;
  };
  return part("kind", "[noKind]") + "." + part("version", "[noVer]") + "." +
         part("group", "[noGrp]") + "/" + part("name", "[noName]") + "." +
         part("namespace", "[noNs]");
}

Result<json> SourceValue(ResMap& resources, const json& replacement) {
  if (replacement.contains("sourceValue")) return replacement["sourceValue"];
  json source = replacement.value("source", json::object());
  std::vector<Resource*> hits;
  for (Resource& resource : resources) {
    Result<bool> hit = SelectorMatches(source, resource, true);
    if (!hit.ok()) return hit.status();
    if (*hit) hits.push_back(&resource);
  }
  std::string described = SelectorString(source);
  if (hits.size() > 1) return Status::Invalid("multiple matches for selector " + described);
  if (hits.empty()) return Status::Invalid("nothing selected by " + described);
  std::string path = source.value("fieldPath", "metadata.name");
  std::vector<std::string> steps = SplitFieldPath(path);
  json copy = hits.front()->object.json();
  json value;
  bool found = false;
  Status status = Walk(
      copy, steps, false, false,
      [&](json& node) {
        value = node;
        return Status();
      },
      found);
  if (!status.ok()) return status;
  if (!found) {
    return Status::Invalid("fieldPath `" + path + "` is missing for replacement source " +
                           described);
  }
  json options = source.value("options", json::object());
  if (options.contains("delimiter") && value.is_string()) {
    std::vector<std::string> parts =
        Split(value.get<std::string>(), StringOf(options, "delimiter"));
    int index = options.value("index", 0);
    if (index < 0 || index >= static_cast<int>(parts.size())) {
      return Status::Invalid("options.index " + std::to_string(index) +
                             " is out of bounds for value " + value.get<std::string>());
    }
    value = parts[static_cast<size_t>(index)];
  }
  return value;
}

void SetTarget(json& node, const json& value, bool literal, const json& options) {
  if (options.contains("delimiter") && node.is_string() && value.is_primitive()) {
    std::string delimiter = StringOf(options, "delimiter");
    std::vector<std::string> parts = Split(node.get<std::string>(), delimiter);
    int index = options.value("index", 0);
    std::string text = value.is_string() ? value.get<std::string>() : value.dump();
    if (index < 0) {
      parts.insert(parts.begin(), text);
    } else if (index >= static_cast<int>(parts.size())) {
      parts.push_back(text);
    } else {
      parts[static_cast<size_t>(index)] = text;
    }
    std::string joined;
    for (size_t i = 0; i < parts.size(); ++i) joined += (i > 0 ? delimiter : "") + parts[i];
    node = joined;
    return;
  }
  if (literal && value.is_string() && !node.is_string()) {
    // A sourceValue becomes an untagged node, which reads back as YAML: "443" is a number.
    std::string text = value.get<std::string>();
    Result<std::vector<kube::Document>> parsed =
        kube::DecodeStream(text, "replacement", kube::DecodeOptions{.yaml_1_2 = true});
    node = parsed.ok() && parsed->size() == 1 && parsed->front().value.is_primitive()
               ? parsed->front().value
               : json(text);
    return;
  }
  node = value;
}

Status ApplyOne(ResMap& resources, const json& replacement) {
  Result<json> value = SourceValue(resources, replacement);
  bool literal = replacement.contains("sourceValue");
  if (!value.ok()) return value.status();
  for (const json& target : replacement.value("targets", json::array())) {
    json select = target.value("select", json::object());
    json rejects = target.value("reject", json::array());
    json options = target.value("options", json::object());
    bool create = options.value("create", false);
    for (Resource& resource : resources) {
      Result<bool> selected = SelectorMatches(select, resource, true);
      if (!selected.ok()) return selected.status();
      if (!*selected) continue;
      bool rejected = false;
      for (const json& reject : rejects) {
        Result<bool> hit = SelectorMatches(reject, resource, HasIdFields(reject));
        if (!hit.ok()) return hit.status();
        rejected = rejected || *hit;
      }
      if (rejected) continue;
      for (const json& path : target.value("fieldPaths", json::array())) {
        std::string text = path.is_string() ? path.get<std::string>() : "";
        bool found = false;
        Status status = Walk(
            resource.object.mutable_json(), SplitFieldPath(text), create, true,
            [&](json& node) {
              SetTarget(node, *value, literal, options);
              return Status();
            },
            found);
        if (!status.ok()) return status;
        if (!found) {
          return Status::Invalid("unable to find field \"" + text + "\" in replacement target");
        }
      }
    }
  }
  return Status();
}

}  // namespace

Status ApplyReplacements(ResMap& resources, const json& replacements) {
  if (!replacements.is_array()) return Status();
  for (const json& replacement : replacements) {
    if (Status s = ApplyOne(resources, replacement); !s.ok()) return s;
  }
  return Status();
}

}  // namespace converge::sources::kustomize
