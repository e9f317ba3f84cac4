#include "apiserver/managed_fields.h"

#include <algorithm>
#include <map>

#include "apiserver/api.h"
#include "apiserver/schema.h"
#include "kube/kube.h"

namespace converge::apiserver {
namespace {

using nlohmann::json;

// Fields no manager ever owns.
const std::vector<std::vector<std::string>>& Untracked() {
  static const std::vector<std::vector<std::string>> kUntracked = {
      {"f:apiVersion"},
      {"f:kind"},
      {"f:metadata", "f:name"},
      {"f:metadata", "f:namespace"},
      {"f:metadata", "f:uid"},
      {"f:metadata", "f:resourceVersion"},
      {"f:metadata", "f:generation"},
      {"f:metadata", "f:creationTimestamp"},
      {"f:metadata", "f:managedFields"},
      {"f:metadata", "f:deletionTimestamp"},
      {"f:metadata", "f:deletionGracePeriodSeconds"},
      {"f:metadata", "f:selfLink"},
  };
  return kUntracked;
}

}  // namespace

FieldSet TrackedFields(const ResourceType& type, const json& value,
                       const std::string& subresource) {
  json copy = value;
  if (copy.is_object()) {
    if (subresource == "status") {
      json status_only = json::object();
      if (copy.contains("status")) status_only["status"] = copy["status"];
      copy = std::move(status_only);
    } else if (type.status_subresource) {
      copy.erase("status");
    }
  }
  FieldSet fields = FieldSet::Of(copy, Schema::For(type));
  FieldSet untracked;
  for (const std::vector<std::string>& path : Untracked()) untracked.Insert(path);
  return fields.Difference(untracked);
}

namespace {

bool SameEntry(const ManagedEntry& entry, const std::string& manager, const std::string& operation,
               const std::string& api_version, const std::string& subresource) {
  return entry.manager == manager && entry.operation == operation &&
         entry.api_version == api_version && entry.subresource == subresource;
}

ManagedEntry& EntryFor(std::vector<ManagedEntry>& entries, const std::string& manager,
                       const std::string& operation, const std::string& api_version,
                       const std::string& subresource) {
  for (ManagedEntry& entry : entries) {
    if (SameEntry(entry, manager, operation, api_version, subresource)) return entry;
  }
  entries.push_back({manager, operation, api_version, "", subresource, FieldSet()});
  return entries.back();
}

// Members of `after` whose value differs from `before` (or is new).
FieldSet ChangedFields(const FieldSet& after_fields, const json& before, const json& after) {
  FieldSet changed;
  for (const std::vector<std::string>& path : after_fields.Members()) {
    const json* old_value = Lookup(before, path);
    const json* new_value = Lookup(after, path);
    bool leaf_changed = old_value == nullptr || new_value == nullptr;
    if (!leaf_changed) {
      // List items and maps are compared by presence; leaves by value.
      bool container =
          new_value->is_object() && !new_value->empty() && path.back().rfind("f:", 0) != 0;
      leaf_changed = !container && *old_value != *new_value;
    }
    if (leaf_changed) changed.Insert(path);
  }
  return changed;
}

std::string KeyOf(const json& item, const ListSemantics& list) {
  json key = json::object();
  for (const std::string& name : list.keys) {
    if (item.is_object() && item.contains(name)) {
      key[name] = item[name];
    } else if (name == "protocol") {
      key[name] = "TCP";  // the schema default smd fills in for Kubernetes' port keys
    }
  }
  return kube::EncodeJson(key);
}

// Applies the configuration on top of the live value (smd's merge): maps merge, list-maps
// merge by key, sets union, everything else is replaced. Items of the configuration come
// first, in its order, then live-only items in theirs.
json MergeApplied(const json& live, const json& config, const Schema& schema) {
  if (config.is_object() && live.is_object() && !schema.AtomicMap()) {
    json out = live;
    for (auto it = config.begin(); it != config.end(); ++it) {
      if (it.value().is_null()) {
        out.erase(it.key());
      } else if (out.contains(it.key())) {
        out[it.key()] = MergeApplied(out[it.key()], it.value(), schema.Field(it.key()));
      } else {
        out[it.key()] = it.value();
      }
    }
    return out;
  }
  const ListSemantics& list = schema.list();
  if (!config.is_array() || !live.is_array() || list.kind == ListKind::kAtomic) return config;
  json out = json::array();
  json remaining = live;
  for (const json& item : config) {
    auto match = std::find_if(remaining.begin(), remaining.end(), [&](const json& existing) {
      return list.kind == ListKind::kSet ? existing == item
                                         : KeyOf(existing, list) == KeyOf(item, list);
    });
    if (match == remaining.end()) {
      out.push_back(item);
      continue;
    }
    out.push_back(list.kind == ListKind::kSet ? item
                                              : MergeApplied(*match, item, schema.Element()));
    remaining.erase(match);
  }
  for (json& item : remaining) out.push_back(std::move(item));
  return out;
}

}  // namespace

std::vector<ManagedEntry> ReadManagedFields(const json& object) {
  std::vector<ManagedEntry> entries;
  const json& metadata = object.value("metadata", json::object());
  if (!metadata.contains("managedFields") || !metadata["managedFields"].is_array()) return entries;
  for (const json& item : metadata["managedFields"]) {
    if (!item.is_object() || !item.contains("manager")) continue;
    ManagedEntry entry;
    entry.manager = item.value("manager", "");
    entry.operation = item.value("operation", "Update");
    entry.api_version = item.value("apiVersion", "");
    entry.time = item.value("time", "");
    entry.subresource = item.value("subresource", "");
    entry.fields = FieldSet::FromFieldsV1(item.value("fieldsV1", json::object()));
    entries.push_back(std::move(entry));
  }
  return entries;
}

void WriteManagedFields(json& object, std::vector<ManagedEntry> entries) {
  std::erase_if(entries, [](const ManagedEntry& entry) { return entry.fields.empty(); });
  std::stable_sort(entries.begin(), entries.end(),
                   [](const ManagedEntry& a, const ManagedEntry& b) {
                     if (a.operation != b.operation) return a.operation < b.operation;
                     if (a.time != b.time) return a.time < b.time;
                     return a.manager < b.manager;
                   });
  json list = json::array();
  for (const ManagedEntry& entry : entries) {
    json item = {{"manager", entry.manager},        {"operation", entry.operation},
                 {"apiVersion", entry.api_version}, {"time", entry.time},
                 {"fieldsType", "FieldsV1"},        {"fieldsV1", entry.fields.ToFieldsV1()}};
    if (!entry.subresource.empty()) item["subresource"] = entry.subresource;
    list.push_back(std::move(item));
  }
  if (list.empty()) {
    object["metadata"].erase("managedFields");
  } else {
    object["metadata"]["managedFields"] = std::move(list);
  }
}

void RecordUpdate(const ResourceType& type, const json* old, json& updated,
                  const std::string& manager, const std::string& subresource) {
  std::vector<ManagedEntry> entries =
      old != nullptr ? ReadManagedFields(*old) : std::vector<ManagedEntry>{};
  const json& given = updated["metadata"].value("managedFields", json());
  if (given.is_array() &&
      (old == nullptr || given != (*old)["metadata"].value("managedFields", json()))) {
    entries = ReadManagedFields(updated);
  }
  json before = old != nullptr ? *old : json::object();
  FieldSet after_fields = TrackedFields(type, updated, subresource);
  FieldSet changed = ChangedFields(after_fields, before, updated);
  // Fields that disappeared leave every manager's set.
  FieldSet removed = TrackedFields(type, before, subresource).Difference(after_fields);
  for (ManagedEntry& entry : entries) {
    entry.fields = entry.fields.Difference(removed);
    if (!SameEntry(entry, manager, "Update", type.GroupVersion(), subresource)) {
      entry.fields = entry.fields.Difference(changed);
    }
  }
  if (!changed.empty()) {
    ManagedEntry& mine = EntryFor(entries, manager, "Update", type.GroupVersion(), subresource);
    mine.fields = mine.fields.Union(changed);
    mine.time = NowRfc3339();
  }
  WriteManagedFields(updated, std::move(entries));
}

ApiResult<json> ServerSideApply(const ResourceType& type, const json* live, const json& config,
                                const ApplyRequest& request) {
  Schema schema = Schema::For(type);
  std::vector<ManagedEntry> entries =
      live != nullptr ? ReadManagedFields(*live) : std::vector<ManagedEntry>{};
  json base = live != nullptr ? *live : json::object();
  FieldSet applied = TrackedFields(type, config, request.subresource);
  FieldSet previous;
  for (const ManagedEntry& entry : entries) {
    if (SameEntry(entry, request.manager, "Apply", type.GroupVersion(), request.subresource)) {
      previous = entry.fields;
    }
  }
  json merged = MergeApplied(base, config, schema);

  // Conflicts: fields the configuration changes that another manager owns.
  std::vector<Cause> conflicts;
  FieldSet contested;
  std::map<std::string, std::vector<std::string>> by_manager;
  for (const std::vector<std::string>& path : applied.Members()) {
    // A list item's own membership is its existence, never a value that can conflict.
    if (path.back().rfind("k:", 0) == 0) continue;
    const json* before = Lookup(base, path);
    const json* after = Lookup(merged, path);
    if (before != nullptr && after != nullptr && *before == *after) continue;
    if (before == nullptr) continue;  // a new field cannot be owned by anyone yet
    for (const ManagedEntry& entry : entries) {
      if (SameEntry(entry, request.manager, "Apply", type.GroupVersion(), request.subresource))
        continue;
      if (!entry.fields.Contains(path)) continue;
      std::string who = "\"" + entry.manager + "\"";
      if (!entry.subresource.empty()) who += " with subresource \"" + entry.subresource + "\"";
      if (entry.operation == "Update") who += " using " + entry.api_version;
      conflicts.push_back(
          {"FieldManagerConflict", "conflict with " + who, FieldSet::PathString(path)});
      contested.Insert(path);
      by_manager[who].push_back(FieldSet::PathString(path));
    }
  }
  if (!conflicts.empty() && !request.force) {
    std::string message;
    if (conflicts.size() == 1) {
      message = "Apply failed with 1 conflict: " + conflicts[0].message + ": " + conflicts[0].field;
    } else {
      std::string lines;
      for (const auto& [who, paths] : by_manager) {
        lines += (lines.empty() ? "" : "\n") + std::string("conflicts with ") + who + ":";
        for (const std::string& path : paths) lines += "\n- " + path;
      }
      message = "Apply failed with " + std::to_string(conflicts.size()) + " conflicts: " + lines;
    }
    ApiError error;
    error.code = 409;
    error.reason = "Conflict";
    error.message = message;
    error.causes = std::move(conflicts);
    return error;
  }

  // Prune what this manager applied before and no longer does, unless someone else owns it.
  FieldSet dropped = previous.Difference(applied);
  for (const std::vector<std::string>& path : dropped.Members()) {
    bool owned_elsewhere = false;
    for (const ManagedEntry& entry : entries) {
      if (SameEntry(entry, request.manager, "Apply", type.GroupVersion(), request.subresource))
        continue;
      owned_elsewhere = owned_elsewhere || entry.fields.ContainsPrefix(path);
    }
    if (owned_elsewhere || applied.ContainsPrefix(path)) continue;
    Remove(merged, path);
    // A map or list that only held what was pruned goes too, unless it is somebody's field.
    std::vector<std::string> parent(path.begin(), path.end() - 1);
    while (!parent.empty()) {
      const json* node = Lookup(merged, parent);
      if (node == nullptr || !node->empty() || !(node->is_object() || node->is_array())) break;
      bool owned = applied.Contains(parent);
      for (const ManagedEntry& entry : entries) owned = owned || entry.fields.Contains(parent);
      if (owned) break;
      Remove(merged, parent);
      parent.pop_back();
    }
  }

  // Forcing takes the contested fields away from their other owners; fields applied with the
  // value they already had stay shared.
  for (ManagedEntry& entry : entries) {
    if (!SameEntry(entry, request.manager, "Apply", type.GroupVersion(), request.subresource)) {
      entry.fields = entry.fields.Difference(contested);
    }
  }
  ManagedEntry& mine =
      EntryFor(entries, request.manager, "Apply", type.GroupVersion(), request.subresource);
  bool ownership_changed = mine.fields.ToFieldsV1() != applied.ToFieldsV1() || !contested.empty();
  mine.fields = applied;
  if (ownership_changed || merged != base) mine.time = NowRfc3339();
  // Fields that are gone from the object leave every set.
  FieldSet present = TrackedFields(type, merged, request.subresource);
  for (ManagedEntry& entry : entries) entry.fields = entry.fields.Intersection(present);
  WriteManagedFields(merged, std::move(entries));
  return merged;
}

std::string DefaultManager(const std::string& user_agent) {
  std::string manager = user_agent.substr(0, user_agent.find('/'));
  return manager.empty() ? "unknown" : manager;
}

}  // namespace converge::apiserver
