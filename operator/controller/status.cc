#include "operator/controller/status.h"

#include "base/clock.h"

namespace converge::controller {
namespace {

using nlohmann::json;

std::string Time(std::chrono::system_clock::time_point at) {
  return FormatRfc3339(
      std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count());
}

json KeyJson(const kube::ResourceKey& key) {
  json out = {{"group", key.group}, {"kind", key.kind}, {"name", key.name}};
  if (!key.ns.empty()) out["namespace"] = key.ns;
  return out;
}

json HealthJson(const sync::health::HealthStatus& health) {
  json out = {{"status", sync::health::HealthCodeName(health.code)}};
  if (!health.message.empty()) out["message"] = health.message;
  return out;
}

// The previous condition of `type`, to keep its lastTransitionTime while it holds.
const json* Previous(const json& previous, const std::string& type) {
  if (!previous.contains("conditions") || !previous["conditions"].is_array()) return nullptr;
  for (const json& condition : previous["conditions"]) {
    if (condition.value("type", "") == type) return &condition;
  }
  return nullptr;
}

json KstatusCondition(const json& previous, const std::string& type, bool status,
                      const std::string& reason, const std::string& message, int64_t generation,
                      const std::string& now) {
  std::string value = status ? "True" : "False";
  const json* before = Previous(previous, type);
  std::string since = before != nullptr && before->value("status", "") == value
                          ? before->value("lastTransitionTime", now)
                          : now;
  return {{"type", type},
          {"status", value},
          {"reason", reason},
          {"message", message},
          {"observedGeneration", generation},
          {"lastTransitionTime", since}};
}

bool IsError(const Condition& condition) {
  return condition.type.size() > 5 && condition.type.ends_with("Error");
}

}  // namespace

json OperationStateJson(const sync::OperationState& state, const std::string& revision,
                        const std::string& initiated_by, bool prune) {
  const sync::Outcome& outcome = state.outcome;
  json resources = json::array();
  for (const sync::ResourceResult& result : outcome.resources) {
    json r = KeyJson(result.key);
    r["status"] = sync::ResultStatusName(result.status);
    r["message"] = result.message;
    r["syncPhase"] = sync::PhaseName(result.phase);
    if (result.hook) r["hookType"] = sync::PhaseName(result.phase);
    if (result.hook_phase) r["hookPhase"] = sync::OperationPhaseName(*result.hook_phase);
    resources.push_back(std::move(r));
  }
  json out = {{"operation",
               {{"sync", {{"revision", revision}, {"prune", prune}}},
                {"initiatedBy",
                 {{initiated_by == "automated" ? "automated" : "username",
                   initiated_by == "automated" ? json(true) : json(initiated_by)}}}}},
              {"phase", sync::OperationPhaseName(outcome.phase)},
              {"message", outcome.message},
              {"syncResult", {{"revision", revision}, {"resources", std::move(resources)}}},
              {"startedAt", Time(outcome.started_at)},
              {"finishedAt", Time(outcome.finished_at)},
              {"retryCount", state.retry_count}};
  return out;
}

json BuildStatus(const json& previous, const Observation& observed, const std::string& now) {
  json status = previous.is_object() ? previous : json::object();
  if (observed.compared) {
    bool synced = true;
    json resources = json::array();
    for (const ResourceState& resource : observed.resources) {
      json r = KeyJson(resource.key);
      r["version"] = resource.version;
      r["status"] = resource.sync == diff::SyncStatus::kSynced ? "Synced" : "OutOfSync";
      if (resource.sync == diff::SyncStatus::kExtraneous) r["requiresPruning"] = true;
      if (resource.health) r["health"] = HealthJson(*resource.health);
      synced = synced && resource.sync == diff::SyncStatus::kSynced;
      resources.push_back(std::move(r));
    }
    json compared_to = {{"destination", observed.spec.value("destination", json::object())}};
    if (observed.spec.contains("sources")) {
      compared_to["sources"] = observed.spec["sources"];
    } else {
      compared_to["source"] = observed.spec.value("source", json::object());
    }
    status["sync"] = {{"status", synced ? "Synced" : "OutOfSync"}, {"comparedTo", compared_to}};
    if (observed.revisions.size() == 1) status["sync"]["revision"] = observed.revisions[0];
    if (observed.revisions.size() > 1) status["sync"]["revisions"] = observed.revisions;
    status["health"] = HealthJson(observed.health);
    status["resources"] = std::move(resources);
  } else if (!status.contains("sync")) {
    status["sync"] = {{"status", "Unknown"}};
    status["health"] = {{"status", "Unknown"}};
  }

  if (observed.operation) {
    status["operationState"] = OperationStateJson(*observed.operation, observed.operation_revision,
                                                  observed.initiated_by, observed.prune);
    if (observed.operation->outcome.phase == sync::OperationPhase::kSucceeded) {
      json history = status.value("history", json::array());
      int64_t id = history.empty() ? 0 : history.back().value("id", int64_t{0}) + 1;
      json entry = {{"id", id},
                    {"revision", observed.operation_revision},
                    {"deployedAt", Time(observed.operation->outcome.finished_at)},
                    {"deployStartedAt", Time(observed.operation->outcome.started_at)},
                    {"initiatedBy", status["operationState"]["operation"]["initiatedBy"]}};
      if (observed.spec.contains("sources")) {
        entry["sources"] = observed.spec["sources"];
      } else {
        entry["source"] = observed.spec.value("source", json::object());
      }
      history.push_back(std::move(entry));
      while (static_cast<int64_t>(history.size()) > std::max<int64_t>(observed.history_limit, 1)) {
        history.erase(history.begin());
      }
      status["history"] = std::move(history);
    }
  }

  // Argo CD's conditions first, then kstatus's; an error condition keeps its first time.
  json conditions = json::array();
  const Condition* error = nullptr;
  for (const Condition& condition : observed.conditions) {
    if (error == nullptr && IsError(condition)) error = &condition;
    const json* before = Previous(previous, condition.type);
    std::string since = before != nullptr && before->value("message", "") == condition.message
                            ? before->value("lastTransitionTime", now)
                            : now;
    conditions.push_back(
        {{"type", condition.type}, {"message", condition.message}, {"lastTransitionTime", since}});
  }
  std::string sync_status = status["sync"].value("status", "Unknown");
  std::string health = status["health"].value("status", "Unknown");
  bool ready = error == nullptr && sync_status == "Synced" && health == "Healthy";
  std::string reason = "Succeeded";
  std::string message = "Synced and Healthy at " + status["sync"].value("revision", "");
  bool stalled = false;
  if (error != nullptr) {
    reason = error->type;
    message = error->message;
    stalled = !observed.retrying;
  } else if (sync_status != "Synced") {
    reason = "OutOfSync";
    message = "live state differs from " + status["sync"].value("revision", "the source");
  } else if (health != "Healthy") {
    reason = health;
    message = status["health"].value("message", "resources are " + health);
  }
  int64_t generation = observed.generation;
  conditions.push_back(
      KstatusCondition(previous, "Ready", ready, reason, message, generation, now));
  conditions.push_back(KstatusCondition(previous, "Reconciling", !ready && !stalled,
                                        ready ? "Succeeded" : reason, ready ? "" : message,
                                        generation, now));
  conditions.push_back(KstatusCondition(previous, "Stalled", stalled,
                                        stalled ? reason : "Succeeded", stalled ? message : "",
                                        generation, now));
  status["conditions"] = std::move(conditions);
  status["observedGeneration"] = generation;
  status["reconciledAt"] = previous.is_object() && previous.contains("reconciledAt")
                               ? previous["reconciledAt"]
                               : json(now);
  return status;
}

bool StatusChanged(const json& before, const json& after) {
  json a = before.is_object() ? before : json::object();
  json b = after.is_object() ? after : json::object();
  a.erase("reconciledAt");
  b.erase("reconciledAt");
  return a != b;
}

}  // namespace converge::controller
