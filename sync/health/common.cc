// What the per-kind rules share: reading counters and conditions without throwing.

#include "sync/health/kinds.h"

namespace converge::sync::health {

using nlohmann::json;

int64_t IntAt(const json& value, std::initializer_list<std::string_view> path, int64_t fallback) {
  const json* node = &value;
  for (std::string_view step : path) {
    if (!node->is_object()) return fallback;
    auto it = node->find(step);
    if (it == node->end()) return fallback;
    node = &*it;
  }
  return node->is_number_integer() ? node->get<int64_t>() : fallback;
}

const json* FindCondition(const kube::Object& object, std::string_view type) {
  auto status = object.json().find("status");
  if (status == object.json().end() || !status->is_object()) return nullptr;
  auto conditions = status->find("conditions");
  if (conditions == status->end() || !conditions->is_array()) return nullptr;
  for (const json& condition : *conditions) {
    if (condition.is_object() && kube::StringAt(condition, {"type"}) == type) return &condition;
  }
  return nullptr;
}

bool ConditionIs(const kube::Object& object, std::string_view type, std::string_view status) {
  const json* condition = FindCondition(object, type);
  return condition != nullptr && kube::StringAt(*condition, {"status"}) == status;
}

std::string ConditionMessage(const json& condition) {
  return std::string(kube::StringAt(condition, {"message"}));
}

bool GenerationPending(const kube::Object& object) {
  int64_t observed = IntAt(object.json(), {"status", "observedGeneration"}, -1);
  return observed >= 0 && IntAt(object.json(), {"metadata", "generation"}) > observed;
}

bool HasLoadBalancerIngress(const kube::Object& object) {
  auto status = object.json().find("status");
  if (status == object.json().end() || !status->is_object()) return false;
  auto lb = status->find("loadBalancer");
  if (lb == status->end() || !lb->is_object()) return false;
  auto ingress = lb->find("ingress");
  return ingress != lb->end() && ingress->is_array() && !ingress->empty();
}

}  // namespace converge::sync::health
