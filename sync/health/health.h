#pragma once
// sync/health/health.h: how healthy a live object is, with Argo CD's statuses and built-in
// rules, kstatus-style rules (observedGeneration, Ready/Reconciling/Stalled conditions) for
// every other kind, declarative custom rules from configuration, and the worst-of aggregation
// that gives an Application its health.
//
// Live objects are inputs: this library never talks to the cluster.
// Thread-compatible: concurrent const calls are safe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "kube/kube.h"

namespace converge::sync::health {

// Argo CD's health statuses, declared best first: a larger value is worse.
enum class HealthCode {
  kHealthy,
  kSuspended,
  kProgressing,
  kMissing,
  kDegraded,
  kUnknown,
};

// "Healthy", "Suspended", ... as Argo CD spells them.
std::string_view HealthCodeName(HealthCode code);
std::optional<HealthCode> ParseHealthCode(std::string_view name);

struct HealthStatus {
  HealthCode code = HealthCode::kHealthy;
  std::string message;

  bool operator==(const HealthStatus&) const = default;
};

// The annotation that takes an object out of health assessment when set to "true". Argo CD's
// spelling, argocd.argoproj.io/ignore-healthcheck, is honoured too so migrated manifests keep
// their meaning.
inline constexpr std::string_view kIgnoreHealthAnnotation = "converge.dev/ignore-healthcheck";

// One line of a declarative custom rule: when the object has a condition of `type` whose status
// is `status` (and whose reason is `reason`, when set), its health is `health`, with the
// condition's message.
struct ConditionRule {
  std::string type;
  std::string status;  // "True", "False" or "Unknown"
  std::string reason;  // empty: any reason
  HealthCode health = HealthCode::kHealthy;
};

// Health for one group/kind from configuration, replacing the built-in rule. Condition rules
// are tried in order; the first that matches decides. When none matches, `otherwise` decides.
struct CustomRule {
  std::string group;  // "" for the core group; "*" for any group
  std::string kind;   // "*" for any kind of the group
  std::vector<ConditionRule> conditions;
  HealthCode otherwise = HealthCode::kProgressing;
};

// Reads custom rules from configuration (YAML/JSON already decoded), a list of
//   {group, kind, conditions: [{type, status, reason?, health}], otherwise?}
// Fails naming the entry and field, e.g. "[1].conditions[0].health: unknown status \"Fine\"".
Result<std::vector<CustomRule>> ParseCustomRules(const nlohmann::json& rules);

struct Options {
  // Checked before the built-in rules, most specific first: exact group and kind, then the
  // group's "*" kind, then "*" group. Empty by default.
  std::vector<CustomRule> custom_rules;
};

// The built-in rule for `object`'s group/kind, or the generic rule. Objects being deleted are
// Progressing whatever their kind.
HealthStatus Assess(const kube::Object& object);

// Assesses with custom rules first. A null `live` is Missing; an object carrying the ignore
// annotation gives nullopt (it does not count in the aggregation).
std::optional<HealthStatus> Assess(const kube::Object* live, const Options& options);

// The worst of `statuses`, ignoring nullopt entries; Healthy when nothing counts. The message is
// the worst entry's.
HealthStatus Aggregate(const std::vector<std::optional<HealthStatus>>& statuses);

}  // namespace converge::sync::health
