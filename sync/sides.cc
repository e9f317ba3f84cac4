#include <set>

#include "sync/sync.h"

namespace converge::sync {

ComparisonSides SidesOf(const Plan& plan, std::string_view app_id, std::vector<kube::Object> live) {
  ComparisonSides sides{.shared = plan.shared};
  std::set<kube::ResourceKey> keys(plan.prune_skipped.begin(), plan.prune_skipped.end());
  for (const Task& task : plan.tasks) {
    if (task.hook || task.managed_namespace) continue;
    if (task.action != Action::kApply) {
      keys.insert(task.object.Key());
      continue;
    }
    kube::Object object = task.object;
    StampTracking(object, app_id);
    keys.insert(object.Key());
    sides.desired.push_back(std::move(object));
  }
  for (kube::Object& object : live) {
    if (keys.contains(object.Key())) sides.live.push_back(std::move(object));
  }
  return sides;
}

}  // namespace converge::sync
