// CronJob: Argo CD's bundled rule compares the last schedule with the last success. RFC 3339
// times in UTC with a fixed layout compare correctly as strings.

#include <string_view>

#include "sync/health/kinds.h"

namespace converge::sync::health {

HealthStatus AssessCronJob(const kube::Object& object) {
  const nlohmann::json& json = object.json();
  auto spec = json.find("spec");
  if (spec != json.end() && spec->is_object() && spec->value("suspend", false)) {
    return {HealthCode::kSuspended, "CronJob is suspended"};
  }
  std::string_view scheduled = kube::StringAt(json, {"status", "lastScheduleTime"});
  if (scheduled.empty()) return {HealthCode::kHealthy, "CronJob has not been scheduled yet"};
  std::string_view succeeded = kube::StringAt(json, {"status", "lastSuccessfulTime"});
  auto status = json.find("status");
  auto active = status->find("active");
  bool running = active != status->end() && active->is_array() && !active->empty();
  if (succeeded.empty()) {
    if (running) return {HealthCode::kProgressing, "The first job is running"};
    return {HealthCode::kDegraded, "CronJob has never completed a job successfully"};
  }
  if (scheduled > succeeded) {
    if (running) return {HealthCode::kProgressing, "The last scheduled job is running"};
    return {HealthCode::kDegraded, "The last scheduled job did not succeed"};
  }
  return {HealthCode::kHealthy, "The last scheduled job succeeded"};
}

}  // namespace converge::sync::health
