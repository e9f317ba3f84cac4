#pragma once
// diff/internal.h: what the files of diff/ share. Not part of the public interface.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "diff/diff.h"
#include "kube/kube.h"

namespace converge::diff {

// --- normalize.cc ---

// Values the API server drops when they are the Go zero value (omitempty): null, "", false,
// 0, and maps or lists holding nothing else.
bool IsZero(const nlohmann::json& value);

// Whether a map under this key holds resource quantities (resources.limits, quota hard...).
bool HoldsQuantities(std::string_view key);
// Whether this key's value itself is a quantity.
bool IsQuantityField(std::string_view key);

// Scalars equal as the API server stores them: 1 == 1.0, and for quantities 0.5 == "500m"
// (kube::CanonicalQuantity, so 1073741824 and "1Gi" differ as they do once stored).
bool ScalarEqual(const nlohmann::json& desired, const nlohmann::json& live, bool quantity);

// How the items of a list are identified (server-side apply's list-map keys, falling back to
// strategic merge keys), for the list under `field` whose items are objects; null for lists
// replaced as a whole.
struct MergeKey {
  std::string_view first;
  std::string_view second;          // "" when the key has one field
  std::string_view second_default;  // the server's default for `second` (ports' "TCP")
};
const MergeKey* FindMergeKey(std::string_view field, const nlohmann::json& list);
bool SameItem(const MergeKey& key, const nlohmann::json& a, const nlohmann::json& b);
// Appends the managedFields key of an item: k:{"containerPort":80,"protocol":"TCP"}.
void AppendOwnedItemKey(std::string& out, const MergeKey& key, const nlohmann::json& item);

// A Secret's stringData folded into data (base64), as the API server stores it.
// REQUIRES: object is a Secret.
void FoldStringData(nlohmann::json& object);

// RFC 6901 escaping of one reference token.
void AppendPointerToken(std::string& pointer, std::string_view token);

// --- ignore.cc ---

// One step of a path into a JSON value: an object key or an array index.
struct PathStep {
  std::string key;
  size_t index = 0;
  bool is_index = false;
};
using Path = std::vector<PathStep>;

// Removes the value at `path` when present; array elements are erased (later ones shift).
void RemovePath(nlohmann::json& value, const Path& path);

}  // namespace converge::diff
