#include "operator/controller/events.h"

#include <random>

#include "base/clock.h"
#include "base/log.h"

namespace converge::controller {

void RecordEvent(kube::Client& client, const kube::Object& application, EventType type,
                 std::string_view reason, std::string_view message) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  char suffix[17];
  std::snprintf(suffix, sizeof(suffix), "%016llx", static_cast<unsigned long long>(random()));
  std::string now = FormatRfc3339(UnixSeconds());
  const nlohmann::json& metadata = application.json()["metadata"];
  kube::Object event(nlohmann::json{{"apiVersion", "v1"},
                                    {"kind", "Event"},
                                    {"metadata",
                                     {{"name", std::string(application.Name()) + "." + suffix},
                                      {"namespace", application.Namespace()}}},
                                    {"involvedObject",
                                     {{"apiVersion", application.ApiVersion()},
                                      {"kind", application.Kind()},
                                      {"name", application.Name()},
                                      {"namespace", application.Namespace()},
                                      {"uid", metadata.value("uid", "")},
                                      {"resourceVersion", metadata.value("resourceVersion", "")}}},
                                    {"type", type == EventType::kNormal ? "Normal" : "Warning"},
                                    {"reason", reason},
                                    {"message", message},
                                    {"source", {{"component", "converge-operator"}}},
                                    {"reportingComponent", "converge-operator"},
                                    {"firstTimestamp", now},
                                    {"lastTimestamp", now},
                                    {"count", 1}});
  kube::ApiResult<kube::Object> created = client.Create(event);
  if (!created.ok()) {
    log::Warn("recording event", {{"reason", reason}, {"error", created.error().message}});
  }
}

}  // namespace converge::controller
