#pragma once
// apiserver/scale.h (internal): the /scale subresource (autoscaling/v1 Scale) of Deployments,
// ReplicaSets and StatefulSets, the view `kubectl scale` and autoscalers read and write.

#include <nlohmann/json.hpp>

#include "apiserver/api_error.h"
#include "apiserver/resources.h"

namespace converge::apiserver {

// The Scale of a stored object: its metadata, spec.replicas and status.replicas/selector.
nlohmann::json ScaleOf(const ResourceType& type, const nlohmann::json& object);

// `object` with the replicas a Scale asks for; the Scale's resourceVersion and uid, when set,
// become preconditions of the update. Invalid (422) for a replica count that is not a
// non-negative integer.
ApiResult<nlohmann::json> WithScale(const ResourceType& type, nlohmann::json object,
                                    const nlohmann::json& scale);

}  // namespace converge::apiserver
