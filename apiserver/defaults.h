#pragma once
// apiserver/defaults.h (internal): the defaults a real API server fills in, so that diffs
// against this server show the same "noise" as against a cluster
// (shared/reference/kubernetes-api.md section 8), and canonical resource quantities.

#include <nlohmann/json.hpp>

#include "apiserver/resources.h"

namespace converge::apiserver {

// Fills defaults into a built-in object in place (custom resources: nothing). Cluster IPs and
// node ports are allocated by the caller, which knows what is taken.
void ApplyDefaults(const ResourceType& type, nlohmann::json& object);

// Rewrites every resource.Quantity of a built-in object in canonical form.
void CanonicalizeQuantities(const ResourceType& type, nlohmann::json& object);

}  // namespace converge::apiserver
