#include "apiserver/strategic_merge.h"

#include <algorithm>

namespace converge::apiserver {
namespace {

using nlohmann::json;

constexpr std::string_view kPatch = "$patch";
constexpr std::string_view kRetainKeys = "$retainKeys";
constexpr std::string_view kSetElementOrder = "$setElementOrder/";
constexpr std::string_view kDeleteFromPrimitiveList = "$deleteFromPrimitiveList/";

Status Bad(const std::string& message) { return Status::Invalid(message); }

Result<json> MergeMap(json original, json patch, const Schema& schema);
Result<json> MergeValue(const json& original, const json& patch, const Schema& schema);

// Where `item` sits in `order` (by merge key for maps), or -1.
ptrdiff_t IndexOf(const json& order, const json& item, const std::string& key) {
  for (size_t i = 0; i < order.size(); ++i) {
    if (key.empty() ? order[i] == item
                    : order[i].is_object() && item.is_object() && order[i].contains(key) &&
                          item.contains(key) && order[i][key] == item[key]) {
      return static_cast<ptrdiff_t>(i);
    }
  }
  return -1;
}

// normalizeSliceOrder: items found in `order` sorted by it, the others after, in place.
json SortByOrder(const json& items, const json& order, const std::string& key) {
  std::vector<json> present;
  std::vector<json> absent;
  for (const json& item : items) {
    (IndexOf(order, item, key) >= 0 ? present : absent).push_back(item);
  }
  std::stable_sort(present.begin(), present.end(), [&](const json& a, const json& b) {
    return IndexOf(order, a, key) < IndexOf(order, b, key);
  });
  json out = json::array();
  for (json& item : present) out.push_back(std::move(item));
  for (json& item : absent) out.push_back(std::move(item));
  return out;
}

// mergeSortedSlice: interleaves server-only items (by their place in the original list) with
// the patch's items.
json MergeSorted(const json& server_only, const json& patched, const json& original,
                 const std::string& key) {
  json out = json::array();
  size_t i = 0;
  size_t j = 0;
  while (i < server_only.size() || j < patched.size()) {
    if (i >= server_only.size()) {
      out.push_back(patched[j++]);
    } else if (j >= patched.size()) {
      out.push_back(server_only[i++]);
    } else {
      ptrdiff_t left = IndexOf(original, server_only[i], key);
      ptrdiff_t right = IndexOf(original, patched[j], key);
      if (left >= 0 && right >= 0 && left < right) {
        out.push_back(server_only[i++]);
      } else {
        out.push_back(patched[j++]);
      }
    }
  }
  return out;
}

Result<json> MergeList(json original, const json& patch, const Schema& schema, bool delete_list,
                       const json* element_order) {
  const ListSemantics& list = schema.list();
  if (!list.smp_merge) return patch;  // replace
  if (original.empty() && patch.empty()) return original;
  bool maps =
      std::any_of(original.begin(), original.end(), [](const json& v) { return v.is_object(); }) ||
      std::any_of(patch.begin(), patch.end(), [](const json& v) { return v.is_object(); });
  const std::string key = maps ? list.smp_key : "";
  json merged;
  json patch_items = patch;
  if (!maps) {
    if (delete_list) {
      json kept = json::array();
      for (const json& item : original) {
        if (std::find(patch.begin(), patch.end(), item) == patch.end()) kept.push_back(item);
      }
      return kept;
    }
    merged = json::array();
    for (const json* part : {static_cast<const json*>(&original), &patch}) {
      for (const json& item : *part) {
        if (std::find(merged.begin(), merged.end(), item) == merged.end()) merged.push_back(item);
      }
    }
  } else {
    if (key.empty()) return Bad("cannot merge lists without merge key");
    json plain = json::array();
    bool replace = false;
    for (const json& item : patch) {
      if (!item.is_object()) return Bad("a list item of a merge list must be an object");
      auto directive = item.find(kPatch);
      if (directive == item.end()) {
        plain.push_back(item);
      } else if (*directive == "delete") {
        if (!item.contains(key))
          return Bad("map: " + item.dump() + " does not contain declared merge key: " + key);
        json kept = json::array();
        for (const json& existing : original) {
          if (!(existing.is_object() && existing.contains(key) && existing[key] == item[key])) {
            kept.push_back(existing);
          }
        }
        original = std::move(kept);
      } else if (*directive == "replace") {
        replace = true;
      } else if (*directive == "merge") {
        return Bad("merging lists cannot yet be specified in the patch");
      } else {
        return Bad("unknown patch type: " + directive->dump() + " in map: " + item.dump());
      }
    }
    if (replace) return plain;
    patch_items = plain;
    merged = original;
    for (const json& item : plain) {
      if (!item.contains(key)) {
        return Bad("map: " + item.dump() + " does not contain declared merge key: " + key);
      }
      ptrdiff_t at = IndexOf(merged, item, key);
      if (at >= 0) {
        Result<json> one = MergeMap(merged[static_cast<size_t>(at)], item, schema.Element());
        if (!one.ok()) return one.status();
        merged[static_cast<size_t>(at)] = std::move(*one);
      } else {
        Result<json> fresh = MergeValue(nullptr, item, schema.Element());
        if (!fresh.ok()) return fresh.status();
        merged.push_back(std::move(*fresh));
      }
    }
  }
  // Patch items in patch order, server-only items where they were.
  json in_patch = json::array();
  json server_only = json::array();
  for (const json& item : merged) {
    (IndexOf(patch_items, item, key) >= 0 ? in_patch : server_only).push_back(item);
  }
  json ordered = MergeSorted(SortByOrder(server_only, original, key),
                             SortByOrder(in_patch, patch_items, key), original, key);
  if (element_order != nullptr) ordered = SortByOrder(ordered, *element_order, key);
  return ordered;
}

// A value where the original has nothing (or something of another type): directives are
// processed against an empty original.
Result<json> MergeValue(const json& original, const json& patch, const Schema& schema) {
  if (patch.is_object()) {
    return MergeMap(original.is_object() ? original : json::object(), patch, schema);
  }
  if (patch.is_array()) return MergeList(json::array(), patch, schema, false, nullptr);
  return patch;
}

Result<json> MergeMap(json original, json patch, const Schema& schema) {
  if (auto directive = patch.find(kPatch); directive != patch.end()) {
    if (*directive == "replace") {
      patch.erase(std::string(kPatch));
      return patch;
    }
    if (*directive == "delete") return json::object();
    return Bad("unknown patch type: " + directive->dump() + " in map: " + patch.dump());
  }
  if (!original.is_object()) original = json::object();
  if (auto retain = patch.find(kRetainKeys); retain != patch.end()) {
    if (!retain->is_array()) return Bad("$retainKeys must be a list");
    json keep = *retain;
    patch.erase(std::string(kRetainKeys));
    for (auto it = original.begin(); it != original.end();) {
      bool kept = std::find(keep.begin(), keep.end(), it.key()) != keep.end();
      it = kept ? std::next(it) : original.erase(it);
    }
  }
  // $setElementOrder/<field>: remembered for the field's list merge below.
  json orders = json::object();
  for (auto it = patch.begin(); it != patch.end();) {
    if (it.key().rfind(kSetElementOrder, 0) == 0) {
      orders[it.key().substr(kSetElementOrder.size())] = it.value();
      it = patch.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    std::string key = it.key();
    const json& value = it.value();
    bool delete_list = false;
    if (key.rfind(kDeleteFromPrimitiveList, 0) == 0) {
      key = key.substr(kDeleteFromPrimitiveList.size());
      delete_list = true;
      if (!original.contains(key)) continue;
    }
    Schema field = schema.Field(key);
    if (value.is_null()) {
      original.erase(key);
      continue;
    }
    auto existing = original.find(key);
    const json* order = orders.contains(key) ? &orders[key] : nullptr;
    if (existing == original.end() || existing->type() != value.type()) {
      if (delete_list) continue;
      Result<json> fresh = value.is_array() ? MergeList(json::array(), value, field, false, order)
                                            : MergeValue(nullptr, value, field);
      if (!fresh.ok()) return fresh.status();
      original[key] = std::move(*fresh);
      continue;
    }
    if (value.is_object()) {
      Result<json> merged = MergeMap(*existing, value, field);
      if (!merged.ok()) return merged.status();
      original[key] = std::move(*merged);
    } else if (value.is_array()) {
      Result<json> merged = MergeList(*existing, value, field, delete_list, order);
      if (!merged.ok()) return merged.status();
      original[key] = std::move(*merged);
    } else {
      original[key] = value;
    }
  }
  // A $setElementOrder without a patch for its list still reorders the live list.
  for (auto it = orders.begin(); it != orders.end(); ++it) {
    if (patch.contains(it.key()) || !original.contains(it.key()) ||
        !original[it.key()].is_array()) {
      continue;
    }
    const json& items = original[it.key()];
    bool maps = !items.empty() && items[0].is_object();
    original[it.key()] =
        SortByOrder(items, it.value(), maps ? schema.Field(it.key()).list().smp_key : "");
  }
  return original;
}

}  // namespace

Result<json> StrategicMergePatch(const json& original, const json& patch, const Schema& schema) {
  if (!patch.is_object()) return Bad("a strategic merge patch must be a JSON object");
  return MergeMap(original, patch, schema);
}

}  // namespace converge::apiserver
