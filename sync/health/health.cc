// Dispatch (deletion, custom rules, built-in table, generic rule), the ignore annotation, custom
// rule parsing and the worst-of aggregation.

#include "sync/health/health.h"

#include <array>
#include <string>

#include "sync/health/kinds.h"

namespace converge::sync::health {
namespace {

using nlohmann::json;

constexpr std::array<std::string_view, 6> kNames = {"Healthy", "Suspended", "Progressing",
                                                    "Missing", "Degraded",  "Unknown"};

bool Ignored(const kube::Object& object) {
  return object.Annotation(kIgnoreHealthAnnotation) == "true" ||
         object.Annotation("argocd.argoproj.io/ignore-healthcheck") == "true";
}

bool RuleMatches(const CustomRule& rule, std::string_view group, std::string_view kind) {
  return (rule.group == "*" || rule.group == group) && (rule.kind == "*" || rule.kind == kind);
}

// Exact group and kind first, then the group's wildcard kind, then the wildcard group.
const CustomRule* FindCustomRule(const Options& options, const kube::Object& object) {
  const CustomRule* best = nullptr;
  int best_rank = 3;
  for (const CustomRule& rule : options.custom_rules) {
    if (!RuleMatches(rule, object.Group(), object.Kind())) continue;
    int rank = rule.group == "*" ? 2 : rule.kind == "*" ? 1 : 0;
    if (rank < best_rank) {
      best = &rule;
      best_rank = rank;
    }
  }
  return best;
}

HealthStatus ApplyCustomRule(const CustomRule& rule, const kube::Object& object) {
  for (const ConditionRule& line : rule.conditions) {
    const json* condition = FindCondition(object, line.type);
    if (condition == nullptr || kube::StringAt(*condition, {"status"}) != line.status) continue;
    if (!line.reason.empty() && kube::StringAt(*condition, {"reason"}) != line.reason) continue;
    return {line.health, ConditionMessage(*condition)};
  }
  return {rule.otherwise, ""};
}

Result<std::string> StringField(const json& entry, std::string_view field, bool required) {
  auto it = entry.find(field);
  if (it == entry.end()) {
    if (required) return Status::Invalid(std::string(field) + ": required");
    return std::string();
  }
  if (!it->is_string()) return Status::Invalid(std::string(field) + ": expected string");
  return it->get<std::string>();
}

Result<HealthCode> HealthField(const json& entry, std::string_view field, bool required) {
  Result<std::string> name = StringField(entry, field, required);
  if (!name.ok()) return name.status();
  if (name->empty()) return HealthCode::kProgressing;
  std::optional<HealthCode> code = ParseHealthCode(*name);
  if (!code) return Status::Invalid(std::string(field) + ": unknown status \"" + *name + "\"");
  return *code;
}

Result<ConditionRule> ParseConditionRule(const json& entry) {
  if (!entry.is_object()) return Status::Invalid("expected a mapping");
  ConditionRule rule;
  Result<std::string> type = StringField(entry, "type", true);
  if (!type.ok()) return type.status();
  Result<std::string> status = StringField(entry, "status", true);
  if (!status.ok()) return status.status();
  if (*status != "True" && *status != "False" && *status != "Unknown") {
    return Status::Invalid("status: expected \"True\", \"False\" or \"Unknown\", got \"" + *status +
                           "\"");
  }
  Result<std::string> reason = StringField(entry, "reason", false);
  if (!reason.ok()) return reason.status();
  Result<HealthCode> health = HealthField(entry, "health", true);
  if (!health.ok()) return health.status();
  return ConditionRule{.type = std::move(*type),
                       .status = std::move(*status),
                       .reason = std::move(*reason),
                       .health = *health};
}

Result<CustomRule> ParseCustomRule(const json& entry) {
  if (!entry.is_object()) return Status::Invalid("expected a mapping");
  CustomRule rule;
  Result<std::string> group = StringField(entry, "group", false);
  if (!group.ok()) return group.status();
  Result<std::string> kind = StringField(entry, "kind", true);
  if (!kind.ok()) return kind.status();
  if (kind->empty()) return Status::Invalid("kind: required");
  Result<HealthCode> otherwise = HealthField(entry, "otherwise", false);
  if (!otherwise.ok()) return otherwise.status();
  rule.group = std::move(*group);
  rule.kind = std::move(*kind);
  rule.otherwise = *otherwise;
  auto conditions = entry.find("conditions");
  if (conditions == entry.end()) return rule;
  if (!conditions->is_array()) return Status::Invalid("conditions: expected a list");
  for (size_t i = 0; i < conditions->size(); ++i) {
    Result<ConditionRule> line = ParseConditionRule((*conditions)[i]);
    if (!line.ok()) return line.status().Wrap("conditions[" + std::to_string(i) + "]");
    rule.conditions.push_back(std::move(*line));
  }
  return rule;
}

}  // namespace

std::string_view HealthCodeName(HealthCode code) { return kNames[static_cast<size_t>(code)]; }

std::optional<HealthCode> ParseHealthCode(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<HealthCode>(i);
  }
  return std::nullopt;
}

Result<std::vector<CustomRule>> ParseCustomRules(const json& rules) {
  if (!rules.is_array()) return Status::Invalid("health rules: expected a list");
  std::vector<CustomRule> out;
  out.reserve(rules.size());
  for (size_t i = 0; i < rules.size(); ++i) {
    Result<CustomRule> rule = ParseCustomRule(rules[i]);
    if (!rule.ok()) return rule.status().Wrap("[" + std::to_string(i) + "]");
    out.push_back(std::move(*rule));
  }
  return out;
}

HealthStatus Assess(const kube::Object& object) {
  if (!kube::StringAt(object.json(), {"metadata", "deletionTimestamp"}).empty()) {
    return {HealthCode::kProgressing, "Pending deletion"};
  }
  Rule rule = FindRule(object.Group(), object.Kind());
  return rule != nullptr ? rule(object) : AssessGeneric(object);
}

std::optional<HealthStatus> Assess(const kube::Object* live, const Options& options) {
  if (live == nullptr) return HealthStatus{HealthCode::kMissing, "Resource does not exist"};
  if (Ignored(*live)) return std::nullopt;
  const CustomRule* custom = FindCustomRule(options, *live);
  if (custom == nullptr ||
      !kube::StringAt(live->json(), {"metadata", "deletionTimestamp"}).empty()) {
    return Assess(*live);
  }
  return ApplyCustomRule(*custom, *live);
}

HealthStatus Aggregate(const std::vector<std::optional<HealthStatus>>& statuses) {
  const HealthStatus* worst = nullptr;
  for (const std::optional<HealthStatus>& status : statuses) {
    if (status && (worst == nullptr || status->code > worst->code)) worst = &*status;
  }
  return worst != nullptr ? *worst : HealthStatus{};
}

}  // namespace converge::sync::health
