// APIService: its Available condition.

#include <string>

#include "sync/health/kinds.h"

namespace converge::sync::health {

HealthStatus AssessApiService(const kube::Object& object) {
  const nlohmann::json* available = FindCondition(object, "Available");
  if (available == nullptr) return {HealthCode::kProgressing, "Waiting to be available"};
  if (kube::StringAt(*available, {"status"}) == "True") {
    return {HealthCode::kHealthy, ConditionMessage(*available)};
  }
  return {HealthCode::kProgressing, std::string(kube::StringAt(*available, {"reason"})) + ": " +
                                        ConditionMessage(*available)};
}

}  // namespace converge::sync::health
