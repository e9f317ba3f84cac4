#pragma once
// apiserver/strategic_merge.h (internal): applying a strategic merge patch the way
// apimachinery's strategicpatch does on the server (MergeParallelList, IgnoreUnmatchedNulls):
// maps merge, lists merge by their patch merge key or are replaced, and the directives $patch
// (replace, delete), $retainKeys, $setElementOrder/<list> and $deleteFromPrimitiveList/<list>
// apply. kubectl apply (client-side), kubectl edit and kubectl patch send these.

#include <nlohmann/json.hpp>

#include "apiserver/schema.h"
#include "base/status.h"

namespace converge::apiserver {

// kInvalid for a malformed patch (a bad directive, a list item without its merge key).
Result<nlohmann::json> StrategicMergePatch(const nlohmann::json& original,
                                           const nlohmann::json& patch, const Schema& schema);

}  // namespace converge::apiserver
