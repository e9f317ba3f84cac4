#pragma once
// apiserver/schema.h (internal): a cursor over the structure of an object's type, for the code
// that merges objects field by field (strategic merge patch, server-side apply). It answers, for
// any position, what kind of node is expected there and, for lists, how they merge:
//   - built-in kinds: the type model plus the patch strategies and list types of k8s.io/api
//     (shared/reference/kubernetes-api.md section 6);
//   - custom resources: the CRD's openAPIV3Schema (x-kubernetes-list-type, -list-map-keys,
//     -map-type);
//   - anything unknown: maps merge, lists are atomic.

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "apiserver/patch_hints.h"
#include "apiserver/resources.h"
#include "apiserver/typemodel.h"

namespace converge::apiserver {

class Schema {
 public:
  static Schema For(const ResourceType& type);
  static Schema Unknown() { return Schema(); }

  bool IsList() const;
  bool IsMap() const;  // a struct or a map
  // "retainKeys" on this struct (DeploymentSpec.strategy).
  bool RetainKeys() const { return retain_keys_; }
  // An atomic map (x-kubernetes-map-type: atomic): owned and replaced as a whole.
  bool AtomicMap() const { return atomic_map_; }
  const ListSemantics& list() const { return list_; }

  Schema Field(const std::string& name) const;
  Schema Element() const;

 private:
  // Built-in: the type at this position and, when it is a field, the struct and field name.
  std::shared_ptr<const typemodel::TypeRef> type_;
  // Custom resource: the schema node.
  std::shared_ptr<const nlohmann::json> root_;  // keeps the CRD schema alive
  const nlohmann::json* node_ = nullptr;
  ListSemantics list_;
  bool retain_keys_ = false;
  bool atomic_map_ = false;
};

}  // namespace converge::apiserver
