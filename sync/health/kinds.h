#pragma once
// sync/health/kinds.h: the built-in rules, one file per kind, and what they share. Internal to
// sync/health/; other libraries include health.h.

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kube/kube.h"
#include "sync/health/health.h"

namespace converge::sync::health {

HealthStatus AssessDeployment(const kube::Object& object);
HealthStatus AssessStatefulSet(const kube::Object& object);
HealthStatus AssessDaemonSet(const kube::Object& object);
HealthStatus AssessReplicaSet(const kube::Object& object);
HealthStatus AssessPod(const kube::Object& object);
HealthStatus AssessJob(const kube::Object& object);
HealthStatus AssessCronJob(const kube::Object& object);
HealthStatus AssessPersistentVolumeClaim(const kube::Object& object);
HealthStatus AssessService(const kube::Object& object);
HealthStatus AssessIngress(const kube::Object& object);
HealthStatus AssessHorizontalPodAutoscaler(const kube::Object& object);
HealthStatus AssessApiService(const kube::Object& object);
HealthStatus AssessCustomResourceDefinition(const kube::Object& object);
HealthStatus AssessNamespace(const kube::Object& object);
// kstatus-style: observedGeneration, then Stalled, Reconciling and Ready conditions.
HealthStatus AssessGeneric(const kube::Object& object);

// The rule for a group/kind from the table in rules.cc, or null when none is built in.
using Rule = HealthStatus (*)(const kube::Object&);
Rule FindRule(std::string_view group, std::string_view kind);

// The integer at `path`, or `fallback` when absent or not an integer.
int64_t IntAt(const nlohmann::json& value, std::initializer_list<std::string_view> path,
              int64_t fallback = 0);
// The entry of status.conditions whose type is `type`, or null.
const nlohmann::json* FindCondition(const kube::Object& object, std::string_view type);
// Whether that condition exists with status `status`.
bool ConditionIs(const kube::Object& object, std::string_view type, std::string_view status);
std::string ConditionMessage(const nlohmann::json& condition);
// metadata.generation is ahead of status.observedGeneration.
bool GenerationPending(const kube::Object& object);
// status.loadBalancer.ingress has an entry.
bool HasLoadBalancerIngress(const kube::Object& object);

}  // namespace converge::sync::health
