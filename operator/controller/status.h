#pragma once
// operator/controller/status.h: what the controller writes to an Application's status, with
// Argo CD's fields (sync, health, resources, operationState, history, conditions) and the
// kstatus conditions Ready, Reconciling and Stalled so that `kubectl wait
// --for=condition=Ready` works. Built as a pure function of the previous status and what one
// reconcile observed; the controller writes it only when it differs from the previous one
// (reconciledAt aside).

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "diff/diff.h"
#include "sync/health/health.h"
#include "sync/sync.h"

namespace converge::controller {

// Argo CD's condition types that Converge raises.
inline constexpr char kInvalidSpecError[] = "InvalidSpecError";
inline constexpr char kComparisonError[] = "ComparisonError";
inline constexpr char kSyncError[] = "SyncError";
inline constexpr char kSharedResourceWarning[] = "SharedResourceWarning";
inline constexpr char kDeletionError[] = "DeletionError";

struct Condition {
  std::string type;
  std::string message;
};

struct ResourceState {
  kube::ResourceKey key;
  std::string version;
  diff::SyncStatus sync = diff::SyncStatus::kSynced;
  std::optional<sync::health::HealthStatus> health;
};

// What one reconcile saw. Without `compared` (the spec was invalid or the source could not be
// rendered), sync and health are kept as they were and the error conditions say why.
struct Observation {
  int64_t generation = 0;
  nlohmann::json spec = nlohmann::json::object();  // for comparedTo
  std::vector<std::string> revisions;
  bool compared = false;
  std::vector<ResourceState> resources;
  sync::health::HealthStatus health;
  std::vector<Condition> conditions;
  // A sync this reconcile ran (automated or requested), with the revision it synced and who
  // started it ("automated" or "user").
  std::optional<sync::OperationState> operation;
  std::string operation_revision;
  std::string initiated_by;
  bool prune = false;
  int64_t history_limit = 10;
  // A sync is waiting for its retry.
  bool retrying = false;
};

// The next status. `now` is RFC 3339.
nlohmann::json BuildStatus(const nlohmann::json& previous, const Observation& observed,
                           const std::string& now);

// Whether two statuses differ in more than reconciledAt.
bool StatusChanged(const nlohmann::json& before, const nlohmann::json& after);

// Argo CD's self-heal backoff: how long after the previous heal the next may run, given how
// many heals ran in a row: 0, then 2 s, 6 s, 18 s... at most 5 minutes.
std::chrono::seconds SelfHealDelay(int heals_in_a_row);

// The operationState a sync's outcome is recorded as.
nlohmann::json OperationStateJson(const sync::OperationState& state, const std::string& revision,
                                  const std::string& initiated_by, bool prune);

}  // namespace converge::controller
