// Ingress: healthy once the controller published an address.

#include "sync/health/kinds.h"

namespace converge::sync::health {

HealthStatus AssessIngress(const kube::Object& object) {
  if (HasLoadBalancerIngress(object)) return {HealthCode::kHealthy, ""};
  return {HealthCode::kProgressing, "Waiting for the ingress address"};
}

}  // namespace converge::sync::health
