#pragma once
// apiserver/fieldset.h (internal): sets of field paths as server-side apply tracks them, and
// their FieldsV1 form (structured-merge-diff's trie: "f:<field>", "k:<key json>", "v:<value
// json>", "i:<index>", with "." marking a node that is itself a member).

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apiserver/schema.h"

namespace converge::apiserver {

class FieldSet {
 public:
  static FieldSet FromFieldsV1(const nlohmann::json& fields);
  nlohmann::json ToFieldsV1() const;

  // The fields `value` sets, under the list semantics of `schema`: leaves, empty maps, atomic
  // lists and maps, set values, and list-map items (members themselves, with ".").
  static FieldSet Of(const nlohmann::json& value, const Schema& schema);

  bool empty() const { return !self_ && children_.empty(); }
  FieldSet Union(const FieldSet& other) const;
  FieldSet Difference(const FieldSet& other) const;
  FieldSet Intersection(const FieldSet& other) const;

  // Member paths, each as its elements ("f:spec", "f:replicas").
  std::vector<std::vector<std::string>> Members() const;
  bool Contains(const std::vector<std::string>& path) const;
  // True when any member lies at or below `path`.
  bool ContainsPrefix(const std::vector<std::string>& path) const;

  void Insert(const std::vector<std::string>& path);

  // ".spec.template.spec.containers[name=\"c\"].image", as conflicts print paths.
  static std::string PathString(const std::vector<std::string>& path);

 private:
  bool self_ = false;
  std::map<std::string, FieldSet> children_;
};

// The JSON node at `path` in `value`, or nullptr. List items are found by key or value.
const nlohmann::json* Lookup(const nlohmann::json& value, const std::vector<std::string>& path);
// Removes what `path` names from `value` (a field, a list item, a set value).
void Remove(nlohmann::json& value, const std::vector<std::string>& path);

}  // namespace converge::apiserver
