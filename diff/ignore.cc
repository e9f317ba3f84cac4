// ignoreDifferences: which rules apply to a resource, and removing what they ignore from both
// sides before the comparison (as Flux does), so ignored fields can neither differ nor print.

#include <algorithm>

#include "diff/rules.h"

namespace converge::diff {
namespace {

using nlohmann::json;

bool AllDigits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

Result<Path> ParsePointer(std::string_view pointer) {
  if (pointer.empty())
    return Status::Invalid("json pointer \"\": the whole object cannot be ignored");
  if (pointer[0] != '/') {
    return Status::Invalid("json pointer \"" + std::string(pointer) + "\": must start with '/'");
  }
  Path path;
  size_t start = 1;
  while (true) {
    size_t end = pointer.find('/', start);
    std::string_view raw = pointer.substr(start, end == std::string_view::npos ? end : end - start);
    PathStep step;
    for (size_t i = 0; i < raw.size(); ++i) {
      if (raw[i] == '~') {
        if (i + 1 >= raw.size() || (raw[i + 1] != '0' && raw[i + 1] != '1')) {
          return Status::Invalid("json pointer \"" + std::string(pointer) +
                                 "\": '~' must be followed by 0 or 1");
        }
        step.key.push_back(raw[i + 1] == '0' ? '~' : '/');
        ++i;
      } else {
        step.key.push_back(raw[i]);
      }
    }
    path.push_back(std::move(step));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return path;
}

// The array index a step denotes, if any.
std::optional<size_t> IndexOf(const PathStep& step) {
  if (step.is_index) return step.index;
  if (AllDigits(step.key) && step.key.size() < 10) return std::stoul(step.key);
  return std::nullopt;
}

// Descending, so that removing an array element never shifts one still to be removed.
bool After(const Path& a, const Path& b) {
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    if (a[i].is_index && b[i].is_index) {
      if (a[i].index != b[i].index) return a[i].index > b[i].index;
    } else if (a[i].key != b[i].key) {
      return a[i].key > b[i].key;
    }
  }
  return a.size() > b.size();
}

bool SamePath(const Path& a, const Path& b) { return !After(a, b) && !After(b, a); }

bool ItemHasKey(const json& item, const json& key) {
  if (!item.is_object() || !key.is_object()) return false;
  for (const auto& [field, value] : key.items()) {
    auto it = item.find(field);
    if (it != item.end()) {
      if (*it != value) return false;
    } else if (!(field == "protocol" && value == "TCP")) {
      return false;
    }
  }
  return true;
}

// Removes from `value` the leaves of a FieldsV1 trie.
void RemoveOwned(json& value, const json& trie) {
  if (!trie.is_object()) return;
  for (const auto& [name, child] : trie.items()) {
    if (name.size() < 2 || name[1] != ':') continue;
    std::string_view rest = std::string_view(name).substr(2);
    bool leaf = child.is_object() && (child.empty() || (child.size() == 1 && child.contains(".")));
    if (name[0] == 'f' && value.is_object()) {
      auto it = value.find(rest);
      if (it == value.end()) continue;
      if (leaf) {
        value.erase(it);
      } else {
        RemoveOwned(*it, child);
      }
    } else if ((name[0] == 'k' || name[0] == 'v') && value.is_array()) {
      json key = json::parse(rest, nullptr, false);
      if (key.is_discarded()) continue;
      for (size_t i = 0; i < value.size(); ++i) {
        bool match = name[0] == 'k' ? ItemHasKey(value[i], key) : value[i] == key;
        if (!match) continue;
        if (leaf) {
          value.erase(i);
        } else {
          RemoveOwned(value[i], child);
        }
        break;
      }
    } else if (name[0] == 'i' && value.is_array() && AllDigits(rest)) {
      size_t index = std::stoul(std::string(rest));
      if (index < value.size()) RemoveOwned(value[index], child);
    }
  }
}

void RemovePaths(json& value, std::vector<Path> paths) {
  std::sort(paths.begin(), paths.end(), After);
  paths.erase(std::unique(paths.begin(), paths.end(), SamePath), paths.end());
  for (const Path& path : paths) RemovePath(value, path);
}

bool Wildcard(const std::string& pattern, std::string_view value) {
  return pattern.empty() || pattern == value;
}

void RestoreFields(json& target, const json& kept, const json& live, bool root);

// Sets `target` (the field `field` of the object being written) to carry what the ignore rules
// removed from `live`, `kept` being live after the removal.
void RestoreValue(json& target, const json& kept, const json& live, std::string_view field) {
  if (live.is_object() && kept.is_object()) {
    if (!target.is_object()) target = json::object();
    RestoreFields(target, kept, live, false);
    return;
  }
  const MergeKey* key = live.is_array() && kept.is_array() ? FindMergeKey(field, live) : nullptr;
  if (key == nullptr) {
    target = live;
    return;
  }
  if (!target.is_array()) target = json::array();
  for (const json& item : live) {
    auto same = [&](const json& other) { return SameItem(*key, item, other); };
    auto before = std::find_if(kept.begin(), kept.end(), same);
    if (before != kept.end() && *before == item) continue;
    auto written = std::find_if(target.begin(), target.end(), same);
    if (written == target.end()) {
      // The source dropped the item: it is kept whole, as live has it.
      target.push_back(item);
    } else if (before == kept.end()) {
      *written = item;
    } else {
      RestoreValue(*written, *before, item, field);
    }
  }
}

void RestoreFields(json& target, const json& kept, const json& live, bool root) {
  for (const auto& [field, value] : live.items()) {
    // status belongs to the object's controller; writing it would make Converge co-own it.
    if (root && field == "status") continue;
    auto before = kept.find(field);
    if (before == kept.end()) {
      target[field] = value;
    } else if (*before != value) {
      RestoreValue(target[field], *before, value, field);
    }
  }
}

}  // namespace

void RemovePath(json& value, const Path& path) {
  json* node = &value;
  for (size_t i = 0; i < path.size(); ++i) {
    const PathStep& step = path[i];
    bool last = i + 1 == path.size();
    if (node->is_object() && !step.is_index) {
      auto it = node->find(step.key);
      if (it == node->end()) return;
      if (last) {
        node->erase(it);
        return;
      }
      node = &*it;
    } else if (node->is_array()) {
      std::optional<size_t> index = IndexOf(step);
      if (!index || *index >= node->size()) return;
      if (last) {
        node->erase(*index);
        return;
      }
      node = &(*node)[*index];
    } else {
      return;
    }
  }
}

bool Differ::CompiledRule::Matches(const kube::ResourceKey& key) const {
  bool group = rule.group == "*" || rule.group == key.group;
  bool kind = rule.kind.empty() || rule.kind == "*" || rule.kind == key.kind;
  return group && kind && Wildcard(rule.name, key.name) && Wildcard(rule.ns, key.ns);
}

void Differ::CompiledRule::Remove(json* desired, json* live) const {
  std::vector<json> owned;
  if (live != nullptr && !rule.managed_fields_managers.empty()) {
    for (const json& entry :
         live->value("metadata", json::object()).value("managedFields", json::array())) {
      std::string_view manager = kube::StringAt(entry, {"manager"});
      bool listed =
          std::find(rule.managed_fields_managers.begin(), rule.managed_fields_managers.end(),
                    manager) != rule.managed_fields_managers.end();
      if (listed && kube::StringAt(entry, {"subresource"}).empty() && entry.contains("fieldsV1")) {
        owned.push_back(entry["fieldsV1"]);
      }
    }
  }
  for (json* side : {desired, live}) {
    if (side == nullptr) continue;
    std::vector<Path> paths = pointers;
    for (const JqProgram& program : programs) {
      std::vector<Path> found = program.Paths(*side);
      paths.insert(paths.end(), std::make_move_iterator(found.begin()),
                   std::make_move_iterator(found.end()));
    }
    for (const json& trie : owned) RemoveOwned(*side, trie);
    RemovePaths(*side, std::move(paths));
  }
}

kube::Object Differ::KeepIgnored(const kube::Object& desired, const kube::Object& live) const {
  json target;
  json kept;
  for (const CompiledRule& rule : rules_) {
    if (!rule.Matches(desired.Key())) continue;
    if (target.is_null()) {
      target = desired.json();
      kept = live.json();
    }
    rule.Remove(&target, &kept);
  }
  if (target.is_null()) return desired;
  RestoreFields(target, kept, live.json(), true);
  return kube::Object(std::move(target), desired.origin());
}

Result<Differ::CompiledRule> CompileRule(const IgnoreRule& rule) {
  Differ::CompiledRule compiled{.rule = rule};
  for (const std::string& pointer : rule.json_pointers) {
    Result<Path> path = ParsePointer(pointer);
    if (!path.ok()) return path.status().Wrap("jsonPointers");
    compiled.pointers.push_back(std::move(*path));
  }
  for (const std::string& expression : rule.jq_path_expressions) {
    Result<JqProgram> program = JqProgram::Parse(expression);
    if (!program.ok()) return program.status().Wrap("jqPathExpressions");
    compiled.programs.push_back(std::move(*program));
  }
  return compiled;
}

}  // namespace converge::diff
