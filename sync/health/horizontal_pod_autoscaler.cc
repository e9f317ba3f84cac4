// HorizontalPodAutoscaler: the autoscaler's own conditions. Failing to read the scale target
// or its metrics is Degraded; a condition that shows it scaling or within range is Healthy;
// before any of these appear it is still starting.

#include <string>
#include <string_view>

#include "sync/health/kinds.h"

namespace converge::sync::health {
namespace {

bool Degrades(std::string_view type, std::string_view status, std::string_view reason) {
  if (status != "False") return false;
  if (type == "AbleToScale") return reason == "FailedGetScale" || reason == "FailedUpdateScale";
  if (type == "ScalingActive") {
    return reason == "FailedGetResourceMetric" || reason == "FailedGetPodsMetric" ||
           reason == "FailedGetObjectMetric" || reason == "FailedGetExternalMetric" ||
           reason == "FailedGetContainerResourceMetric" || reason == "InvalidSelector" ||
           reason == "InvalidMetricSourceType";
  }
  return false;
}

bool Shows(std::string_view type, std::string_view status) {
  return status == "True" &&
         (type == "AbleToScale" || type == "ScalingActive" || type == "ScalingLimited");
}

}  // namespace

HealthStatus AssessHorizontalPodAutoscaler(const kube::Object& object) {
  auto status = object.json().find("status");
  if (status == object.json().end() || !status->is_object()) {
    return {HealthCode::kProgressing, "Waiting to autoscale"};
  }
  auto conditions = status->find("conditions");
  if (conditions == status->end() || !conditions->is_array()) {
    return {HealthCode::kProgressing, "Waiting to autoscale"};
  }
  bool healthy = false;
  for (const nlohmann::json& condition : *conditions) {
    std::string_view type = kube::StringAt(condition, {"type"});
    std::string_view state = kube::StringAt(condition, {"status"});
    if (Degrades(type, state, kube::StringAt(condition, {"reason"}))) {
      return {HealthCode::kDegraded, ConditionMessage(condition)};
    }
    healthy = healthy || Shows(type, state);
  }
  if (healthy) return {HealthCode::kHealthy, ""};
  return {HealthCode::kProgressing, "Waiting to autoscale"};
}

}  // namespace converge::sync::health
