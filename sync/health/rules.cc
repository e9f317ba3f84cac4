// The group/kind table of built-in rules: the one place a new kind is registered.

#include <algorithm>
#include <array>
#include <string_view>

#include "sync/health/kinds.h"

namespace converge::sync::health {
namespace {

struct Row {
  std::string_view group;
  std::string_view kind;
  Rule rule;
};

// Sorted by group, then kind.
constexpr std::array kRules = {
    Row{"", "Namespace", AssessNamespace},
    Row{"", "PersistentVolumeClaim", AssessPersistentVolumeClaim},
    Row{"", "Pod", AssessPod},
    Row{"", "Service", AssessService},
    Row{"apiextensions.k8s.io", "CustomResourceDefinition", AssessCustomResourceDefinition},
    Row{"apiregistration.k8s.io", "APIService", AssessApiService},
    Row{"apps", "DaemonSet", AssessDaemonSet},
    Row{"apps", "Deployment", AssessDeployment},
    Row{"apps", "ReplicaSet", AssessReplicaSet},
    Row{"apps", "StatefulSet", AssessStatefulSet},
    Row{"autoscaling", "HorizontalPodAutoscaler", AssessHorizontalPodAutoscaler},
    Row{"batch", "CronJob", AssessCronJob},
    Row{"batch", "Job", AssessJob},
    Row{"extensions", "Ingress", AssessIngress},
    Row{"networking.k8s.io", "Ingress", AssessIngress},
};

constexpr bool Less(const Row& a, const Row& b) {
  return a.group != b.group ? a.group < b.group : a.kind < b.kind;
}
static_assert(std::is_sorted(kRules.begin(), kRules.end(), Less));

}  // namespace

Rule FindRule(std::string_view group, std::string_view kind) {
  Row probe{group, kind, nullptr};
  auto it = std::lower_bound(kRules.begin(), kRules.end(), probe, Less);
  if (it == kRules.end() || it->group != group || it->kind != kind) return nullptr;
  return it->rule;
}

}  // namespace converge::sync::health
