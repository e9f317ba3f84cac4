#pragma once
// apiserver/patch_hints.h (internal): how the lists and some structs of the built-in API merge,
// from the patchStrategy, patchMergeKey and listType tags of k8s.io/api
// (shared/reference/kubernetes-api.md section 6). Strategic merge patch, server-side apply and
// the OpenAPI documents (which kubectl reads to compute client-side apply patches) share it.

#include <string>
#include <vector>

namespace converge::apiserver {

enum class ListKind { kAtomic, kSet, kMap };

struct ListSemantics {
  // Server-side apply.
  ListKind kind = ListKind::kAtomic;
  std::vector<std::string> keys;  // kMap
  // Strategic merge patch: patchStrategy "merge" (by smp_key, or a union for primitives).
  bool smp_merge = false;
  std::string smp_key;
  // patchStrategy "retainKeys" on the items (PodSpec.volumes).
  bool retain_keys = false;
};

struct PatchHint {
  ListSemantics list;
  bool retain_keys_struct = false;  // the field is a struct with patchStrategy retainKeys
};

// The hint for field `field` of model class `owner` ("V1PodSpec", "containers"), or nullptr for
// an atomic list or a plain struct.
const PatchHint* FindPatchHint(const std::string& owner, const std::string& field);

}  // namespace converge::apiserver
