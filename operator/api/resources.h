#pragma once
// operator/api/resources.h: the bodies of managed-resources and resource-tree, built from the
// controller's last comparison. Secret data is masked in every object and diff shown.

#include <nlohmann/json.hpp>

#include "kube/client/client.h"
#include "operator/controller/controller.h"

namespace converge::api {

// {"items": [{group, kind, namespace, name, status, health, targetState, liveState, diff}]}
nlohmann::json ManagedResources(const controller::Comparison& comparison);

// {"nodes": [...]}: the live managed objects, and the objects found through ownerReferences
// below them (ReplicaSets, Pods, Jobs, ControllerRevisions in their namespaces), read from
// `client`.
nlohmann::json ResourceTree(const controller::Comparison& comparison, kube::Client& client);

}  // namespace converge::api
