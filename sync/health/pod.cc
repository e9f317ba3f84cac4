// Pod: a container stuck in an error or back-off state is Degraded for pods that restart
// forever; otherwise the phase decides, and a running pod that restarts forever needs Ready.

#include <string>
#include <string_view>

#include "sync/health/kinds.h"

namespace converge::sync::health {
namespace {

bool FailingReason(std::string_view reason) {
  return reason.starts_with("Err") || reason.ends_with("Error") || reason.ends_with("BackOff");
}

// The messages of containers waiting for a failing reason, joined by ", "; empty when none.
std::string FailingContainers(const nlohmann::json& status) {
  std::string messages;
  bool any = false;
  for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
    auto containers = status.find(list);
    if (containers == status.end() || !containers->is_array()) continue;
    for (const nlohmann::json& container : *containers) {
      if (!FailingReason(kube::StringAt(container, {"state", "waiting", "reason"}))) continue;
      if (any) messages += ", ";
      messages += kube::StringAt(container, {"state", "waiting", "message"});
      any = true;
    }
  }
  return any && messages.empty() ? "container is failing" : messages;
}

}  // namespace

HealthStatus AssessPod(const kube::Object& object) {
  const nlohmann::json& json = object.json();
  std::string_view restart = kube::StringAt(json, {"spec", "restartPolicy"});
  bool forever = restart.empty() || restart == "Always";
  auto status_it = json.find("status");
  const nlohmann::json status =
      status_it != json.end() && status_it->is_object() ? *status_it : nlohmann::json::object();
  if (forever) {
    std::string failing = FailingContainers(status);
    if (!failing.empty()) return {HealthCode::kDegraded, failing};
  }
  std::string message(kube::StringAt(status, {"message"}));
  std::string_view phase = kube::StringAt(status, {"phase"});
  if (phase == "Pending") return {HealthCode::kProgressing, message};
  if (phase == "Succeeded") return {HealthCode::kHealthy, message};
  if (phase == "Failed") return {HealthCode::kDegraded, message};
  if (phase == "Running") {
    if (forever && ConditionIs(object, "Ready", "True")) return {HealthCode::kHealthy, message};
    return {HealthCode::kProgressing, message};
  }
  return {HealthCode::kUnknown, message};
}

}  // namespace converge::sync::health
