// Service: only a LoadBalancer waits, for its external address.

#include "sync/health/kinds.h"

namespace converge::sync::health {

HealthStatus AssessService(const kube::Object& object) {
  if (kube::StringAt(object.json(), {"spec", "type"}) != "LoadBalancer" ||
      HasLoadBalancerIngress(object)) {
    return {HealthCode::kHealthy, ""};
  }
  return {HealthCode::kProgressing, "Waiting for the load balancer address"};
}

}  // namespace converge::sync::health
